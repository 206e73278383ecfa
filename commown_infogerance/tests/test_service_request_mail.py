"""Support by e-mail (R8): an RFC 822 message to the support alias, through
Odoo's mail gateway, creates a request for the sender's customer; unknown
senders wait to be qualified; replies thread on the request. Door 6: strangers
never follow a request, an address at a customer's domain is no contact of it,
a team's address reaches its company's contracts only."""
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tools.safe_eval import safe_eval

from .common import InfogeranceCase

MESSAGE = """Return-Path: <{sender}>
To: {to}@commown.example
From: {name} <{sender}>
Subject: {subject}
Message-ID: <{message_id}@mail.example>
{extra}Date: Tue, 10 Mar 2026 09:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Bonjour,

L'imprimante du 2e étage n'apparaît plus sur le portable de Léa.

Merci !
"""


class ServiceRequestMailCase(InfogeranceCase):
    """A customer with a running contract, a contact, and a way to receive mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("mail.catchall.domain", "commown.example")
        with freeze_time("2026-01-01"):
            cls._create_order(cls.customer, computers=3).action_confirm()
        cls.contract = cls.env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "=", cls.customer.id)]
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Léa Martin",
                "parent_id": cls.customer.id,
                "email": "lea@atelier-test.example",
            }
        )
        cls.Request = cls.env["infogerance.service.request"]
        cls.Team = cls.env["infogerance.support.team"]
        cls.team = cls.env.ref("commown_infogerance.support_team_managed_services")

    def _receive(
        self,
        sender,
        subject="Printer missing",
        message_id="m1",
        extra="",
        name="X",
        to="support-infogerance",
    ):
        raw = MESSAGE.format(
            sender=sender, subject=subject, message_id=message_id, extra=extra, name=name, to=to
        )
        thread_id = self.env["mail.thread"].message_process(False, raw.encode("utf-8"))
        return self.Request.browse(thread_id)


@freeze_time("2026-03-10")
class TestServiceRequestByMail(ServiceRequestMailCase):
    def test_r8_known_address_creates_a_request_for_its_customer(self):
        request = self._receive("lea@atelier-test.example", name="Léa Martin")
        self.assertEqual(request.partner_id, self.contact)
        self.assertEqual(request.contract_id, self.contract)
        self.assertEqual(request.service_code, "support")
        self.assertEqual(request.channel, "mail")
        self.assertEqual(request.summary, "Printer missing")
        self.assertIn("imprimante", request.description)
        self.assertFalse(request.is_to_qualify)
        self.assertNotEqual(request.name, "Printer missing")  # the sequence, not the subject
        self.assertIn(self.contact, request.message_follower_ids.mapped("partner_id"))
        self.assertEqual(request.message_ids[0].author_id, self.contact)
        self.assertEqual(request.team_id, self.team)

    def test_r8_unknown_sender_at_a_customer_domain_waits_to_be_qualified(self):
        """Anyone can write from an address at a customer's domain: only a known
        contact's address links a request to the customer's contract."""
        request = self._receive("paul@atelier-test.example", name="Paul")
        self.assertTrue(request.is_to_qualify)
        self.assertFalse(request.partner_id)
        self.assertFalse(request.contract_id)
        self.assertFalse(
            request.message_follower_ids.mapped("partner_id").filtered(
                lambda partner: partner.commercial_partner_id == self.customer
            )
        )
        # Nor does an address written with SQL wildcards match the contacts.
        for sender, message_id in (
            ("%@atelier-test.example", "m2"),
            ("l_a@atelier-test.example", "m3"),
        ):
            request = self._receive(sender, message_id=message_id)
            self.assertTrue(request.is_to_qualify, sender)
            self.assertFalse(request.partner_id, sender)
            self.assertFalse(request.contract_id, sender)

    def test_r8_unknown_sender_lands_to_qualify(self):
        request = self._receive("someone@unknown.example")
        self.assertTrue(request)
        self.assertTrue(request.is_to_qualify)
        self.assertEqual(request.stage_id, self.env.ref("commown_infogerance.stage_to_qualify"))
        self.assertFalse(request.partner_id)
        self.assertFalse(request.contract_id)
        self.assertEqual(request.email_from, "X <someone@unknown.example>")

    def test_r8_public_webmail_domains_are_not_matched(self):
        self.env["res.partner"].create(
            {"name": "Gus", "parent_id": self.customer.id, "email": "gus@gmail.com"}
        )
        self.assertEqual(
            self._receive("stranger@gmail.com").partner_id, self.Request.browse().partner_id
        )
        self.assertEqual(
            self._receive("gus@gmail.com", message_id="m2").partner_id.commercial_partner_id,
            self.customer,
        )

    def test_r8_a_reply_threads_on_the_request(self):
        request = self._receive("lea@atelier-test.example")
        messages = len(request.message_ids)
        request.action_done()
        reply = self._receive(
            "lea@atelier-test.example",
            subject="Re: Printer missing",
            message_id="m2",
            extra="In-Reply-To: <m1@mail.example>\nReferences: <m1@mail.example>\n",
        )
        self.assertEqual(reply, request)
        self.assertEqual(self.Request.search_count([("email_from", "!=", False)]), 1)
        self.assertEqual(len(request.message_ids), messages + 1)
        self.assertFalse(request.is_closed)  # a reply opens it again

    def test_r8_qualifying_applies_the_entitlement_rules(self):
        request = self._receive("someone@unknown.example")
        with self.assertRaisesRegex(ValidationError, "to qualify"), self.cr.savepoint():
            request.sudo(self.technician).write(
                {"stage_id": self.env.ref("commown_infogerance.stage_new").id}
            )
        onsite = self.env.ref("commown_infogerance.service_type_onsite")
        with self.assertRaisesRegex(ValidationError, "R8"), self.cr.savepoint():
            request.sudo(self.technician).write(
                {
                    "partner_id": self.customer.id,
                    "contract_id": self.contract.id,
                    "service_type_id": onsite.id,
                    "stage_id": self.env.ref("commown_infogerance.stage_new").id,
                }
            )
        request.invalidate_cache()
        request.sudo(self.technician).write(
            {
                "partner_id": self.customer.id,
                "contract_id": self.contract.id,
                "stage_id": self.env.ref("commown_infogerance.stage_new").id,
            }
        )
        self.assertFalse(request.is_to_qualify)

    def test_r8_an_uncovered_customer_waits_to_be_qualified(self):
        self.contract.infogerance_service_type_ids = [
            (3, self.env.ref("commown_infogerance.service_type_support").id)
        ]
        request = self._receive("lea@atelier-test.example")
        self.assertEqual(request.partner_id, self.contact)
        self.assertTrue(request.is_to_qualify)


@freeze_time("2026-03-10")
class TestSupportTeam(ServiceRequestMailCase):
    """The support address belongs to a team (``mail.alias.mixin``): its e-mails
    become requests of the team, followed by its members."""

    def test_the_support_address_belongs_to_the_team(self):
        alias = self.env.ref("commown_infogerance.mail_alias_service_request")
        self.assertEqual(self.team.alias_id, alias)
        self.assertEqual(alias.alias_model_id.model, "infogerance.service.request")
        self.assertEqual(alias.alias_parent_model_id.model, "infogerance.support.team")
        self.assertEqual(alias.alias_parent_thread_id, self.team.id)
        self.assertEqual(safe_eval(alias.alias_defaults)["team_id"], self.team.id)

    def test_each_team_address_creates_requests_of_its_team(self):
        team = self.Team.sudo(self.manager).create(
            {
                "name": "Second line",
                "alias_name": "support-second-line",
                "member_ids": [(6, 0, self.technician.ids)],
            }
        )
        self.assertEqual(team.alias_name, "support-second-line")
        request = self._receive("lea@atelier-test.example", to="support-second-line")
        self.assertEqual(request.team_id, team)
        self.assertEqual(request.partner_id, self.contact)
        self.assertFalse(request.is_to_qualify)
        followers = request.message_follower_ids.mapped("partner_id")
        self.assertIn(self.technician.partner_id, followers)
        unknown = self._receive(
            "someone@unknown.example", to="support-second-line", message_id="m2"
        )
        self.assertEqual(unknown.team_id, team)
        self.assertTrue(unknown.is_to_qualify)

    def test_the_team_stays_in_its_alias_defaults(self):
        self.team.sudo(self.manager).alias_defaults = "{'channel': 'mail'}"
        defaults = safe_eval(self.team.alias_id.alias_defaults)
        self.assertEqual(defaults, {"channel": "mail", "team_id": self.team.id})

    def test_a_team_takes_over_an_existing_alias_with_its_settings(self):
        """What an upgrade from 11.0.1.2.0 does: the alias staff may have edited
        becomes the team's, its address and sender policy kept."""
        alias = self.env["mail.alias"].create(
            {
                "alias_name": "aide-infogerance",
                "alias_model_id": self.env["ir.model"]._get("infogerance.service.request").id,
                "alias_contact": "partners",
            }
        )
        team = self.Team.create({"name": "Former alias", "alias_id": alias.id})
        self.assertEqual(team.alias_id, alias)
        self.assertEqual(alias.alias_name, "aide-infogerance")
        self.assertEqual(alias.alias_contact, "partners")
        self.assertEqual(alias.alias_parent_thread_id, team.id)
        self.assertEqual(safe_eval(alias.alias_defaults), {"team_id": team.id})

    def test_a_request_filed_in_the_backend_gets_a_team(self):
        request = self.Request.sudo(self.technician).create(
            {
                "summary": "Screen",
                "partner_id": self.customer.id,
                "contract_id": self.contract.id,
                "service_type_id": self.env.ref("commown_infogerance.service_type_support").id,
            }
        )
        self.assertTrue(request.team_id)

    def test_only_managers_change_teams_and_customers_see_none(self):
        self.assertEqual(self.team.sudo(self.technician).name, self.team.name)
        employee = self.env["res.users"].create(
            {
                "name": "Plain employee",
                "login": "team_employee",
                "groups_id": [(6, 0, self.env.ref("base.group_user").ids)],
            }
        )
        self._receive("lea@atelier-test.example")
        self.assertGreaterEqual(self.team.sudo(self.technician).request_open_count, 1)
        # reads the team (a request's support team), not the requests it counts
        [values] = self.team.sudo(employee).read(["name", "request_open_count"])
        self.assertEqual(values["request_open_count"], 0)
        with self.assertRaises(AccessError), self.cr.savepoint():
            self.team.sudo(self.technician).write({"alias_name": "hijacked"})
        with self.assertRaises(AccessError), self.cr.savepoint():
            self.Team.sudo(self.technician).create({"name": "Mine"})
        portal = self._create_portal_user(self.customer, "team_portal")
        with self.assertRaises(AccessError), self.cr.savepoint():
            self.Team.sudo(portal).search_read([], ["name", "alias_name"])
        self.team.sudo(self.manager).write({"name": "Support"})
        self.assertEqual(self.team.name, "Support")


@freeze_time("2026-03-10")
class TestMailGatewayDoors(ServiceRequestMailCase):
    """Door 6 of issue 21, through the mail gateway with real RFC 822 messages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-01-01"):
            cls._create_order(cls.other_customer, computers=2).action_confirm()
        cls.other_contract = cls.env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "=", cls.other_customer.id)]
        )
        # Customer B's portal contact shares Léa's address (a shared mailbox, a
        # typo, or on purpose): the gateway may resolve the sender to either.
        cls.portal_b = cls._create_portal_user(cls.other_customer, "gateway_portal_b")
        cls.portal_b.partner_id.email = "lea@atelier-test.example"
        cls.portal_a = cls._create_portal_user(cls.customer, "gateway_portal_a")
        cls.portal_a.partner_id.email = "ana@atelier-test.example"

    def _followers(self, request):
        return request.message_follower_ids.mapped("partner_id")

    def _strangers(self, request):
        """Followers who are neither staff nor contacts of the request's customer."""
        return self._followers(request).filtered(
            lambda partner: not partner.user_ids.filtered(lambda user: not user.share)
            and partner.commercial_partner_id != request.partner_id.commercial_partner_id
        )

    def test_mail_door_a_shared_address_makes_no_stranger_follow(self):
        request = self._receive("lea@atelier-test.example", name="Léa")
        # Which customer wrote cannot be told: staff qualify it.
        self.assertTrue(request.is_to_qualify)
        self.assertFalse(request.partner_id)
        self.assertFalse(request.contract_id)
        self.assertNotIn(self.portal_b.partner_id, self._followers(request))
        self.assertNotIn(self.contact, self._followers(request))
        # Qualified for customer A, its thread (a Wi-Fi key) reaches A, never B.
        request.sudo(self.technician).write(
            {
                "partner_id": self.contact.id,
                "contract_id": self.contract.id,
                "stage_id": self.env.ref("commown_infogerance.stage_new").id,
            }
        )
        request.sudo(self.technician).message_subscribe(
            partner_ids=(self.contact | self.portal_b.partner_id).ids
        )
        self.assertIn(self.contact, self._followers(request))
        self.assertNotIn(self.portal_b.partner_id, self._followers(request))
        message = request.sudo(self.technician).message_post(
            body="The Wi-Fi key is k3y", message_type="comment", subtype="mail.mt_comment"
        )
        self.assertIn(self.contact, message.needaction_partner_ids | message.partner_ids)
        notified = self.env["mail.notification"].search([("mail_message_id", "=", message.id)])
        self.assertNotIn(self.portal_b.partner_id, notified.mapped("res_partner_id"))
        self.assertFalse(self._strangers(request))

    def test_mail_door_a_reply_from_another_customer_follows_nothing(self):
        request = self._receive("ana@atelier-test.example", name="Ana")
        self.assertEqual(request.partner_id, self.portal_a.partner_id)
        self.assertIn(self.portal_a.partner_id, self._followers(request))
        stranger = self.env["res.partner"].create(
            {"name": "Zoé", "parent_id": self.other_customer.id, "email": "zoe@canuts.example"}
        )
        reply = self._receive(
            "zoe@canuts.example",
            subject="Re: Printer missing",
            message_id="m2",
            extra="In-Reply-To: <m1@mail.example>\nReferences: <m1@mail.example>\nCc: "
            "zoe@canuts.example\n",
        )
        self.assertEqual(reply, request)
        self.assertNotIn(stranger, self._followers(request))
        self.assertFalse(self._strangers(request))

    def test_mail_door_no_one_makes_a_stranger_follow(self):
        request = self._receive("ana@atelier-test.example", name="Ana")
        # the system, a technician, a manager: message_subscribe leaves the
        # stranger out; a follower entry written directly is refused
        for user in (self.env.user, self.technician, self.manager):
            request.sudo(user).message_subscribe(partner_ids=self.portal_b.partner_id.ids)
            self.assertNotIn(self.portal_b.partner_id, self._followers(request), user.login)
            with self.assertRaisesRegex(AccessError, "cannot follow"), self.cr.savepoint():
                self.env["mail.followers"].sudo(user).create(
                    {
                        "res_model": request._name,
                        "res_id": request.id,
                        "partner_id": self.portal_b.partner_id.id,
                    }
                )
        follower = request.message_follower_ids.filtered(
            lambda f: f.partner_id == self.portal_a.partner_id
        )
        with self.assertRaisesRegex(AccessError, "cannot follow"), self.cr.savepoint():
            follower.write({"partner_id": self.portal_b.partner_id.id})
        # Staff follow; a request moved to another customer drops the former one's.
        request.message_subscribe(partner_ids=self.technician.partner_id.ids)
        request.sudo(self.technician).write(
            {"partner_id": self.other_customer.id, "contract_id": self.other_contract.id}
        )
        self.assertNotIn(self.portal_a.partner_id, self._followers(request))
        self.assertIn(self.technician.partner_id, self._followers(request))
        self.assertFalse(self._strangers(request))

    def test_mail_door_a_team_reaches_its_company_contracts_only(self):
        company_b = self.env["res.company"].create({"name": "Commown B (mail test)"})
        team_b = self.Team.create(
            {"name": "Support B", "alias_name": "support-b", "company_id": company_b.id}
        )
        # Léa is a known contact of customer A (alone with her address now), whose
        # contract is company A's.
        self.portal_b.partner_id.email = "portal-b@canuts.example"
        request = self._receive(
            "lea@atelier-test.example", to="support-b", name="Léa", message_id="m2"
        )
        self.assertEqual(request.team_id, team_b)
        self.assertEqual(request.partner_id, self.contact)
        self.assertFalse(request.contract_id)
        self.assertTrue(request.is_to_qualify)
        self.assertEqual(request.company_id, company_b)
        # Company A's technicians do not see company B's requests to qualify.
        Request = self.Request.sudo(self.technician)
        self.assertFalse(Request.search([("id", "=", request.id)]))
        # Nor can the team be given a contract of another company, by any path.
        with self.assertRaisesRegex(ValidationError, "works for"), self.cr.savepoint():
            request.write({"contract_id": self.contract.id})
        # The same message to company A's address reaches customer A's contract.
        request_a = self._receive("lea@atelier-test.example", message_id="m3")
        self.assertEqual(request_a.contract_id, self.contract)
        self.assertEqual(request_a.team_id, self.team)
        self.assertEqual(request_a.company_id, self.contract.company_id)
        # A request filed on a contract takes the team of the contract's company.
        filed = self.Request.create(
            {
                "summary": "Screen",
                "partner_id": self.customer.id,
                "contract_id": self.contract.id,
                "service_type_id": self.env.ref("commown_infogerance.service_type_support").id,
            }
        )
        self.assertEqual(filed.team_id.company_id, self.contract.company_id)
