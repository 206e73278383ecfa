from odoo import fields, models

from ..groups import TECHNICIAN_GROUP as TECHNICIAN


class InfogeranceProfileVpn(models.Model):
    """A VPN to configure; its file and credentials are technicians-only (R8)."""

    _infogerance_secret_kinds = {
        "config_file": "vpn_config",
        "username": "vpn_username",
        "secret": "vpn_secret",
    }
    _infogerance_secret_link = "vpn_id"

    _name = "infogerance.profile.vpn"
    _inherit = "infogerance.profile.secret.holder"
    _description = "VPN configuration of a configuration profile"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, readonly=True, index=True
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
    # Kept encrypted in secret records that only technicians may read.
    config_file = fields.Binary(
        string="Configuration file",
        groups=TECHNICIAN,
        compute="_compute_infogerance_secrets",
        inverse="_inverse_infogerance_secrets",
    )
    config_filename = fields.Char()
    username = fields.Char(
        groups=TECHNICIAN,
        compute="_compute_infogerance_secrets",
        inverse="_inverse_infogerance_secrets",
    )
    secret = fields.Char(
        string="Password or key",
        groups=TECHNICIAN,
        compute="_compute_infogerance_secrets",
        inverse="_inverse_infogerance_secrets",
    )
