"""The "pages" part of the benchmark: every page of the addon for the customer with
1,000 computers against one with 3 (issue 24: at most x1.5 the queries, x2 the time).

Backend pages are loaded as the web client loads them, one RPC after the other,
each with a cold record cache (a request of its own): ``fields_view_get`` of the
form, ``read`` of the view's fields (or ``default_get`` and ``onchange`` for a
wizard), then the first rows of each list (one2many/many2many shown as a tree:
its first 40; shown as tags: all of them, as the tags widget does). Portal and
shop pages are requested over HTTP (Odoo's WSGI application, in process) with a
real session of a portal user of each customer.
"""
import statistics
import time

import werkzeug.test
import werkzeug.wrappers

import odoo
from odoo import sql_db

from odoo.addons.commown_infogerance.tests.page_loader import X2MANY_LIMIT, PageLoader

PASSWORD = "bench-pages"
#: The form of the contract actions (managed services, the computers listed on it).
CONTRACT_FORM = "commown_infogerance.account_analytic_account_view_form"


def _median(values):
    return statistics.median(values) if values else 0


class HttpSession:
    """A portal user's browser: Odoo's WSGI application in process, a real login,
    its session cookie, CSRF tokens from the pages."""

    ENVIRON = {"REMOTE_ADDR": "127.0.0.1"}

    def __init__(self, database, login):
        odoo.tools.config["dbfilter"] = "^%s$" % database
        self.client = werkzeug.test.Client(odoo.http.root, werkzeug.wrappers.BaseResponse)
        page = self.get("/web/login")
        response = self.client.post(
            "/web/login",
            data={"login": login, "password": PASSWORD, "csrf_token": self.csrf(page)},
            environ_base=self.ENVIRON,
        )
        # Odoo 11 answers a successful login with a page redirecting by JavaScript
        body = response.get_data(as_text=True)
        assert response.status_code == 303 or "window.location" in body, (login, body[:300])

    @staticmethod
    def csrf(body):
        marker = 'name="csrf_token" value="'
        start = body.index(marker) + len(marker)
        return body[start : body.index('"', start)]

    def get(self, url, expect=200):
        response = self.client.get(url, environ_base=self.ENVIRON)
        assert response.status_code == expect, (url, response.status_code)
        return response.get_data(as_text=True)

    def post(self, url, data, expect=(302, 303)):
        response = self.client.post(url, data=data, environ_base=self.ENVIRON)
        assert response.status_code in expect, (url, response.status_code)
        return response

    @staticmethod
    def measure(function, repeats):
        function()
        times, queries, sizes = [], [], []
        for _ in range(repeats):
            before, start = sql_db.sql_counter, time.perf_counter()
            result = function()
            times.append((time.perf_counter() - start) * 1000)
            queries.append(sql_db.sql_counter - before)
            if isinstance(result, str):
                sizes.append(len(result.encode()))
        figures = {"ms": round(_median(times), 1), "queries": int(_median(queries))}
        if sizes:
            figures["kb"] = round(_median(sizes) / 1024.0, 1)
        return figures


class PagesBench:
    """Sets up the pages of a big and a small customer, then measures them."""

    def __init__(self, bench, repeats=5):
        self.bench = bench
        self.env = bench.env
        self.cr = bench.cr
        self.repeats = repeats

    # Set-up ------------------------------------------------------------------

    def _customer(self, computers):
        partner_id = next(
            (p for p, s in sorted(self.bench.sizes.items()) if s == computers),
            None,
        )
        if partner_id is None:  # the nearest size
            partner_id = min(self.bench.sizes, key=lambda p: abs(self.bench.sizes[p] - computers))
        return self.env["res.partner"].browse(partner_id)

    def _user(self, login, groups, partner=None):
        Users = self.env["res.users"].with_context(no_reset_password=True)
        user = Users.search([("login", "=", login)])
        if not user:
            values = {
                "name": login,
                "login": login,
                "password": PASSWORD,
                "email": "%s@example.com" % login,
                "groups_id": [(6, 0, [self.env.ref(g).id for g in groups])],
            }
            if partner:
                values["partner_id"] = partner.id
            user = Users.create(values)
        return user

    def _portal_contact(self, customer):
        Partner = self.env["res.partner"]
        contact = Partner.search([("parent_id", "=", customer.id), ("name", "=like", "Bench IT%")])
        if not contact:
            contact = Partner.create(
                {
                    "name": "Bench IT manager %s" % customer.id,
                    "parent_id": customer.id,
                    "type": "contact",
                    "email": "it-%s@example.com" % customer.id,
                    "street": "1 rue de la Paix",
                    "city": "Paris",
                    "zip": "75002",
                    "country_id": self.env.ref("base.fr").id,
                    "infogerance_customer_manager": True,
                }
            )
        return contact

    def _history(self, customer, service, count):
        """Years of history: fleet events and service requests (what a customer
        accumulates, and what a page must not list in full)."""
        events = self.env["infogerance.fleet.event"].search_count(
            [("contract_id", "=", service.id)]
        )
        if events < count:
            self.cr.execute(
                """
                INSERT INTO infogerance_fleet_event
                    (contract_id, partner_id, offer_id, date, cause, description,
                     fleet_before, fleet_after, fleet_delta, unit_price_before,
                     unit_price_after, amount_before, amount_after, amount_delta,
                     create_date, write_date)
                SELECT %s, %s, %s, %s, 'consistency', 'Bench history ' || n,
                       1, 1, 0, 1, 1, 1, 1, 0,
                       now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM generate_series(1, %s) n
                """,
                (
                    service.id,
                    customer.id,
                    service.infogerance_offer_id.id,
                    self.bench.start,
                    count - events,
                ),
            )
        requests = self.env["infogerance.service.request"].search_count(
            [("contract_id", "=", service.id)]
        )
        stage = self.env["infogerance.service.request.stage"].search([], limit=1)
        service_type = self.env.ref("commown_infogerance.service_type_other")
        if requests < count:
            self.cr.execute(
                """
                INSERT INTO infogerance_service_request
                    (name, contract_id, partner_id, service_type_id, stage_id, summary,
                     channel, request_date, create_date, write_date)
                SELECT 'BENCH/' || %s || '/' || n, %s, %s, %s, %s, 'Bench request ' || n,
                       'mail', %s, now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM generate_series(1, %s) n
                """,
                (
                    service.id,
                    service.id,
                    customer.id,
                    service_type.id,
                    stage.id,
                    self.bench.start,
                    count - requests,
                ),
            )
        self.env.clear()

    def setup(self):
        env = self.env
        Contract = env["account.analytic.account"]
        self.manager = self._user(
            "bench-manager",
            [
                "sales_team.group_sale_manager",
                "commown_infogerance.group_infogerance_manager",
                "account.group_account_manager",
            ],
        )
        self.customers = {}
        for label, computers in (("big", max(self.bench.sizes.values())), ("small", 3)):
            customer = self._customer(computers)
            service = Contract.search(
                [("infogerance_role", "=", "service"), ("partner_id", "=", customer.id)]
            )
            rentals = Contract.search(
                [("infogerance_role", "=", "rental"), ("partner_id", "=", customer.id)],
                order="id",
            )
            if service.infogerance_fleet_size != len(rentals):  # rentals inserted by SQL
                service._infogerance_reprice(cause="consistency")
            # the big customer has years of history, the small one a few months
            self._history(customer, service, 500 if label == "big" else 5)
            contact = self._portal_contact(customer)
            portal = self._user(
                "bench-portal-%s" % computers, ["base.group_portal"], partner=contact
            )
            order = env["sale.order"].search(
                [("partner_id", "=", customer.id), ("state", "=", "sale")], limit=1
            )
            # one of the history's requests (the portal part files more, with messages)
            request = env["infogerance.service.request"].search(
                [("contract_id", "=", service.id), ("name", "=like", "BENCH/%")],
                limit=1,
                order="id desc",
            )
            self.customers[label] = {
                "customer": customer,
                "computers": len(rentals),
                "service": service,
                "rental": rentals[:1],
                "order": order,
                "rental_line": order.order_line.filtered("is_computer_rental")[:1],
                "request": request,
                "portal_login": portal.login,
                "contact": contact,
            }
        # an offer with the bench's contracts against a new one without any
        small_offer = env["infogerance.offer"].search([("name", "=", "Small offer (bench)")])
        if not small_offer:
            small_offer = self.bench.offer.copy({"name": "Small offer (bench)"})
        if not small_offer.product_tmpl_ids:  # like the bench's offer, without contracts
            self.bench.service_product.copy(
                {"name": "Small offer service (bench)", "infogerance_offer_id": small_offer.id}
            )
        self.offers = {"big": self.bench.offer, "small": small_offer}
        self.cr.commit()

    # Measures ----------------------------------------------------------------

    def backend_pages(self):
        loader = PageLoader(self.env(user=self.manager.id))
        pages = {}

        def page(name, function_for):
            pages[name] = {
                label: loader.measure(lambda: function_for(label), self.repeats)
                for label in ("big", "small")
            }
            print("[pages] %s: %s" % (name, pages[name]), flush=True)

        c = self.customers
        page(
            "backend: managed-service contract form",
            lambda label: loader.form(
                "account.analytic.account",
                c[label]["service"].id,
                view_xmlid=CONTRACT_FORM,
                context={"default_recurring_invoices": True},
            ),
        )
        page(
            "backend: computer-rental contract form",
            lambda label: loader.form(
                "account.analytic.account", c[label]["rental"].id, view_xmlid=CONTRACT_FORM
            ),
        )
        page(
            "backend: order form",
            lambda label: loader.form("sale.order", c[label]["order"].id),
        )
        page(
            "backend: rental order line form",
            lambda label: loader.form("sale.order.line", c[label]["rental_line"].id),
        )
        page(
            "backend: customer form",
            lambda label: loader.form("res.partner", c[label]["customer"].id),
        )
        page(
            "backend: offer form",
            lambda label: loader.form("infogerance.offer", self.offers[label].id),
        )
        page(
            "backend: service request form",
            lambda label: loader.form("infogerance.service.request", c[label]["request"].id),
        )
        page(
            "backend: termination wizard",
            lambda label: loader.form(
                "infogerance.termination.wizard",
                context={
                    "active_model": "account.analytic.account",
                    "active_id": c[label]["service"].id,
                    "active_ids": [c[label]["service"].id],
                    "default_contract_id": c[label]["service"].id,
                },
            ),
        )
        page(
            "backend: correction wizard",
            lambda label: loader.form(
                "infogerance.contract.correction",
                context={
                    "active_model": "account.analytic.account",
                    "active_id": c[label]["service"].id,
                    "active_ids": [c[label]["service"].id],
                    "default_contract_id": c[label]["service"].id,
                    "default_field_name": "infogerance_notice_days",
                },
            ),
        )

        def mrr(label):
            Movement = loader.env["infogerance.mrr.movement"]
            domain = [("partner_id", "=", c[label]["customer"].id)]
            loader._rpc(
                lambda: Movement.read_group(
                    domain,
                    [
                        "month",
                        "offer_id",
                        "new_mrr",
                        "expansion_mrr",
                        "contraction_mrr",
                        "churn_mrr",
                        "net_mrr",
                    ],
                    ["month", "offer_id"],
                    lazy=False,
                )
            )

        page("backend: MRR report (the customer's movements)", mrr)
        self.cr.rollback()  # nothing is written, but a wizard's onchange could
        return pages

    def portal_pages(self):
        pages = {}
        database = self.cr.dbname
        sessions = {
            label: HttpSession(database, self.customers[label]["portal_login"])
            for label in ("big", "small")
        }

        def page(name, function_for):
            pages[name] = {
                label: HttpSession.measure(lambda: function_for(label), self.repeats)
                for label in ("big", "small")
            }
            print("[pages] %s: %s" % (name, pages[name]), flush=True)

        c = self.customers
        page("portal: contract list", lambda label: sessions[label].get("/my/managed-services"))
        page(
            "portal: contract page (request form, termination)",
            lambda label: sessions[label].get("/my/managed-services/%d" % c[label]["service"].id),
        )

        def file_request(label):
            session = sessions[label]
            url = "/my/managed-services/%d" % c[label]["service"].id
            token = session.csrf(session.get(url))
            session.post(
                url + "/request",
                {
                    "csrf_token": token,
                    "service_type_id": self.env.ref("commown_infogerance.service_type_support").id,
                    "rental_contract_id": c[label]["rental"].id,
                    "channel": "mail",
                    "summary": "Bench request",
                },
            )
            return None

        page("portal: contract page + file a request", file_request)

        def terminate(label):
            session = sessions[label]
            url = "/my/managed-services/%d" % c[label]["service"].id
            token = session.csrf(session.get(url))
            session.post(url + "/terminate", {"csrf_token": token, "reason": "Bench"})
            session.post(url + "/cancel-termination", {"csrf_token": token})
            return None

        page("portal: contract page + terminate + cancel", terminate)
        self._shop_carts()

        def cart(label):
            return sessions[label].get("/shop/cart")

        page("shop: cart", cart)

        def payment(label):
            return sessions[label].get("/shop/payment")

        page("shop: payment page", payment)
        return pages

    def _shop_carts(self):
        """A quotation of one computer and the offer in each portal user's cart."""
        env = self.env
        for label, data in self.customers.items():
            user = env["res.users"].search([("login", "=", data["portal_login"])])
            contact = data["contact"]
            website = env["website"].search([], limit=1)
            order = env["sale.order"].search(
                [("partner_id", "=", contact.id), ("state", "=", "draft")], limit=1
            )
            if not order:
                order = env["sale.order"].create(
                    {
                        "partner_id": contact.id,
                        "team_id": website.salesteam_id.id,
                        "order_line": [
                            (0, 0, {"product_id": self.bench.computer.id, "product_uom_qty": 1}),
                            (
                                0,
                                0,
                                {
                                    "product_id": self.bench.service_product.id,
                                    "product_uom_qty": 1,
                                },
                            ),
                        ],
                    }
                )
            user.partner_id.write({"last_website_so_id": order.id})
        self.cr.commit()

    def run(self):
        self.setup()
        t0 = time.perf_counter()
        pages = self.backend_pages()
        pages.update(self.portal_pages())
        for figures in pages.values():
            big, small = figures["big"], figures["small"]
            figures["query_ratio"] = round(big["queries"] / max(small["queries"], 1), 2)
            figures["time_ratio"] = round(big["ms"] / max(small["ms"], 0.1), 2)
        return {
            "level": "each page for the customer with %s computers (big) and one with %s "
            "(small); backend pages as the web client loads them (fields_view_get, read "
            "or default_get + onchange, the first %s rows of each list), portal and shop "
            "pages over HTTP with a real session; median of %s, cold record cache"
            % (
                self.customers["big"]["computers"],
                self.customers["small"]["computers"],
                X2MANY_LIMIT,
                self.repeats,
            ),
            "target": "x1.5 queries, x2 time",
            "seconds": round(time.perf_counter() - t0, 1),
            "pages": pages,
        }


def table(results):
    """Rows for the bench's table."""
    rows = []
    for name, figures in sorted(results.get("pages", {}).items()):
        rows.append(
            (
                name,
                "%s ms, %s q / %s ms, %s q: x%s time, x%s queries"
                % (
                    figures["big"]["ms"],
                    figures["big"]["queries"],
                    figures["small"]["ms"],
                    figures["small"]["queries"],
                    figures["time_ratio"],
                    figures["query_ratio"],
                ),
            )
        )
    return rows
