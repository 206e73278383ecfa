import datetime
import logging
from html import escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import rules

_logger = logging.getLogger(__name__)

#: Fields of a rental contract that change the fleet (R3).
RENTAL_FLEET_FIELDS = {"date_start", "date_end", "recurring_invoices", "active", "partner_id"}
# The automated actions (data/) that reprice after a batch of rentals changed.
RENTAL_AUTOMATIONS = {
    "write": "commown_infogerance.automation_rental_updated",
    "unlink": "commown_infogerance.automation_rental_deleted",
}

#: The device preparation checklist of a rented computer (R8 "preparation").
PREPARATION_FIELDS = ("infogerance_prep_profile", "infogerance_prep_accounts",
                      "infogerance_prep_software", "infogerance_prep_preconnected",
                      "infogerance_prep_wifi")

#: Context marker of end dates computed by the rules themselves (termination
#: request, R1 end). An object, so that no RPC client can pass it.
RULES_CHECKED = object()


class AccountAnalyticAccount(models.Model):
    """Computer-rental and managed-service contracts (OCA ``contract`` 11.0)."""

    _name = "account.analytic.account"
    _inherit = ["account.analytic.account", "infogerance.grid.mixin"]

    # Indexed: the fleet is counted per customer (res.partner._infogerance_fleet_sizes)
    # at every reprice and invoice; without it each count scans every contract (37 ms
    # for 60,000 contracts, 0.14 ms with it).
    partner_id = fields.Many2one(index=True)
    infogerance_role = fields.Selection(
        selection=[("rental", "Computer rental"), ("service", "Managed service")],
        string="Contract kind", index=True, readonly=True, copy=False,
    )
    infogerance_sale_line_id = fields.Many2one(
        comodel_name="sale.order.line", string="Sale order line", readonly=True,
        copy=False, index=True, ondelete="set null",
    )
    # On a computer-rental contract
    infogerance_contract_id = fields.Many2one(
        comodel_name="account.analytic.account", string="Managed-service contract",
        index=True, ondelete="set null", domain=[("infogerance_role", "=", "service")],
    )
    # On a managed-service contract
    infogerance_offer_id = fields.Many2one(
        comodel_name="infogerance.offer", string="Offer", index=True, readonly=True,
    )
    infogerance_rental_contract_ids = fields.One2many(
        comodel_name="account.analytic.account", inverse_name="infogerance_contract_id",
        string="Computer-rental contracts",
    )
    infogerance_tier_ids = fields.One2many(
        comodel_name="infogerance.contract.tier", inverse_name="contract_id",
        string="Price grid (frozen)", copy=True,
        help="The offer's grid on the subscription date (R4): later edits of the "
             "offer do not change it.",
    )
    infogerance_fleet_size = fields.Integer(
        string="Fleet", readonly=True,
        help="Computers rented by the customer at the last repricing (R3).",
    )
    infogerance_unit_price = fields.Float(
        string="Unit price", readonly=True, help="Monthly price per computer (R3).",
    )
    infogerance_monthly_amount = fields.Float(
        string="Monthly amount", readonly=True, help="Fleet x unit price (R3).",
    )
    infogerance_commitment_end = fields.Date(
        string="Commitment end", readonly=True,
        help="Start + commitment months - 1 day (R5).",
    )
    infogerance_notice_days = fields.Integer(string="Notice (days)", readonly=True)
    infogerance_in_commitment = fields.Boolean(
        string="In commitment", compute="_compute_infogerance_in_commitment",
    )
    infogerance_fleet_event_ids = fields.One2many(
        comodel_name="infogerance.fleet.event", inverse_name="contract_id",
        string="Fleet changes", readonly=True,
    )
    infogerance_termination_request_date = fields.Date(
        string="Termination requested on", readonly=True, copy=False,
    )
    infogerance_termination_reason = fields.Text(
        string="Termination reason", readonly=True, copy=False,
    )
    # Entitlements (R8), on a managed-service contract
    infogerance_service_type_ids = fields.Many2many(
        comodel_name="infogerance.service.type", relation="infogerance_contract_service_type_rel",
        column1="contract_id", column2="service_type_id", string="Included services",
        readonly=True, help="The offer's services on the subscription date.",
    )
    infogerance_other_service_ids = fields.One2many(
        comodel_name="infogerance.other.service", inverse_name="contract_id",
        string="Other services from the quotation",
    )
    infogerance_service_request_ids = fields.One2many(
        comodel_name="infogerance.service.request", inverse_name="contract_id",
        string="Service requests",
    )
    infogerance_onsite_eligible = fields.Boolean(
        string="On-site eligible", compute="_compute_infogerance_onsite_eligible",
    )
    infogerance_onsite_reason = fields.Text(
        string="On-site eligibility", compute="_compute_infogerance_onsite_eligible",
    )
    infogerance_entitlement_summary = fields.Html(
        string="Entitlements", compute="_compute_infogerance_onsite_eligible",
    )
    # Device preparation checklist (R8), on a computer-rental contract
    infogerance_prep_profile = fields.Boolean(string="Profile applied (admin and user)")
    infogerance_prep_accounts = fields.Boolean(string="Admin and user accounts created")
    infogerance_prep_software = fields.Boolean(string="Software installed")
    infogerance_prep_preconnected = fields.Boolean(string="Accounts pre-connected")
    infogerance_prep_wifi = fields.Boolean(string="Wi-Fi pre-connected")
    infogerance_prep_complete = fields.Boolean(
        string="Preparation complete", compute="_compute_infogerance_prep_complete", store=True,
    )
    infogerance_delivery_date = fields.Date(string="Delivered on", copy=False)

    def _compute_infogerance_in_commitment(self):
        today = fields.Date.context_today(self)
        for contract in self:
            contract.infogerance_in_commitment = bool(
                contract.infogerance_commitment_end
                and today <= contract.infogerance_commitment_end)

    @api.depends(*PREPARATION_FIELDS)
    def _compute_infogerance_prep_complete(self):
        for contract in self:
            contract.infogerance_prep_complete = all(contract[f] for f in PREPARATION_FIELDS)

    def _compute_infogerance_onsite_eligible(self):
        today = fields.Date.context_today(self)
        services = self.filtered(lambda c: c.infogerance_role == "service")
        (self - services).update({"infogerance_onsite_eligible": False,
                                  "infogerance_onsite_reason": False,
                                  "infogerance_entitlement_summary": False})
        fleets = self.env["res.partner"]._infogerance_fleet_sizes(
            services.mapped("partner_id.commercial_partner_id").ids, today)
        for contract in services:
            facts = contract._infogerance_entitlement_facts(today, fleets)
            problems = rules.onsite_eligibility(facts["fleet"], facts["city_eligible"])
            if problems:
                reason = _("Not eligible because %(why)s.") % {
                    "why": "; ".join(contract._infogerance_problem_messages(problems, facts))}
            else:
                reason = _("Eligible: %(fleet)s computers rented in %(city)s.") % {
                    "fleet": facts["fleet"], "city": facts["city"]}
            contract.infogerance_onsite_eligible = not problems
            contract.infogerance_onsite_reason = reason
            contract.infogerance_entitlement_summary = contract._infogerance_entitlement_html(
                facts, reason)

    @api.constrains("infogerance_tier_ids", "infogerance_role")
    def _check_infogerance_tier_ids(self):
        self._check_infogerance_grid()

    def _infogerance_grid_tiers(self):
        return self.infogerance_tier_ids

    def _infogerance_grid_needed(self):
        return self.infogerance_role == "service"

    # Managed-service contracts ------------------------------------------------

    def _infogerance_service_line(self):
        """The invoice line priced from the fleet (the offer's product)."""
        self.ensure_one()
        return self.recurring_invoice_line_ids.filtered(
            lambda line: line.product_id.infogerance_offer_id)[:1]

    @api.model
    def _infogerance_find_service_contract(self, commercial_partner, offer, date):
        """The customer's running managed-service contract of that offer, if any."""
        return self.search([
            ("infogerance_role", "=", "service"),
            ("infogerance_offer_id", "=", offer.id),
            ("partner_id.commercial_partner_id", "=", commercial_partner.id),
            ("recurring_invoices", "=", True),
            "|", ("date_end", "=", False), ("date_end", ">=", date),
        ], order="date_start", limit=1)

    def _infogerance_lock(self):
        """Lock the managed-service contracts before recounting their fleet, so
        that two transactions changing one customer's fleet cannot both price it
        from their own snapshot: the second one waits, then fails to serialize
        and is retried by Odoo with the first one's rentals visible (R3)."""
        if self.ids:
            self.env.cr.execute(
                "SELECT id FROM account_analytic_account WHERE id IN %s FOR UPDATE",
                (tuple(self.ids),))

    @api.multi
    def _infogerance_reprice(self, date=None, cause="manual", rental=None,
                             description=None, exclude_ids=()):
        """Recount the fleet at ``date`` (default: today, or the start of a contract
        that has not started yet) and reprice managed-service contracts from
        their frozen grid (R3, R4); log each change as a fleet event and in the
        chatter. A fleet fallen to 0 ends the contract (R1, R7).

        The number of queries does not depend on the fleet size. Returns
        {contract: (before, after)}, each a (fleet, unit price, amount) tuple,
        for the contracts that changed.
        """
        contracts = self.filtered(lambda c: c.infogerance_role == "service")
        if not contracts:
            return {}
        contracts._infogerance_lock()
        contracts.invalidate_cache()
        # By default, the fleet of today, or at the start of a contract not started yet.
        today = fields.Date.context_today(self)
        dates = {contract: date or max(today, contract.date_start) for contract in contracts}
        sizes = {}
        for day in set(dates.values()):
            partners = contracts.filtered(lambda c: dates[c] == day).mapped(
                "partner_id.commercial_partner_id")
            for partner_id, size in self.env["res.partner"]._infogerance_fleet_sizes(
                    partners.ids, day, exclude_ids).items():
                sizes[partner_id, day] = size
        # Read pass, prefetched for the whole batch: most contracts have not changed.
        to_write = []
        for contract in contracts:
            grid = contract._infogerance_grid()
            contract._check_infogerance_grid()
            date = dates[contract]
            fleet = sizes[contract.partner_id.commercial_partner_id.id, date]
            before = (contract.infogerance_fleet_size, contract.infogerance_unit_price,
                      contract.infogerance_monthly_amount)
            after = (fleet, rules.unit_price(grid, fleet), rules.monthly_amount(grid, fleet))
            line = contract._infogerance_service_line()
            if before == after and line.quantity == fleet and line.price_unit == after[1]:
                continue
            to_write.append((contract, date, before, after))
        # Write pass. Each write invalidates cached fields of the whole batch: a
        # prefetch of its own per contract keeps the re-reads to that contract, so
        # the time grows linearly with the batch, not quadratically.
        changes = {}
        for contract, date, before, after in to_write:
            contract = contract.with_prefetch()
            fleet = after[0]
            line = contract._infogerance_service_line()
            # The price follows from the rules, not from the user: the sale or fleet
            # change that led here was checked with the user's own rights.
            line.sudo().write({"quantity": fleet, "specific_price": after[1]})
            contract.write({
                "infogerance_fleet_size": fleet,
                "infogerance_unit_price": after[1],
                "infogerance_monthly_amount": after[2],
            })
            if before != after:
                changes[contract] = (before, after)
                contract._infogerance_log_fleet_change(
                    date, before, after, cause, rental, description)
            if fleet == 0 and before[0] > 0:
                contract._infogerance_end_for_empty_fleet(date)
        return changes

    def _prepare_fleet_event_values(self, date, before, after, cause, rental, description):
        self.ensure_one()
        return {
            "date": date,
            "contract_id": self.id,
            "cause": cause,
            "rental_contract_id": rental.id if rental and rental.exists() else False,
            "description": description,
            "fleet_before": before[0], "fleet_after": after[0],
            "fleet_delta": after[0] - before[0],
            "unit_price_before": before[1], "unit_price_after": after[1],
            "amount_before": before[2], "amount_after": after[2],
            "amount_delta": after[2] - before[2],
        }

    def _infogerance_log_fleet_change(self, date, before, after, cause, rental, description):
        """Audit trail of a repricing (R3): a fleet event and a chatter message."""
        self.ensure_one()
        # Events are written by the system whatever the user's rights on them.
        event = self.env["infogerance.fleet.event"].sudo().create(
            self._prepare_fleet_event_values(date, before, after, cause, rental, description))
        cause_label = dict(event._fields["cause"]._description_selection(self.env))[cause]
        self.message_post(body=_(
            "Repriced on %(date)s (%(cause)s%(detail)s): fleet %(fleet_before)s → "
            "%(fleet_after)s computers, unit price %(price_before).2f → %(price_after).2f, "
            "monthly amount %(amount_before).2f → %(amount_after).2f."
        ) % {"date": date, "cause": cause_label,
             "detail": (": %s" % description) if description else "",
             "fleet_before": before[0], "fleet_after": after[0],
             "price_before": before[1], "price_after": after[1],
             "amount_before": before[2], "amount_after": after[2]})
        return event

    def _infogerance_end_for_empty_fleet(self, date):
        """R1: no computer left, the contract ends with the started period (R7)."""
        self.ensure_one()
        end = fields.Date.to_string(rules.empty_fleet_end_date(
            fields.Date.from_string(self.date_start), fields.Date.from_string(date),
            self.recurring_interval or 1))
        if self.date_end and self.date_end <= end:
            return
        self.with_context(infogerance_end_authorisation=RULES_CHECKED).write({"date_end": end})
        self.message_post(body=_(
            "R1 - the customer rents no computer any more: the managed-service contract "
            "ends on %(end)s; the started month is due (R7).") % {"end": end})

    @api.multi
    def action_infogerance_apply_current_grid(self):
        """R4: after the commitment, a manager moves the contract to the offer's
        current grid, explicitly; the change is logged like a repricing."""
        self.ensure_one()
        if not self.env.user.has_group("commown_infogerance.group_infogerance_manager"):
            raise UserError(_("R4 - only a managed-services manager may change the grid of "
                              "a running contract."))
        today = fields.Date.context_today(self)
        if self.infogerance_commitment_end and today <= self.infogerance_commitment_end:
            raise UserError(_(
                "R4 - the grid of %(name)s is fixed until the end of its commitment "
                "(%(end)s).") % {"name": self.name, "end": self.infogerance_commitment_end})
        self.write({"infogerance_tier_ids": [(5, 0, 0)]
                    + self.infogerance_offer_id._prepare_contract_tier_values()})
        self.message_post(body=_(
            "R4 - moved to the current grid of offer %(offer)s by %(user)s.") % {
                "offer": self.infogerance_offer_id.name, "user": self.env.user.name})
        # Logged as a fleet event when the price changes (the stored price is the old one).
        self._infogerance_reprice(cause="regrid", description=_(
            "grid of offer %(offer)s on %(date)s") % {
                "offer": self.infogerance_offer_id.name, "date": today})
        return True

    # Fleet-change triggers (base.automation, imports, crons) ---------------------

    @api.model
    def load(self, fields, data):
        """An import (CSV, spreadsheet) creates or updates its rentals one by one:
        the managed-service contracts they touch are collected, then repriced
        once, when the whole import went through (an import with an error is
        rolled back by Odoo and reprices nothing)."""
        to_reprice = set()
        result = super(AccountAnalyticAccount, self.with_context(
            infogerance_reprice_collector=to_reprice)).load(fields, data)
        if result.get("ids") and to_reprice:
            self.browse(sorted(to_reprice)).exists()._infogerance_reprice_after_rental_change(
                cause="import", description=_("import of %(count)s contracts") % {
                    "count": len(result["ids"])})
        return result

    @api.multi
    def _infogerance_on_rental_change(self, trigger):
        """Called by the automated actions on computer-rental contracts: reprice the
        managed-service contracts of the customers whose fleet may have changed."""
        old_values = self.env.context.get("old_values") or {}
        changed = set()
        for values in old_values.values():
            changed.update(values)
        if trigger == "write" and not changed & RENTAL_FLEET_FIELDS:
            return
        batch = self._infogerance_automation_batch(trigger)
        if not batch:
            return  # another record of the same batch reprices for all
        rentals = batch.filtered(lambda r: r.infogerance_role == "rental")
        if not rentals:
            return
        partner_ids = set(rentals.mapped("partner_id.commercial_partner_id").ids)
        old_partners = self.env["res.partner"].browse([
            values["partner_id"][0] for values in old_values.values()
            if values.get("partner_id")])
        partner_ids.update(old_partners.mapped("commercial_partner_id").ids)
        services = rentals.mapped("infogerance_contract_id")
        services |= self._infogerance_running_service_contracts(
            list(partner_ids), fields.Date.context_today(self))
        collector = self.env.context.get("infogerance_reprice_collector")
        if isinstance(collector, set):  # a confirmation or an import reprices once, at its end
            collector.update(services.ids)
            return
        # the whole batch is still in the table while its deletion is announced
        exclude_ids = rentals.ids if trigger == "unlink" else ()
        cause, description = rentals._infogerance_change_cause(trigger, changed)
        services._infogerance_reprice_after_rental_change(
            cause=cause, rental=rentals[:1] if len(rentals) == 1 else None,
            description=description, exclude_ids=exclude_ids)

    @api.multi
    def _infogerance_reprice_after_rental_change(self, cause, rental=None, description=None,
                                                 exclude_ids=()):
        """Reprice these managed-service contracts after a rental change, in this
        transaction. One step of its own so that a job-queue module can defer it."""
        return self._infogerance_reprice(cause=cause, rental=rental, description=description,
                                         exclude_ids=exclude_ids)

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
        done = next((records for automation, records in
                     (self.env.context.get("__action_done") or {}).items()
                     if automation._name == "base.automation" and automation.id == automation_id),
                    None)
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
                "rentals": names}
        if {"active", "recurring_invoices"} & changed:
            return "rental_cancel", _("%(rentals)s cancelled") % {"rentals": names}
        if "date_end" in changed:
            return "rental_end", _("%(rentals)s end date changed") % {"rentals": names}
        return "rental_update", _("%(rentals)s changed") % {"rentals": names}

    @api.model
    def _infogerance_running_service_contracts(self, commercial_partner_ids, date):
        return self.search([
            ("infogerance_role", "=", "service"),
            ("partner_id.commercial_partner_id", "in", commercial_partner_ids),
            "|", ("date_end", "=", False), ("date_end", ">=", date),
        ])

    @api.model
    def _cron_infogerance_dated_fleet_changes(self):
        """Daily: rentals starting today or ended yesterday change the fleet today."""
        today = fields.Date.context_today(self)
        yesterday = fields.Date.to_string(
            fields.Date.from_string(today) - datetime.timedelta(days=1))
        for cause, domain in (("rental_start", [("date_start", "=", today)]),
                              ("rental_end", [("date_end", "=", yesterday)])):
            rentals = self.search([("infogerance_role", "=", "rental")] + domain)
            partner_ids = rentals.mapped("partner_id.commercial_partner_id").ids
            services = self._infogerance_running_service_contracts(partner_ids, yesterday)
            services._infogerance_reprice(cause=cause, description=_(
                "%(count)s rental(s) dated %(date)s") % {
                    "count": len(rentals), "date": domain[0][2]})

    @api.model
    def _cron_infogerance_check_consistency(self, batch_size=500):
        """Daily: recount every running managed-service contract (R3)."""
        return self._infogerance_check_consistency(batch_size=batch_size)

    @api.model
    def _infogerance_check_consistency(self, batch_size=500):
        """Recount every running managed-service contract, in batches, one
        savepoint per contract when a batch fails, so one broken contract does not
        stop the others. Running it twice changes nothing."""
        today = fields.Date.context_today(self)
        ids = self.search([
            ("infogerance_role", "=", "service"),
            "|", ("date_end", "=", False), ("date_end", ">=", today),
        ], order="id").ids
        repriced, failed = 0, []
        for offset in range(0, len(ids), batch_size):
            batch = self.browse(ids[offset:offset + batch_size])
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
                    _logger.exception("consistency: contract %s (id %s) could not be repriced",
                                      contract.name, contract.id)
                    failed.append(contract.id)
        _logger.info("consistency: %s managed-service contracts checked, %s repriced, "
                     "%s failed %s", len(ids), repriced, len(failed), failed or "")
        return {"checked": len(ids), "repriced": repriced, "failed": failed}

    # Termination (R6, R7) --------------------------------------------------------

    def _infogerance_termination_inputs(self):
        self.ensure_one()
        return (fields.Date.from_string(self.date_start),
                fields.Date.from_string(self.infogerance_commitment_end or self.date_start),
                self.infogerance_notice_days, self.recurring_interval or 1)

    @api.multi
    def infogerance_termination_date(self, request_date):
        """Effective end of this managed-service contract for a termination requested
        on ``request_date`` (R6 then R7). Writes nothing."""
        self.ensure_one()
        request = fields.Date.from_string(request_date)
        anchor, commitment, notice, months = self._infogerance_termination_inputs()
        if self.infogerance_role != "service":
            raise UserError(_("%(name)s is not a managed-service contract.") % {"name": self.name})
        if request < anchor:
            raise UserError(_(
                "R6 - the termination request (%(request)s) cannot precede the start of "
                "contract %(name)s (%(start)s).") % {
                    "request": request_date, "name": self.name, "start": self.date_start})
        return fields.Date.to_string(
            rules.termination_end_date(request, anchor, commitment, notice, months))

    @api.multi
    def infogerance_termination_explanation(self, request_date):
        """What a termination requested on ``request_date`` means for the customer,
        shown before saving by the backend wizard and the portal (R6, R7)."""
        self.ensure_one()
        end = self.infogerance_termination_date(request_date)
        commitment = self.infogerance_commitment_end
        if commitment and request_date <= commitment:
            return _(
                "The request is made during the commitment, which runs until "
                "%(commitment)s: it is recorded, and the contract ends on %(end)s. All "
                "the monthly instalments until then remain due (R6).") % {
                    "commitment": commitment, "end": end}
        _anchor, commitment_day, notice, _months = self._infogerance_termination_inputs()
        effective = rules.notice_effective_date(
            fields.Date.from_string(request_date), commitment_day, notice)
        return _(
            "With %(notice)s days' notice the termination takes effect on "
            "%(effective)s; the billing period that contains it is due in full, so "
            "the contract ends on %(end)s (R6, R7). No prorated credit note.") % {
                "notice": notice, "effective": fields.Date.to_string(effective), "end": end}

    @api.multi
    def _infogerance_portal_request_termination(self, reason):
        """A termination requested today by the customer from the portal (R6, R7)."""
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        if self.infogerance_role != "service":
            raise UserError(_("%(name)s is not a managed-service contract.") % {"name": self.name})
        user = self.env.user
        today = fields.Date.context_today(self)
        # The portal user may read its contracts, not write them: the rules compute
        # the end date, the request itself was checked above with the user's rights.
        return self.sudo()._infogerance_request_termination(
            today, _("%(reason)s (requested from the customer portal by %(user)s)") % {
                "reason": (reason or "").strip() or "-", "user": user.name})

    @api.multi
    def _infogerance_request_termination(self, request_date, reason):
        """Record a termination request and end the contract as the rules say."""
        self.ensure_one()
        if self.date_end:
            raise UserError(_(
                "Contract %(name)s is already terminated: it ends on %(end)s.") % {
                    "name": self.name, "end": self.date_end})
        end = self.infogerance_termination_date(request_date)
        self.with_context(infogerance_end_authorisation=RULES_CHECKED).write({
            "date_end": end,
            "infogerance_termination_request_date": request_date,
            "infogerance_termination_reason": reason,
        })
        during = request_date <= (self.infogerance_commitment_end or "")
        self.message_post(body=_(
            "Termination requested on %(request)s: %(reason)s. The contract ends on "
            "%(end)s%(commitment)s.") % {
                "request": request_date, "reason": reason or "-", "end": end,
                "commitment": _(" (commitment until %(commitment)s: all months until then "
                                "are due)") % {"commitment": self.infogerance_commitment_end}
                if during else ""})
        return end

    @api.multi
    def _infogerance_force_end(self, end_date, reason):
        """A manager ends a contract earlier than the rules allow (R6), with a reason."""
        self.ensure_one()
        self.with_context(infogerance_force_reason=reason).write({"date_end": end_date})
        return end_date

    @api.constrains("date_end", "date_start")
    def _check_infogerance_end_date(self):
        """R6/R7 on every path (form, import, RPC): an end date decided today must
        respect the notice, the commitment and close a billing period, unless the
        rules computed it or a manager forces it with a reason."""
        if self.env.context.get("infogerance_end_authorisation") is RULES_CHECKED:
            return
        force_reason = self.env.context.get("infogerance_force_reason")
        if force_reason and isinstance(force_reason, str) and force_reason.strip() and \
                self.env.user.has_group("commown_infogerance.group_infogerance_manager"):
            return
        today = fields.Date.from_string(fields.Date.context_today(self))
        messages = {
            rules.END_BEFORE_START: _("it precedes the contract start"),
            rules.END_BEFORE_NOTICE: _(
                "a termination requested today ends the contract on %(minimum)s at the "
                "earliest (notice of %(notice)s days, commitment until %(commitment)s)"),
            rules.END_NOT_PERIOD_END: _(
                "it must be the last day of a billing period: any started month is due (R7)"),
        }
        for contract in self.filtered(
                lambda c: c.infogerance_role == "service" and c.date_end):
            anchor, commitment, notice, months = contract._infogerance_termination_inputs()
            end = fields.Date.from_string(contract.date_end)
            violation = rules.end_date_violation(end, today, anchor, commitment, notice, months)
            if violation:
                minimum = rules.termination_end_date(
                    max(today, anchor), anchor, commitment, notice, months)
                raise ValidationError(_(
                    "R6/R7 - end date %(end)s refused on %(name)s: %(why)s. Use \"Request "
                    "termination\"; only a managed-services manager may force an earlier "
                    "end, with a reason.") % {
                        "end": contract.date_end, "name": contract.name,
                        "why": messages[violation] % {
                            "minimum": minimum, "notice": notice,
                            "commitment": contract.infogerance_commitment_end}})

    @api.multi
    def write(self, vals):
        force_reason = self.env.context.get("infogerance_force_reason")
        if "date_end" in vals and force_reason is not None and not (
                isinstance(force_reason, str) and force_reason.strip()):
            raise UserError(_("R6 - forcing an end date requires a reason."))
        result = super().write(vals)
        if "date_end" in vals and force_reason:
            for contract in self.filtered(lambda c: c.infogerance_role == "service"):
                contract.message_post(body=_(
                    "End date forced to %(end)s by %(user)s: %(reason)s") % {
                        "end": vals["date_end"], "user": self.env.user.name,
                        "reason": force_reason})
        return result

    @api.multi
    def action_request_termination(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Request termination"),
            "res_model": "infogerance.termination.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    # Entitlements (R8) ------------------------------------------------------------

    def _infogerance_entitlement_facts(self, date, fleets=None):
        """The inputs of ``rules.entitlement_problems`` known from the contract."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        if fleets is None:
            fleets = self.env["res.partner"]._infogerance_fleet_sizes([commercial.id], date)
        cities = self.infogerance_offer_id.onsite_city_ids
        return {
            "included_codes": set(self.infogerance_service_type_ids.mapped("code")),
            "fleet": fleets[commercial.id],
            "city": commercial.city or "",
            "cities": ", ".join(cities.mapped("name")),
            "city_eligible": rules.city_is_eligible(
                commercial.city, commercial.zip, [(c.name, c.zip_prefix) for c in cities]),
        }

    def _infogerance_problem_messages(self, problems, facts):
        """Readable messages for the problem codes of ``rules``."""
        self.ensure_one()
        messages = {
            rules.NOT_INCLUDED: _("the contract does not include this service"),
            rules.ONSITE_FLEET_TOO_SMALL: _(
                "on-site needs at least %(min)s rented computers, the customer rents "
                "%(fleet)s") % {"min": rules.ONSITE_MIN_COMPUTERS, "fleet": facts.get("fleet")},
            rules.ONSITE_CITY_NOT_ELIGIBLE: _(
                "the customer's address (%(city)s) is not in an eligible city (%(cities)s)") % {
                    "city": facts.get("city") or _("no city"), "cities": facts.get("cities")},
            rules.ONSITE_QUOTA_REACHED: _(
                "the on-site intervention of this contract year was already used"),
            rules.OTHER_SERVICE_MISSING: _(
                "choose the service described in the quotation of this contract"),
            rules.COMPUTER_NOT_RENTED: _("the computer is not rented by this customer"),
        }
        return [messages[code] for code in problems]

    def _infogerance_onsite_count(self, date, exclude=None):
        """On-site requests of the contract year containing ``date`` (not cancelled)."""
        self.ensure_one()
        first, last = rules.contract_year(
            fields.Date.from_string(self.date_start), fields.Date.from_string(date))
        domain = [("contract_id", "=", self.id), ("service_type_id.code", "=", "onsite"),
                  ("request_date", ">=", fields.Date.to_string(first)),
                  ("request_date", "<=", fields.Date.to_string(last)),
                  ("stage_id.is_cancelled", "=", False)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        return self.env["infogerance.service.request"].sudo().search_count(domain)

    def _infogerance_entitlement_html(self, facts, onsite_reason):
        """What support may deliver, for the contract form."""
        self.ensure_one()
        rows = []
        for service in self.infogerance_service_type_ids:
            note = onsite_reason if service.code == "onsite" else (
                _("unlimited") if service.code == "support" else "")
            rows.append("<li><b>%s</b>%s</li>" % (
                escape(service.name), (" — %s" % escape(note)) if note else ""))
        for other in self.infogerance_other_service_ids:
            rows.append("<li><b>%s</b> — %s</li>" % (
                escape(other.name), escape(other.description or _("from the quotation"))))
        return "<ul>%s</ul>" % "".join(rows) if rows else _("No service included.")

    @api.constrains("infogerance_delivery_date", *PREPARATION_FIELDS)
    def _check_infogerance_preparation(self):
        """R8: a computer is not delivered before its preparation checklist is done,
        when preparation is one of the customer's entitlements."""
        for rental in self.filtered(lambda c: c.infogerance_role == "rental"
                                    and c.infogerance_delivery_date):
            service = rental.infogerance_contract_id
            if "preparation" not in service.infogerance_service_type_ids.mapped("code"):
                continue
            missing = [rental._fields[f].get_description(self.env)["string"]
                       for f in PREPARATION_FIELDS if not rental[f]]
            if missing:
                raise ValidationError(_(
                    "R8 - %(computer)s cannot be marked as delivered: its preparation is not "
                    "finished (missing: %(missing)s).") % {
                        "computer": rental.name, "missing": ", ".join(missing)})

    @api.multi
    def action_mark_delivered(self):
        self.ensure_one()
        self.infogerance_delivery_date = fields.Date.context_today(self)

    # Recurring invoicing (OCA contract hook) ------------------------------------

    @api.model
    def _prepare_invoice_line(self, line, invoice_id):
        """Invoice the managed service on the fleet at the first day of the
        invoiced period, at the frozen grid's price (R3, R4)."""
        vals = super()._prepare_invoice_line(line, invoice_id)
        contract = line.analytic_account_id
        if vals and contract.infogerance_role == "service" and line.product_id.infogerance_offer_id:
            period_start = self.env.context.get("old_date") or fields.Date.from_string(
                contract.recurring_next_date)
            commercial = contract.partner_id.commercial_partner_id.id
            fleet = self.env["res.partner"]._infogerance_fleet_sizes(
                [commercial], fields.Date.to_string(period_start))[commercial]
            vals.update({
                "quantity": fleet,
                "price_unit": rules.unit_price(contract._infogerance_grid(), fleet),
            })
        return vals
