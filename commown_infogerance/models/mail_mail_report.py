import base64
import logging

from psycopg2 import Error as DatabaseError

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)

#: Context key of the billing run's send stage: the e-mail is made without its
#: PDF, which the mail queue attaches when it sends it.
REPORT_AT_SEND = "infogerance_report_at_send"
#: Context key, inside ``generate_email`` only: the report is not rendered.
_SKIP_REPORT = "infogerance_skip_report_rendering"
#: Context key: PDFs made for e-mails are not indexed for full-text search.
NO_INDEX = "infogerance_no_index"


class MailTemplate(models.Model):
    """With ``REPORT_AT_SEND`` in the context, the e-mail is generated without
    the template's report: the billing run queues thousands of invoice e-mails
    and rendering each PDF there (wkhtmltopdf, about half a second) would
    double the run; the mail queue renders it when it sends (``MailMail``)."""

    _inherit = "mail.template"

    @api.multi
    def generate_email(self, res_ids, fields=None):
        if not self.env.context.get(REPORT_AT_SEND):
            return super().generate_email(res_ids, fields=fields)
        results = super(MailTemplate, self.with_context(**{_SKIP_REPORT: True})).generate_email(
            res_ids, fields=fields
        )
        for values in results.values() if isinstance(res_ids, list) else [results]:
            values.pop("attachments", None)
        return results


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def render_qweb_pdf(self, res_ids=None, data=None):
        if self.env.context.get(_SKIP_REPORT):
            # inside generate_email only, whose attachments are dropped above
            return b"", "pdf"
        return super().render_qweb_pdf(res_ids=res_ids, data=data)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _index(self, bin_data, datas_fname, mimetype):
        """The ``document`` module extracts the text of every PDF stored (0.4 s
        an invoice); nobody searches invoice e-mails' PDFs by their words."""
        if self.env.context.get(NO_INDEX) and mimetype == "application/pdf":
            return "application"
        return super()._index(bin_data, datas_fname, mimetype)


class MailMail(models.Model):
    """An e-mail queued with ``REPORT_AT_SEND`` gets its record's PDF when the
    mail queue sends it, once: it is attached to the e-mail's message (the
    chatter shows it) before the e-mail goes. A PDF that cannot be made puts
    the e-mail in exception with the reason, never sends it without its PDF."""

    _inherit = "mail.mail"

    infogerance_report_id = fields.Many2one(
        comodel_name="ir.actions.report",
        string="Report attached when sent",
        ondelete="set null",
        readonly=True,
    )
    infogerance_report_name = fields.Char(string="Report file name", readonly=True)
    infogerance_report_attached = fields.Boolean(
        string="Report attached", readonly=True, copy=False
    )

    # Odoo 11 lets every user and portal user create and write e-mails: these
    # fields make the mail queue render a record's PDF as superuser and send it
    # to the e-mail's recipients, so only the system sets them, and only the
    # system redirects an e-mail that carries them.
    _REPORT_FIELDS = (
        "infogerance_report_id",
        "infogerance_report_name",
        "infogerance_report_attached",
    )
    _ADDRESS_FIELDS = ("model", "res_id", "email_to", "email_cc", "recipient_ids")

    def _infogerance_check_report_fields(self, values):
        if self.env.uid == SUPERUSER_ID:
            return
        if any(values.get(name) for name in self._REPORT_FIELDS) or (
            set(values) & set(self._ADDRESS_FIELDS)
            and self.sudo().filtered("infogerance_report_id")
        ):
            raise AccessError(
                _(
                    "Only the system attaches a report to an e-mail when it is sent, "
                    "and changes the record or the recipients of such an e-mail."
                )
            )

    @api.model
    def create(self, values):
        self._infogerance_check_report_fields(values)
        return super().create(values)

    @api.multi
    def write(self, values):
        self._infogerance_check_report_fields(values)
        return super().write(values)

    @api.multi
    def _send(self, auto_commit=False, raise_exception=False, smtp_session=None):
        if not self.filtered("infogerance_report_id"):
            return super()._send(
                auto_commit=auto_commit, raise_exception=raise_exception, smtp_session=smtp_session
            )
        for mail in self:  # one at a time: each PDF committed with its e-mail
            if not mail._infogerance_attach_report(raise_exception):
                continue
            super(MailMail, mail)._send(
                auto_commit=auto_commit, raise_exception=raise_exception, smtp_session=smtp_session
            )
        return True

    def _infogerance_attach_report(self, raise_exception=False):
        """Attach the record's PDF if the e-mail waits for it; False if it
        cannot be made (the e-mail is then in exception, with the reason)."""
        self.ensure_one()
        if (
            self.state != "outgoing"
            or not self.infogerance_report_id
            or self.infogerance_report_attached
        ):
            return True
        report = self.infogerance_report_id.sudo().with_context(**{NO_INDEX: True})
        if report.model != self.model or not self.res_id:
            # the report of the e-mail's own record only
            self.sudo().write(
                {
                    "state": "exception",
                    "failure_reason": _("The report is not of this e-mail's record."),
                }
            )
            return False
        try:
            # no savepoint: the first PDF after an update commits the cursor
            # (Odoo builds the report's style sheets and commits them)
            pdf, extension = report.render_qweb_pdf([self.res_id])
        except DatabaseError:
            raise
        except Exception as err:
            if raise_exception:
                raise
            _logger.warning("mail %s: the PDF could not be made: %s", self.id, err)
            self.sudo().write(
                {
                    "state": "exception",
                    "failure_reason": _("The PDF to attach could not be made: %s") % err,
                }
            )
            return False
        name = self.infogerance_report_name or "report.%s" % report.report_name
        if not name.endswith("." + extension):
            name += "." + extension
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .with_context(**{NO_INDEX: True})
            .create(
                {
                    "name": name,
                    "datas_fname": name,
                    "datas": base64.b64encode(pdf),
                    "type": "binary",
                    "res_model": "mail.message",
                    "res_id": self.mail_message_id.id,
                }
            )
        )
        self.sudo().write(
            {"attachment_ids": [(4, attachment.id)], "infogerance_report_attached": True}
        )
        return True
