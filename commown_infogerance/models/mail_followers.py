from odoo import SUPERUSER_ID, api, models

from .mail_message import GUARDED_MODELS


class MailFollowers(models.Model):
    """Following the addon's customer records: Odoo 11 lets any portal or internal
    user create (or move) a follower entry on any record, which then notifies them
    of its messages and lets them post there. As ``message_subscribe`` does, a user
    follows a record it may read, and makes others follow a record it may write;
    a service request is followed by its customer's contacts and staff only."""

    _inherit = "mail.followers"

    def _infogerance_check_follow(self, res_model, res_id, partner_id):
        if self.env.uid != SUPERUSER_ID and res_model in GUARDED_MODELS:
            operation = "read" if partner_id == self.env.user.partner_id.id else "write"
            record = self.env[res_model].browse(res_id)
            record.check_access_rights(operation)
            record.check_access_rule(operation)
        if res_model == "infogerance.service.request" and partner_id and res_id:
            # Whoever adds it, the system included: a request's own customer and staff.
            self.env[res_model].browse(res_id)._infogerance_check_followers(
                self.env["res.partner"].browse(partner_id)
            )

    @api.model
    def create(self, vals):
        self._infogerance_check_follow(
            vals.get("res_model"), vals.get("res_id"), vals.get("partner_id")
        )
        return super().create(vals)

    @api.multi
    def write(self, vals):
        if {"res_model", "res_id", "partner_id"} & set(vals):
            for follower in self.sudo():
                self._infogerance_check_follow(
                    vals.get("res_model", follower.res_model),
                    vals.get("res_id", follower.res_id),
                    vals.get("partner_id", follower.partner_id.id),
                )
        return super().write(vals)
