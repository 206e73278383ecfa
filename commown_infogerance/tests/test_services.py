"""Service catalogue and entitlements (R8), R9 with open requests, R2 order form."""
import os
import shutil
import subprocess
import tempfile
import unittest

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tools import config

from .common import InfogeranceCase


class ServicesCase(InfogeranceCase):
    frozen_now = "2026-03-10"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paris = cls._create_company("Paris Conseil", "Paris 11e", "75011")
        cls.paris_contract = cls._subscribe(cls.paris, 10)
        cls.small_contract = cls._subscribe(cls.customer, 3)


class TestR8Entitlements(ServicesCase):
    def test_r8_service_types_are_data(self):
        codes = set(self.env["infogerance.service.type"].search([]).mapped("code"))
        self.assertEqual(
            codes,
            {"profile", "support", "accounts", "preparation", "user_change", "onsite", "other"},
        )

    def test_r8_contract_entitlements_are_frozen_offer_services(self):
        self.assertEqual(
            self.small_contract.infogerance_service_type_ids, self.offer.service_type_ids
        )
        self.offer.service_type_ids = [(3, self._service_type("accounts").id)]
        self.assertIn(
            self._service_type("accounts"), self.small_contract.infogerance_service_type_ids
        )

    def test_r8_service_not_included_is_refused(self):
        self.small_contract.infogerance_service_type_ids = [(3, self._service_type("accounts").id)]
        with self.assertRaisesRegex(ValidationError, "R8.*does not include"):
            self._request(self.small_contract, "accounts")

    def test_r8_support_is_unlimited_and_records_the_channel(self):
        requests = self.env["infogerance.service.request"]
        for channel in ("mail", "phone", "video", "remote") * 5:
            requests |= self._request(self.small_contract, "support", channel=channel)
        self.assertEqual(len(requests), 20)
        self.assertEqual(set(requests.mapped("channel")), {"mail", "phone", "video", "remote"})
        self.assertTrue(requests[0].name.startswith("SR"))

    def test_r8_profile_accounts_preparation_requests_when_included(self):
        for code in ("profile", "accounts", "preparation"):
            self.assertTrue(self._request(self.small_contract, code))

    def test_r8_user_change_records_old_and_new_user(self):
        computer = self.small_contract.infogerance_rental_contract_ids[0]
        request = self._request(
            self.small_contract,
            "user_change",
            old_user="Alice",
            new_user="Bob",
            done_remotely=True,
            rental_contract_id=computer.id,
        )
        self.assertEqual(
            (request.old_user, request.new_user, request.done_remotely), ("Alice", "Bob", True)
        )
        with self.assertRaisesRegex(ValidationError, "previous and the new user"):
            self._request(self.small_contract, "user_change", old_user="Alice")

    def test_r8_computer_of_another_customer_is_refused(self):
        foreign = self.paris_contract.infogerance_rental_contract_ids[0]
        with self.assertRaisesRegex(ValidationError, "not rented by this customer"):
            self._request(self.small_contract, "support", rental_contract_id=foreign.id)

    def test_r8_contract_of_another_customer_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "another customer"):
            self._request(self.small_contract, "support", partner_id=self.paris.id)

    def test_r8_other_service_from_the_quotation(self):
        with freeze_time("2026-01-01"):
            order = self._create_order(self.other_customer, computers=2)
            order.infogerance_other_service_ids = [
                (0, 0, {"name": "Printer set-up", "description": "Configure the office printer"})
            ]
            order.action_confirm()
        contract = self._service_contract(self.other_customer)
        other = contract.infogerance_other_service_ids
        self.assertEqual(other.name, "Printer set-up")
        self.assertIn("Printer set-up", contract.infogerance_entitlement_summary)
        self.assertTrue(self._request(contract, "other", other_service_id=other.id))
        with self.assertRaisesRegex(ValidationError, "described in the quotation"):
            self._request(contract, "other")
        with self.assertRaisesRegex(ValidationError, "described in the quotation"):
            self._request(self.small_contract, "other", other_service_id=other.id)


class TestR8Onsite(ServicesCase):
    def test_r8_onsite_eligible_in_paris_with_ten_computers(self):
        self.assertTrue(self.paris_contract.infogerance_onsite_eligible)
        self.assertIn("Eligible", self.paris_contract.infogerance_onsite_reason)
        request = self._request(
            self.paris_contract, "onsite", channel="onsite", onsite_address_id=self.paris.id
        )
        request.action_confirm()
        self.assertTrue(request.stage_id.is_confirmed)

    def test_r8_onsite_refused_below_ten_computers(self):
        self.paris_contract.infogerance_rental_contract_ids[0].date_end = "2026-03-09"
        self.assertFalse(self.paris_contract.infogerance_onsite_eligible)
        self.assertIn("at least 10", self.paris_contract.infogerance_onsite_reason)
        with self.assertRaisesRegex(ValidationError, "R8.*at least 10 rented computers.*9"):
            self._request(self.paris_contract, "onsite")

    def test_r8_onsite_refused_outside_eligible_cities(self):
        self.paris.write({"city": "Lyon", "zip": "69004"})
        self.assertFalse(self.paris_contract.infogerance_onsite_eligible)
        self.assertIn("Lyon", self.paris_contract.infogerance_onsite_reason)
        with self.assertRaisesRegex(ValidationError, "not in an eligible city"):
            self._request(self.paris_contract, "onsite")

    def test_r8_onsite_cities_are_configurable_per_offer(self):
        self.paris.write({"city": "Lyon 3e", "zip": "69003"})
        lyon = self.env["infogerance.onsite.city"].create({"name": "Lyon", "zip_prefix": "69"})
        self.offer.onsite_city_ids = [(4, lyon.id)]
        self.assertTrue(self._request(self.paris_contract, "onsite"))

    def test_r8_onsite_once_per_contract_year(self):
        first = self._request(self.paris_contract, "onsite")
        with self.assertRaisesRegex(ValidationError, "already used"), self.cr.savepoint():
            self._request(self.paris_contract, "onsite", request_date="2026-12-31")
        # a cancelled request does not count
        first.stage_id = self.env.ref("commown_infogerance.stage_cancelled")
        second = self._request(self.paris_contract, "onsite", request_date="2026-12-31")
        # next contract year (from 2027-01-01)
        with freeze_time("2027-01-05"):
            self.assertTrue(self._request(self.paris_contract, "onsite", request_date="2027-01-05"))
        self.assertTrue(second)

    def test_r8_confirmation_checks_again(self):
        request = self._request(self.paris_contract, "onsite")
        self.paris_contract.infogerance_rental_contract_ids[0].date_end = "2026-03-09"
        with self.assertRaisesRegex(ValidationError, "at least 10"):
            request.action_confirm()


class TestR8Preparation(ServicesCase):
    def test_r8_delivery_refused_until_checklist_complete(self):
        computer = self.small_contract.infogerance_rental_contract_ids[0].sudo(self.technician)
        with self.assertRaises(AccessError):
            computer.write({"infogerance_prep_profile": True})
        computer.action_infogerance_mark_prepared(
            ["infogerance_prep_profile", "infogerance_prep_accounts"]
        )
        with self.assertRaisesRegex(ValidationError, "R8.*Software installed"), self.cr.savepoint():
            computer.action_mark_delivered()
        computer.invalidate_cache()
        self.assertFalse(computer.infogerance_delivery_date)
        computer.action_infogerance_mark_prepared()
        self.assertTrue(computer.infogerance_prep_complete)
        computer.action_mark_delivered()
        self.assertEqual(computer.infogerance_delivery_date, "2026-03-10")

    def test_r8_delivery_free_when_preparation_not_included(self):
        self.small_contract.infogerance_service_type_ids = [
            (3, self._service_type("preparation").id)
        ]
        computer = self.small_contract.infogerance_rental_contract_ids[0]
        computer.action_mark_delivered()
        self.assertTrue(computer.infogerance_delivery_date)

    def test_r8_checklist_cannot_be_undone_after_delivery_by_rpc(self):
        computer = self.small_contract.infogerance_rental_contract_ids[0]
        with self.assertRaisesRegex(ValidationError, "R8"):
            computer.write({"infogerance_delivery_date": "2026-03-01"})


class TestR8ProfileSecrets(ServicesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profile = cls.env["infogerance.profile"].create(
            {
                "partner_id": cls.customer.id,
                "admin_profile": "Local admin 'commown'",
                "software_ids": [(0, 0, {"name": "LibreOffice", "version": "24.8"})],
                "shortcut_ids": [
                    (0, 0, {"name": "Intranet", "url": "https://intranet.example.org"})
                ],
                "wifi_ids": [(0, 0, {"ssid": "Atelier", "security": "wpa2", "key": "s3cr3t-wifi"})],
                "vpn_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Office",
                            "vpn_type": "wireguard",
                            "server": "vpn.example.org",
                            "username": "atelier",
                            "secret": "s3cr3t-vpn",
                        },
                    )
                ],
            }
        )
        cls.portal = cls._create_portal_user(cls.customer, "portal_atelier")
        cls.other_portal = cls._create_portal_user(cls.paris, "portal_paris")

    def test_r8_technician_reads_and_writes_secrets(self):
        wifi = self.profile.wifi_ids.sudo(self.technician)
        self.assertEqual(wifi.key, "s3cr3t-wifi")
        wifi.key = "n3w"
        self.assertEqual(self.profile.vpn_ids.sudo(self.technician).secret, "s3cr3t-vpn")

    def test_r8_salesman_cannot_read_secrets(self):
        wifi = self.profile.wifi_ids.sudo(self.salesman)
        self.assertEqual(wifi.ssid, "Atelier")
        with self.assertRaises(AccessError):
            wifi.read(["key"])
        with self.assertRaises(AccessError):
            self.profile.vpn_ids.sudo(self.salesman).read(["secret"])
        with self.assertRaises(AccessError):
            wifi.write({"ssid": "Hacked"})

    def test_r8_portal_user_sees_own_profile_without_secrets(self):
        profile = self.profile.sudo(self.portal)
        self.assertEqual(profile.software_ids.name, "LibreOffice")
        with self.assertRaises(AccessError):
            profile.wifi_ids.read(["key"])
        with self.assertRaises(AccessError):
            self.profile.sudo(self.other_portal).read(["admin_profile"])

    def test_r8_profile_belongs_to_the_company(self):
        contact = self.env["res.partner"].create({"name": "Bob", "parent_id": self.paris.id})
        with self.assertRaisesRegex(ValidationError, "R8"):
            self.env["infogerance.profile"].create({"partner_id": contact.id})

    def test_r8_shortcut_url_is_validated(self):
        for bad in ("intranet", "ftp://files.example.org", "https://", "javascript:alert(1)"):
            with self.assertRaisesRegex(ValidationError, "not a web address"):
                self.profile.shortcut_ids = [(0, 0, {"name": "Bad", "url": bad})]


class TestR8PortalAccess(ServicesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = cls._create_portal_user(cls.customer, "portal_atelier2")

    def test_r8_portal_user_sees_only_its_company_contracts_and_requests(self):
        mine = self._request(self.small_contract, "support")
        theirs = self._request(self.paris_contract, "support")
        Contract = self.env["account.analytic.account"].sudo(self.portal)
        visible = Contract.search([("infogerance_role", "=", "service")])
        self.assertEqual(visible, self.small_contract)
        Request = self.env["infogerance.service.request"].sudo(self.portal)
        self.assertEqual(Request.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.sudo(self.portal).read(["summary"])
        with self.assertRaises(AccessError):
            self.paris_contract.sudo(self.portal).read(["name"])

    def _portal_file(self, contract, code):
        return (
            self.env["infogerance.service.request"]
            .sudo(self.portal)
            ._infogerance_portal_file(
                contract.sudo(self.portal),
                {"service_type_id": str(self._service_type(code).id), "summary": "Help"},
            )
        )

    def test_r8_portal_user_files_a_request_under_the_same_rules(self):
        request = self._portal_file(self.small_contract, "support")
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.message_ids[0].author_id, self.portal.partner_id)
        self.portal.partner_id.infogerance_customer_manager = True
        with self.assertRaisesRegex(ValidationError, "R8"):
            self._portal_file(self.small_contract, "onsite")
        with self.assertRaises(AccessError):
            self._portal_file(self.paris_contract, "support")
        with self.assertRaises(AccessError):
            self._request(self.small_contract, "support", user=self.portal)


class TestR9OpenRequests(ServicesCase):
    def test_r9_invoicing_continues_with_open_requests(self):
        computer = self.small_contract.infogerance_rental_contract_ids[0]
        request = self._request(
            self.small_contract, "support", summary="Screen broken", rental_contract_id=computer.id
        )
        request.action_confirm()
        self.assertFalse(request.is_closed)
        with freeze_time("2026-04-01"):
            self.env["account.analytic.account"].cron_recurring_create_invoice()
        lines = self.env["account.invoice.line"].search(
            [
                ("account_analytic_id", "in", (self.small_contract | computer).ids),
                ("invoice_id.date_invoice", "=", "2026-01-01"),
            ]
        )
        self.assertEqual(len(lines), 2)


@unittest.skipUnless(
    shutil.which("wkhtmltopdf") and shutil.which("pdftotext"),
    "needs wkhtmltopdf and pdftotext (make test installs them)",
)
class TestR2OrderForm(ServicesCase):
    def _pdf_text(self, order):
        """The order form rendered by wkhtmltopdf, as text (pdftotext)."""
        report = self.env.ref("sale.action_report_saleorder")
        directory = tempfile.mkdtemp()
        previous = config["test_report_directory"]
        config["test_report_directory"] = directory  # render a real PDF in tests
        try:
            pdf, kind = report.render_qweb_pdf(order.ids)
        finally:
            config["test_report_directory"] = previous
        self.assertEqual(kind, "pdf")
        path = os.path.join(directory, "order.pdf")
        with open(path, "wb") as handle:
            handle.write(pdf)
        text = subprocess.check_output(["pdftotext", "-layout", path, "-"]).decode()
        shutil.rmtree(directory)
        return " ".join(text.split())

    def test_r2_order_pdf_lists_services_grid_total_and_terms(self):
        self.other_customer.lang = "en_US"
        order = self._create_order(self.other_customer, computers=6)
        order.infogerance_other_service_ids = [(0, 0, {"name": "Printer set-up"})]
        text = self._pdf_text(order)
        self.assertRegex(text, r"Monthly price per computer: 12[.,]00")
        self.assertRegex(text, r"Monthly total for the whole fleet: 72[.,]00")
        for expected in (
            "Managed IT services: Essentiel (test)",
            "Unlimited support",
            "On-site intervention",
            "Printer set-up",
            "Commitment: 12 months",
            "15 days' notice",
            "any started month being due",
            "fixed, firm and not revisable during the commitment",
            "0 already rented + 6 in this order",
        ):
            self.assertIn(expected, text)
        # the grid
        self.assertRegex(text, r"1 15[.,]00 € 5 12[.,]00 € 10 10[.,]00")

    def test_r2_order_pdf_in_french_for_a_french_customer(self):
        self.other_customer.lang = "fr_FR"
        order = self._create_order(self.other_customer, computers=6)
        text = self._pdf_text(order)
        self.assertRegex(text, r"Prix mensuel par ordinateur : 12[.,]00")
        self.assertIn("Engagement : 12 mois", text)
        self.assertIn("préavis de 15 jours", text)
        self.assertIn("tout mois commencé étant dû", text)
        # priced by an English-speaking user, explained in the customer's language
        self.assertIn("0 déjà loués + 6 dans cette commande", text)


class TestR8MultiCompany(ServicesCase):
    def test_r8_other_company_offers_profiles_and_requests_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "Commown Belgique (test)"})
        offer = self.offer.copy(
            {"name": "Offer of the other company", "company_id": other_company.id}
        )
        profile = self.env["infogerance.profile"].create(
            {"partner_id": self.other_customer.id, "company_id": other_company.id}
        )
        self.assertEqual(self.technician.company_id, self.env.user.company_id)
        Offer = self.env["infogerance.offer"].sudo(self.technician)
        self.assertNotIn(offer, Offer.search([]))
        self.assertIn(self.offer, Offer.search([]))
        Profile = self.env["infogerance.profile"].sudo(self.technician)
        self.assertNotIn(profile, Profile.search([]))
        with self.assertRaises(AccessError):
            profile.sudo(self.technician).read(["admin_profile"])
