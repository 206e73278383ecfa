"""Second round of locks (issue 21, doors 4, 5 and 8) at the model level: the
billing fields of managed-service contracts, the mandate's holder, who runs the
recurring invoicing, customer managers, the fleet count, the records a request
names and user text in the chatter. The same doors over XML-RPC and HTTP:
``test_security_attacks_fields``."""
from odoo.exceptions import AccessError, ValidationError

from .common import InfogeranceCase
from .common_sepa import DirectDebitMixin


class BillingFieldsCase(DirectDebitMixin, InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_direct_debit(cls.customer)
        cls.mandate_a = cls.mandate
        # the other customer's own account and valid mandate
        account_b = cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR76 1027 8060 6100 0205 2290 114",
                "partner_id": cls.other_customer.id,
                "bank_id": cls.bank.id,
            }
        )
        cls.mandate_b = cls.env["account.banking.mandate"].create(
            {
                "partner_bank_id": account_b.id,
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "scheme": "CORE",
                "signature_date": "2025-12-15",
                "company_id": cls.env.user.company_id.id,
            }
        )
        cls.mandate_b.validate()
        cls.contract = cls._subscribe(cls.customer, 3)
        cls.accountant = cls._create_user(
            "Alex Accountant", "infogerance_accountant", "account.group_account_invoice"
        )


class TestBillingFieldsProtection(BillingFieldsCase):
    def test_billing_fields_are_refused_to_a_salesman(self):
        contract = self.contract
        self.assertEqual(contract.mandate_id, self.mandate_a)
        names = ["mandate_id", "payment_mode_id", "recurring_next_date", "active", "journal_id"]
        before = contract.read(names)[0]
        journal = self.env["account.journal"].search([("type", "=", "sale")], limit=1)
        for values, label in (
            ({"mandate_id": self.mandate_b.id}, "Direct Debit Mandate"),
            ({"payment_mode_id": False}, "Payment Mode"),
            ({"recurring_next_date": "2027-01-01"}, "Date of Next Invoice"),
            ({"active": False}, "Active"),
            ({"journal_id": journal.id}, "Journal"),
            ({"infogerance_plan_change_pending": True}, "Plan change pending"),
            ({"pricelist_id": False}, "Pricelist"),
        ):
            with self.assertRaisesRegex(
                AccessError, "(?s)%s.*only a managed-services manager" % label
            ), self.cr.savepoint():
                contract.sudo(self.salesman).write(values)
        contract.invalidate_cache()
        self.assertEqual(contract.read(names)[0], before)
        self.assertFalse(contract.infogerance_plan_change_pending)

    def test_billing_fields_manager_corrects_with_a_reason_logged(self):
        with self.assertRaises(AccessError):
            self.contract.sudo(self.manager).write({"recurring_next_date": "2026-03-01"})
        self.contract.sudo(self.manager).with_context(
            infogerance_manager_reason="Invoice of February skipped by agreement"
        ).write({"recurring_next_date": "2026-03-01"})
        self.assertEqual(self.contract.recurring_next_date, "2026-03-01")
        body = self.contract.message_ids[0].body
        self.assertIn("Invoice of February skipped by agreement", body)
        self.assertIn("Date of Next Invoice", body)

    def test_billing_fields_invoicing_run_still_advances_the_next_date(self):
        self._run_daily_jobs("2026-01-01")
        self.assertEqual(self.contract.recurring_next_date, "2026-02-01")
        invoices = self.env["account.invoice"].search([("contract_id", "=", self.contract.id)])
        self.assertEqual(len(invoices), 1)
        self.assertEqual(invoices.mandate_id, self.mandate_a)


class TestMandateOfTheCustomer(BillingFieldsCase):
    def test_mandate_of_another_customer_is_refused_even_to_a_manager(self):
        for user in (self.manager, self.env.user):
            with self.assertRaisesRegex(
                ValidationError, "own customer's mandate only.*belongs to Canuts Test"
            ), self.cr.savepoint():
                self.contract.sudo(user).with_context(
                    infogerance_manager_reason="Wrong mandate"
                ).write({"mandate_id": self.mandate_b.id})
        self.contract.invalidate_cache()
        self.assertEqual(self.contract.mandate_id, self.mandate_a)

    def test_mandate_of_another_customer_is_refused_on_a_rental(self):
        rental = self._rentals(self.customer)[:1]
        with self.assertRaisesRegex(ValidationError, "own customer's mandate only"):
            rental.sudo(self.salesman).write({"mandate_id": self.mandate_b.id})
        rental.sudo(self.salesman).write({"mandate_id": self.mandate_a.id})
        self.assertEqual(rental.mandate_id, self.mandate_a)


class TestWhoRunsTheInvoicing(BillingFieldsCase):
    def test_invoicing_cron_is_refused_to_a_salesman(self):
        Contract = self.env["account.analytic.account"]
        before = self.env["account.invoice"].search_count([])
        for method in ("cron_recurring_create_invoice",):
            with self.assertRaisesRegex(AccessError, "Recurring invoicing is run by"):
                getattr(Contract.sudo(self.salesman), method)()
        with self.assertRaisesRegex(AccessError, "Recurring invoicing is run by"):
            self.contract.sudo(self.salesman).recurring_create_invoice()
        self.assertEqual(self.env["account.invoice"].search_count([]), before)
        self.assertEqual(self.contract.recurring_next_date, "2026-01-01")

    def test_invoicing_by_hand_by_an_accountant(self):
        self.contract.sudo(self.accountant).recurring_create_invoice()
        self.assertEqual(self.contract.recurring_next_date, "2026-02-01")
        self.assertEqual(
            self.env["account.invoice"].search_count([("contract_id", "=", self.contract.id)]), 1
        )


class TestCustomerManagers(InfogeranceCase):
    def test_customer_manager_not_by_default_nor_carried_to_a_company(self):
        person = self.env["res.partner"].create({"name": "Pat Alone"})
        self.assertFalse(person.infogerance_customer_manager)
        self.assertTrue(person._infogerance_may_act_for(person))  # its own customer
        person.parent_id = self.customer
        self.assertFalse(person._infogerance_may_act_for(self.customer))
        self.assertNotIn(person, self.customer.infogerance_customer_manager_ids)
        self.assertTrue(self.customer._infogerance_may_act_for(self.customer))

    def test_customer_manager_flag_is_dropped_when_the_contact_moves(self):
        boss = self.env["res.partner"].create(
            {"name": "Boss", "parent_id": self.customer.id, "infogerance_customer_manager": True}
        )
        self.assertTrue(boss._infogerance_may_act_for(self.customer))
        boss.write({"parent_id": self.other_customer.id})
        self.assertFalse(boss.infogerance_customer_manager)
        self.assertFalse(boss._infogerance_may_act_for(self.other_customer))
        # named again explicitly by staff (who may write contacts)
        boss.write({"infogerance_customer_manager": True})
        self.assertTrue(boss._infogerance_may_act_for(self.other_customer))

    def test_customer_manager_named_by_the_company_managers_only(self):
        manager = self._create_portal_user(self.customer, "cm_boss", manager=True)
        contact = self._create_portal_user(self.customer, "cm_contact")
        colleague = self.env["res.partner"].create(
            {"name": "Colleague", "parent_id": self.customer.id}
        )
        other = self.env["res.partner"].create(
            {"name": "Other", "parent_id": self.other_customer.id}
        )
        Partner = self.env["res.partner"]
        with self.assertRaisesRegex(AccessError, "named by Commown's staff or by the company"):
            colleague.sudo(contact)._infogerance_check_may_flag_managers(self.customer)
        with self.assertRaisesRegex(AccessError, "named by Commown's staff or by the company"):
            other.sudo(manager)._infogerance_check_may_flag_managers(self.other_customer)
        colleague.sudo(manager)._infogerance_check_may_flag_managers(self.customer)
        Partner.sudo(self.salesman)._infogerance_check_may_flag_managers(self.other_customer)
        # a portal contact has no write right on contacts at all
        with self.assertRaises(AccessError):
            colleague.sudo(contact).write({"infogerance_customer_manager": True})
        self.assertFalse(colleague.infogerance_customer_manager)


class TestFleetCount(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._subscribe_both_customers()

    def test_fleet_count_is_told_to_staff_and_own_contacts_only(self):
        employee = self._create_user("Erin Employee", "fc_employee", "base.group_user")
        with self.assertRaisesRegex(AccessError, "may not count another customer's computers"):
            self.customer.sudo(employee).get_rented_computer_count("2026-02-01")
        self.assertEqual(
            self.customer.sudo(self.salesman).get_rented_computer_count("2026-02-01"), 3
        )
        portal_b = self._create_portal_user(self.other_customer, "fc_portal_b")
        with self.assertRaisesRegex(AccessError, "may not count another customer's computers"):
            self.customer.sudo(portal_b).get_rented_computer_count("2026-02-01")
        self.assertEqual(
            self.other_customer.sudo(portal_b).get_rented_computer_count("2026-02-01"), 1
        )


class TestRequestNamesOwnRecords(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._subscribe_both_customers()

    def test_request_profile_or_support_cannot_name_another_customers_records(self):
        computer_b = self._rentals(self.other_customer)[:1]
        other_b = self.env["infogerance.other.service"].create(
            {"name": "Backup of B", "contract_id": self.other_contract.id}
        )
        Request = self.env["infogerance.service.request"]
        before = Request.search_count([])
        for code in ("profile", "support"):
            # support: R8 refuses it first ("the computer is not rented by this customer")
            with self.assertRaisesRegex(
                ValidationError, "computer.* not rented by (Atelier Test|this customer)"
            ), self.cr.savepoint():
                self._request(self.contract, code, rental_contract_id=computer_b.id)
            with self.assertRaisesRegex(
                ValidationError, "services of its own contract"
            ), self.cr.savepoint():
                self._request(self.contract, code, other_service_id=other_b.id)
        self.assertEqual(Request.search_count([]), before)
        own = self._request(
            self.contract, "profile", rental_contract_id=self._rentals(self.customer)[0].id
        )
        self.assertTrue(own)


class TestChatterEscaping(InfogeranceCase):
    frozen_now = "2026-02-10 10:00:00"
    HOSTILE = '<a href="https://evil.example">click</a><img src="https://evil.example/x.png">'

    def test_chatter_user_text_is_escaped(self):
        contract = self._subscribe(self.customer, 1)
        contract.sudo(self.salesman)._infogerance_terminate("2026-02-10", "Leaving " + self.HOSTILE)
        body = contract.message_ids.filtered(lambda m: "Leaving" in (m.body or ""))[:1].body
        self.assertTrue(body)
        self.assertNotIn("<img", body)
        self.assertNotIn("<a ", body)
        self.assertIn("&lt;img", body)
        portal = self._create_portal_user(self.customer, "esc_portal", name=self.HOSTILE)
        request = (
            self.env["infogerance.service.request"]
            .sudo(portal)
            ._infogerance_portal_file(
                contract,
                {"service_type_id": str(self._service_type("support").id), "summary": "Help"},
            )
        )
        body = request.message_ids.filtered(lambda m: "customer portal" in (m.body or ""))[:1].body
        self.assertTrue(body)
        self.assertNotIn("<img", body)
        self.assertIn("&lt;a href", body)
