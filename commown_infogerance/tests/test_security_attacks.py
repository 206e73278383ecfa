"""Attacks through the real stack: XML-RPC and JSON-RPC as a portal contact, an
employee and a salesman; the portal routes with real sessions and CSRF tokens."""
import datetime
import re
import socket
import xmlrpc.client

import odoo
from odoo import SUPERUSER_ID, api
from odoo.service import security
from odoo.tests import common
from odoo.tests.common import HttpCase, get_db_name
from odoo.tools import mute_logger

PASSWORD = "Attack-2026!"


def _ensure_http_server():
    """Odoo's test runner serves HTTP on ``http_port``; pytest-odoo serves nothing:
    start Odoo's own threaded server on a free port, as the runner would."""
    running = odoo.service.server.server
    if running is not None and getattr(running, "httpd", None) is not None:
        return
    with socket.socket() as probe:
        probe.bind((common.HOST, 0))
        port = probe.getsockname()[1]
    odoo.tools.config["http_port"] = port
    common.PORT = port
    server = odoo.service.server.ThreadedServer(odoo.service.wsgi_server.application)
    server.http_spawn()
    odoo.service.server.server = server


@common.at_install(False)
@common.post_install(True)
class SecurityAttackCase(HttpCase):
    """Two customers with contracts and profiles, their contacts, an employee, a
    salesman and a technician, all reachable through XML-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _ensure_http_server()

    def setUp(self):
        super().setUp()
        # The refusals these attacks expect are logged at ERROR by the server
        # (HTTP faults, searches on non-stored secret fields, failed SQL): they
        # are the answers asserted below, not errors of the run.
        muted = mute_logger("odoo.http", "odoo.osv.expression", "odoo.sql_db")
        muted.__enter__()
        self.addCleanup(muted.__exit__, None, None, None)
        url = "http://%s:%d/xmlrpc/2/" % (common.HOST, common.PORT)
        self.rpc = xmlrpc.client.ServerProxy(url + "object", allow_none=True)
        # Odoo 11: the HTTP threads work on the registry's test cursor, not on
        # self.cr: the data the requests must see is created on that cursor.
        self.http_cr = self.registry.test_cr
        self.env = env = api.Environment(self.http_cr, SUPERUSER_ID, {"tracking_disable": True})
        self.addCleanup(env.clear)  # before the test cursor closes (cleanups run last first)
        # The messages are asserted in English (test_i18n checks the French ones).
        env["res.lang"].with_context(active_test=False).search([("code", "=", "en_US")]).write(
            {"active": True}
        )
        service_types = env["infogerance.service.type"].search([])
        self.offer = env["infogerance.offer"].create(
            {
                "name": "Attack offer",
                "service_type_ids": [(6, 0, service_types.ids)],
                "tier_ids": [(0, 0, {"min_computers": 1, "unit_price": 15.0})],
            }
        )
        self.computer = env["product.product"].create(
            {"name": "Attack laptop", "type": "service", "is_computer_rental": True}
        )
        self.service_product = env["product.product"].create(
            {"name": "Attack service", "type": "service", "infogerance_offer_id": self.offer.id}
        )
        self.customer_a = env["res.partner"].create(
            {"name": "Customer A", "is_company": True, "city": "Paris", "zip": "75011"}
        )
        self.customer_b = env["res.partner"].create(
            {"name": "Customer B", "is_company": True, "city": "Lyon", "zip": "69004"}
        )
        today = datetime.date.today()
        self.start = (today.replace(day=1) - datetime.timedelta(days=60)).replace(day=1)
        self.contract_a = self._subscribe(self.customer_a)
        self.contract_b = self._subscribe(self.customer_b)
        self.profile_a = self._profile(self.customer_a, "wifi-key-of-a")
        self.profile_b = self._profile(self.customer_b, "wifi-key-of-b")
        self.contact_a = self._user("contact_a", "base.group_portal", self.customer_a)
        self.boss_a = self._user("boss_a", "base.group_portal", self.customer_a)
        self.boss_a.partner_id.infogerance_customer_manager = True
        self.contact_b = self._user("contact_b", "base.group_portal", self.customer_b)
        self.employee = self._user("employee", "base.group_user")
        self.salesman = self._user("salesman", "sales_team.group_sale_salesman")
        self.technician = self._user(
            "technician", "commown_infogerance.group_infogerance_technician"
        )
        # Odoo 11's test cursor rolls back to its last "commit" at the end of each
        # request: commit (a savepoint, undone when the test leaves test mode).
        self.http_cr.commit()

    def _subscribe(self, partner):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "infogerance_start_date": self.start.isoformat(),
                "order_line": [
                    (0, 0, {"product_id": self.computer.id, "product_uom_qty": 2}),
                    (0, 0, {"product_id": self.service_product.id}),
                ],
            }
        )
        order.action_confirm()
        return self.env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "=", partner.id)]
        )

    def _profile(self, partner, key):
        return self.env["infogerance.profile"].create(
            {
                "partner_id": partner.id,
                "software_ids": [(0, 0, {"name": "Software of %s" % partner.name})],
                "wifi_ids": [(0, 0, {"ssid": "Net %s" % partner.name, "key": key})],
            }
        )

    def _user(self, login, group, company=None):
        values = {
            "name": login,
            "login": login,
            "password": PASSWORD,
            "lang": "en_US",
            "groups_id": [(6, 0, [self.env.ref(group).id])],
        }
        if company:
            values["partner_id"] = (
                self.env["res.partner"].create({"name": login, "parent_id": company.id}).id
            )
        return self.env["res.users"].with_context(no_reset_password=True).create(values)

    def _call(self, user, model, method, *args, **kwargs):
        return self.rpc.execute_kw(get_db_name(), user.id, PASSWORD, model, method, args, kwargs)

    def assertFault(self, pattern, user, model, method, *args, **kwargs):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self._call(user, model, method, *args, **kwargs)
        self.assertRegex(caught.exception.faultString, pattern)
        return caught.exception


class TestSecurityAttacks(SecurityAttackCase):
    # RPC as a portal contact ----------------------------------------------------

    def test_portal_rpc_reads_only_its_company_records(self):
        for model, link in (
            ("account.analytic.invoice.line", "analytic_account_id"),
            ("infogerance.contract.tier", "contract_id"),
            ("infogerance.fleet.event", "contract_id"),
        ):
            rows = self._call(self.contact_a, model, "search_read", [], fields=[link])
            self.assertTrue(rows, model)
            contracts = self.env["account.analytic.account"].browse({r[link][0] for r in rows})
            self.assertEqual(
                contracts.mapped("partner_id.commercial_partner_id"), self.customer_a, model
            )
        software = self._call(
            self.contact_a, "infogerance.profile.software", "search_read", [], fields=["name"]
        )
        self.assertEqual([s["name"] for s in software], ["Software of Customer A"])
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager",
            self.contact_a,
            "infogerance.profile.wifi",
            "search_read",
            [],
        )
        self.assertFault(
            "Access|restrict",
            self.contact_a,
            "account.analytic.account",
            "read",
            self.contract_b.ids,
            ["name"],
        )

    def _contracts(self, partner):
        return self.env["account.analytic.account"].search([("partner_id", "child_of", partner.id)])

    def test_portal_rpc_cannot_create_requests_or_write_contracts(self):
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager",
            self.contact_a,
            "infogerance.service.request",
            "create",
            {
                "summary": "Forged",
                "contract_id": self.contract_a.id,
                "partner_id": self.customer_a.id,
                "service_type_id": self.env.ref("commown_infogerance.service_type_support").id,
                "user_id": self.technician.id,
            },
        )
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager",
            self.contact_a,
            "account.analytic.account",
            "write",
            self.contract_a.ids,
            {"infogerance_unit_price": 0.01},
        )

    # RPC as an employee and a salesman -----------------------------------------

    def test_salesman_rpc_never_reaches_wifi_keys(self):
        wifi = self.profile_a.wifi_ids
        self.assertTrue(self.salesman.has_group("sales_team.group_sale_salesman"))
        self.assertTrue(
            self.env["infogerance.profile.wifi"].sudo(self.salesman).check_access_rights("read")
        )
        self.assertEqual(
            self._call(self.salesman, "res.users", "read", self.salesman.ids, ["login"])[0][
                "login"
            ],
            "salesman",
        )
        self.assertEqual(
            len(self._call(self.salesman, "infogerance.profile.wifi", "search", [])),
            self.env["infogerance.profile.wifi"].search_count([]),  # demo data holds more
        )
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager|restrict",
            self.salesman,
            "infogerance.profile.wifi",
            "read",
            wifi.ids,
            ["key"],
        )
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager",
            self.salesman,
            "infogerance.profile.secret",
            "search_read",
            [],
        )
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager",
            self.salesman,
            "infogerance.profile.wifi",
            "export_data",
            wifi.ids,
            ["ssid", "key"],
        )
        self.assertFault(
            "groupby|key|not|Invalid|KeyError|AccessError",
            self.salesman,
            "infogerance.profile.wifi",
            "read_group",
            [],
            ["ssid"],
            ["key"],
        )
        # A search on the key is no oracle: the same answer whatever is guessed.
        found = [
            self._call(self.salesman, "infogerance.profile.wifi", "search", [("key", "=like", g)])
            for g in ("wifi-key-of-a", "w%", "nothing%")
        ]
        self.assertEqual(found[0], found[1])
        self.assertEqual(found[1], found[2])

    def test_secrets_are_encrypted_at_rest_and_have_no_attachment(self):
        self.env.cr.execute("SELECT token FROM infogerance_profile_secret")
        tokens = [row[0] for row in self.env.cr.fetchall()]
        self.assertTrue(tokens)
        self.assertFalse([t for t in tokens if "wifi-key-of" in t])
        self.env.cr.execute(
            "SELECT count(*) FROM ir_attachment WHERE res_model IN "
            "('infogerance.profile.secret', 'infogerance.profile.vpn', "
            "'infogerance.profile.wifi')"
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        key = self.profile_a.wifi_ids.sudo(self.technician).key
        self.assertEqual(key, "wifi-key-of-a")

    def test_salesman_rpc_cannot_bend_a_contract(self):
        self.assertFault(
            "manager",
            self.salesman,
            "account.analytic.account",
            "write",
            self.contract_a.ids,
            {
                "infogerance_commitment_end": self.start.isoformat(),
                "date_end": self.start.isoformat(),
            },
        )
        for values in (
            {"infogerance_unit_price": 1.0},
            {"infogerance_role": "rental"},
            {"recurring_interval": 12},
            {"infogerance_fleet_size": 1000},
            {"infogerance_notice_days": 0},
        ):
            self.assertFault(
                "manager",
                self.salesman,
                "account.analytic.account",
                "write",
                self.contract_a.ids,
                values,
            )
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager",
            self.employee,
            "account.analytic.account",
            "write",
            self.contract_a.ids,
            {"name": "x"},
        )
        self.assertFault(
            "cannot be deleted|AccessError|not allowed",
            self.salesman,
            "infogerance.offer",
            "unlink",
            self.offer.ids,
        )
        event = self.contract_a.infogerance_fleet_event_ids[:1]
        self.assertTrue(event)
        self.assertFault(
            "AccessError|not allowed|security restrictions|manager|audit",
            self.salesman,
            "infogerance.fleet.event",
            "write",
            event.ids,
            {"fleet_after": 0},
        )

    def test_salesman_rpc_back_dated_termination(self):
        today = datetime.date.today()
        long_ago = (today - datetime.timedelta(days=30)).isoformat()
        reason = self.env.ref("commown_infogerance.termination_reason_other_provider").id
        wizard_id = self._call(
            self.salesman,
            "infogerance.termination.wizard",
            "create",
            {
                "contract_id": self.contract_a.id,
                "request_date": long_ago,
                "reason": "Late",
                "reason_id": reason,
            },
        )
        self.assertFault(
            "manager",
            self.salesman,
            "infogerance.termination.wizard",
            "action_confirm",
            [wizard_id],
        )
        self.assertFalse(self.contract_a.date_end)
        recent = (today - datetime.timedelta(days=3)).isoformat()
        wizard_id = self._call(
            self.salesman,
            "infogerance.termination.wizard",
            "create",
            {
                "contract_id": self.contract_a.id,
                "request_date": recent,
                "reason": "Mail",
                "reason_id": reason,
            },
        )
        self._call(self.salesman, "infogerance.termination.wizard", "action_confirm", [wizard_id])
        self.contract_a.invalidate_cache()
        self.assertEqual(self.contract_a.infogerance_termination_request_date, recent)

    # Portal routes with real sessions and CSRF tokens ------------------------------

    def authenticate(self, user, password):
        """HttpCase.authenticate, on the cursor the requests use (Odoo 11's reads
        the user on self.cr, where the test's users do not exist)."""
        uid = self.registry["res.users"].authenticate(get_db_name(), user, password, None)
        env = api.Environment(self.http_cr, uid, {})
        session = self.session
        session.db = get_db_name()
        session.uid = uid
        session.login = user
        session.session_token = uid and security.compute_session_token(session, env)
        session.context = dict(env["res.users"].context_get() or {}, uid=uid)
        session._fix_lang(session.context)
        odoo.http.root.session_store.save(session)

    def _page(self, login, contract):
        self.authenticate(login, PASSWORD)
        response = self.url_open("/my/managed-services/%d" % contract.id)
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        return response, token.group(1) if token else None

    def test_portal_route_terminate_needs_a_customer_manager(self):
        response, token = self._page("contact_a", self.contract_a)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(token)
        response = self.url_open(
            "/my/managed-services/%d/terminate" % self.contract_a.id,
            data={"csrf_token": token, "reason": "Leaving"},
        )
        self.assertIn("o_infogerance_error", response.text)  # the refusal, in the site's language
        self.contract_a.invalidate_cache()
        self.assertFalse(self.contract_a.date_end)
        response, token = self._page("boss_a", self.contract_a)
        self.url_open(
            "/my/managed-services/%d/terminate" % self.contract_a.id,
            data={"csrf_token": token, "reason": "Leaving"},
        )
        self.contract_a.invalidate_cache()
        self.assertTrue(self.contract_a.date_end)
        message = self.contract_a.message_ids.filtered(lambda m: "Leaving" in (m.body or ""))
        self.assertEqual(message.author_id, self.boss_a.partner_id)

    def test_portal_route_refuses_other_customers_and_employees(self):
        for login in ("contact_b", "employee"):
            response, token = self._page(login, self.contract_a)
            self.assertEqual(response.status_code, 404, login)
            response = self.url_open(
                "/my/managed-services/%d/terminate" % self.contract_a.id,
                data={"csrf_token": token or "x", "reason": "Hostile"},
            )
            self.assertIn(response.status_code, (400, 404), login)
        self.contract_a.invalidate_cache()
        self.assertFalse(self.contract_a.date_end)

    def test_portal_route_without_csrf_token_is_refused(self):
        self._page("boss_a", self.contract_a)
        response = self.url_open(
            "/my/managed-services/%d/terminate" % self.contract_a.id, data={"reason": "x"}
        )
        self.assertEqual(response.status_code, 400)
        self.contract_a.invalidate_cache()
        self.assertFalse(self.contract_a.date_end)

    def test_portal_route_request_fields_are_whitelisted(self):
        _response, token = self._page("contact_a", self.contract_a)
        support = self.env.ref("commown_infogerance.service_type_support")
        done = self.env["infogerance.service.request.stage"].search(
            [("is_closed", "=", True)], limit=1
        )
        self.url_open(
            "/my/managed-services/%d/request" % self.contract_a.id,
            data={
                "csrf_token": token,
                "service_type_id": str(support.id),
                "summary": "Printer",
                "stage_id": str(done.id),
                "user_id": str(self.technician.id),
                "onsite_date": "2030-01-01 10:00:00",
                "partner_id": str(self.customer_b.id),
                "channel": "onsite",
            },
        )
        request = self.env["infogerance.service.request"].search(
            [("contract_id", "=", self.contract_a.id)]
        )
        self.assertEqual(request.summary, "Printer")
        self.assertNotEqual(request.stage_id, done)
        self.assertFalse(request.user_id)
        self.assertFalse(request.onsite_date)
        self.assertEqual(request.partner_id, self.customer_a)
        self.assertEqual(request.channel, "mail")
        self.assertEqual(request.message_ids[0].author_id, self.contact_a.partner_id)
