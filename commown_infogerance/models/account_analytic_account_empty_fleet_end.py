from odoo import _, api, fields, models

from .. import rules
from ..contract_day import contract_today
from .account_analytic_account_termination import RULES_CHECKED
from .chatter_text import escaped


class AccountAnalyticAccount(models.Model):
    """R1: a managed-service contract ending for lack of computers goes on when
    computers are rented again from a day on or before that end, also when the
    order dated back is recorded after the end."""

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
        today = contract_today(self)
        for contract in self:
            if not (contract.infogerance_empty_fleet_end and contract.date_end < today):
                continue
            if self._infogerance_find_customer_contract(
                commercial_partner, contract.company_id, today
            ):
                continue
            contract._infogerance_lift_empty_fleet_end(start, contract.infogerance_fleet_size)
        return True

    @api.model
    def _infogerance_lift_past_empty_fleet_end_without_offer(
        self, commercial_partner, company, start, rentals
    ):
        """Computers ordered without the offer from ``start``: the customer's
        contract ended for lack of computers on or after that day, before today,
        is lifted as with the offer (R1), and covers these computers."""
        today = contract_today(self)
        ended = self.search(
            [
                ("infogerance_role", "=", "service"),
                ("infogerance_empty_fleet_end", "=", True),
                ("company_id", "=", company.id),
                ("partner_id.commercial_partner_id", "=", commercial_partner.id),
                ("date_end", ">=", start),
                ("date_end", "<", today),
            ],
            order="date_end desc",
            limit=1,
        )
        if not ended:
            return False
        ended._infogerance_reprice(cause="order")
        ended._infogerance_lift_past_empty_fleet_end(commercial_partner, start)
        if ended.infogerance_empty_fleet_end:
            return False
        rentals.filtered(lambda r: not r.infogerance_contract_id).write(
            {"infogerance_contract_id": ended.id}
        )
        return True

    def _infogerance_lift_empty_fleet_end(self, date, fleet):
        """R1: the contract was ending because the fleet fell to 0; computers rented
        again from ``date``, on or before that end, keep it running (also when
        recorded after it: an order dated back). Logged in the chatter and as a
        fleet event."""
        self.ensure_one()
        if not self.infogerance_empty_fleet_end or not rules.empty_fleet_end_lifted(
            fields.Date.from_string(self.date_end),
            fields.Date.from_string(date),
            fleet,
        ):
            return False
        end = self.date_end
        # a termination requested before the fleet fell to 0 still holds
        self.with_context(infogerance_end_authorisation=RULES_CHECKED).write(
            {
                "date_end": self.infogerance_end_before_empty_fleet or False,
                "infogerance_empty_fleet_end": False,
                "infogerance_end_before_empty_fleet": False,
            }
        )
        description = _("%(fleet)s computer(s) rented again before the end of %(end)s") % {
            "fleet": fleet,
            "end": self._infogerance_date_text(end),
        }
        state = (
            self.infogerance_fleet_size,
            self.infogerance_unit_price,
            self.infogerance_monthly_amount,
        )
        self._infogerance_log_fleet_change(date, state, state, "end_lifted", None, description)
        self.message_post(
            body=_(
                "R1 - the customer rents computers again (%(fleet)s on %(date)s): the end "
                "planned on %(end)s for lack of computers is lifted; the contract goes on."
            )
            % escaped(
                {
                    "fleet": fleet,
                    "date": self._infogerance_date_text(date),
                    "end": self._infogerance_date_text(end),
                }
            )
        )
        return True
