import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import rules
from ..contract_day import contract_today
from .account_analytic_account_termination import RULES_CHECKED
from .chatter_text import escaped

#: One row per customer and company, upserted by every confirmation that may
#: create or change that customer's managed-service contract.
LOCK_TABLE_SQL = """
    CREATE TABLE IF NOT EXISTS infogerance_customer_lock (
        partner_id integer NOT NULL,
        company_id integer NOT NULL,
        serial bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (partner_id, company_id)
    )
"""
LOCK_SQL = """
    INSERT INTO infogerance_customer_lock (partner_id, company_id, serial)
    VALUES (%s, %s, 1)
    ON CONFLICT (partner_id, company_id)
    DO UPDATE SET serial = infogerance_customer_lock.serial + 1
"""


class AccountAnalyticAccount(models.Model):
    """The one managed-service contract of a customer and company through its life:
    the per-customer lock of confirmations, plan changes when another offer is
    ordered, the R1 end lifted when computers come back, and the commitment end
    that follows a moved start until the first invoice."""

    _inherit = "account.analytic.account"

    infogerance_plan_change_ids = fields.One2many(
        comodel_name="infogerance.plan.change",
        inverse_name="contract_id",
        string="Plan changes",
        readonly=True,
    )
    # Stored, read with the contract: invoicing a contract without a pending plan
    # change costs no query for it.
    infogerance_plan_change_pending = fields.Boolean(
        string="Plan change pending", readonly=True, copy=False
    )
    infogerance_empty_fleet_end = fields.Boolean(
        string="Ends for lack of computers",
        readonly=True,
        copy=False,
        help="The end date was set because the customer rented no computer any more (R1); "
        "it is lifted when a computer is rented again before that end.",
    )
    infogerance_end_before_empty_fleet = fields.Date(
        string="End before the lack of computers",
        readonly=True,
        copy=False,
        help="The end the contract had (a termination requested) before the fleet fell "
        "to 0 (R1); it applies again when that end is lifted.",
    )

    @api.model_cr
    def init(self):
        result = super().init()
        self.env.cr.execute(LOCK_TABLE_SQL)
        return result

    # One contract per customer and company -----------------------------------------

    @api.model
    def _infogerance_lock_customers(self, keys):
        """Serialise the confirmations of one customer (commercial partner id,
        company id), including a customer without any contract yet, whom no row
        lock on contracts covers.

        An upsert of the customer's lock row rather than an advisory lock: the
        second transaction waits for the first, then, its snapshot (repeatable
        read) no longer showing what the first committed, fails to serialize
        and is retried by Odoo, which then finds the contract the first created.
        An advisory lock would let it go on with its stale snapshot and create a
        second contract."""
        for partner_id, company_id in sorted(set(keys)):
            self.env.cr.execute(LOCK_SQL, (partner_id, company_id))

    @api.model
    def _infogerance_find_customer_contract(self, commercial_partner, company, date):
        """The customer's running managed-service contract in ``company``, whatever its
        offer: a customer has one, priced on its whole fleet (R3)."""
        return self.search(
            self._infogerance_running_service_domain(date, commercial_partner.ids)
            + [("company_id", "=", company.id), ("recurring_invoices", "=", True)],
            order="date_start",
            limit=1,
        )

    def _infogerance_check_may_extend(self, order):
        """An order does not silently extend a contract whose termination was
        requested: staff decide to cancel the termination first, or to refuse."""
        self.ensure_one()
        if self.infogerance_termination_request_date and self.date_end:
            raise UserError(
                _(
                    "R6 - %(customer)s asked on %(request)s to terminate %(contract)s, which ends "
                    "on %(end)s: order %(order)s cannot extend it. Cancel the termination on the "
                    "contract first if the customer stays, or refuse this order."
                )
                % {
                    "customer": self.partner_id.commercial_partner_id.display_name,
                    "request": self._infogerance_date_text(
                        self.infogerance_termination_request_date
                    ),
                    "contract": self.name,
                    "end": self._infogerance_date_text(self.date_end),
                    "order": order.name,
                }
            )

    # Plan changes -------------------------------------------------------------------

    def _infogerance_current_plan_holder(self):
        """What holds the frozen grid the contract will invoice next: the last
        pending plan change, else the contract itself."""
        self.ensure_one()
        pending = self.infogerance_plan_change_ids.filtered(lambda c: c.state == "pending")
        return pending.sorted(lambda c: (c.date, c.id))[-1:] or self

    def _infogerance_current_plan(self):
        """The offer and frozen grid the contract will invoice next: the last pending
        plan change, else the contract's own."""
        plan = self._infogerance_current_plan_holder()
        offer = plan.offer_id if plan != self else self.infogerance_offer_id
        return offer, plan._infogerance_grid()

    def _infogerance_grid_holder_for_offer(self, offer):
        """The record (this contract or a pending plan change of it) holding the
        frozen grid this contract gives ``offer``, or None when the offer is neither
        its plan nor a pending change to it."""
        self.ensure_one()
        if offer == self.infogerance_offer_id:
            return self
        plan = self._infogerance_current_plan_holder()
        if plan != self and plan.offer_id == offer:
            return plan
        return None

    def _infogerance_grid_for_offer(self, offer):
        """The frozen grid this contract gives ``offer`` (its own plan or a pending
        change to it), or None when the offer is neither."""
        holder = self._infogerance_grid_holder_for_offer(offer)
        return holder._infogerance_grid() if holder is not None else None

    def _infogerance_change_plan(self, sale_line, order_start):
        """``sale_line`` orders another offer for this contract's customer: from the
        next billing period on, the contract follows that offer, at its grid of
        today frozen (R4). Returns the plan change, or nothing when the offer is
        already the contract's plan."""
        self.ensure_one()
        offer = sale_line.infogerance_offer_id
        order = sale_line.order_id
        pending = self.infogerance_plan_change_ids.filtered(lambda c: c.state == "pending")
        current_offer, _grid = self._infogerance_current_plan()
        if offer == current_offer:
            return self.env["infogerance.plan.change"]
        pending.write({"state": "replaced"})
        if offer == self.infogerance_offer_id:
            # back to the running plan: its frozen grid stays (R4)
            self.with_context(infogerance_end_authorisation=RULES_CHECKED).write(
                {"infogerance_plan_change_pending": False}
            )
            self.message_post(
                body=_("Order %(order)s keeps the plan %(offer)s: the pending change is replaced.")
                % escaped({"order": order.name, "offer": offer.name})
            )
            return self.env["infogerance.plan.change"]
        # never into a period already invoiced: from the next one to invoice
        date = rules.plan_change_date(
            fields.Date.from_string(self.date_start),
            fields.Date.from_string(order_start),
            self.recurring_interval or 1,
            first_uninvoiced=fields.Date.from_string(self.recurring_next_date),
        )
        change = self.env["infogerance.plan.change"].create(
            {
                "contract_id": self.id,
                "company_id": self.company_id.id,
                "date": fields.Date.to_string(date),
                "offer_id": offer.id,
                "previous_offer_id": current_offer.id,
                "order_id": order.id,
                "product_id": sale_line.product_id.id,
                "tier_ids": [
                    (0, 0, {"min_computers": t.min_computers, "unit_price": t.unit_price})
                    for t in offer.tier_ids
                ],
            }
        )
        change._check_infogerance_grid()
        self.with_context(infogerance_end_authorisation=RULES_CHECKED).write(
            {"infogerance_plan_change_pending": True}
        )
        self.message_post(
            body=_(
                "Order %(order)s changes the plan from %(before)s to %(after)s from %(date)s, "
                "the start of the next billing period; the current period keeps its plan."
            )
            % escaped(
                {
                    "order": order.name,
                    "before": current_offer.name,
                    "after": offer.name,
                    "date": self._infogerance_date_text(change.date),
                }
            )
        )
        if change.date <= max(contract_today(self), self.date_start):
            # the change applies from today or from the contract's (first) period
            self._infogerance_apply_plan_changes(change.date)
        return change

    @api.multi
    def _infogerance_apply_plan_changes(self, date):
        """Apply the plan changes due on ``date``: offer, frozen grid, services,
        notice and commitment (``rules.plan_change_commitment_end``), then reprice
        and log the change as a fleet event."""
        changes = self.env["infogerance.plan.change"].search(
            [("contract_id", "in", self.ids), ("state", "=", "pending"), ("date", "<=", date)],
            order="date, id",
        )
        for change in changes:
            change.contract_id._infogerance_apply_plan_change(change)
        contracts = changes.mapped("contract_id")
        if contracts:
            still = self.env["infogerance.plan.change"].search(
                [("contract_id", "in", contracts.ids), ("state", "=", "pending")]
            )
            (contracts - still.mapped("contract_id")).sudo().write(
                {"infogerance_plan_change_pending": False}
            )
        return changes

    def _infogerance_apply_plan_change(self, change):
        self.ensure_one()
        offer = change.offer_id
        before = (
            self.infogerance_fleet_size,
            self.infogerance_unit_price,
            self.infogerance_monthly_amount,
        )
        previous_grid = [list(tier) for tier in self._infogerance_grid()]
        # a termination requested keeps its end, and the commitment with it
        commitment = rules.plan_change_commitment_end(
            fields.Date.from_string(self.infogerance_commitment_end),
            fields.Date.from_string(change.date),
            offer.commitment_months,
            ending=bool(self.infogerance_termination_request_date and self.date_end),
        )
        # The change follows from a confirmed order, checked with its user's rights.
        contract = self.sudo()
        contract.write(
            {
                "infogerance_offer_id": offer.id,
                "infogerance_tier_ids": [(5, 0, 0)]
                + [
                    (0, 0, {"min_computers": t.min_computers, "unit_price": t.unit_price})
                    for t in change.tier_ids
                ],
                "infogerance_service_type_ids": [(6, 0, offer.service_type_ids.ids)],
                "infogerance_notice_days": offer.notice_days,
                "infogerance_commitment_end": fields.Date.to_string(commitment),
            }
        )
        line = contract._infogerance_service_line()
        if change.product_id and line:
            line.write(
                {
                    "product_id": change.product_id.id,
                    "name": "%s #START# - #END#" % change.product_id.display_name,
                    "uom_id": change.product_id.uom_id.id,
                }
            )
        change.sudo().write({"state": "applied", "previous_grid": json.dumps(previous_grid)})
        description = _("plan %(before)s → %(after)s ordered by %(order)s") % {
            "before": change.previous_offer_id.name or "-",
            "after": offer.name,
            "order": change.order_id.name or "-",
        }
        changed = contract._infogerance_reprice(
            date=change.date, cause="plan_change", description=description
        )
        if contract not in changed:
            after = (
                contract.infogerance_fleet_size,
                contract.infogerance_unit_price,
                contract.infogerance_monthly_amount,
            )
            contract._infogerance_log_fleet_change(
                change.date, before, after, "plan_change", None, description
            )
        self.message_post(
            body=_("Plan %(offer)s applies from %(date)s; commitment until %(commitment)s.")
            % escaped(
                {
                    "offer": offer.name,
                    "date": self._infogerance_date_text(change.date),
                    "commitment": self._infogerance_date_text(commitment),
                }
            )
        )

    @api.multi
    def _create_invoice(self, invoice=False):
        """The plan invoiced for a period is the one that applies on its first day."""
        if self.infogerance_role == "service" and self.infogerance_plan_change_pending:
            period_start = self.env.context.get("old_date") or fields.Date.from_string(
                self.recurring_next_date
            )
            self._infogerance_apply_plan_changes(fields.Date.to_string(period_start))
        return super()._create_invoice(invoice=invoice)

    @api.model
    def _cron_infogerance_apply_plan_changes(self):
        """Daily: the plan changes that apply from today."""
        today = contract_today(self)
        changes = self.env["infogerance.plan.change"].search(
            [("state", "=", "pending"), ("date", "<=", today)]
        )
        return changes.mapped("contract_id")._infogerance_apply_plan_changes(today)

    # Commitment end follows the start until the first invoice (R5) --------------------

    def _infogerance_invoiced(self):
        """Contracts of these that already issued an invoice."""
        if not self.ids:
            return self.browse()
        lines = (
            self.env["account.invoice.line"]
            .sudo()
            .read_group(
                [("account_analytic_id", "in", self.ids)],
                ["account_analytic_id"],
                ["account_analytic_id"],
            )
        )
        return self.browse([line["account_analytic_id"][0] for line in lines])

    @api.multi
    def write(self, vals):
        """R5: until the first invoice, a moved start (late delivery) moves the first
        invoice and the commitment end with it. An end date decided otherwise than
        for lack of computers is no longer lifted by a computer rented again (R1)."""
        if "date_end" in vals and "infogerance_empty_fleet_end" not in vals:
            vals = dict(
                vals, infogerance_empty_fleet_end=False, infogerance_end_before_empty_fleet=False
            )
        if "date_start" not in vals or not vals.get("date_start"):
            return super().write(vals)
        services = self.filtered(lambda c: c.infogerance_role == "service")
        following = services - services._infogerance_invoiced()
        result = super(AccountAnalyticAccount, self - following).write(vals)
        for contract in following:
            start = fields.Date.from_string(vals["date_start"])
            months = contract.infogerance_offer_id.commitment_months or 12
            contract_vals = dict(
                vals,
                recurring_next_date=vals.get("recurring_next_date") or vals["date_start"],
                infogerance_commitment_end=fields.Date.to_string(
                    rules.commitment_end(start, months)
                ),
            )
            super(AccountAnalyticAccount, contract).write(contract_vals)
        return result
