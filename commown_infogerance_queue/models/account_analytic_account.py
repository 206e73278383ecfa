import logging

import psycopg2

from odoo import _, api, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from odoo.addons.commown_infogerance.contract_day import contract_today
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import job

_logger = logging.getLogger(__name__)

#: queue_job identity key of "reprice this customer": while such a job is pending,
#: more fleet changes of the customer (or the daily check) add no other job.
REPRICE_IDENTITY_KEY = "commown_infogerance.reprice.customer:%s"

#: Retry a job that lost a concurrency race after 1 s, then 5 s from the 3rd try,
#: then 30 s from the 5th (queue_job's retry_pattern: {from try: seconds}).
REPRICE_RETRY_PATTERN = {1: 1, 3: 5, 5: 30}


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    @api.multi
    def _infogerance_reprice_after_rental_change(
        self, cause, rental=None, description=None, exclude_ids=()
    ):
        """Defer the repricing to one job per customer (deduplicated): a burst of
        fleet changes is repriced once, after the transactions that made it."""
        services = self.filtered(lambda c: c.infogerance_role == "service")
        for partner in services.mapped("partner_id.commercial_partner_id"):
            self._infogerance_enqueue_reprice(
                partner.id,
                cause,
                rental_id=rental.id if rental else None,
                description=description,
                exclude_ids=exclude_ids,
            )
        return {}

    @api.model
    def _cron_infogerance_check_consistency(self, batch_size=500):
        """Daily: one repricing job per customer with a running managed-service
        contract; a customer with a pending job already gets no second one."""
        today = contract_today(self)
        partners = self._infogerance_running_service_contracts_all(today).mapped(
            "partner_id.commercial_partner_id"
        )
        for partner in partners.sorted("id"):
            self._infogerance_enqueue_reprice(partner.id, "consistency")
        _logger.info("consistency: repricing enqueued for %s customers", len(partners))
        return {"enqueued": len(partners)}

    @api.model
    def _infogerance_running_service_contracts_all(self, date):
        return self.search(self._infogerance_running_service_domain(date), order="id")

    @api.model
    def _infogerance_enqueue_reprice(
        self, commercial_partner_id, cause, rental_id=None, description=None, exclude_ids=()
    ):
        """Enqueue the repricing of a customer unless one is already pending."""
        partner = self.env["res.partner"].browse(commercial_partner_id)
        return (
            self.browse()
            .with_delay(
                identity_key=REPRICE_IDENTITY_KEY % commercial_partner_id,
                description=_("Reprice the managed services of %(customer)s")
                % {"customer": partner.display_name},
            )
            ._infogerance_job_reprice_customer(
                commercial_partner_id,
                cause,
                rental_id=rental_id,
                description=description,
                exclude_ids=list(exclude_ids),
                lang=self.env.lang,
            )
        )

    @api.model
    @job(default_channel="root.infogerance", retry_pattern=REPRICE_RETRY_PATTERN)
    def _infogerance_job_reprice_customer(
        self,
        commercial_partner_id,
        cause,
        rental_id=None,
        description=None,
        exclude_ids=(),
        lang=None,
    ):
        """Job: recount the fleet of a customer and reprice its running
        managed-service contracts (R3). A transaction that lost a race on the
        contracts (serialization failure, deadlock, lock timeout) is retried."""
        # The job runner's environment has its own language (the runner's HTTP
        # request): the price history is written in the language of the change
        # that enqueued the job (``lang``), as it would have been without jobs.
        model = self.with_context(lang=lang or self.env.user.lang)
        today = contract_today(model)
        services = model._infogerance_running_service_contracts([commercial_partner_id], today)
        rental = model.browse(rental_id).exists() if rental_id else None
        try:
            changes = services._infogerance_reprice(
                cause=cause, rental=rental, description=description, exclude_ids=exclude_ids
            )
        except psycopg2.OperationalError as err:
            # run at once (test_queue_job_no_delay): Odoo's own request retry applies
            if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY or not self.env.context.get(
                "job_uuid"
            ):
                raise
            raise RetryableJobError(
                "concurrent update of the managed-service contracts of customer %s: %s"
                % (commercial_partner_id, err.pgcode)
            ) from err
        return "%s contract(s) checked, %s repriced" % (len(services), len(changes))
