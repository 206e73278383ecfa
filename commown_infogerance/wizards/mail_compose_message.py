from odoo import api, models


class MailComposeMessage(models.TransientModel):
    """The quotation e-mail carries the conditions of the offers it sells."""

    _inherit = "mail.compose.message"

    @api.multi
    def onchange_template_id(self, template_id, composition_mode, model, res_id):
        result = super().onchange_template_id(template_id, composition_mode, model, res_id)
        if model != "sale.order" or not res_id or composition_mode == "mass_mail":
            return result
        attachments = self.env["sale.order"].browse(res_id)._infogerance_terms_attachments()
        if attachments:
            value = result.setdefault("value", {})
            ids = []
            for command in value.get("attachment_ids") or []:
                if isinstance(command, (list, tuple)) and command[0] == 6:
                    ids.extend(command[2])
                elif isinstance(command, (list, tuple)) and command[0] == 4:
                    ids.append(command[1])
                elif isinstance(command, int):
                    ids.append(command)
            value["attachment_ids"] = [(6, 0, ids + attachments.ids)]
        return result
