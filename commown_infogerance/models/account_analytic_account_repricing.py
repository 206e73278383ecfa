from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import rules
from ..contract_day import contract_today
from ..groups import MANAGER_GROUP
from .account_analytic_account_termination import RULES_CHECKED
from .chatter_text import escaped


class AccountAnalyticAccount(models.Model):
    """Repricing of managed-service contracts from the fleet (R3, R4) and its audit trail."""

    _inherit = "account.analytic.account"

    @api.multi
    def _infogerance_reprice(
        self, date=None, cause="manual", rental=None, description=None, exclude_ids=()
    ):
        """Recount the fleet at ``date`` (default: today, or the start of a contract
        that has not started yet) and reprice managed-service contracts from
        their frozen grid (R3, R4); log each change as a fleet event and in the
        chatter. A fleet fallen to 0 ends the contract (R1, R7).

        The number of queries does not depend on the fleet size. Returns
        {contract: (before, after)}, each a (fleet, unit price, amount) tuple,
        for the contracts that changed.
        """
        contracts = self.filtered(lambda c: c.infogerance_role == "service")
        if not contracts:
            return {}
        contracts._infogerance_lock()
        contracts.invalidate_cache()
        # By default, the fleet of today, or at the start of a contract not started yet.
        today = contract_today(self)
        dates = {contract: date or max(today, contract.date_start) for contract in contracts}
        sizes = {}
        for day, company in {(dates[c], c.company_id) for c in contracts}:
            partners = contracts.filtered(
                lambda c: dates[c] == day and c.company_id == company
            ).mapped("partner_id.commercial_partner_id")
            for partner_id, size in (
                self.env["res.partner"]
                ._infogerance_fleet_sizes(partners.ids, day, exclude_ids, company_id=company.id)
                .items()
            ):
                sizes[partner_id, company.id, day] = size
        # Read pass, prefetched for the whole batch: most contracts have not changed.
        to_write = []
        for contract in contracts:
            grid = contract._infogerance_grid()
            contract._check_infogerance_grid()
            date = dates[contract]
            fleet = sizes[
                contract.partner_id.commercial_partner_id.id, contract.company_id.id, date
            ]
            before = (
                contract.infogerance_fleet_size,
                contract.infogerance_unit_price,
                contract.infogerance_monthly_amount,
            )
            after = (fleet, rules.unit_price(grid, fleet), rules.monthly_amount(grid, fleet))
            line = contract._infogerance_service_line()
            if before == after and line.quantity == fleet and line.price_unit == after[1]:
                continue
            to_write.append((contract, date, before, after))
        # Write pass. Each write invalidates cached fields of the whole batch: a
        # prefetch of its own per contract keeps the re-reads to that contract, so
        # the time grows linearly with the batch, not quadratically.
        changes = {}
        for contract, date, before, after in to_write:
            contract = contract.with_prefetch()
            fleet = after[0]
            line = contract._infogerance_service_line()
            # The price follows from the rules, not from the user: the sale or fleet
            # change that led here was checked with the user's own rights.
            line.sudo().write({"quantity": fleet, "specific_price": after[1]})
            # The rules' own write of the protected price fields.
            contract.with_context(infogerance_end_authorisation=RULES_CHECKED).write(
                {
                    "infogerance_fleet_size": fleet,
                    "infogerance_unit_price": after[1],
                    "infogerance_monthly_amount": after[2],
                }
            )
            if before != after:
                changes[contract] = (before, after)
                event = contract._infogerance_log_fleet_change(
                    date, before, after, cause, rental, description
                )
                contract._infogerance_after_price_change(event)
            if fleet == 0 and before[0] > 0:
                contract._infogerance_end_for_empty_fleet(date)
            elif fleet > 0 and contract.infogerance_empty_fleet_end:
                contract._infogerance_lift_empty_fleet_end(date, fleet)
        return changes

    def _prepare_fleet_event_values(self, date, before, after, cause, rental, description):
        self.ensure_one()
        return {
            "date": date,
            "contract_id": self.id,
            "cause": cause,
            "rental_contract_id": rental.id if rental and rental.exists() else False,
            "description": description,
            "fleet_before": before[0],
            "fleet_after": after[0],
            "fleet_delta": after[0] - before[0],
            "unit_price_before": before[1],
            "unit_price_after": after[1],
            "amount_before": before[2],
            "amount_after": after[2],
            "amount_delta": after[2] - before[2],
        }

    def _infogerance_log_fleet_change(self, date, before, after, cause, rental, description):
        """Audit trail of a repricing (R3): a fleet event and a chatter message."""
        self.ensure_one()
        # Events are written by the system whatever the user's rights on them.
        event = (
            self.env["infogerance.fleet.event"]
            .sudo()
            .create(
                self._prepare_fleet_event_values(date, before, after, cause, rental, description)
            )
        )
        cause_label = dict(event._fields["cause"]._description_selection(self.env))[cause]
        self.message_post(
            body=_(
                "Repriced on %(date)s (%(cause)s%(detail)s): fleet %(fleet_before)s → "
                "%(fleet_after)s computers, unit price %(price_before).2f → %(price_after).2f, "
                "monthly amount %(amount_before).2f → %(amount_after).2f."
            )
            % escaped(
                {
                    "date": self._infogerance_date_text(date),
                    "cause": cause_label,
                    "detail": (": %s" % description) if description else "",
                    "fleet_before": before[0],
                    "fleet_after": after[0],
                    "price_before": before[1],
                    "price_after": after[1],
                    "amount_before": before[2],
                    "amount_after": after[2],
                }
            )
        )
        return event

    def _infogerance_after_price_change(self, event):
        """Hook called once per repricing that changed the price or the fleet,
        with its fleet event (price notices extend it)."""
        self.ensure_one()
        return True

    def _infogerance_end_for_empty_fleet(self, date):
        """R1: no computer left, the contract ends with the started period (R7)."""
        self.ensure_one()
        end = fields.Date.to_string(
            rules.empty_fleet_end_date(
                fields.Date.from_string(self.date_start),
                fields.Date.from_string(date),
                self.recurring_interval or 1,
            )
        )
        if self.date_end and self.date_end <= end:
            return
        # the end it replaces (a termination requested) comes back if lifted
        self.with_context(infogerance_end_authorisation=RULES_CHECKED).write(
            {
                "date_end": end,
                "infogerance_empty_fleet_end": True,
                "infogerance_end_before_empty_fleet": self.date_end,
            }
        )
        self.message_post(
            body=_(
                "R1 - the customer rents no computer any more: the managed-service contract "
                "ends on %(end)s; the started month is due (R7)."
            )
            % escaped({"end": self._infogerance_date_text(end)})
        )

    @api.multi
    def action_infogerance_apply_current_grid(self):
        """R4: after the commitment, a manager moves the contract to the offer's
        current grid, explicitly; the change is logged like a repricing."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(
                _(
                    "R4 - only a managed-services manager may change the grid of "
                    "a running contract."
                )
            )
        today = contract_today(self)
        if self.infogerance_commitment_end and today <= self.infogerance_commitment_end:
            raise UserError(
                _(
                    "R4 - the grid of %(name)s is fixed until the end of its commitment "
                    "(%(end)s)."
                )
                % {
                    "name": self.name,
                    "end": self._infogerance_date_text(self.infogerance_commitment_end),
                }
            )
        # Rights and commitment checked above: the rules' write of the grid.
        self.with_context(infogerance_end_authorisation=RULES_CHECKED).write(
            {
                "infogerance_tier_ids": [(5, 0, 0)]
                + self.infogerance_offer_id._prepare_contract_tier_values()
            }
        )
        self.message_post(
            body=_("R4 - moved to the current grid of offer %(offer)s by %(user)s.")
            % escaped({"offer": self.infogerance_offer_id.name, "user": self.env.user.name})
        )
        # Logged as a fleet event when the price changes (the stored price is the old one).
        self._infogerance_reprice(
            cause="regrid",
            description=_("grid of offer %(offer)s on %(date)s")
            % {"offer": self.infogerance_offer_id.name, "date": self._infogerance_date_text(today)},
        )
        return True
