from werkzeug.urls import url_parse

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class InfogeranceProfileShortcut(models.Model):
    _name = "infogerance.profile.shortcut"
    _description = "Browser shortcut of a configuration profile"

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
    url = fields.Char(string="URL", required=True)

    @api.constrains("url")
    def _check_url(self):
        for shortcut in self:
            parsed = url_parse(shortcut.url or "")
            if parsed.scheme not in ("http", "https") or not parsed.host or " " in shortcut.url:
                raise ValidationError(
                    _(
                        "Shortcut %(name)s: %(url)s is not a web address; write it in full, "
                        "e.g. https://intranet.example.org"
                    )
                    % {"name": shortcut.name, "url": shortcut.url}
                )
