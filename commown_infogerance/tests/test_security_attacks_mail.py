"""Attacks through the mail entry points, over XML-RPC: ``message_post`` on another
customer's contract and request, on a profile secret; ``mail.message`` created on,
or moved to, another customer's record (Odoo 11 lets a user reply, anywhere, to a
message it received); ``mail.followers`` on another customer's record. And the
manager-correction context key sent by a salesman."""
from .test_security_attacks import SecurityAttackCase

HOSTILE = "Hostile message"
REFUSED = "AccessError|not allowed|security restrictions|manager|restrict|posted"


class TestSecurityAttacksMail(SecurityAttackCase):
    def setUp(self):
        super().setUp()
        env = self.env
        # Users with an address: without one Odoo refuses any message before
        # checking rights, which would hide the check under test.
        for user in (self.contact_a, self.contact_b, self.employee, self.salesman):
            user.partner_id.email = "%s@attack.example" % user.login
        self.request_a = env["infogerance.service.request"].create(
            {
                "summary": "Printer of A",
                "contract_id": self.contract_a.id,
                "partner_id": self.customer_a.id,
                "service_type_id": env.ref("commown_infogerance.service_type_support").id,
            }
        )
        self.secret_a = env["infogerance.profile.secret"].search(
            [("profile_id", "=", self.profile_a.id)]
        )
        # A message contact B received about its own contract (a notice, a reply):
        # Odoo lets a user answer a message it received.
        self.received_b = self.contract_b.message_post(
            body="About your contract",
            partner_ids=[self.contact_b.partner_id.id, self.employee.partner_id.id],
            message_type="comment",
            subtype="mail.mt_comment",
        )
        self.http_cr.commit()

    def _hostile_messages(self):
        return self.env["mail.message"].search([("body", "ilike", HOSTILE)])

    def tearDown(self):
        # Whatever each attack tried, nothing hostile reached a record.
        self.assertFalse(self._hostile_messages())
        super().tearDown()

    def test_attack_mail_portal_posts_on_another_customer_contract_and_request(self):
        for record in (self.contract_a, self.request_a):
            self.assertFault(
                REFUSED, self.contact_b, record._name, "message_post", record.ids, body=HOSTILE
            )
            # Even a reply to a message it received elsewhere lands nowhere.
            self.assertFault(
                REFUSED,
                self.contact_b,
                record._name,
                "message_post",
                record.ids,
                body=HOSTILE,
                parent_id=self.received_b.id,
                message_type="comment",
                subtype="mail.mt_comment",
            )
        # Its own company's contacts post through the portal routes, not by RPC.
        self.assertFault(
            REFUSED,
            self.contact_a,
            "account.analytic.account",
            "message_post",
            self.contract_a.ids,
            body=HOSTILE,
        )

    def test_attack_mail_message_create_on_another_customer_record(self):
        for user in (self.contact_b, self.employee):
            for record in (self.contract_a, self.request_a, self.profile_a):
                for parent, author in (
                    (False, False),
                    (self.received_b.id, False),  # Odoo 11 alone lets this one through
                    (self.received_b.id, self.boss_a.partner_id.id),
                ):
                    values = {
                        "model": record._name,
                        "res_id": record.id,
                        "body": HOSTILE,
                        "message_type": "comment",
                        "subtype_id": self.env.ref("mail.mt_comment").id,
                        "parent_id": parent,
                    }
                    if author:
                        values["author_id"] = author
                    self.assertFault(REFUSED + "|answers", user, "mail.message", "create", values)

    def test_attack_mail_message_moved_to_another_customer_record(self):
        # A private message (no record) is the author's own: Odoo 11 lets it write it.
        own = self._call(self.contact_b, "mail.message", "create", {"body": "Draft"})
        self.assertTrue(own)
        self.assertFault(
            REFUSED + "|stays",
            self.contact_b,
            "mail.message",
            "write",
            [own],
            {"model": "account.analytic.account", "res_id": self.contract_a.id, "body": HOSTILE},
        )
        # Nor can a message of a customer record be moved away, even by its author.
        self.assertFault(
            REFUSED + "|stays",
            self.salesman,
            "mail.message",
            "write",
            self.env["mail.message"].browse(self.received_b.id).ids,
            {"res_id": self.contract_a.id},
        )
        moved = self.env["mail.message"].browse(own)
        self.assertFalse(moved.model)

    def test_attack_mail_posted_in_someone_elses_name(self):
        """Staff who may post on a contract post in their own name: a message
        forged as the customer's contact is refused, as is rewriting the author."""
        own = self._call(
            self.salesman,
            "account.analytic.account",
            "message_post",
            self.contract_a.ids,
            body="Called the customer",
        )
        self.assertTrue(own)
        self.assertFault(
            REFUSED + "|in the name",
            self.salesman,
            "account.analytic.account",
            "message_post",
            self.contract_a.ids,
            body=HOSTILE,
            author_id=self.contact_a.partner_id.id,
        )
        self.assertFault(
            REFUSED + "|name",
            self.salesman,
            "mail.message",
            "write",
            [own],
            {"author_id": self.contact_a.partner_id.id},
        )
        self.assertFalse(
            self.env["mail.message"].search(
                [("model", "=", "account.analytic.account"), ("body", "like", HOSTILE)]
            )
        )

    def test_attack_mail_follow_another_customer_record(self):
        for record in (self.contract_a, self.request_a):
            self.assertFault(
                REFUSED,
                self.contact_b,
                "mail.followers",
                "create",
                {
                    "res_model": record._name,
                    "res_id": record.id,
                    "partner_id": self.contact_b.partner_id.id,
                },
            )
            self.assertFalse(
                self._call(
                    self.contact_b,
                    record._name,
                    "message_subscribe",
                    record.ids,
                    partner_ids=self.contact_b.partner_id.ids,
                )
            )
        followers = self.env["mail.followers"].search(
            [
                ("partner_id", "=", self.contact_b.partner_id.id),
                ("res_id", "in", [self.contract_a.id, self.request_a.id]),
            ]
        )
        self.assertFalse(
            followers.filtered(
                lambda f: f.res_model in ("account.analytic.account", "infogerance.service.request")
            )
        )

    def test_attack_mail_on_a_profile_secret(self):
        self.assertTrue(self.secret_a)
        for user in (self.employee, self.salesman):
            # Secrets are no mail thread: the method does not even exist on them.
            self.assertFault(
                REFUSED + "|has no attribute|does not exist",
                user,
                "infogerance.profile.secret",
                "message_post",
                self.secret_a.ids,
                body=HOSTILE,
            )
            self.assertFault(
                REFUSED,
                user,
                "mail.message",
                "create",
                {
                    "model": "infogerance.profile.secret",
                    "res_id": self.secret_a[0].id,
                    "body": HOSTILE,
                    "parent_id": False,
                },
            )
            # Nor through the profile (its chatter is the technicians').
            self.assertFault(
                REFUSED,
                user,
                "infogerance.profile",
                "message_post",
                self.profile_a.ids,
                body=HOSTILE,
            )

    def test_attack_salesman_sends_the_manager_reason_by_rpc(self):
        context = {"infogerance_manager_reason": "I am a manager, trust me"}
        for values in (
            {"infogerance_commitment_end": self.start.isoformat()},
            {"infogerance_notice_days": 0},
            {"infogerance_unit_price": 0.01},
        ):
            self.assertFault(
                "manager",
                self.salesman,
                "account.analytic.account",
                "write",
                self.contract_a.ids,
                values,
                context=context,
            )
        self.assertFault(
            "manager",
            self.salesman,
            "account.analytic.account",
            "action_infogerance_correct",
            self.contract_a.ids,
        )
        self.assertFault(
            "manager",
            self.salesman,
            "infogerance.contract.correction",
            "create",
            {
                "contract_id": self.contract_a.id,
                "field_name": "infogerance_notice_days",
                "new_days": 0,
                "reason": "Forged",
            },
        )
        self.contract_a.invalidate_cache()
        self.assertEqual(self.contract_a.infogerance_notice_days, 15)
