import logging

import psycopg2

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from ..contract_day import contract_today
from ..cpu_priority import billing_priority
from ..groups import MANAGER_GROUP
from ..scheduling import balanced_chunks
from .billing_transaction import CONCURRENCY_TRIES, own_transaction

_logger = logging.getLogger(__name__)

#: Who starts, runs again and looks at billing runs: accountants (Odoo's billing
#: group, which advisers have too) and managed-services managers.
BILLING_GROUPS = ("account.group_account_invoice", MANAGER_GROUP)

#: Customers with something to invoice on a date in a company, as OCA contract's
#: daily cron finds their contracts.
DUE_CUSTOMERS_SQL = """
    SELECT DISTINCT p.commercial_partner_id
      FROM account_analytic_account c
      JOIN res_partner p ON p.id = c.partner_id
     WHERE c.active
       AND c.recurring_invoices
       AND c.recurring_next_date <= %(date)s
       AND (c.date_end IS NULL OR c.date_end >= %(date)s)
       AND c.company_id = %(company)s
"""
#: Each item's weight: its customer's contracts due (at least 1: an item may
#: have only a final regularisation to make).
ITEM_WEIGHTS_SQL = """
    SELECT i.id, greatest(count(c.id), 1)
      FROM infogerance_billing_run_item i
      JOIN res_partner p ON p.commercial_partner_id = i.partner_id
      LEFT JOIN account_analytic_account c
        ON c.partner_id = p.id
       AND c.active
       AND c.recurring_invoices
       AND c.recurring_next_date <= i.date
       AND (c.date_end IS NULL OR c.date_end >= i.date)
       AND c.company_id = i.company_id
     WHERE i.id IN %s
     GROUP BY i.id
"""
ADD_ITEMS_SQL = """
    INSERT INTO infogerance_billing_run_item
           (run_id, partner_id, date, company_id, state, attempts,
            create_uid, create_date, write_uid, write_date)
    SELECT %(run)s, partner, %(date)s, %(company)s, 'todo', 0,
           %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
      FROM unnest(%(partners)s::integer[]) AS partner
        ON CONFLICT (partner_id, date, company_id) DO NOTHING
"""
#: Per run, the items by progress: ``todo`` and ``failed`` (the invoices not made
#: yet, or failed), then the customers invoiced (``state`` done) whose later stages
#: are ``stages`` (still to do: validate and send, and the direct debit when the
#: company fills the debit orders), ``stage_failed`` (a stage recorded its error and
#: nothing tries it again until the run is run again, as *Run what is left* does) or
#: ``done``; with their contracts, invoicing time and, for the failures, the items.
PROGRESS_SQL = """
    SELECT t.run_id, t.progress, count(*), coalesce(sum(t.contracts), 0),
           coalesce(sum(t.create_seconds), 0),
           array_agg(t.id ORDER BY t.id) FILTER (WHERE t.progress IN ('failed', 'stage_failed'))
      FROM (SELECT i.id, i.run_id, i.create_seconds,
                   (SELECT count(*) FROM infogerance_billing_run_item_contract_rel r
                     WHERE r.item_id = i.id) AS contracts,
                   CASE WHEN i.state != 'done' THEN i.state
                        WHEN (NOT coalesce(i.stages_done, false)
                              AND coalesce(i.stage_error, '') != '')
                          OR (c.infogerance_billing_debit
                              AND NOT coalesce(i.debit_done, false)
                              AND coalesce(i.debit_error, '') != '')
                        THEN 'stage_failed'
                        WHEN NOT coalesce(i.stages_done, false)
                          OR (c.infogerance_billing_debit AND NOT coalesce(i.debit_done, false))
                        THEN 'stages'
                        ELSE 'done'
                   END AS progress
              FROM infogerance_billing_run_item i
              JOIN res_company c ON c.id = i.company_id
             WHERE i.run_id IN %s) t
     GROUP BY 1, 2
"""
#: The progress values of PROGRESS_SQL, in the order _compute_progress reads them.
PROGRESS = ("todo", "failed", "stages", "stage_failed", "done")
TOTALS_SQL = """
    SELECT t.run_id, count(*), coalesce(sum(t.amount_untaxed), 0),
           coalesce(sum(t.amount_total), 0), max(t.date_done)
      FROM (SELECT DISTINCT i.run_id, v.id, v.amount_untaxed, v.amount_total, i.date_done
              FROM infogerance_billing_run_item i
              JOIN infogerance_billing_run_item_invoice_rel r ON r.item_id = i.id
              JOIN account_invoice v ON v.id = r.invoice_id
             WHERE i.run_id IN %s) t
     GROUP BY 1
"""


class InfogeranceBillingRun(models.Model):
    """The month's invoicing as an operation the accountant watches: one run per
    invoice date and company, made of one item per customer. Items are billed in
    chunks (inline, or as queue jobs with ``commown_infogerance_queue``), each
    customer in a transaction of its own; running a run again bills only what is
    left."""

    _name = "infogerance.billing.run"
    _description = "Billing run"
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name")
    date = fields.Date(
        string="Invoice date",
        required=True,
        default=contract_today,
        help="Every contract due on this date (or before) is invoiced.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.user.company_id,
    )
    trigger = fields.Selection(
        selection=[("cron", "Scheduled action"), ("manual", "Accountant")],
        string="Started by",
        default="manual",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Started by user",
        default=lambda self: self.env.user,
        readonly=True,
    )
    date_started = fields.Datetime(string="Started on", readonly=True)
    item_ids = fields.One2many(
        comodel_name="infogerance.billing.run.item",
        inverse_name="run_id",
        string="Customers",
        readonly=True,
    )
    failed_item_ids = fields.One2many(
        comodel_name="infogerance.billing.run.item",
        compute="_compute_progress",
        string="Failed customers",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Not started"),
            ("running", "Running"),
            ("failed", "Done with failures"),
            ("done", "Done"),
        ],
        compute="_compute_progress",
    )
    customer_count = fields.Integer(string="Customers", compute="_compute_progress")
    customer_todo = fields.Integer(string="Customers to do", compute="_compute_progress")
    customer_done = fields.Integer(string="Customers done", compute="_compute_progress")
    customer_failed = fields.Integer(string="Customers failed", compute="_compute_progress")
    customer_stages_todo = fields.Integer(
        string="Customers to validate, send or debit",
        compute="_compute_progress",
        help="Customers invoiced whose invoices are still to be validated, e-mailed or put "
        "in a debit order: the run is running until they are done.",
    )
    customer_stage_failed = fields.Integer(
        string="Customers whose stages failed",
        compute="_compute_progress",
        help="Customers invoiced whose invoices could not all be validated, e-mailed or put "
        "in a debit order (the error is on the customer, among the failed customers): "
        "Run what is left tries again.",
    )
    contract_done = fields.Integer(string="Contracts invoiced", compute="_compute_progress")
    contract_failed = fields.Integer(string="Contracts failed", compute="_compute_progress")
    create_seconds = fields.Float(
        string="Invoicing time (s)",
        compute="_compute_progress",
        help="Sum of the customers' invoicing times (several workers share it).",
    )
    invoice_count = fields.Integer(string="Invoices", compute="_compute_totals")
    amount_untaxed = fields.Float(string="Untaxed amount", compute="_compute_totals")
    amount_total = fields.Float(string="Total amount", compute="_compute_totals")
    date_finished = fields.Datetime(string="Last customer done on", compute="_compute_totals")

    _sql_constraints = [
        (
            "date_company_unique",
            "UNIQUE (date, company_id)",
            "One billing run per invoice date and company: run the existing one again.",
        )
    ]

    @api.depends("date")
    def _compute_name(self):
        for run in self:
            run.name = _("Billing run of %(date)s") % {"date": run.date or ""}

    def _compute_progress(self):
        """Counts and state from the items, one query for all the runs: a run is
        running while a customer is to do or invoiced with stages to do, then done
        with failures when a customer failed (its invoices, or a stage of them)."""
        progress = {}
        if self.ids:
            self.env.cr.execute(PROGRESS_SQL, (tuple(self.ids),))
            for run_id, key, customers, contracts, seconds, failed in self.env.cr.fetchall():
                progress.setdefault(run_id, {})[key] = (customers, contracts, seconds, failed or [])
        Item = self.env["infogerance.billing.run.item"]
        for run in self:
            counts = progress.get(run.id, {})
            todo, fail, stages, stage_fail, done = (
                counts.get(key, (0, 0, 0, [])) for key in PROGRESS
            )
            invoiced = (stages, stage_fail, done)  # the items done: their invoices made
            run.customer_todo, run.customer_failed = todo[0], fail[0]
            run.customer_done = sum(part[0] for part in invoiced)
            run.customer_stages_todo, run.customer_stage_failed = stages[0], stage_fail[0]
            run.customer_count = todo[0] + fail[0] + run.customer_done
            run.contract_done = sum(part[1] for part in invoiced)
            run.contract_failed = fail[1]
            run.create_seconds = sum(part[2] for part in invoiced)
            run.failed_item_ids = Item.browse(sorted(fail[3] + stage_fail[3]))
            if not run.date_started:
                run.state = "draft"
            elif todo[0] or stages[0]:
                run.state = "running"
            elif fail[0] or stage_fail[0]:
                run.state = "failed"
            else:
                run.state = "done"

    def _compute_totals(self):
        totals = {}
        if self.ids:
            self.env.cr.execute(TOTALS_SQL, (tuple(self.ids),))
            totals = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for run in self:
            count, untaxed, total, finished = totals.get(run.id, (0, 0.0, 0.0, False))
            run.invoice_count, run.amount_untaxed, run.amount_total = count, untaxed, total
            run.date_finished = finished

    # Actions ------------------------------------------------------------------------

    @api.multi
    def action_start(self):
        """Bill what is left of this run: the customers not done yet (failed ones
        excepted: *Run the failed again*)."""
        self.ensure_one()
        self._check_billing_rights()
        # the system bills, once the accountant's right to start it was checked
        self.sudo()._infogerance_start(include_failed=False)
        return True

    @api.multi
    def action_retry_failed(self):
        """Bill again the customers that failed, and what is left."""
        self.ensure_one()
        self._check_billing_rights()
        self.sudo()._infogerance_start(include_failed=True)
        return True

    @api.model
    def _check_billing_rights(self):
        user = self.env.user
        if self.env.uid == SUPERUSER_ID or any(user.has_group(g) for g in BILLING_GROUPS):
            return
        raise AccessError(
            _(
                "Billing runs: only accountants and managed-services managers start, "
                "run again or preview the month's invoicing."
            )
        )

    # Business methods ---------------------------------------------------------------

    @api.model
    def _cron_infogerance_billing_run(self):
        """Daily: create or resume the day's run of each company with something
        due, and bill what is left of it."""
        today = contract_today(self)
        self.env.cr.execute(
            """SELECT DISTINCT company_id FROM account_analytic_account
                WHERE active AND recurring_invoices AND recurring_next_date <= %s""",
            (today,),
        )
        company_ids = {row[0] for row in self.env.cr.fetchall()}
        # the day's runs are resumed even when nothing new is due
        company_ids |= set(self.search([("date", "=", today)]).mapped("company_id").ids)
        company_ids = sorted(company_ids)
        runs = self.browse()
        for company_id in company_ids:
            run = self._infogerance_get_run(today, company_id, trigger="cron")
            run._infogerance_start()
            runs |= run
        return runs

    @api.model
    def _infogerance_get_run(self, date, company_id, trigger="manual"):
        """The run of ``date`` and company, created (and committed) if needed;
        of two crons creating it at once, the database keeps one."""
        for _attempt in range(2):
            with own_transaction(self.env) as env:
                run = env[self._name].search(
                    [("date", "=", date), ("company_id", "=", company_id)], limit=1
                )
                if run:
                    return self.browse(run.id)
            try:
                with own_transaction(self.env) as env:
                    run = env[self._name].create(
                        {"date": date, "company_id": company_id, "trigger": trigger}
                    )
                    run_id = run.id
                return self.browse(run_id)
            except psycopg2.IntegrityError:
                _logger.info("billing run of %s: created by another transaction", date)
        raise AssertionError("billing run of %s neither found nor created" % date)

    @api.multi
    def _infogerance_start(self, include_failed=False):
        """Add the customers due that have no item yet, then bill the items to do
        by chunks. Returns the number of chunks dispatched."""
        self.ensure_one()
        self._infogerance_add_items()
        # read in a transaction of its own: the caller's snapshot may predate the
        # run (created by another cron at the same time) or its items
        with own_transaction(self.env) as env:
            run = self.with_env(env)
            items = env["infogerance.billing.run.item"].search(
                [("run_id", "=", run.id)] + run._infogerance_items_to_run_domain(include_failed),
                order="id",
            )
            size = max(run.company_id.infogerance_billing_chunk_size, 1)
            weights = []
            if items:
                env.cr.execute(ITEM_WEIGHTS_SQL, (tuple(items.ids),))
                weight = dict(env.cr.fetchall())
                weights = [(item_id, weight.get(item_id, 1)) for item_id in items.ids]
            date = run.date
        # the heaviest customers first, each chunk about as heavy (scheduling.py)
        chunks = balanced_chunks(weights, size)
        _logger.info("billing run %s: %s customers in %s chunks", date, len(weights), len(chunks))
        self._infogerance_dispatch(chunks)
        return len(chunks)

    @api.model
    def _infogerance_items_to_run_domain(self, include_failed=False):
        """The items a run (again) takes: to do (and failed), and the customers
        done whose later stages (validate, send) are not."""
        states = ("todo", "failed") if include_failed else ("todo",)
        return [
            "|",
            ("state", "in", states),
            "&",
            ("state", "=", "done"),
            ("stages_done", "=", False),
        ]

    @api.multi
    def _infogerance_add_items(self):
        """One item per customer due on the run's date (committed), none for a
        customer who has one already (the database's unique constraint)."""
        self.ensure_one()
        for attempt in range(1, CONCURRENCY_TRIES + 1):
            try:
                return self._infogerance_add_items_once()
            except psycopg2.OperationalError as err:
                # two crons adding the items of one run at once
                if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY or attempt == CONCURRENCY_TRIES:
                    raise
        return None

    @api.model
    def _infogerance_due_customer_ids(self, date, company_id):
        """The customers (commercial partner ids) a run of ``date`` bills: those
        with contracts due, and those with a final regularisation pending.
        Shared by the run and its preview."""
        self.env.cr.execute(DUE_CUSTOMERS_SQL, {"date": date, "company": company_id})
        partners = {row[0] for row in self.env.cr.fetchall()}
        ended = self.env["infogerance.billing.run.item"]._ended_with_regularisation(company_id)
        partners |= set(ended.mapped("partner_id.commercial_partner_id").ids)
        return sorted(partners)

    def _infogerance_add_items_once(self):
        with own_transaction(self.env) as env:
            run = self.with_env(env)
            if not run.date_started:
                run.date_started = fields.Datetime.now()
            partners = run._infogerance_due_customer_ids(run.date, run.company_id.id)
            env.cr.execute(
                ADD_ITEMS_SQL,
                {
                    "run": run.id,
                    "date": run.date,
                    "company": run.company_id.id,
                    "uid": env.uid,
                    "partners": sorted(partners),
                },
            )
        self.invalidate_cache()

    @api.multi
    def _infogerance_dispatch(self, chunks):
        """Bill the chunks (lists of item ids): here one after the other; the job
        queue module makes each a job."""
        Item = self.env["infogerance.billing.run.item"]
        with billing_priority(self.env):
            for chunk in chunks:
                Item._infogerance_bill_items(chunk)
