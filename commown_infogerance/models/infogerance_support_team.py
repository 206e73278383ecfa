from odoo import api, fields, models
from odoo.tools.safe_eval import safe_eval


class InfogeranceSupportTeam(models.Model):
    """The team answering the managed-service customers: its e-mail alias
    (Odoo's mail gateway) turns each new e-mail into a service request of the
    team, as a sales team's alias makes leads."""

    _name = "infogerance.support.team"
    _inherit = ["mail.alias.mixin", "mail.thread"]
    _description = "Managed-service support team"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        default=lambda self: self.env["res.company"]._company_default_get(
            "infogerance.support.team"
        ),
    )
    member_ids = fields.Many2many(
        comodel_name="res.users",
        relation="infogerance_support_team_user_rel",
        column1="team_id",
        column2="user_id",
        string="Members",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("commown_infogerance.group_infogerance_technician").id)
        ],
        help="Technicians who follow the requests the team receives by e-mail.",
    )
    alias_id = fields.Many2one(
        comodel_name="mail.alias",
        string="Alias",
        ondelete="restrict",
        required=True,
        help="The e-mail address of the team: each new e-mail sent to it creates a "
        "service request for the sender's customer.",
    )
    request_open_count = fields.Integer(
        compute="_compute_request_open_count", string="Open requests"
    )

    def _compute_request_open_count(self):
        Request = self.env["infogerance.service.request"]
        if not Request.check_access_rights("read", raise_exception=False):
            return  # an employee without support rights reads the team, not its requests
        groups = Request.read_group(
            [("team_id", "in", self.ids), ("is_closed", "=", False)], ["team_id"], ["team_id"]
        )
        counts = {group["team_id"][0]: group["team_id_count"] for group in groups}
        for team in self:
            team.request_open_count = counts.get(team.id, 0)

    @api.multi
    def write(self, vals):
        result = super().write(vals)
        if "alias_defaults" in vals:
            # The team stays in the defaults whatever a manager types there.
            for team in self:
                team.alias_id.sudo().write(team.get_alias_values())
        return result

    def get_alias_model_name(self, vals):
        return "infogerance.service.request"

    def get_alias_values(self):
        """The alias creates requests of this team; its parent is the team
        (Odoo checks the sender against it, e.g. for "followers only")."""
        values = super().get_alias_values()
        defaults = safe_eval(self.alias_defaults or "{}")
        defaults["team_id"] = self.id
        IrModel = self.env["ir.model"].sudo()
        values.update(
            {
                "alias_defaults": str(defaults),
                "alias_model_id": IrModel._get(self.get_alias_model_name({})).id,
                "alias_parent_model_id": IrModel._get(self._name).id,
            }
        )
        return values

    @api.multi
    def action_open_requests(self):
        self.ensure_one()
        action = self.env.ref("commown_infogerance.infogerance_service_request_action").read()[0]
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {"default_team_id": self.id, "search_default_open": 1}
        return action
