"""Query budgets of the pages: each backend page of a customer with a big fleet and
years of history costs the queries of a small customer's (issue 24), loaded as the
web client loads it (tests/page_loader.py). A page that starts to read every
computer, fleet change or request of the customer fails here."""
import logging
from unittest import mock

from freezegun import freeze_time

from ..models.account_analytic_account_recent import RECENT_LIMIT
from .common import InfogeranceCase
from .page_loader import PageLoader

_logger = logging.getLogger(__name__)

#: The big customer of these tests: computers added to its 3, and rows of history
#: (fleet changes, service requests). The bench measures 1,000 computers.
BIG_FLEET = 60
BIG_HISTORY = 60
#: Queries a big customer's page may cost more than a small one's. Measured 0 on
#: every page once the growing lists show their latest rows (the ids of every
#: computer, change and request were read before, and the computes of the
#: contract form ran on the computers the form listed).
PAGE_EXTRA_QUERIES = 0
CONTRACT_FORM = "commown_infogerance.account_analytic_account_view_form"


def insert_history(env, contract, count, date="2026-01-01"):
    """``count`` fleet changes and service requests of ``contract``, in two SQL
    statements (years of history without paying the ORM for each row)."""
    env.cr.execute(
        """
        INSERT INTO infogerance_fleet_event
            (contract_id, partner_id, offer_id, date, cause, description, fleet_before,
             fleet_after, fleet_delta, unit_price_before, unit_price_after, amount_before,
             amount_after, amount_delta, create_date, write_date)
        SELECT %s, %s, %s, %s, 'consistency', 'History ' || n, 1, 1, 0, 1, 1, 1, 1, 0,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %s) n
        """,
        (contract.id, contract.partner_id.id, contract.infogerance_offer_id.id, date, count),
    )
    env.cr.execute(
        """
        INSERT INTO infogerance_service_request
            (name, contract_id, partner_id, company_id, service_type_id, stage_id, summary,
             channel, request_date, is_closed, create_date, write_date)
        SELECT 'HIST/' || n, %s, %s, %s, %s, %s, 'Request ' || n, 'mail', %s, false,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %s) n
        """,
        (
            contract.id,
            contract.partner_id.id,
            contract.company_id.id,
            env.ref("commown_infogerance.service_type_support").id,
            env["infogerance.service.request.stage"].search([], limit=1).id,
            date,
            count,
        ),
    )
    env["account.analytic.account"].invalidate_cache()


class TestPageQueryBudget(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.small = cls._subscribe(cls.customer, 3)
        cls.big = cls._subscribe(cls.other_customer, 3)
        cls.office_manager = cls.env["res.users"].create(
            {
                "name": "Olga Office",
                "login": "infogerance_page_manager",
                "lang": "en_US",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            cls.env.ref("sales_team.group_sale_manager").id,
                            cls.env.ref("commown_infogerance.group_infogerance_manager").id,
                        ],
                    )
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self._bulk_rentals(self.other_customer, BIG_FLEET, service=self.big)
        with freeze_time("2026-02-01"):
            self.big._infogerance_reprice(cause="consistency")
        insert_history(self.env, self.big, BIG_HISTORY)
        insert_history(self.env, self.small, 2)
        self.assertEqual(self.big.infogerance_fleet_size, 3 + BIG_FLEET)
        self.loader = PageLoader(self.env(user=self.office_manager.id))

    def _queries(self, function):
        self.env["account.analytic.account"].recompute()
        function()  # warm the registry caches (views, rules, translations)
        before = self.cr.sql_log_count
        function()
        return self.cr.sql_log_count - before

    def assertFlat(self, page, small, big):
        """The page of the big customer (``big()``) costs the small one's queries."""
        small_queries, big_queries = self._queries(small), self._queries(big)
        _logger.info("%s: %s queries small, %s big", page, small_queries, big_queries)
        self.assertLessEqual(
            big_queries,
            small_queries + PAGE_EXTRA_QUERIES,
            "%s: %s queries for %s computers, %s for 3"
            % (page, big_queries, 3 + BIG_FLEET, small_queries),
        )

    def _form(self, model, record=None, view=None, **context):
        return lambda: self.loader.form(
            model, record.id if record else None, view_xmlid=view, context=context
        )

    def _contract_form(self, contract):
        """The form of the contract actions (managed services, their computers)."""
        return self._form("account.analytic.account", contract, view=CONTRACT_FORM)

    def test_page_budget_managed_service_contract_form(self):
        self.assertFlat(
            "contract form", self._contract_form(self.small), self._contract_form(self.big)
        )
        # Python-only growth costs no query: the form's computed fields are computed
        # for the contract and the rows it lists, not for the whole fleet.
        Contract = type(self.env["account.analytic.account"])
        original = Contract._compute_infogerance_onsite_eligible
        computed = []

        def counting(records):
            computed.append(len(records))
            return original(records)

        with mock.patch.object(Contract, "_compute_infogerance_onsite_eligible", counting):
            self._contract_form(self.big)()
        self.assertLessEqual(max(computed), 1 + RECENT_LIMIT, computed)
        values = self.loader.form("account.analytic.account", self.big.id, CONTRACT_FORM)
        self.assertEqual(values["infogerance_rental_count"], 3 + BIG_FLEET)
        self.assertEqual(len(values["infogerance_recent_rental_ids"]), 10)
        self.assertEqual(len(values["infogerance_recent_request_ids"]), 10)

    def test_page_budget_rental_contract_form(self):
        small = self._rentals(self.customer)[0]
        big = self._rentals(self.other_customer)[-1]
        self.assertFlat("rental form", self._contract_form(small), self._contract_form(big))

    def test_page_budget_order_and_rental_line_forms(self):
        orders = {
            label: self.env["sale.order"].search([("partner_id", "=", partner.id)])
            for label, partner in (("small", self.customer), ("big", self.other_customer))
        }
        self.assertFlat(
            "order form",
            self._form("sale.order", orders["small"]),
            self._form("sale.order", orders["big"]),
        )
        lines = {
            label: order.order_line.filtered("is_computer_rental")
            for label, order in orders.items()
        }
        self.assertFlat(
            "rental line form",
            self._form("sale.order.line", lines["small"]),
            self._form("sale.order.line", lines["big"]),
        )

    def test_page_budget_customer_form(self):
        self.assertFlat(
            "customer form",
            self._form("res.partner", self.customer),
            self._form("res.partner", self.other_customer),
        )

    def test_page_budget_offer_form(self):
        """The offer of every contract against an offer of none."""
        empty = self.offer.copy({"name": "Empty offer (test)"})
        self.service_product.copy({"name": "Empty (test)", "infogerance_offer_id": empty.id})
        self.assertFlat(
            "offer form",
            self._form("infogerance.offer", empty),
            self._form("infogerance.offer", self.offer),
        )

    def test_page_budget_service_request_form(self):
        Request = self.env["infogerance.service.request"]
        small = Request.search([("contract_id", "=", self.small.id)], limit=1)
        big = Request.search([("contract_id", "=", self.big.id)], limit=1)
        self.assertFlat(
            "service request form",
            self._form("infogerance.service.request", small),
            self._form("infogerance.service.request", big),
        )

    def _wizard(self, model, contract, **defaults):
        context = {
            "active_model": "account.analytic.account",
            "active_id": contract.id,
            "active_ids": [contract.id],
            "default_contract_id": contract.id,
        }
        context.update(("default_%s" % k, v) for k, v in defaults.items())
        return lambda: self.loader.form(model, context=context)

    def test_page_budget_termination_and_correction_wizards(self):
        with freeze_time("2026-03-10"):
            Wizard = "infogerance.termination.wizard"
            self.assertFlat(
                "termination wizard",
                self._wizard(Wizard, self.small),
                self._wizard(Wizard, self.big),
            )
            Wizard = "infogerance.contract.correction"
            self.assertFlat(
                "correction wizard",
                self._wizard(Wizard, self.small, field_name="infogerance_notice_days"),
                self._wizard(Wizard, self.big, field_name="infogerance_notice_days"),
            )

    def test_page_budget_mrr_report(self):
        Movement = self.loader.env["infogerance.mrr.movement"]

        def report(partner):
            return lambda: Movement.read_group(
                [("partner_id", "=", partner.id)],
                ["month", "offer_id", "net_mrr", "new_mrr"],
                ["month", "offer_id"],
                lazy=False,
            )

        self.assertFlat("MRR report", report(self.customer), report(self.other_customer))

    def test_page_contract_form_of_a_new_contract_opens(self):
        """A contract being created (a new record in the form, before it is saved):
        its latest lists are empty, not looked up."""
        values = self.loader.form("account.analytic.account", view_xmlid=CONTRACT_FORM)
        self.assertFalse(values["infogerance_rental_count"])
        rows = values["infogerance_recent_rental_ids"] or []
        self.assertFalse([row for row in rows if isinstance(row, int)], rows)
