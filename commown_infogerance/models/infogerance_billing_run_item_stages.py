import logging
import random
import time

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from .billing_transaction import own_transaction

#: A customer's stages that lost a race (two workers numbering invoices of one
#: journal: its no-gap sequence is locked NOWAIT) are tried again this many times.
STAGE_TRIES = 30

_logger = logging.getLogger(__name__)


class InfogeranceBillingRunItem(models.Model):
    """The stages after a customer's invoices are made, each in a transaction of
    its own (never inside the one that creates them), idempotent and resumable:
    validate the drafts (company setting), then queue each validated invoice's
    e-mail with its PDF, in the customer's language, through the mail queue (an
    SMTP outage delays the e-mails; no invoice is sent twice)."""

    _inherit = "infogerance.billing.run.item"

    stages_done = fields.Boolean(readonly=True, copy=False)
    stage_error = fields.Text(string="Stage errors", readonly=True, copy=False)

    @api.model
    def _infogerance_bill_items(self, item_ids):
        billed = super()._infogerance_bill_items(item_ids)
        for item_id in item_ids:
            for attempt in range(1, STAGE_TRIES + 1):
                try:
                    with own_transaction(self.env) as env:
                        env[self._name].browse(item_id)._infogerance_run_stages()
                    break
                except OperationalError as err:
                    if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                        raise
                    if attempt == STAGE_TRIES:  # left for the next run of the date
                        with own_transaction(self.env) as env:
                            env[self._name].browse(item_id).stage_error = str(err)
                    else:
                        _logger.info("billing item %s: stages raced, tried again", item_id)
                        time.sleep(random.uniform(0.2, 1.0) * min(attempt, 5))
        return billed

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
            try:
                with self.env.cr.savepoint():
                    invoice.action_invoice_open()
            except OperationalError as err:
                if err.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise  # the customer's stages are tried again
                self.env.clear()
                errors.append("%s: %s" % (invoice.display_name, err))
            except Exception as err:  # recorded on the item: the others go on
                self.env.clear()
                message = err.name if isinstance(err, UserError) else str(err)
                errors.append("%s: %s" % (invoice.display_name, message))
        return errors

    def _infogerance_send_invoices(self):
        """Queue the e-mail of each validated invoice not sent yet (the template
        renders the PDF and the text in the customer's language); the mail queue
        sends them. Returns the errors."""
        template = self.env.ref("account.email_template_edi_invoice", raise_if_not_found=False)
        if not template:
            return []
        errors = []
        invoices = self.invoice_ids.filtered(lambda i: i.state in ("open", "paid") and not i.sent)
        for invoice in invoices.sorted("id"):
            try:
                with self.env.cr.savepoint():
                    template.send_mail(invoice.id, force_send=False)
                    invoice.sent = True
            except Exception as err:  # recorded on the item: the others go on
                self.env.clear()
                errors.append("%s: %s" % (invoice.display_name, err))
        return errors
