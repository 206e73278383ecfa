from odoo import fields, models

from ..groups import TECHNICIAN_GROUP as TECHNICIAN


class InfogeranceProfileWifi(models.Model):
    """A Wi-Fi network to pre-connect; its key is readable by technicians only (R8)."""

    _infogerance_secret_kinds = {"key": "wifi_key"}
    _infogerance_secret_link = "wifi_id"

    _name = "infogerance.profile.wifi"
    _inherit = "infogerance.profile.secret.holder"
    _description = "Wi-Fi network of a configuration profile"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, readonly=True, index=True
    )
    ssid = fields.Char(string="SSID", required=True)
    security = fields.Selection(
        selection=[
            ("open", "Open"),
            ("wpa2", "WPA2 personal"),
            ("wpa3", "WPA3 personal"),
            ("wpa2_enterprise", "WPA2/WPA3 enterprise"),
        ],
        required=True,
        default="wpa2",
    )
    key = fields.Char(
        groups=TECHNICIAN,
        compute="_compute_infogerance_secrets",
        inverse="_inverse_infogerance_secrets",
        help="Kept encrypted in a secret record that only technicians may read.",
    )
    hidden = fields.Boolean(string="Hidden network")
