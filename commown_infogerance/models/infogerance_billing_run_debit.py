from odoo import api, fields, models
from odoo.osv import expression

#: Per run: the invoices its items put in debit orders, and the amount their
#: payment lines (in an order not cancelled) carry.
DEBIT_TOTALS_SQL = """
    SELECT i.run_id, count(DISTINCT v.invoice_id), coalesce(sum(pl.amount_currency), 0)
      FROM infogerance_billing_run_item i
      JOIN infogerance_billing_run_item_debit_invoice_rel v ON v.item_id = i.id
      LEFT JOIN account_move_line ml ON ml.invoice_id = v.invoice_id
      LEFT JOIN account_payment_line pl ON pl.move_line_id = ml.id
       AND pl.order_id IN (SELECT o.order_id
                             FROM infogerance_billing_run_item_debit_order_rel o
                             JOIN account_payment_order po ON po.id = o.order_id
                            WHERE o.item_id = i.id AND po.state != 'cancel')
     WHERE i.run_id IN %s
     GROUP BY 1
"""
DEBIT_ORDERS_SQL = """
    SELECT i.run_id, o.order_id
      FROM infogerance_billing_run_item i
      JOIN infogerance_billing_run_item_debit_order_rel o ON o.item_id = i.id
     WHERE i.run_id IN %s
     GROUP BY 1, 2
"""


class InfogeranceBillingRun(models.Model):
    """What the run's direct-debit stage did: the debit orders it filled, the
    invoices and amount it put in them, the invoices it left out and why."""

    _inherit = "infogerance.billing.run"

    debit_order_ids = fields.Many2many(
        comodel_name="account.payment.order",
        compute="_compute_debit",
        string="Debit orders",
        groups="account_payment_order.group_account_payment",
    )
    debit_order_count = fields.Integer(string="Debit orders", compute="_compute_debit")
    debit_invoice_count = fields.Integer(
        string="Invoices in debit orders", compute="_compute_debit"
    )
    debit_amount = fields.Float(
        string="Amount in debit orders",
        compute="_compute_debit",
        help="The amount the run's invoices carry in the debit orders it filled: what "
        "the bank will debit once the accountant confirmed the orders and sent their files.",
    )
    debit_skip_ids = fields.One2many(
        comodel_name="infogerance.billing.run.debit.skip",
        inverse_name="run_id",
        string="Left out of the debit orders",
        readonly=True,
    )
    debit_skip_count = fields.Integer(
        string="Invoices left out of the debit orders", compute="_compute_debit"
    )

    def _compute_debit(self):
        totals, orders, skips = {}, {}, {}
        if self.ids:
            self.env.cr.execute(DEBIT_TOTALS_SQL, (tuple(self.ids),))
            totals = {row[0]: row[1:] for row in self.env.cr.fetchall()}
            self.env.cr.execute(DEBIT_ORDERS_SQL, (tuple(self.ids),))
            for run_id, order_id in self.env.cr.fetchall():
                orders.setdefault(run_id, []).append(order_id)
            skips = {
                group["run_id"][0]: group["run_id_count"]
                for group in self.env["infogerance.billing.run.debit.skip"].read_group(
                    [("run_id", "in", self.ids)], ["run_id"], ["run_id"]
                )
            }
        for run in self:
            run.debit_invoice_count, run.debit_amount = totals.get(run.id, (0, 0.0))
            run.debit_order_ids = [(6, 0, orders.get(run.id, []))]
            run.debit_order_count = len(orders.get(run.id, ()))
            run.debit_skip_count = skips.get(run.id, 0)

    @api.model
    def _infogerance_items_to_run_domain(self, include_failed=False):
        # and the customers done whose direct-debit stage is not
        return expression.OR(
            [
                super()._infogerance_items_to_run_domain(include_failed),
                ["&", ("state", "=", "done"), ("debit_done", "=", False)],
            ]
        )

    @api.multi
    def action_view_debit_orders(self):
        """The debit orders the run filled, to confirm and export."""
        self.ensure_one()
        self._check_billing_rights()
        action = self.env.ref("account_payment_order.account_payment_order_inbound_action")
        result = action.read()[0]
        # the ids only, once the caller's rights were checked; the orders
        # themselves are read with the caller's rights (payment managers)
        result["domain"] = [("id", "in", self.sudo().debit_order_ids.ids)]
        return result
