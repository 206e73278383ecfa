from odoo import fields, models


class AccountInvoiceLine(models.Model):
    """What a managed-service invoice line bills: the period and the fleet it was
    priced on (R3), so that a later change of that fleet can be regularised."""

    _inherit = "account.invoice.line"

    infogerance_period_start = fields.Date(
        string="Managed-service period",
        readonly=True,
        copy=False,
        index=True,
        help="First day of the billing period this managed-service line bills.",
    )
    infogerance_fleet = fields.Integer(
        string="Fleet billed",
        readonly=True,
        copy=False,
        help="Computers the customer rented on the first day of that period, as "
        "known when this line was invoiced.",
    )
    infogerance_fleet_event_id = fields.Many2one(
        comodel_name="infogerance.fleet.event",
        string="Fleet change regularised",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
