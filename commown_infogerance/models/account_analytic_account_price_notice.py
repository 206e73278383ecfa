from odoo import api, fields, models

from .. import rules


class AccountAnalyticAccount(models.Model):
    """Price-change notices (R3): the customer's managers get one e-mail per
    repricing that moves them to another tier (or at every fleet change if the
    customer asked so), with the old and new prices and the first day billed at
    the new one."""

    _inherit = "account.analytic.account"

    @api.multi
    def _infogerance_after_price_change(self, event):
        result = super()._infogerance_after_price_change(event)
        if not (event.fleet_before and event.fleet_after):
            return result  # the subscription or the end: no notice (nor queries)
        commercial = self.partner_id.commercial_partner_id
        if rules.is_price_notice_due(
            self._infogerance_grid(),
            (event.fleet_before, event.unit_price_before),
            (event.fleet_after, event.unit_price_after),
            commercial.infogerance_notify_every_change,
        ):
            self._infogerance_send_customer_notice(
                "commown_infogerance.mail_template_price_change", event
            )
        return result

    @api.multi
    def _infogerance_price_applies_from(self, date):
        """First day billed at a price changed on ``date`` (R3: no proration)."""
        self.ensure_one()
        return fields.Date.to_string(
            rules.price_applies_from(
                fields.Date.from_string(self.date_start),
                fields.Date.from_string(date),
                self.recurring_interval or 1,
            )
        )


class InfogeranceFleetEvent(models.Model):
    _inherit = "infogerance.fleet.event"

    price_applies_from = fields.Date(
        string="New price billed from",
        compute="_compute_price_applies_from",
        help="Invoices use the fleet of the first day of their period, without "
        "proration: the first period starting on or after the change.",
    )

    @api.depends("date", "contract_id.date_start", "contract_id.recurring_interval")
    def _compute_price_applies_from(self):
        for event in self:
            if event.date and event.contract_id.date_start:
                event.price_applies_from = event.contract_id._infogerance_price_applies_from(
                    event.date
                )
