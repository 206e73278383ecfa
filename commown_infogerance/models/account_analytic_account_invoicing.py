from odoo import api, fields, models

from .. import rules


class AccountAnalyticAccount(models.Model):
    """Recurring invoicing of managed-service contracts (OCA ``contract`` hooks)."""

    _inherit = "account.analytic.account"

    # Recurring invoicing (OCA contract hook) ------------------------------------

    @api.model
    def _prepare_invoice_line(self, line, invoice_id):
        """Invoice the managed service on the fleet at the first day of the
        invoiced period, at the frozen grid's price (R3, R4)."""
        vals = super()._prepare_invoice_line(line, invoice_id)
        contract = line.analytic_account_id
        if vals and contract.infogerance_role == "service" and line.product_id.infogerance_offer_id:
            period_start = self.env.context.get("old_date") or fields.Date.from_string(
                contract.recurring_next_date
            )
            commercial = contract.partner_id.commercial_partner_id.id
            fleet = self.env["res.partner"]._infogerance_fleet_sizes(
                [commercial],
                fields.Date.to_string(period_start),
                company_id=contract.company_id.id,
            )[commercial]
            vals.update(
                {
                    "quantity": fleet,
                    "price_unit": rules.unit_price(contract._infogerance_grid(), fleet),
                }
            )
        return vals
