from odoo import fields, models

from ..groups import TECHNICIAN_GROUP as TECHNICIAN


class InfogeranceProfileWifi(models.Model):
    """A Wi-Fi network to pre-connect; its key is readable by technicians only (R8)."""

    _name = "infogerance.profile.wifi"
    _description = "Wi-Fi network of a configuration profile"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile",
        required=True,
        ondelete="cascade",
        index=True,
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
    key = fields.Char(groups=TECHNICIAN, copy=False)
    hidden = fields.Boolean(string="Hidden network")
