from babel.dates import format_date

from odoo import _, api, fields, models

from .. import rules

#: Per period of a managed-service contract invoiced before a date: the fleet of
#: its last line and the amount of all its lines, the credit notes of final
#: regularisations deducted (cancelled invoices left out; a credit note made by
#: hand from an invoice does not copy the period of its lines).
BILLED_PERIODS_SQL = """
    SELECT l.infogerance_period_start,
           (array_agg(l.infogerance_fleet ORDER BY l.id DESC))[1],
           sum(CASE WHEN i.type = 'out_refund' THEN -l.price_subtotal ELSE l.price_subtotal END)
      FROM account_invoice_line l
      JOIN account_invoice i ON i.id = l.invoice_id
     WHERE l.account_analytic_id = %s
       AND l.infogerance_period_start < %s
       AND i.state != 'cancel'
       AND i.type IN ('out_invoice', 'out_refund')
     GROUP BY l.infogerance_period_start
"""


class AccountAnalyticAccount(models.Model):
    """Regularisation of managed-service periods already invoiced (R3): a change
    recorded after a period was invoiced (a return entered late, an order
    back-dated to its first day) moves the fleet on that period's first day;
    the next invoice of the contract adds the difference, up or down, on one
    line per period, linked to the last fleet change."""

    _inherit = "account.analytic.account"

    @api.model
    def _prepare_invoice_line(self, line, invoice_id):
        """The managed-service line records its period and the fleet it bills."""
        vals = super()._prepare_invoice_line(line, invoice_id)
        contract = line.analytic_account_id
        if vals and contract.infogerance_role == "service" and line.product_id.infogerance_offer_id:
            period_start = self.env.context.get("old_date") or fields.Date.from_string(
                contract.recurring_next_date
            )
            vals.update(
                {
                    "infogerance_period_start": fields.Date.to_string(period_start),
                    "infogerance_fleet": int(vals.get("quantity") or 0),
                }
            )
        return vals

    @api.multi
    def _create_invoice(self, invoice=False):
        invoice = super()._create_invoice(invoice)
        if self.infogerance_role == "service":
            period_start = self.env.context.get("old_date") or fields.Date.from_string(
                self.recurring_next_date
            )
            values = self._infogerance_prepare_regularisation_lines(invoice, period_start)
            if values and not self._infogerance_add_invoice_lines(invoice, values):
                invoice.compute_taxes()
        return invoice

    def _infogerance_billed_periods(self, before):
        """{period start: (last fleet billed, amount billed)} of the periods of this
        contract invoiced before ``before``, cancelled invoices left out; one query."""
        self.ensure_one()
        # the query reads stored line amounts: write them first if an invoicing run
        # deferred their computation (recompute_once) for a line of this contract
        # and of a period it reads (not the period being invoiced now)
        before = fields.Date.to_string(before)
        self._infogerance_flush_invoice_lines(before)
        Line = self.env["account.invoice.line"]
        if self.env.field_todo(Line._fields["price_subtotal"]).filtered(
            lambda line: line.account_analytic_id == self
            and line.infogerance_period_start
            and line.infogerance_period_start < before
        ):
            self.recompute()
        self.env.cr.execute(BILLED_PERIODS_SQL, (self.id, before))
        return {day: (fleet, amount) for day, fleet, amount in self.env.cr.fetchall()}

    def _infogerance_prepare_regularisation_lines(self, invoice, period_start):
        """Invoice line values regularising each period invoiced before
        ``period_start`` whose fleet on its first day changed since (R3): the
        amount the frozen grid gives for the fleet now known, minus what was
        invoiced for it."""
        self.ensure_one()
        service_line = self._infogerance_service_line()
        billed = self._infogerance_billed_periods(period_start)
        if not service_line or not billed:
            return []
        commercial = self.partner_id.commercial_partner_id
        fleets = self.env["res.partner"]._infogerance_fleet_sizes_on_dates(
            commercial.id, sorted(billed), company_id=self.company_id.id
        )
        grids = self._infogerance_grids_on(sorted(billed))
        event = self.env["infogerance.fleet.event"].search(
            [("contract_id", "=", self.id)], order="id desc", limit=1
        )
        contract = self.with_context(lang=self.partner_id.lang or self.env.lang)
        values = []
        for day in sorted(billed):
            fleet_billed, amount_billed = billed[day]
            fleet = fleets.get(day, 0)
            if fleet == fleet_billed:
                continue
            vals = contract._prepare_invoice_line(service_line, invoice.id)
            vals.update(
                {
                    "name": contract._infogerance_regularisation_label(
                        fields.Date.from_string(day), fleet, fleet_billed
                    ),
                    "quantity": 1,
                    "price_unit": round(rules.monthly_amount(grids[day], fleet) - amount_billed, 2),
                    "infogerance_period_start": day,
                    "infogerance_fleet": fleet,
                    "infogerance_fleet_event_id": event.id,
                }
            )
            values.append(vals)
        return values

    def _infogerance_grids_on(self, days):
        """{day: the frozen grid of the plan in force on that day}: the grid the
        first plan change applied after it replaced, else the contract's own."""
        self.ensure_one()
        changes = self.env["infogerance.plan.change"].search(
            [("contract_id", "=", self.id), ("state", "=", "applied")], order="date, id"
        )
        current = self._infogerance_grid()
        grids = {}
        for day in days:
            later = changes.filtered(lambda change: change.date > day)[:1]
            previous = later._infogerance_previous_grid() if later else None
            grids[day] = previous or current
        return grids

    def _infogerance_regularisation_label(self, period_start, fleet, fleet_billed):
        """The customer reads it on the invoice, in its language."""
        month = format_date(period_start, "MMMM y", locale=self.env.lang or "en_US")
        return _("Regularisation for %(month)s: %(fleet)s computers instead of %(billed)s") % {
            "month": month,
            "fleet": fleet,
            "billed": fleet_billed,
        }
