from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError

#: Models holding customer data whose chatter Odoo 11's mail rules open too
#: widely (a reply to any message received, a message moved by its author).
GUARDED_MODELS = (
    "account.analytic.account",
    "infogerance.service.request",
    "infogerance.profile",
    "infogerance.profile.secret",
    "infogerance.offer",
)


class MailMessage(models.Model):
    """Messages on the addon's customer records are posted by those allowed to
    post on the record. Odoo 11 also lets any user create a message on any
    record as a reply to a message it received elsewhere, and move a message it
    wrote to another record: both refused for these models."""

    _inherit = "mail.message"

    def _infogerance_check_create(self, values):
        """A message on these records is posted in its poster's own name, and a
        reply belongs to the record of the message it answers. The system (the
        mail gateway, the portal routes after their checks) posts for others."""
        model, res_id, parent_id = (values.get(k) for k in ("model", "res_id", "parent_id"))
        if self.env.uid == SUPERUSER_ID or model not in GUARDED_MODELS:
            return
        author_id = values.get("author_id")
        if author_id and author_id != self.env.user.partner_id.id:
            raise AccessError(
                _("A message on this record is posted in the name of the user who posts it.")
            )
        if not parent_id:
            return
        # The parent may be on a record the user cannot read: compare, reveal nothing.
        parent = self.sudo().browse(parent_id)
        if (parent.model, parent.res_id) != (model, res_id):
            raise AccessError(
                _(
                    "A reply is posted on the record of the message it answers: this "
                    "message cannot be posted here."
                )
            )

    @api.model
    def create(self, values):
        self._infogerance_check_create(values)
        return super().create(values)

    @api.multi
    def write(self, vals):
        if self.env.uid != SUPERUSER_ID and {"model", "res_id", "author_id"} & set(vals):
            # Read as the system: the check covers messages the user cannot read.
            models_before = set(self.sudo().mapped("model"))
            if (models_before | {vals.get("model")}) & set(GUARDED_MODELS):
                raise AccessError(
                    _("A message stays on the record it was posted on, in its author's name.")
                )
        return super().write(vals)
