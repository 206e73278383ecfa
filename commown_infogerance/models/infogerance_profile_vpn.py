from odoo import fields, models

from ..groups import TECHNICIAN_GROUP as TECHNICIAN


class InfogeranceProfileVpn(models.Model):
    """A VPN to configure; its file and credentials are technicians-only (R8)."""

    _name = "infogerance.profile.vpn"
    _description = "VPN configuration of a configuration profile"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile",
        required=True,
        ondelete="cascade",
        index=True,
    )
    name = fields.Char(required=True)
    vpn_type = fields.Selection(
        selection=[
            ("wireguard", "WireGuard"),
            ("openvpn", "OpenVPN"),
            ("ipsec", "IPsec"),
            ("other", "Other"),
        ],
        string="Type",
        required=True,
        default="wireguard",
    )
    server = fields.Char(required=True)
    config_file = fields.Binary(
        string="Configuration file", groups=TECHNICIAN, attachment=True, copy=False
    )
    config_filename = fields.Char()
    username = fields.Char(groups=TECHNICIAN, copy=False)
    secret = fields.Char(string="Password or key", groups=TECHNICIAN, copy=False)
