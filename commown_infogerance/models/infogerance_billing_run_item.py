import logging
import time

from psycopg2 import OperationalError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from .account_analytic_account_final_regularisation import ENDED_WITH_PENDING_REGULARISATION_SQL
from .billing_transaction import retried_transaction

_logger = logging.getLogger(__name__)


class InfogeranceBillingRunItem(models.Model):
    """A customer's invoicing on a run's date, in one company: the unit of work
    of a billing run, done in a transaction of its own. The database forbids a
    second item for the same customer, date and company: whatever runs twice,
    concurrently or after a crash, a customer's period is invoiced once."""

    _name = "infogerance.billing.run.item"
    _description = "Billing run: a customer's invoicing"
    _order = "run_id, id"

    run_id = fields.Many2one(
        comodel_name="infogerance.billing.run",
        string="Billing run",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True, readonly=True
    )
    date = fields.Date(string="Invoice date", required=True, readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", required=True, readonly=True)
    state = fields.Selection(
        selection=[("todo", "To do"), ("done", "Done"), ("failed", "Failed")],
        default="todo",
        required=True,
        readonly=True,
        index=True,
    )
    contract_ids = fields.Many2many(
        comodel_name="account.analytic.account",
        relation="infogerance_billing_run_item_contract_rel",
        column1="item_id",
        column2="contract_id",
        string="Contracts",
        readonly=True,
    )
    invoice_ids = fields.Many2many(
        comodel_name="account.invoice",
        relation="infogerance_billing_run_item_invoice_rel",
        column1="item_id",
        column2="invoice_id",
        string="Invoices",
        readonly=True,
    )
    error = fields.Text(readonly=True)
    error_date = fields.Datetime(readonly=True)
    attempts = fields.Integer(readonly=True, default=0)
    create_seconds = fields.Float(string="Invoicing time (s)", readonly=True)
    date_done = fields.Datetime(string="Done on", readonly=True)

    _sql_constraints = [
        (
            "customer_date_company_unique",
            "UNIQUE (partner_id, date, company_id)",
            "A customer is invoiced once per date and company: "
            "this customer already has an item for this date.",
        )
    ]

    # Business methods -------------------------------------------------------------

    @api.model
    def _due_contract_domain(self, date, company_id, commercial_partner_ids=None):
        """The contracts OCA contract's daily cron invoices on ``date``."""
        domain = [
            ("recurring_invoices", "=", True),
            ("recurring_next_date", "<=", date),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date),
            ("company_id", "=", company_id),
        ]
        if commercial_partner_ids is not None:
            domain.append(("partner_id.commercial_partner_id", "in", list(commercial_partner_ids)))
        return domain

    @api.model
    def _ended_with_regularisation(self, company_id, commercial_partner_ids=None):
        """Ended contracts with a final regularisation pending (R3), as the daily
        invoicing makes them; of these customers only, if given."""
        Contract = self.env["account.analytic.account"]
        sql, params = ENDED_WITH_PENDING_REGULARISATION_SQL, ()
        if commercial_partner_ids is not None:
            # only customers with an ended contract can have one: most have none
            ended = Contract.search(
                [
                    ("infogerance_role", "=", "service"),
                    ("date_end", "!=", False),
                    ("company_id", "=", company_id),
                    ("partner_id.commercial_partner_id", "in", list(commercial_partner_ids)),
                ]
            ).filtered(lambda c: c.recurring_next_date and c.recurring_next_date > c.date_end)
            if not ended:
                return Contract
            sql = "SELECT * FROM (%s) pending WHERE contract_id IN %%s" % sql.replace(
                "ORDER BY 1", ""
            )
            params = (tuple(ended.ids),)
        self.env.cr.execute(sql, params)
        contracts = Contract.browse([row[0] for row in self.env.cr.fetchall()])
        return contracts.filtered(lambda c: c.company_id.id == company_id)

    @api.model
    def _infogerance_bill_items(self, item_ids):
        """Bill these items one after the other, each customer in a transaction of
        its own; a customer that fails is recorded and the others go on. Returns
        the number of items billed."""
        billed = 0
        for item_id in item_ids:
            billed += (
                retried_transaction(
                    self.env,
                    lambda env, item_id=item_id: env[self._name]
                    .browse(item_id)
                    ._infogerance_bill(),
                    lambda env, err, item_id=item_id: env[self._name]
                    .browse(item_id)
                    ._infogerance_record_failure(str(err)),
                    "billing item %s" % item_id,
                )
                or 0
            )
        return billed

    def _infogerance_bill(self):
        """Invoice this customer's due contracts if the item is still to do, in
        a savepoint: a failure is recorded on the item and its contracts. Returns
        1 when invoiced."""
        self.ensure_one()
        # the item's row lock: a second worker on the same item waits here, then
        # (its snapshot outdated) fails to serialize and finds the item done
        self.env.cr.execute(
            "SELECT state FROM infogerance_billing_run_item WHERE id = %s FOR UPDATE", (self.id,)
        )
        row = self.env.cr.fetchone()
        if not row or row[0] == "done":
            return 0
        due, ended = self._infogerance_customer_contracts(
            self.partner_id, self.date, self.company_id.id
        )
        started = time.time()
        try:
            with self.env.cr.savepoint():
                invoices = self._infogerance_invoice_customer(self.partner_id, due, ended)
        except OperationalError as err:
            if err.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            self.env.clear()
            self._infogerance_record_failure(str(err), due | ended)
            return 0
        except Exception as err:  # recorded on the item: the chunk goes on
            self.env.clear()
            _logger.info("billing item %s failed: %s", self.id, err, exc_info=True)
            message = err.name if isinstance(err, UserError) else str(err)
            self._infogerance_record_failure(message, due | ended)
            return 0
        failed_before = (due | ended).filtered("infogerance_billing_error")
        self.write(
            {
                "state": "done",
                "contract_ids": [(6, 0, (due | ended).ids)],
                "invoice_ids": [(6, 0, invoices.ids)],
                "create_seconds": time.time() - started,
                "date_done": fields.Datetime.now(),
                "error": False,
                "error_date": False,
                "attempts": self.attempts + 1,
            }
        )
        failed_before._infogerance_clear_billing_error()
        return 1

    @api.model
    def _infogerance_customer_contracts(self, partner, date, company_id):
        """What a customer's billing on ``date`` invoices: its contracts due, and
        its ended contracts with a final regularisation pending. Shared by the
        run and its preview."""
        Contract = self.env["account.analytic.account"].with_context(
            cron=True, force_company=company_id
        )
        due = Contract.search(self._due_contract_domain(date, company_id, partner.ids), order="id")
        ended = self._ended_with_regularisation(company_id, partner.ids).with_env(Contract.env)
        return due, ended

    @api.model
    def _infogerance_invoice_customer(self, partner, due, ended):
        """Make a customer's draft invoices (and credit notes) of these contracts;
        raises what makes its billing fail. Shared by the run and its preview,
        which rolls them back."""
        self._infogerance_check_billable(partner)
        invoices = due.recurring_create_invoice()
        for contract in ended:
            invoices |= contract._infogerance_final_regularisation()
        return invoices

    def _infogerance_check_billable(self, partner=None):
        """Refuse clearly what would fail deep inside the invoice's creation."""
        partner = partner if partner is not None else self.partner_id
        for who in partner | partner.parent_id:
            if who.invoice_warn == "block":
                raise UserError(
                    _(
                        "Billing run: %(customer)s has a blocking invoice warning "
                        "(%(warning)s); lift it on the customer's form, then run the "
                        "failed items again."
                    )
                    % {"customer": who.display_name, "warning": who.invoice_warn_msg or ""}
                )

    def _infogerance_record_failure(self, message, contracts=None):
        """The error on the item, and on its contracts (chatter message, one
        activity for the contract's responsible, the "billing failed" filter)."""
        self.ensure_one()
        if contracts is None:
            contracts = self.env["account.analytic.account"].search(
                self._due_contract_domain(self.date, self.company_id.id, self.partner_id.ids)
            )
        self.write(
            {
                "state": "failed",
                "error": message,
                "error_date": fields.Datetime.now(),
                "attempts": self.attempts + 1,
                "contract_ids": [(6, 0, contracts.ids)],
            }
        )
        contracts._infogerance_set_billing_error(message, self.date)
