import datetime
import logging

from odoo import _, api, fields, models

from ..contract_day import contract_today

_logger = logging.getLogger(__name__)

# The automated actions (data/) that reprice after a batch of rentals changed.
RENTAL_AUTOMATIONS = {
    "write": "commown_infogerance.automation_rental_updated",
    "unlink": "commown_infogerance.automation_rental_deleted",
}


class ConfirmationCollector(set):
    """The managed-service contracts a sale confirmation reprices once, at its end
    (``infogerance_reprice_collector``), and the customers (partner ids) whose
    running contracts it holds already: one lookup per customer, not per rental
    created. Only a confirmation: it adds the contracts it creates itself. A
    class of its own, so that no RPC client can send one in its context."""

    def __init__(self):
        super().__init__()
        self.partner_ids = set()


class AccountAnalyticAccount(models.Model):
    """What changes a customer's fleet and triggers a repricing: automated actions on
    rentals, imports and the daily crons (R3)."""

    _inherit = "account.analytic.account"

    @api.model
    def _infogerance_fleet_trigger_fields(self):
        """Fields of a computer-rental contract whose change may change the fleet
        (R3) and triggers a repricing. A hook: extend it in another module."""
        return {"date_start", "date_end", "recurring_invoices", "active", "partner_id"}

    @api.model
    def load(self, fields, data):
        """An import (CSV, spreadsheet) creates or updates its rentals one by one:
        the managed-service contracts they touch are collected, then repriced
        once, when the whole import went through (an import with an error is
        rolled back by Odoo and reprices nothing)."""
        to_reprice = set()
        result = super(
            AccountAnalyticAccount, self.with_context(infogerance_reprice_collector=to_reprice)
        ).load(fields, data)
        if result.get("ids") and to_reprice:
            self.browse(sorted(to_reprice)).exists()._infogerance_reprice_after_rental_change(
                cause="import",
                description=_("import of %(count)s contracts") % {"count": len(result["ids"])},
            )
        return result

    @api.multi
    def _infogerance_on_rental_change(self, trigger):
        """Called by the automated actions on computer-rental contracts: reprice the
        managed-service contracts of the customers whose fleet may have changed."""
        old_values = self.env.context.get("old_values") or {}
        changed = set()
        for values in old_values.values():
            changed.update(values)
        if trigger == "write" and not changed & self._infogerance_fleet_trigger_fields():
            return
        batch = self._infogerance_automation_batch(trigger)
        if not batch:
            return  # another record of the same batch reprices for all
        rentals = batch.filtered(lambda r: r.infogerance_role == "rental")
        if not rentals:
            return
        partners = rentals.mapped("partner_id") | self.env["res.partner"].browse(
            [values["partner_id"][0] for values in old_values.values() if values.get("partner_id")]
        )
        collector = self.env.context.get("infogerance_reprice_collector")
        if isinstance(collector, ConfirmationCollector):
            # the running contracts of these customers were collected already
            partners = partners.filtered(lambda p: p.id not in collector.partner_ids)
            collector.partner_ids.update(partners.ids)
        services = rentals.mapped("infogerance_contract_id")
        if partners:
            services |= self._infogerance_running_service_contracts(
                partners.mapped("commercial_partner_id").ids, contract_today(self)
            )
        if isinstance(collector, set):  # a confirmation or an import reprices once, at its end
            collector.update(services.ids)
            return
        # the whole batch is still in the table while its deletion is announced
        exclude_ids = rentals.ids if trigger == "unlink" else ()
        cause, description = rentals._infogerance_change_cause(trigger, changed)
        services._infogerance_reprice_after_rental_change(
            cause=cause,
            rental=rentals[:1] if len(rentals) == 1 else None,
            description=description,
            exclude_ids=exclude_ids,
        )

    @api.multi
    def _infogerance_reprice_after_rental_change(
        self, cause, rental=None, description=None, exclude_ids=()
    ):
        """Reprice these managed-service contracts after a rental change, in this
        transaction. One step of its own so that a job-queue module can defer it."""
        return self._infogerance_reprice(
            cause=cause, rental=rental, description=description, exclude_ids=exclude_ids
        )

    def _infogerance_automation_batch(self, trigger):
        """The rentals of the create/write/unlink this automated action runs for,
        if this record is the last one it runs on; else nothing.

        base.automation runs its action once per record, after writing the whole
        batch (before deleting any), and keeps the batch at the end of its
        ``__action_done`` context. The last run reprices for the whole batch: a
        bulk write of 1,000 rentals reprices each customer once, not 1,000 times.
        """
        if trigger not in RENTAL_AUTOMATIONS:
            return self  # create: one record at a time
        # xmlid_to_res_id is cached; env.ref() would query to check the record exists
        automation_id = self.env["ir.model.data"].xmlid_to_res_id(RENTAL_AUTOMATIONS[trigger])
        done = next(
            (
                records
                for automation, records in (self.env.context.get("__action_done") or {}).items()
                if automation._name == "base.automation" and automation.id == automation_id
            ),
            None,
        )
        if not done or len(self) != 1 or self not in done:
            return self  # called directly, not by the automated action
        if done[-1:] != self:
            return self.browse()
        if trigger == "write":
            # this write's records; the others were done by an enclosing write
            changed_ids = set(self.env.context.get("old_values") or ())
            done = done.filtered(lambda record: record.id in changed_ids)
        return done.with_env(self.env)

    def _infogerance_change_cause(self, trigger, changed):
        """What happened to these rentals, for the fleet event."""
        names = ", ".join(self[:5].mapped("name"))
        if len(self) > 5:
            names = _("%(names)s and %(more)s more") % {"names": names, "more": len(self) - 5}
        if trigger == "create":
            return "rental_start", _("%(rentals)s created") % {"rentals": names}
        if trigger == "unlink":
            return "rental_delete", _("%(rentals)s deleted") % {"rentals": names}
        if "partner_id" in changed:
            return "rental_transfer", _("%(rentals)s moved to another customer") % {
                "rentals": names
            }
        if {"active", "recurring_invoices"} & changed:
            return "rental_cancel", _("%(rentals)s cancelled") % {"rentals": names}
        if "date_end" in changed:
            return "rental_end", _("%(rentals)s end date changed") % {"rentals": names}
        return "rental_update", _("%(rentals)s changed") % {"rentals": names}

    @api.model
    def _cron_infogerance_dated_fleet_changes(self):
        """Daily: rentals starting today or ended yesterday change the fleet today."""
        today = contract_today(self)
        yesterday = fields.Date.to_string(
            fields.Date.from_string(today) - datetime.timedelta(days=1)
        )
        for cause, domain in (
            ("rental_start", [("date_start", "=", today)]),
            ("rental_end", [("date_end", "=", yesterday)]),
        ):
            rentals = self.search([("infogerance_role", "=", "rental")] + domain)
            partner_ids = rentals.mapped("partner_id.commercial_partner_id").ids
            services = self._infogerance_running_service_contracts(partner_ids, yesterday)
            services._infogerance_reprice(
                cause=cause,
                description=_("%(count)s rental(s) dated %(date)s")
                % {"count": len(rentals), "date": self._infogerance_date_text(domain[0][2])},
            )

    @api.model
    def _cron_infogerance_check_consistency(self, batch_size=500):
        """Daily: recount every running managed-service contract (R3)."""
        return self._infogerance_check_consistency(batch_size=batch_size)

    @api.model
    def _infogerance_check_consistency(self, batch_size=500):
        """Recount every running managed-service contract, in batches, one
        savepoint per contract when a batch fails, so one broken contract does not
        stop the others. Running it twice changes nothing."""
        today = contract_today(self)
        ids = self.search(self._infogerance_running_service_domain(today), order="id").ids
        repriced, failed = 0, []
        for offset in range(0, len(ids), batch_size):
            batch = self.browse(ids[offset : offset + batch_size])
            try:
                with self.env.cr.savepoint():
                    repriced += len(batch._infogerance_reprice(cause="consistency"))
                continue
            except Exception:  # retry one by one to isolate the broken contracts
                _logger.info("consistency: batch at offset %s failed, retrying one by one", offset)
            for contract in batch:
                try:
                    with self.env.cr.savepoint():
                        repriced += len(contract._infogerance_reprice(cause="consistency"))
                except Exception:
                    _logger.exception(
                        "consistency: contract %s (id %s) could not be repriced",
                        contract.name,
                        contract.id,
                    )
                    failed.append(contract.id)
        _logger.info(
            "consistency: %s managed-service contracts checked, %s repriced, " "%s failed %s",
            len(ids),
            repriced,
            len(failed),
            failed or "",
        )
        return {"checked": len(ids), "repriced": repriced, "failed": failed}
