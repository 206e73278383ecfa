"""The portal and shop pages of a customer with a big fleet and years of history,
over HTTP with real sessions: the queries of a small customer's pages (issue 24),
the latest requests and fleet changes with a link to the paged lists, the
computer of a request named in a text field rather than picked among all."""
import datetime
import re

from odoo import SUPERUSER_ID, api
from odoo.tests import common
from odoo.tests.common import HttpCase

from . import test_security_attacks as attacks
from .common import InfogeranceCase
from .test_page_budget import BIG_FLEET, BIG_HISTORY, insert_history

PASSWORD = attacks.PASSWORD

#: Queries a big customer's portal page may cost more than a small one's.
#: Measured 0 (the contract page read every computer, change and request before).
PORTAL_EXTRA_QUERIES = 0
#: Seconds a page may take (see url_open).
HTTP_TIMEOUT = 180


@common.at_install(False)
@common.post_install(True)
class TestPortalPageBudget(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        attacks._ensure_http_server()

    def setUp(self):
        super().setUp()
        # Odoo 11: the HTTP threads work on the registry's test cursor (see
        # SecurityAttackCase): the data is created there.
        self.http_cr = self.registry.test_cr
        self.env = env = api.Environment(self.http_cr, SUPERUSER_ID, {"tracking_disable": True})
        self.addCleanup(env.clear)
        env["res.lang"].with_context(active_test=False).search([("code", "=", "en_US")]).write(
            {"active": True}
        )
        offer = env["infogerance.offer"].create(
            {
                "name": "Budget offer",
                "service_type_ids": [(6, 0, env["infogerance.service.type"].search([]).ids)],
                "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 15.0})],
            }
        )
        self.computer = env["product.product"].create(
            {"name": "Budget laptop", "type": "service", "is_computer_rental": True}
        )
        self.service_product = env["product.product"].create(
            {"name": "Budget service", "type": "service", "infogerance_offer_id": offer.id}
        )
        today = datetime.date.today()
        self.start = (today.replace(day=1) - datetime.timedelta(days=60)).replace(day=1)
        self.contracts, self.logins = {}, {}
        for label, city in (("small", "Paris"), ("big", "Lyon")):
            customer = env["res.partner"].create(
                {"name": "Budget %s" % label, "is_company": True, "city": city, "zip": "69004"}
            )
            self.contracts[label] = attacks.SecurityAttackCase._subscribe(self, customer)
            self.logins[label] = "budget_%s" % label
            contact = env["res.partner"].create(
                {
                    "name": "IT of %s" % label,
                    "parent_id": customer.id,
                    "email": "it-%s@example.org" % label,
                    "infogerance_customer_manager": True,
                }
            )
            env["res.users"].with_context(no_reset_password=True).create(
                {
                    "name": contact.name,
                    "login": self.logins[label],
                    "password": PASSWORD,
                    "partner_id": contact.id,
                    "lang": "en_US",
                    "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
                }
            )
        big = self.contracts["big"]
        InfogeranceCase._bulk_rentals(
            self, big.partner_id, BIG_FLEET, start=self.start.isoformat(), service=big
        )
        big._infogerance_reprice(cause="consistency")
        insert_history(env, big, BIG_HISTORY, date=self.start.isoformat())
        # a few months: more than the contract page shows, as the big one
        insert_history(env, self.contracts["small"], 12, date=self.start.isoformat())
        self.http_cr.commit()

    authenticate = attacks.TestSecurityAttacks.authenticate

    def url_open(self, url, data=None, timeout=HTTP_TIMEOUT):
        """The first page of a run compiles the site's assets (lessc): on a loaded
        machine that takes more than HttpCase's 10 seconds."""
        return super().url_open(url, data=data, timeout=timeout)

    def _get(self, label, url):
        self.authenticate(self.logins[label], PASSWORD)
        self.url_open(url)  # warm the registry caches (templates, rules)
        before = self.http_cr.sql_log_count
        response = self.url_open(url)
        return response, self.http_cr.sql_log_count - before

    def assertFlat(self, page, url_for):
        small, small_queries = self._get("small", url_for("small"))
        big, big_queries = self._get("big", url_for("big"))
        self.assertEqual((small.status_code, big.status_code), (200, 200), page)
        self.assertLessEqual(
            big_queries,
            small_queries + PORTAL_EXTRA_QUERIES,
            "%s: %s queries for %s computers, %s for 3"
            % (page, big_queries, 3 + BIG_FLEET, small_queries),
        )
        return big

    def _contract_url(self, label, suffix=""):
        return "/my/managed-services/%d%s" % (self.contracts[label].id, suffix)

    def test_page_budget_portal_contract_list(self):
        self.assertFlat("portal list", lambda label: "/my/managed-services")

    def test_page_budget_portal_contract_page(self):
        big = self.assertFlat("portal contract page", self._contract_url)
        # the latest requests and changes, a link to all of them
        self.assertEqual(big.text.count("HIST/"), 10)
        self.assertIn(self._contract_url("big", "/requests"), big.text)
        self.assertIn(self._contract_url("big", "/fleet-changes"), big.text)
        # the computer is named, not picked among all of them
        self.assertIn('name="rental_contract_name"', big.text)
        self.assertNotIn("Bulk rental 1<", big.text)

    def test_page_budget_portal_full_lists_are_paged(self):
        for kind in ("/requests", "/fleet-changes"):
            big = self.assertFlat(
                "portal list " + kind, lambda label: self._contract_url(label, kind)
            )
            self.assertIn(self._contract_url("big", kind + "/page/2"), big.text)
        response, _queries = self._get("big", self._contract_url("big", "/requests/page/3"))
        self.assertEqual(response.text.count("HIST/"), BIG_HISTORY - 40)

    def test_page_budget_portal_lists_of_another_customer_are_refused(self):
        self.authenticate(self.logins["small"], PASSWORD)
        for kind in ("/requests", "/fleet-changes"):
            response = self.url_open(self._contract_url("big", kind))
            self.assertEqual(response.status_code, 404)

    def _post_queries(self, label, posts):
        """Queries of forms posted from the contract page, each with the CSRF token
        of the page read before it, and the last response."""
        self.authenticate(self.logins[label], PASSWORD)
        queries = 0
        for suffix, data in posts:
            page = self.url_open(self._contract_url(label))
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            before = self.http_cr.sql_log_count
            response = self.url_open(
                self._contract_url(label, suffix), data=dict(data, csrf_token=token)
            )
            queries += self.http_cr.sql_log_count - before
        return response, queries

    def assertFlatPost(self, action, posts):
        self._post_queries("small", posts)  # warm the registry caches
        small, small_queries = self._post_queries("small", posts)
        big, big_queries = self._post_queries("big", posts)
        self.assertEqual((small.status_code, big.status_code), (200, 200), action)
        self.assertNotIn("o_infogerance_error", small.text + big.text, action)
        self.assertLessEqual(
            big_queries,
            small_queries + PORTAL_EXTRA_QUERIES,
            "%s: %s queries for %s computers, %s for 3"
            % (action, big_queries, 3 + BIG_FLEET, small_queries),
        )

    def test_page_budget_portal_file_a_request(self):
        """Filing a request (then the contract page it leads to)."""
        support = self.env.ref("commown_infogerance.service_type_support")
        data = {"service_type_id": str(support.id), "summary": "Budget", "channel": "mail"}
        self.assertFlatPost("file a request", [("/request", data)])
        self.assertEqual(len(self._requests_on("Budget")), 3)

    def test_page_budget_portal_terminate_and_cancel(self):
        """Requesting the termination, then cancelling it (each then shows the page)."""
        posts = [("/terminate", {"reason": "Budget"}), ("/cancel-termination", {})]
        self.assertFlatPost("terminate and cancel", posts)
        self.contracts["big"].invalidate_cache()
        self.assertFalse(self.contracts["big"].date_end)

    def test_page_budget_shop_cart_and_payment(self):
        """The shop's cart and payment page of each customer's contact, with a
        computer and the offer in the cart."""
        for label in ("small", "big"):
            user = self.env["res.users"].search([("login", "=", self.logins[label])])
            order = self.env["sale.order"].create(
                {
                    "partner_id": user.partner_id.id,
                    "order_line": [
                        (0, 0, {"product_id": self.computer.id, "product_uom_qty": 1}),
                        (0, 0, {"product_id": self.service_product.id, "product_uom_qty": 1}),
                    ],
                }
            )
            user.partner_id.last_website_so_id = order
        self.http_cr.commit()
        big = self.assertFlat("shop cart", lambda label: "/shop/cart")
        self.assertIn("Budget service", big.text)
        self.assertFlat("shop payment page", lambda label: "/shop/payment")

    def _file_request(self, label, computer_name):
        self.authenticate(self.logins[label], PASSWORD)
        page = self.url_open(self._contract_url(label))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            self._contract_url(label, "/request"),
            data={
                "csrf_token": token,
                "service_type_id": str(self.env.ref("commown_infogerance.service_type_support").id),
                "rental_contract_name": computer_name,
                "summary": "Screen flickers",
            },
        )

    def _requests_on(self, summary="Screen flickers"):
        return self.env["infogerance.service.request"].search([("summary", "=", summary)])

    def test_r8_portal_request_names_its_computer_in_a_big_fleet(self):
        self._file_request("big", "bulk rental 42")
        request = self._requests_on()
        self.assertEqual(request.rental_contract_id.name, "Bulk rental 42")
        self.assertEqual(request.contract_id, self.contracts["big"])

    def test_r8_portal_request_unknown_or_ambiguous_computer_is_refused(self):
        response = self._file_request("big", "rental 4")  # 4, 40-49: no exact name
        self.assertIn("o_infogerance_request_error", response.text)
        response = self._file_request("big", "no such laptop")
        self.assertIn("o_infogerance_request_error", response.text)
        self.assertFalse(self._requests_on())

    def test_r8_portal_request_cannot_name_another_customer_computer(self):
        """The small customer names a computer of the big one: not found."""
        response = self._file_request("small", "Bulk rental 42")
        self.assertIn("o_infogerance_request_error", response.text)
        self.assertFalse(self._requests_on())
