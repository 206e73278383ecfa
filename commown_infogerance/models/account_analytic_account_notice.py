from odoo import api, models


class AccountAnalyticAccount(models.Model):
    """E-mails to the customer's managers about its managed-service contract:
    termination acknowledged or cancelled, price changes."""

    _inherit = "account.analytic.account"

    @api.multi
    def _infogerance_send_customer_notice(self, template_xmlid, record=None):
        """Send the template, rendered on ``record`` (default: this contract), to
        the customer's managers; the e-mail is kept in the contract's chatter.
        Returns the ``mail.mail`` or an empty recordset when nobody has an
        e-mail address."""
        self.ensure_one()
        recipients = self.partner_id.sudo()._infogerance_notice_recipients()
        if not recipients:
            return self.env["mail.mail"]
        record = record or self
        # Sent by the system after the business checks: the portal user who
        # terminated may not read templates nor write e-mails.
        template = self.env.ref(template_xmlid).sudo()
        mail_id = template.send_mail(
            record.id,
            email_values={
                "recipient_ids": [(6, 0, recipients.ids)],
                "model": self._name,
                "res_id": self.id,
            },
        )
        return self.env["mail.mail"].sudo().browse(mail_id)
