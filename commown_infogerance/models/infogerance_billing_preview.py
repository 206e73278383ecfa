import logging
import time
from contextlib import contextmanager

from psycopg2 import OperationalError

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from .. import rules

_logger = logging.getLogger(__name__)

#: Per customer, the amount invoiced by the recurring contracts since the
#: previous run's date (credit notes deducted, cancelled invoices left out),
#: whether it was invoiced on that very date, and whether it was invoiced on the
#: previewed date already: one query for every customer.
PREVIOUS_AMOUNTS_SQL = """
    SELECT i.commercial_partner_id,
           coalesce(sum(CASE WHEN i.type = 'out_refund' THEN -l.price_subtotal
                             ELSE l.price_subtotal END)
                    FILTER (WHERE i.date_invoice < %(date)s), 0),
           bool_or(i.date_invoice = %(previous)s),
           bool_or(i.date_invoice = %(date)s)
      FROM account_invoice_line l
      JOIN account_invoice i ON i.id = l.invoice_id
      JOIN account_analytic_account c ON c.id = l.account_analytic_id
     WHERE c.recurring_invoices
       AND i.state != 'cancel'
       AND i.type IN ('out_invoice', 'out_refund')
       AND i.company_id = %(company)s
       AND i.date_invoice >= %(previous)s
       AND i.date_invoice <= %(date)s
     GROUP BY 1
"""
#: The preview's lines, written at once (not one ORM create per customer).
INSERT_LINES_SQL = """
    INSERT INTO infogerance_billing_preview_line
           (preview_id, partner_id, invoice_count, amount_untaxed, amount_total,
            previous_amount_untaxed, change_untaxed, reasons, would_fail, failure,
            outdated, create_uid, create_date, write_uid, write_date)
    SELECT %(preview)s, line.*, %(uid)s, now() AT TIME ZONE 'UTC',
           %(uid)s, now() AT TIME ZONE 'UTC'
      FROM unnest(%(partner)s::integer[], %(invoices)s::integer[],
                  %(untaxed)s::numeric[], %(total)s::numeric[],
                  %(previous)s::numeric[], %(change)s::numeric[], %(reasons)s::text[],
                  %(fail)s::boolean[], %(failure)s::text[], %(outdated)s::boolean[]) AS line
    RETURNING id, partner_id
"""
INSERT_LINE_CONTRACTS_SQL = """
    INSERT INTO infogerance_billing_preview_line_contract_rel (line_id, contract_id)
    SELECT * FROM unnest(%s::integer[], %s::integer[])
"""


class _RolledBack(Exception):
    """Ends a simulated billing: its savepoint is rolled back, always."""


@contextmanager
def always_rolled_back(cr):
    """A savepoint rolled back when the block ends, with or without error: what
    the block wrote is gone and its row locks are released (PostgreSQL releases
    the locks taken after a savepoint when rolling back to it). Callbacks it
    registered for the commit (e-mails sent after it) are dropped too."""
    handlers = {event: list(funcs) for event, funcs in cr._event_handlers.items()}
    try:
        with cr.savepoint():
            yield
            raise _RolledBack()
    except _RolledBack:
        return
    finally:
        for event, funcs in cr._event_handlers.items():
            funcs[:] = handlers.get(event, [])


class InfogeranceBillingPreview(models.TransientModel):
    """What the billing run of a date will invoice, before it happens, without
    creating anything: per customer, the amounts, the change from the previous
    run and its reasons, and the customers that would fail, and why. Each
    customer's billing is the run's own, made in a savepoint always rolled back."""

    _name = "infogerance.billing.preview"
    # who may preview: checked at create and write, whatever the channel
    _inherit = "infogerance.billing.rights.mixin"
    _description = "Billing run preview"

    date = fields.Date(
        string="Invoice date",
        required=True,
        default=fields.Date.context_today,
        help="The date of the run to preview: every contract due on it (or before).",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.user.company_id,
    )
    previous_date = fields.Date(
        string="Compared with invoices since",
        compute="_compute_previous_date",
        help="The previous run's date: a month before.",
    )
    line_ids = fields.One2many(
        comodel_name="infogerance.billing.preview.line",
        inverse_name="preview_id",
        string="Customers",
        readonly=True,
    )
    date_computed = fields.Datetime(string="Computed on", readonly=True)
    compute_seconds = fields.Float(string="Computing time (s)", readonly=True)
    customer_count = fields.Integer(string="Customers", compute="_compute_totals")
    failure_count = fields.Integer(string="Customers that would fail", compute="_compute_totals")
    invoice_count = fields.Integer(string="Invoices", compute="_compute_totals")
    amount_untaxed = fields.Float(string="Untaxed amount", compute="_compute_totals")
    amount_total = fields.Float(string="Total amount", compute="_compute_totals")
    previous_amount_untaxed = fields.Float(
        string="Previous untaxed amount", compute="_compute_totals"
    )
    change_untaxed = fields.Float(string="Change (untaxed)", compute="_compute_totals")

    @api.depends("date")
    def _compute_previous_date(self):
        for preview in self:
            if preview.date:
                preview.previous_date = rules.previous_run_date(
                    fields.Date.from_string(preview.date)
                )

    @api.depends("line_ids")
    def _compute_totals(self):
        for preview in self:
            lines = preview.line_ids
            preview.customer_count = len(lines)
            preview.failure_count = len(lines.filtered("would_fail"))
            preview.invoice_count = sum(lines.mapped("invoice_count"))
            preview.amount_untaxed = sum(lines.mapped("amount_untaxed"))
            preview.amount_total = sum(lines.mapped("amount_total"))
            preview.previous_amount_untaxed = sum(lines.mapped("previous_amount_untaxed"))
            preview.change_untaxed = rules.amount_change(
                preview.amount_untaxed, preview.previous_amount_untaxed
            )

    @api.multi
    def action_compute(self):
        """Simulate the run of the date and show it."""
        self.ensure_one()
        self.env["infogerance.billing.run"]._check_billing_rights()
        self._infogerance_check_company()
        self._infogerance_compute()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def _infogerance_check_company(self):
        """The simulation runs as the system: only in a company of the user."""
        if self.env.uid != SUPERUSER_ID and self.company_id not in self.env.user.company_ids:
            raise AccessError(
                _("Billing run preview: %(company)s is not one of your companies.")
                % {"company": self.sudo().company_id.name}
            )

    # Business methods ---------------------------------------------------------------

    def _infogerance_compute(self):
        """One line per customer the run of the date bills (and per customer the
        previous run invoiced that it does not): the billing of each simulated
        and rolled back, then the previous amounts and the reasons of the
        changes read in a few queries for all customers."""
        self.ensure_one()
        started = time.time()
        self.line_ids.unlink()
        date, company_id = self.date, self.company_id.id
        previous = fields.Date.to_string(
            rules.previous_run_date(fields.Date.from_string(self.date))
        )
        # the system bills (as the run does), once the user's right was checked
        system = self.sudo()
        partner_ids = system.env["infogerance.billing.run"]._infogerance_due_customer_ids(
            date, company_id
        )
        results = {pid: system._infogerance_simulate_customer(pid) for pid in partner_ids}
        self.env.cr.execute(
            PREVIOUS_AMOUNTS_SQL, {"previous": previous, "date": date, "company": company_id}
        )
        before = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        # customers invoiced on the previous run's date and by nothing this time
        # (not those the run of the date invoiced already)
        for pid, (_amount, on_previous_date, on_date) in before.items():
            if pid not in results and on_previous_date and not on_date:
                results[pid] = {"contract_ids": [], "nothing_due": True}
        reasons = self._infogerance_change_reasons(results, previous)
        rows = []
        for pid in sorted(results):
            result = results[pid]
            previous_amount = float(before.get(pid, (0.0,))[0] or 0.0)
            amount = result.get("amount_untaxed", 0.0)
            change = rules.amount_change(amount, previous_amount)
            texts = reasons.get(pid, [])
            if change and not texts and not result.get("failure"):
                texts = [_("No change of fleet or plan nor regularisation explains it.")]
            rows.append((pid, result, previous_amount, change, "\n".join(texts)))
        self._infogerance_write_lines(rows)
        self.write(
            {"date_computed": fields.Datetime.now(), "compute_seconds": time.time() - started}
        )

    def _infogerance_simulate_customer(self, partner_id):
        """The billing of a customer as the run makes it, rolled back: its
        contracts, invoices, amounts and regularisation lines, or why it fails."""
        Item = self.env["infogerance.billing.run.item"]
        partner = self.env["res.partner"].browse(partner_id)
        result = {"contract_ids": [], "invoice_count": 0, "amount_untaxed": 0.0}
        try:
            with always_rolled_back(self.env.cr):
                due, ended = Item._infogerance_customer_contracts(
                    partner, self.date, self.company_id.id
                )
                result["contract_ids"] = (due | ended).ids
                periods = {contract.id: contract.recurring_next_date for contract in due}
                invoices = Item._infogerance_invoice_customer(partner, due, ended)
                result.update(self._infogerance_invoice_figures(invoices, periods))
        except OperationalError as err:
            if err.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                result["outdated"] = True
                result["failure"] = _(
                    "Changed by someone else during the preview: preview again to see it."
                )
            else:
                result["would_fail"] = True
                result["failure"] = str(err)
        except Exception as err:  # what the run would record on the item
            _logger.info("billing preview: customer %s would fail: %s", partner_id, err)
            result["would_fail"] = True
            result["failure"] = err.name if isinstance(err, UserError) else str(err)
        finally:
            # the cache holds what was rolled back
            self.env.clear()
        return result

    def _infogerance_invoice_figures(self, invoices, periods):
        """Amounts of the invoices made (credit notes deducted) and their
        regularisation lines: those of a period before the one invoiced, and all
        lines of a final regularisation (a contract not due)."""
        figures = {"invoice_count": len(invoices), "regularisations": []}
        figures["amount_untaxed"] = sum(
            rules.signed_amount(invoice.type, invoice.amount_untaxed) for invoice in invoices
        )
        figures["amount_total"] = sum(
            rules.signed_amount(invoice.type, invoice.amount_total) for invoice in invoices
        )
        for line in invoices.mapped("invoice_line_ids"):
            start = line.infogerance_period_start
            period = periods.get(line.account_analytic_id.id)
            if start and (not period or start < period):
                figures["regularisations"].append(
                    (
                        start,
                        line.infogerance_fleet,
                        rules.signed_amount(line.invoice_id.type, line.price_subtotal),
                    )
                )
        return figures

    def _infogerance_write_lines(self, rows):
        """The lines, and their contracts, in two queries."""
        columns = {
            key: []
            for key in (
                "partner",
                "invoices",
                "untaxed",
                "total",
                "previous",
                "change",
                "reasons",
                "fail",
                "failure",
                "outdated",
            )
        }
        for pid, result, previous_amount, change, reasons in rows:
            for key, value in (
                ("partner", pid),
                ("invoices", result.get("invoice_count", 0)),
                ("untaxed", result.get("amount_untaxed", 0.0)),
                ("total", result.get("amount_total", 0.0)),
                ("previous", previous_amount),
                ("change", change),
                ("reasons", reasons or None),
                ("fail", bool(result.get("would_fail"))),
                ("failure", result.get("failure") or None),
                ("outdated", bool(result.get("outdated"))),
            ):
                columns[key].append(value)
        if rows:
            self.env.cr.execute(INSERT_LINES_SQL, dict(columns, preview=self.id, uid=self.env.uid))
            line_of = {partner: line for line, partner in self.env.cr.fetchall()}
            pairs = [
                (line_of[pid], contract)
                for pid, result, *_rest in rows
                for contract in result.get("contract_ids", [])
            ]
            if pairs:
                self.env.cr.execute(
                    INSERT_LINE_CONTRACTS_SQL, ([p[0] for p in pairs], [p[1] for p in pairs])
                )
        self.invalidate_cache()
