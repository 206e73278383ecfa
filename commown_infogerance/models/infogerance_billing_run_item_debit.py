import logging

from psycopg2 import OperationalError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from .billing_transaction import retried_transaction

_logger = logging.getLogger(__name__)

#: OCA ``account_banking_sepa_direct_debit``'s payment method.
SEPA_DIRECT_DEBIT = "sepa_direct_debit"
#: States of a payment order that still carries (or has carried to the bank) its
#: lines: an invoice with a line in one of them is not debited again.
LIVE_ORDER_STATES = ("draft", "open", "generated", "uploaded", "done")

SKIP_REASONS = [
    ("credit_note", "Credit note"),
    ("not_open", "Not validated or already paid"),
    ("not_direct_debit", "Not paid by SEPA direct debit"),
    ("no_mandate", "No mandate"),
    ("mandate_not_valid", "Mandate not valid"),
    ("in_order", "Already in a payment order"),
    ("nothing_to_debit", "Nothing left to debit"),
    ("error", "Error"),
]


class InfogeranceBillingRunItem(models.Model):
    """The direct-debit stage, after validate and send: each open invoice of the
    customer paid by SEPA direct debit on a valid mandate goes into the draft debit
    order of its payment mode (OCA ``account_payment_order``), created if needed;
    the others are skipped with their reason. In a short transaction of its own,
    idempotent: an invoice the stage put in an order is never put again. Confirming
    the order and generating the pain.008 file stay the accountant's."""

    _inherit = "infogerance.billing.run.item"

    debit_done = fields.Boolean(string="Direct debit done", readonly=True, copy=False)
    debit_invoice_ids = fields.Many2many(
        comodel_name="account.invoice",
        relation="infogerance_billing_run_item_debit_invoice_rel",
        column1="item_id",
        column2="invoice_id",
        string="Invoices in debit orders",
        readonly=True,
        copy=False,
    )
    debit_order_ids = fields.Many2many(
        comodel_name="account.payment.order",
        relation="infogerance_billing_run_item_debit_order_rel",
        column1="item_id",
        column2="order_id",
        string="Debit orders",
        readonly=True,
        copy=False,
        groups="account_payment_order.group_account_payment",
    )
    debit_skip_ids = fields.One2many(
        comodel_name="infogerance.billing.run.debit.skip",
        inverse_name="item_id",
        string="Left out of the debit orders",
        readonly=True,
    )
    debit_error = fields.Text(string="Direct debit error", readonly=True, copy=False)

    # Business methods -------------------------------------------------------------

    @api.model
    def _infogerance_bill_items(self, item_ids):
        billed = super()._infogerance_bill_items(item_ids)
        for item_id in item_ids:
            self._infogerance_debit_item(item_id)
        return billed

    @api.model
    def _infogerance_debit_item(self, item_id):
        """The direct-debit stage of an item, in a transaction of its own, tried
        again when it lost a race for a debit order (another worker, or the
        accountant confirming it); after the last try, the error is recorded and
        the next run of the date tries again."""
        retried_transaction(
            self.env,
            lambda env: env[self._name].browse(item_id)._infogerance_run_debit(),
            lambda env, err: env[self._name].browse(item_id).write({"debit_error": str(err)}),
            "billing item %s, debit order" % item_id,
        )

    def _infogerance_run_debit(self):
        """Put the item's open direct-debit invoices in their draft debit orders
        and record the others with the reason they stay out. Done (not run again)
        once the earlier stages are done and nothing failed unexpectedly."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT state, stages_done, debit_done FROM infogerance_billing_run_item "
            "WHERE id = %s FOR UPDATE",
            (self.id,),
        )
        state, stages_done, debit_done = self.env.cr.fetchone()
        if state != "done" or debit_done:
            return
        if not self.company_id.infogerance_billing_debit:
            self.write({"debit_done": stages_done, "debit_error": False})
            return
        to_debit, skipped = self._infogerance_debit_partition()
        debited, errors = self._infogerance_add_to_debit_orders(to_debit)
        skipped += errors
        orders = debited.mapped("move_id.line_ids.payment_line_ids.order_id").filtered(
            lambda order: order.state == "draft"
        )
        self.debit_skip_ids.unlink()
        self.write(
            {
                "debit_done": stages_done and not errors,
                # an invoice OCA refused: the item's stage failed (the run says so,
                # not "running" until someone runs it again), tried by the next run
                "debit_error": "\n".join(
                    "%s: %s" % (invoice.display_name, detail) for invoice, _r, detail in errors
                )
                or False,
                "debit_invoice_ids": [(4, invoice.id) for invoice in debited],
                "debit_skip_ids": [
                    (0, 0, {"invoice_id": invoice.id, "reason": reason, "detail": detail})
                    for invoice, reason, detail in skipped
                ],
            }
        )
        if orders:
            # the field is the payment managers'; the stage records it for them
            self.sudo().write({"debit_order_ids": [(4, order.id) for order in orders]})

    def _infogerance_debit_partition(self):
        """The item's invoices to put in a debit order, and the others as
        (invoice, reason, detail) triples. Filtered first: OCA's
        ``create_account_payment_line`` refuses (UserError) an invoice not open
        or already in an order. Invoices this stage already put in an order are
        in neither list."""
        to_debit = self.env["account.invoice"]
        skipped = []
        for invoice in (self.invoice_ids - self.debit_invoice_ids).sorted("id"):
            reason = self._infogerance_debit_skip_reason(invoice)
            if reason:
                skipped.append((invoice,) + reason)
            else:
                to_debit |= invoice
        return to_debit, skipped

    @api.model
    def _infogerance_debit_skip_reason(self, invoice):
        """Why ``invoice`` cannot go in a debit order, as (reason, detail), or
        None when it can."""
        states = dict(invoice._fields["state"]._description_selection(self.env))
        if invoice.type != "out_invoice":
            return "credit_note", _("to deduct or refund by hand")
        if invoice.state != "open":
            return "not_open", states.get(invoice.state, invoice.state)
        mode = invoice.payment_mode_id
        method = mode.payment_method_id
        if method.code != SEPA_DIRECT_DEBIT or method.payment_type != "inbound":
            return "not_direct_debit", mode.name or _("no payment mode")
        mandate = invoice.mandate_id
        if not mandate:
            return "no_mandate", mode.name
        if mandate.state != "valid":
            mandate_states = dict(mandate._fields["state"]._description_selection(self.env))
            return (
                "mandate_not_valid",
                "%s: %s" % (mandate.unique_mandate_reference, mandate_states.get(mandate.state)),
            )
        # searched, not filtered: a consolidated invoice has a journal item per
        # computer, and only its receivable one matters here
        receivable = self.env["account.move.line"].search(
            [
                ("move_id", "=", invoice.move_id.id),
                ("account_id.internal_type", "=", "receivable"),
                ("reconciled", "=", False),
            ]
        )
        orders = receivable.mapped("payment_line_ids.order_id").filtered(
            lambda order: order.state in LIVE_ORDER_STATES
        )
        if orders:
            return "in_order", ", ".join(orders.sorted("id").mapped("name"))
        if not receivable.filtered(lambda line: line.payment_mode_id.payment_order_ok):
            return "nothing_to_debit", mode.name
        return None

    def _infogerance_add_to_debit_orders(self, invoices):
        """Each invoice into the draft debit order of its payment mode, as OCA's
        ``create_account_payment_line`` puts it (``_infogerance_add_to_debit_order``),
        in a savepoint: an unexpected failure leaves it out, recorded. Returns the
        invoices added and the failures as (invoice, "error", message) triples."""
        if not invoices:
            return invoices, []
        self._infogerance_lock_debit_orders(invoices.mapped("payment_mode_id"))
        debited = invoices.browse()
        errors = []
        for invoice in invoices:
            try:
                with self.env.cr.savepoint():
                    invoice._infogerance_add_to_debit_order()
                debited |= invoice
            except OperationalError as err:
                if err.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise
                self.env.clear()
                errors.append((invoice, "error", str(err)))
            except Exception as err:  # recorded on the item: the others go on
                self.env.clear()
                _logger.info("billing: invoice %s not debited", invoice.id, exc_info=True)
                message = err.name if isinstance(err, UserError) else str(err)
                errors.append((invoice, "error", message))
        return debited, errors

    @api.model
    def _infogerance_lock_debit_orders(self, modes):
        """One draft debit order per payment mode, whatever runs at once: the
        mode's row, then its draft order's, are updated (not only locked, which
        would not do under REPEATABLE READ: a transaction that waited would still
        not see the draft the first created). The second transaction then fails
        to serialize and is tried again with the first's draft in sight; the
        accountant confirming the draft meanwhile fails the same way, then
        confirms it with the new lines."""
        Order = self.env["account.payment.order"]
        for mode in modes.sorted("id"):
            # a lost race is expected and tried again: not logged as a bad query
            self.env.cr.execute(
                "UPDATE account_payment_mode SET write_date = write_date WHERE id = %s",
                (mode.id,),
                log_exceptions=False,
            )
            # the draft OCA's create_account_payment_line picks
            draft = Order.search(
                [("payment_mode_id", "=", mode.id), ("state", "=", "draft")], limit=1
            )
            if draft:
                self.env.cr.execute(
                    "UPDATE account_payment_order SET write_date = write_date WHERE id = %s",
                    (draft.id,),
                    log_exceptions=False,
                )


class InfogeranceBillingRunDebitSkip(models.Model):
    """An invoice of a billing run left out of the debit orders, and why: what
    the accountant debits, reminds or fixes by hand."""

    _name = "infogerance.billing.run.debit.skip"
    _description = "Billing run: an invoice left out of the debit orders"
    _order = "run_id, id"

    item_id = fields.Many2one(
        comodel_name="infogerance.billing.run.item",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    run_id = fields.Many2one(
        comodel_name="infogerance.billing.run",
        related="item_id.run_id",
        store=True,
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="item_id.company_id",
        store=True,
        index=True,
        readonly=True,
    )
    invoice_id = fields.Many2one(
        comodel_name="account.invoice", required=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", related="item_id.partner_id", string="Customer", readonly=True
    )
    amount = fields.Monetary(related="invoice_id.residual", string="Amount due", readonly=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id", readonly=True)
    reason = fields.Selection(selection=SKIP_REASONS, required=True, readonly=True)
    detail = fields.Char(readonly=True)
