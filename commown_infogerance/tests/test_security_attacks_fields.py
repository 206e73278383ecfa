"""Second round of locks (issue 21, doors 4, 5 and 8) tried as the attacker
would: XML-RPC as a salesman, an employee and a portal contact; the shop's
address form, the public conditions page and the portal request form with real
sessions and CSRF tokens."""
import datetime
import re

import odoo

from . import test_security_attacks as attacks
from .test_security_attacks import PASSWORD, SecurityAttackCase

MANAGER_ONLY = "only a managed-services manager may correct them"


class TestSecurityAttacksFields(SecurityAttackCase):
    # real sessions on the requests' cursor, as the first round's attacks
    authenticate = attacks.TestSecurityAttacks.authenticate
    _page = attacks.TestSecurityAttacks._page

    def setUp(self):
        super().setUp()
        env = self.env
        bank = env["res.bank"].create({"name": "Attack bank", "bic": "AGRIFRPPXXX"})
        account_b = env["res.partner.bank"].create(
            {
                "acc_number": "FR76 1027 8060 6100 0205 2290 114",
                "partner_id": self.customer_b.id,
                "bank_id": bank.id,
            }
        )
        self.mandate_b = env["account.banking.mandate"].create(
            {
                "partner_bank_id": account_b.id,
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "scheme": "CORE",
                "signature_date": "2025-12-15",
                "company_id": env.user.company_id.id,
            }
        )
        self.http_cr.commit()

    # Door 4: billing fields, over XML-RPC as a salesman --------------------------

    def test_billing_fields_salesman_rpc_is_refused(self):
        contract = self.contract_a
        names = ["mandate_id", "payment_mode_id", "recurring_next_date", "active", "journal_id"]
        before = contract.read(names)[0]
        next_year = (self.start + datetime.timedelta(days=366)).isoformat()
        for values in (
            {"mandate_id": self.mandate_b.id},
            {"recurring_next_date": next_year},
            {"payment_mode_id": False},
            {"active": False},
            {"journal_id": False},
            {"infogerance_plan_change_pending": True},
        ):
            self.assertFault(
                MANAGER_ONLY,
                self.salesman,
                "account.analytic.account",
                "write",
                contract.ids,
                values,
            )
        self.assertFault(
            MANAGER_ONLY,
            self.salesman,
            "account.analytic.account",
            "toggle_active",
            contract.ids,
        )
        contract.invalidate_cache()
        self.assertEqual(contract.read(names)[0], before)
        self.assertTrue(contract.active)

    def test_billing_fields_mandate_of_another_customer_rpc_refused_to_a_manager(self):
        manager = self._user("mgr", "commown_infogerance.group_infogerance_manager")
        self.http_cr.commit()
        self.assertFault(
            "own customer's mandate only: mandate .* belongs to Customer B",
            manager,
            "account.analytic.account",
            "write",
            self.contract_a.ids,
            {"mandate_id": self.mandate_b.id},
            context={"infogerance_manager_reason": "Pay for A"},
        )
        self.contract_a.invalidate_cache()
        self.assertFalse(self.contract_a.mandate_id)

    def test_invoicing_cron_rpc_is_refused_to_a_salesman(self):
        Invoice = self.env["account.invoice"]
        before = Invoice.search_count([])
        next_date = self.contract_a.recurring_next_date
        for user in (self.salesman, self.employee, self.contact_a):
            self.assertFault(
                "Recurring invoicing is run by the daily scheduled job|AccessError|not allowed",
                user,
                "account.analytic.account",
                "cron_recurring_create_invoice",
            )
        self.assertFault(
            "Recurring invoicing is run by the daily scheduled job",
            self.salesman,
            "account.analytic.account",
            "recurring_create_invoice",
            self.contract_a.ids,
        )
        self.assertEqual(Invoice.search_count([]), before)
        self.contract_a.invalidate_cache()
        self.assertEqual(self.contract_a.recurring_next_date, next_date)

    # Door 8: the fleet count -------------------------------------------------------

    def test_fleet_count_rpc_refused_to_an_employee_and_another_customer(self):
        for user in (self.employee, self.contact_b):
            self.assertFault(
                "may not count another customer's computers",
                user,
                "res.partner",
                "get_rented_computer_count",
                self.customer_a.ids,
            )
        self.assertEqual(
            self._call(
                self.contact_a, "res.partner", "get_rented_computer_count", self.customer_a.ids
            ),
            2,
        )
        self.assertEqual(
            self._call(
                self.salesman, "res.partner", "get_rented_computer_count", self.customer_a.ids
            ),
            2,
        )

    # Door 8: the public conditions page ------------------------------------------------

    def test_conditions_page_serves_only_the_version_in_force_of_a_published_offer(self):
        env = self.env
        today = datetime.date.today()
        Terms = env["infogerance.terms"]

        def terms(offer, version, date):
            return Terms.create(
                {
                    "name": "Conditions %s" % version,
                    "offer_id": offer.id,
                    "version": version,
                    "date": date.isoformat(),
                    "body": "<p>Body of %s</p>" % version,
                }
            )

        old = terms(self.offer, "v1", today - datetime.timedelta(days=30))
        current = terms(self.offer, "v2", today - datetime.timedelta(days=1))
        future = terms(self.offer, "v3", today + datetime.timedelta(days=30))
        hidden_offer = env["infogerance.offer"].create({"name": "Unpublished offer"})
        env["product.product"].create(
            {"name": "Hidden service", "type": "service", "infogerance_offer_id": hidden_offer.id}
        )
        unpublished = terms(hidden_offer, "h1", today - datetime.timedelta(days=1))
        archived_offer = env["infogerance.offer"].create({"name": "Archived offer"})
        env["product.product"].create(
            {
                "name": "Retired service",
                "type": "service",
                "infogerance_offer_id": archived_offer.id,
                "website_published": True,
            }
        )
        archived = terms(archived_offer, "a1", today - datetime.timedelta(days=1))
        archived_offer.active = False
        self.service_product.product_tmpl_id.website_published = True
        self.http_cr.commit()
        response = self.url_open("/infogerance/conditions/%d" % current.id)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Body of v2", response.text)
        for document in (old, future, unpublished, archived):
            response = self.url_open("/infogerance/conditions/%d" % document.id)
            self.assertEqual(response.status_code, 404, document.version)
            self.assertNotIn("Body of %s" % document.version, response.text)
        # a customer still reads the version it accepted
        env["infogerance.terms.acceptance"].create(
            {
                "terms_id": old.id,
                "partner_id": self.customer_a.id,
                "user_id": self.contact_a.id,
                "channel": "portal",
            }
        )
        self.http_cr.commit()
        self.authenticate("contact_a", PASSWORD)
        self.assertEqual(self.url_open("/infogerance/conditions/%d" % old.id).status_code, 200)
        self.authenticate("contact_b", PASSWORD)
        self.assertEqual(self.url_open("/infogerance/conditions/%d" % old.id).status_code, 404)

    # Door 5: the shop's address form ----------------------------------------------------

    def _shop_session(self, user):
        """``user`` logged in with a cart in the shop; returns a CSRF token."""
        accessory = self.env["product.product"].create(
            {"name": "Attack bag", "type": "consu", "list_price": 20.0}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": user.partner_id.id,
                "order_line": [(0, 0, {"product_id": accessory.id, "product_uom_qty": 1})],
            }
        )
        self.http_cr.commit()
        self.authenticate(user.login, PASSWORD)
        self.session["sale_order_id"] = order.id
        odoo.http.root.session_store.save(self.session)
        page = self.url_open("/shop/address?partner_id=%d" % user.partner_id.id)
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _address_form(self, token, partner, **values):
        data = {
            "csrf_token": token,
            "submitted": "1",
            "partner_id": str(partner.id),
            "name": partner.name,
            "email": "hijacked@attack.example",
            "phone": "0600000000",
            "street": "1 rue du Vol",
            "city": "Paris",
            "zip": "75011",
            "country_id": str(self.env.ref("base.fr").id),
        }
        data.update(values)
        return self.url_open("/shop/address", data=data)

    def test_shop_address_form_cannot_edit_another_contact(self):
        self.boss_a.partner_id.email = "boss@customer-a.example"
        self.http_cr.commit()
        token = self._shop_session(self.contact_a)
        for target in (self.boss_a.partner_id, self.customer_a):
            page = self.url_open("/shop/address?partner_id=%d" % target.id)
            self.assertEqual(page.status_code, 403, target.name)
            self.assertRegex(  # the rule, in the site's language
                page.text, "edits your own contact details|ne modifie que vos propres coordonn"
            )
            response = self._address_form(token, target)
            self.assertEqual(response.status_code, 403, target.name)
        self.boss_a.partner_id.invalidate_cache()
        self.assertEqual(self.boss_a.partner_id.email, "boss@customer-a.example")
        self.assertNotEqual(self.customer_a.street, "1 rue du Vol")
        # a delivery address of the company stays editable, as website_sale intends
        delivery = self.env["res.partner"].create(
            {"name": "Warehouse A", "type": "delivery", "parent_id": self.customer_a.id}
        )
        self.http_cr.commit()
        response = self._address_form(token, delivery, name="Warehouse A2", email="")
        self.assertEqual(response.status_code, 200)
        delivery.invalidate_cache()
        self.assertEqual(delivery.name, "Warehouse A2")

    def test_shop_address_form_cannot_make_a_customer_manager(self):
        token = self._shop_session(self.contact_a)
        response = self._address_form(
            token,
            self.contact_a.partner_id,
            infogerance_customer_manager="1",
            email="contact_a@customer-a.example",
        )
        self.assertEqual(response.status_code, 200)
        partner = self.contact_a.partner_id
        partner.invalidate_cache()
        self.assertEqual(partner.email, "contact_a@customer-a.example")  # the form went through
        self.assertFalse(partner.infogerance_customer_manager)
        self.assertFalse(partner._infogerance_may_act_for(self.customer_a))

    # Door 8: a portal request names only its own customer's records -------------------

    def test_portal_request_cannot_name_another_customers_computer(self):
        _response, token = self._page("contact_a", self.contract_a)
        computer_b = self.env["account.analytic.account"].search(
            [("infogerance_role", "=", "rental"), ("partner_id", "=", self.customer_b.id)], limit=1
        )
        Request = self.env["infogerance.service.request"]
        before = Request.search_count([])
        for code in ("profile", "support"):
            service = self.env["infogerance.service.type"].search([("code", "=", code)])
            response = self.url_open(
                "/my/managed-services/%d/request" % self.contract_a.id,
                data={
                    "csrf_token": token,
                    "service_type_id": str(service.id),
                    "rental_contract_id": str(computer_b.id),
                    "summary": "Look at this computer",
                },
            )
            self.assertEqual(response.status_code, 200)
            # the refusal, in the site's language (test_i18n checks the French text)
            self.assertIn("o_infogerance_request_error", response.text)
            self.assertRegex(response.text, "computer[^<]* not rented by|ordinateur[^<]* pas lou")
            self.assertNotIn(computer_b.name, response.text)
        self.assertEqual(Request.search_count([]), before)

    # Door 8: user text in the chatter ----------------------------------------------------

    def test_portal_termination_reason_is_escaped_in_the_chatter(self):
        _response, token = self._page("boss_a", self.contract_a)
        hostile = (
            'Leaving <a href="https://evil.example">here</a><img src="https://evil.example/x">'
        )
        self.url_open(
            "/my/managed-services/%d/terminate" % self.contract_a.id,
            data={"csrf_token": token, "reason": hostile},
        )
        self.contract_a.invalidate_cache()
        self.assertTrue(self.contract_a.date_end)
        message = self.contract_a.message_ids.filtered(lambda m: "Leaving" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertNotIn("<img", message.body)
        self.assertNotIn('<a href="https://evil.example"', message.body)
        self.assertIn("&lt;img", message.body)
