from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class InfogeranceProfile(models.Model):
    """The customer's configuration profile (R8 "profile"): one per commercial
    entity, with optional variants per team."""

    _name = "infogerance.profile"
    _inherit = ["mail.thread"]
    _description = "Configuration profile"
    _order = "partner_id, team"

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("is_company", "=", True)],
        track_visibility="onchange",
    )
    team = fields.Char(help="Empty for the customer's main profile; a team name for a variant.")
    company_id = fields.Many2one(
        comodel_name="res.company",
        default=lambda self: self.env.user.company_id,
    )
    admin_profile = fields.Text(string="Administrator profile")
    user_profile = fields.Text()
    software_ids = fields.One2many(
        comodel_name="infogerance.profile.software",
        inverse_name="profile_id",
        string="Software",
        copy=True,
    )
    shortcut_ids = fields.One2many(
        comodel_name="infogerance.profile.shortcut",
        inverse_name="profile_id",
        string="Browser shortcuts",
        copy=True,
    )
    wifi_ids = fields.One2many(
        comodel_name="infogerance.profile.wifi",
        inverse_name="profile_id",
        string="Wi-Fi networks",
    )
    vpn_ids = fields.One2many(
        comodel_name="infogerance.profile.vpn",
        inverse_name="profile_id",
        string="VPN configurations",
    )

    _sql_constraints = [
        ("partner_team_unique", "unique(partner_id, team)", "A customer has one profile per team."),
    ]

    @api.depends("partner_id", "team")
    def _compute_name(self):
        for profile in self:
            profile.name = " - ".join(filter(None, [profile.partner_id.name, profile.team]))

    @api.constrains("partner_id")
    def _check_partner_id(self):
        for profile in self:
            if profile.partner_id != profile.partner_id.commercial_partner_id:
                raise ValidationError(
                    _(
                        "R8 - a configuration profile belongs to the company, not to a contact: "
                        "use %(company)s."
                    )
                    % {"company": profile.partner_id.commercial_partner_id.display_name}
                )
