import logging
import random
import time

from psycopg2 import OperationalError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from .billing_transaction import invoice_numbering_turn, own_transaction
from .context_markers import BULK_POSTING
from .mail_mail_report import REPORT_AT_SEND

_logger = logging.getLogger(__name__)

#: Tries of an item's stages that lost a race (see _infogerance_run_stages_retrying).
STAGE_TRIES = 12


class InfogeranceBillingRunItem(models.Model):
    """The stages after a customer's invoices are made, each in a transaction of
    its own (never inside the one that creates them), idempotent and resumable:
    validate the drafts (company setting), then queue each validated invoice's
    e-mail, in the customer's language, through the mail queue, which attaches
    its PDF when it sends it (an SMTP outage delays the e-mails; no invoice is
    sent twice)."""

    _inherit = "infogerance.billing.run.item"

    stages_done = fields.Boolean(readonly=True, copy=False)
    stage_error = fields.Text(string="Stage errors", readonly=True, copy=False)

    @api.model
    def _infogerance_bill_items(self, item_ids):
        billed = super()._infogerance_bill_items(item_ids)
        for item_id in item_ids:
            self._infogerance_run_stages_retrying(item_id)
        return billed

    @api.model
    def _infogerance_run_stages_retrying(self, item_id):
        """The stages of an item, tried again when they lose a race. The drafts
        get their numbers first, in a short transaction of its own, in the
        worker's turn at numbering (see ``invoice_numbering_turn``), so that the
        workers draw numbers one after the other while the rest (posting the
        journal entries, e-mails) runs side by side. Still busy after
        ``STAGE_TRIES`` (a user validating invoices by hand meanwhile): left for
        the next run of the date, and said on the item."""
        # read afresh: the caller's snapshot may predate the item
        with own_transaction(self.env) as env:
            company_id = env[self._name].browse(item_id).company_id.id
        for attempt in range(1, STAGE_TRIES + 1):
            try:
                with invoice_numbering_turn(self.env, company_id):
                    with own_transaction(self.env) as env:
                        env[self._name].browse(item_id)._infogerance_number_stage()
                with own_transaction(self.env) as env:
                    env[self._name].browse(item_id)._infogerance_run_stages()
                return True
            except OperationalError as err:
                if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise
                _logger.info("billing item %s: stages busy (%s), tried again", item_id, attempt)
                time.sleep(random.uniform(0.05, 0.2) * attempt)
        with own_transaction(self.env) as env:
            env[self._name].browse(item_id).stage_error = _(
                "The invoices could not be validated or sent: other workers kept the "
                "invoice numbering busy. Run the billing run again to finish."
            )
        return False

    def _infogerance_number_stage(self):
        """Give the item's drafts their numbers (company setting *validate*),
        when its stages are not done yet: Odoo's no-gap sequence row is locked
        for this short transaction only, not for the posting of a thousand
        journal lines. The posting then takes the number the draft holds
        (``move_name``, as Odoo does for an invoice validated again); a draft
        whose posting fails keeps it for the next run: no gap, no second
        number."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT state, stages_done FROM infogerance_billing_run_item WHERE id = %s FOR UPDATE",
            (self.id,),
        )
        state, stages_done = self.env.cr.fetchone()
        if state != "done" or stages_done or not self.company_id.infogerance_billing_validate:
            return
        drafts = self.invoice_ids.filtered(lambda i: i.state == "draft" and not i.move_name)
        for invoice in drafts.sorted("id"):
            number = invoice._infogerance_next_number()
            if number:
                invoice.move_name = number

    def _infogerance_run_stages(self):
        """Validate, then send; what a stage failed at is recorded on the item and
        tried again by the next run of the date."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT state, stages_done FROM infogerance_billing_run_item WHERE id = %s FOR UPDATE",
            (self.id,),
        )
        state, stages_done = self.env.cr.fetchone()
        if state != "done" or stages_done:
            return
        errors = []
        if self.company_id.infogerance_billing_validate:
            errors += self._infogerance_validate_invoices()
        if self.company_id.infogerance_billing_send:
            errors += self._infogerance_send_invoices()
        self.write({"stages_done": not errors, "stage_error": "\n".join(errors) or False})

    def _infogerance_validate_invoices(self):
        """Number and post the item's draft invoices, each in a savepoint: one
        that fails stays draft. Returns the errors."""
        errors = []
        for invoice in self.invoice_ids.filtered(lambda i: i.state == "draft").sorted("id"):
            name = invoice.display_name
            try:
                with self.env.cr.savepoint():
                    # the stored totals and balances the posting changes are
                    # computed once for the invoice, not again for each of its
                    # journal lines (a third of the validation's time); the
                    # journal and analytic items are inserted at once
                    invoice.with_context(
                        recompute=False, infogerance_bulk_posting=BULK_POSTING
                    ).action_invoice_open()
                    invoice.recompute()
            except OperationalError as err:
                if err.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise  # the whole item's stages are tried again
                self.env.clear()
                errors.append("%s: %s" % (name, err))
            except Exception as err:  # recorded on the item: the others go on
                self.env.clear()
                message = err.name if isinstance(err, UserError) else str(err)
                errors.append("%s: %s" % (name, message))
        return errors

    def _infogerance_send_invoices(self):
        """Queue the e-mail of each validated invoice not sent yet, its text in
        the customer's language; the mail queue renders and attaches the PDF
        when it sends it (``mail_mail_report``): rendering thousands of PDFs is
        not the run's work. Returns the errors."""
        template = self.env.ref("account.email_template_edi_invoice", raise_if_not_found=False)
        if not template:
            return []
        errors = []
        report = template.report_template
        invoices = self.invoice_ids.filtered(lambda i: i.state in ("open", "paid") and not i.sent)
        for invoice in invoices.sorted("id"):
            name = invoice.display_name
            try:
                with self.env.cr.savepoint():
                    mail_id = template.with_context(**{REPORT_AT_SEND: True}).send_mail(
                        invoice.id, force_send=False
                    )
                    if report:
                        file_name = template.render_template(
                            template.report_name, template.model, invoice.id
                        )
                        self.env["mail.mail"].browse(mail_id).sudo().write(
                            {
                                "infogerance_report_id": report.id,
                                "infogerance_report_name": file_name,
                            }
                        )
                    invoice.sent = True
            except OperationalError as err:
                if err.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise
                self.env.clear()
                errors.append("%s: %s" % (name, err))
            except Exception as err:  # recorded on the item: the others go on
                self.env.clear()
                errors.append("%s: %s" % (name, err))
        return errors
