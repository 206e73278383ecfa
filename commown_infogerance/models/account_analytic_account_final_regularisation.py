from odoo import api, fields, models

from ..contract_day import contract_today

#: Managed-service contracts with nothing left to invoice (their next period
#: starts after their end) whose fleet on the first day of a period they
#: invoiced changed since (R3): a return entered late, a rental deleted, an
#: order back-dated into their last months. Same fleet as ``FLEET_SQL``
#: (res_partner.py), per company. Contracts taken out of recurring invoicing
#: are left to the staff who did it.
ENDED_WITH_PENDING_REGULARISATION_SQL = """
    SELECT DISTINCT billed.contract_id
      FROM (SELECT l.account_analytic_id AS contract_id,
                   l.infogerance_period_start AS day,
                   (array_agg(l.infogerance_fleet ORDER BY l.id DESC))[1] AS fleet
              FROM account_invoice_line l
              JOIN account_invoice i ON i.id = l.invoice_id
              JOIN account_analytic_account c ON c.id = l.account_analytic_id
             WHERE c.infogerance_role = 'service'
               AND c.active
               AND c.recurring_invoices
               AND c.date_end IS NOT NULL
               AND c.recurring_next_date > c.date_end
               AND l.infogerance_period_start IS NOT NULL
               AND i.state != 'cancel'
               AND i.type IN ('out_invoice', 'out_refund')
             GROUP BY 1, 2) billed
      JOIN account_analytic_account c ON c.id = billed.contract_id
      JOIN res_partner customer ON customer.id = c.partner_id
     WHERE billed.fleet != (
           SELECT count(*)
             FROM account_analytic_account a
             JOIN res_partner p ON p.id = a.partner_id
            WHERE a.infogerance_role = 'rental'
              AND a.active
              AND a.recurring_invoices
              AND p.commercial_partner_id = customer.commercial_partner_id
              AND a.company_id = c.company_id
              AND a.date_start <= billed.day
              AND (a.date_end IS NULL OR a.date_end >= billed.day))
     ORDER BY 1
"""


class AccountAnalyticAccount(models.Model):
    """Final regularisation of an ended managed-service contract (R3): a change
    of the fleet of a period it invoiced, recorded when no invoice of the
    contract is to come, would never be billed nor credited. The daily invoicing
    job issues, for each such contract, an invoice of the regularisation lines
    (their total positive or zero) or a credit note (negative), once: what it
    bills counts as invoiced for those periods."""

    _inherit = "account.analytic.account"

    @api.model
    def cron_recurring_create_invoice(self):
        invoices = super().cron_recurring_create_invoice()
        return invoices | self._infogerance_final_regularisations()

    @api.model
    def _infogerance_final_regularisations(self):
        """Invoice or credit the pending regularisations of the ended contracts;
        returns the invoices and credit notes made."""
        self.env.cr.execute(ENDED_WITH_PENDING_REGULARISATION_SQL)
        contracts = self.browse([row[0] for row in self.env.cr.fetchall()])
        invoices = self.env["account.invoice"]
        for contract in contracts:
            invoices |= contract._infogerance_final_regularisation()
        return invoices

    @api.multi
    def _infogerance_final_regularisation(self):
        """One invoice (or credit note) of this ended contract's pending
        regularisation lines, dated today; nothing when none is pending."""
        self.ensure_one()
        self._infogerance_lock()
        today = contract_today(self)
        after_end = fields.Date.from_string(self.recurring_next_date)
        contract = self.with_context(old_date=after_end, force_company=self.company_id.id)
        values = contract._prepare_invoice()
        values["date_invoice"] = today
        invoice = self.env["account.invoice"].create(values)
        lines = contract._infogerance_prepare_regularisation_lines(invoice, after_end)
        if not lines:
            invoice.unlink()
            return self.env["account.invoice"]
        total = sum(vals["price_unit"] for vals in lines)  # quantity 1
        if total < 0:
            # a credit note, of the opposite amounts
            invoice.write({"type": "out_refund"})
            for vals in lines:
                vals["price_unit"] = -vals["price_unit"]
        for vals in lines:
            self.env["account.invoice.line"].create(vals)
        invoice.compute_taxes()
        return invoice
