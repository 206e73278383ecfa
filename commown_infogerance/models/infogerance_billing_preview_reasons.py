from collections import defaultdict

from babel.dates import format_date as babel_format_date

from odoo import _, fields, models
from odoo.tools.misc import format_date, formatLang


class InfogeranceBillingPreview(models.Model):
    """Why a customer's invoicing changes from the previous run, in words for the
    accountant (in the user's language): the fleet changes and plan changes
    recorded since the previous run's date, the price changes announced to the
    customer, the regularisations of periods already invoiced."""

    _inherit = "infogerance.billing.preview"

    def _infogerance_recorded_reasons(self, partner_ids):
        """{customer id: [texts]} of the fleet changes and plan changes recorded
        since the previous run's date: two searches for these customers."""
        reasons = defaultdict(list)
        if not partner_ids:
            return reasons
        previous = self.previous_date
        # reads the audit trail of customers the user may bill (checked)
        system = self.sudo()
        events = system.env["infogerance.fleet.event"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("contract_id.partner_id.commercial_partner_id", "in", list(partner_ids)),
                ("date", ">", previous),
                ("date", "<=", self.date),
            ],
            order="date, id",
        )
        causes = dict(events._fields["cause"]._description_selection(self.env))
        for event in events:
            customer = event.contract_id.partner_id.commercial_partner_id.id
            reasons[customer].extend(self._infogerance_event_reasons(event, causes))
        changes = system.env["infogerance.plan.change"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("contract_id.partner_id.commercial_partner_id", "in", list(partner_ids)),
                ("state", "in", ("pending", "applied")),
                ("date", ">", previous),
                ("date", "<=", self.date),
            ],
            order="date, id",
        )
        for change in changes:
            customer = change.contract_id.partner_id.commercial_partner_id.id
            reasons[customer].append(self._infogerance_plan_change_reason(change))
        return reasons

    def _infogerance_result_reasons(self, result):
        """[texts] of a customer's simulated billing: the regularisation lines it
        made, or nothing to invoice on the date."""
        texts = [
            self._infogerance_regularisation_reason(start, fleet, amount)
            for start, fleet, amount in result.get("regularisations", [])
        ]
        if result.get("nothing_due"):
            texts.append(
                _("Nothing to invoice on this date (invoiced on %(date)s).")
                % {"date": format_date(self.env, self.previous_date)}
            )
        return texts

    def _infogerance_money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.company_id.currency_id)

    def _infogerance_event_reasons(self, event, causes):
        texts = []
        if event.fleet_before != event.fleet_after:
            texts.append(
                _(
                    "%(date)s: %(before)s → %(after)s computers (%(cause)s), managed "
                    "services %(amount_before)s → %(amount_after)s a month."
                )
                % {
                    "date": format_date(self.env, event.date),
                    "before": event.fleet_before,
                    "after": event.fleet_after,
                    "cause": ": ".join(
                        filter(None, (causes.get(event.cause, event.cause), event.description))
                    ),
                    "amount_before": self._infogerance_money(event.amount_before),
                    "amount_after": self._infogerance_money(event.amount_after),
                }
            )
        if (
            event.fleet_before
            and event.fleet_after
            and event.unit_price_before != event.unit_price_after
        ):
            texts.append(
                _(
                    "%(date)s: price per computer %(before)s → %(after)s from %(from)s "
                    "(price notice to the customer)."
                )
                % {
                    "date": format_date(self.env, event.date),
                    "before": self._infogerance_money(event.unit_price_before),
                    "after": self._infogerance_money(event.unit_price_after),
                    "from": format_date(self.env, event.price_applies_from),
                }
            )
        return texts

    def _infogerance_plan_change_reason(self, change):
        values = {
            "date": format_date(self.env, change.date),
            "before": change.previous_offer_id.name or "-",
            "after": change.offer_id.name,
        }
        if change.state == "pending":
            return (
                _(
                    "Plan %(before)s → %(after)s from %(date)s, not applied yet: this "
                    "preview bills the current plan."
                )
                % values
            )
        return _("Plan %(before)s → %(after)s from %(date)s.") % values

    def _infogerance_regularisation_reason(self, start, fleet, amount):
        month = babel_format_date(
            fields.Date.from_string(start), "MMMM y", locale=self.env.lang or "en_US"
        )
        return _("Regularisation of %(month)s (%(fleet)s computers): %(amount)s.") % {
            "month": month,
            "fleet": fleet,
            "amount": self._infogerance_money(amount),
        }
