from odoo import api, fields, models


class AccountAnalyticAccount(models.Model):
    """R1: an order dated back before the end of a managed-service contract that
    ended for lack of computers, recorded after that end, lifts it."""

    _inherit = "account.analytic.account"

    @api.multi
    def _infogerance_lift_past_empty_fleet_end(self, commercial_partner, start):
        """The customer ordered computers from ``start`` with the managed service,
        and these contracts (the ones the order extends) ended for lack of
        computers on or after that day, before today: the fleet was back above 0
        before the end, which is lifted as when a computer comes back in time
        (``_infogerance_lift_empty_fleet_end``, logged as a fleet event); the
        daily invoicing then catches up the periods since the end, and
        regularises the periods invoiced before it. Not when the customer has
        subscribed again since: its running contract covers these computers."""
        today = fields.Date.context_today(self)
        for contract in self:
            if not (contract.infogerance_empty_fleet_end and contract.date_end < today):
                continue
            if self._infogerance_find_customer_contract(
                commercial_partner, contract.company_id, today
            ):
                continue
            contract._infogerance_lift_empty_fleet_end(start, contract.infogerance_fleet_size)
        return True
