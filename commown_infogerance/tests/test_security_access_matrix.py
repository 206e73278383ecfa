"""The access matrix: every model of the addons, and every model of other addons
they open to a group, by role; a customer never sees another customer's records;
a model added with a portal right and no record rule fails the suite."""
import os

from odoo_test_helper import FakeModelLoader

from odoo.exceptions import AccessError
from odoo.tests import common

from .. import security_matrix
from .common import InfogeranceCase

#: What each role may do on each model: read, write, create, delete ("-": refused).
#: Roles: public, portal contact, employee, salesman, technician, manager.
EXPECTED = {
    "account.analytic.account": ("----", "r---", "r---", "rwc-", "r---", "rwc-"),
    "account.analytic.contract": ("----", "----", "----", "r---", "----", "r---"),
    "account.analytic.contract.line": ("----", "----", "----", "r---", "----", "r---"),
    "account.analytic.invoice.line": ("----", "r---", "----", "r---", "r---", "r---"),
    # payment methods (does one need a mandate?), read by OCA when a salesman
    # confirms or invoices an order paid by direct debit
    "account.payment.method": ("----", "----", "----", "r---", "----", "r---"),
    # previews: a regular model (jobs outlive Odoo's vacuum of transient records)
    "infogerance.billing.preview": ("----", "----", "----", "----", "----", "rwcd"),
    "infogerance.billing.preview.line": ("----", "----", "----", "----", "----", "r---"),
    "infogerance.billing.run": ("----", "----", "----", "----", "----", "rwc-"),
    "infogerance.billing.run.item": ("----", "----", "----", "----", "----", "r---"),
    "infogerance.billing.run.debit.skip": ("----", "----", "----", "----", "----", "r---"),
    "infogerance.contract.tier": ("----", "r---", "----", "r---", "r---", "rwcd"),
    "infogerance.fleet.event": ("----", "r---", "----", "r---", "----", "r---"),
    "infogerance.offer": ("r---", "r---", "r---", "r---", "r---", "rwcd"),
    "infogerance.offer.tier": ("r---", "r---", "r---", "r---", "r---", "rwcd"),
    "infogerance.onsite.city": ("----", "r---", "r---", "r---", "r---", "rwcd"),
    "infogerance.other.service": ("----", "r---", "----", "rwcd", "r---", "rwcd"),
    "infogerance.profile": ("----", "r---", "----", "r---", "rwcd", "rwcd"),
    "infogerance.profile.secret": ("----", "----", "----", "----", "rwcd", "rwcd"),
    "infogerance.profile.shortcut": ("----", "r---", "----", "r---", "rwcd", "rwcd"),
    "infogerance.profile.software": ("----", "r---", "----", "r---", "rwcd", "rwcd"),
    "infogerance.profile.vpn": ("----", "----", "----", "r---", "rwcd", "rwcd"),
    "infogerance.profile.wifi": ("----", "----", "----", "r---", "rwcd", "rwcd"),
    "infogerance.service.request": ("----", "r---", "----", "r---", "rwc-", "rwcd"),
    "infogerance.service.request.stage": ("----", "r---", "r---", "r---", "r---", "rwcd"),
    "infogerance.support.team": ("----", "----", "r---", "r---", "r---", "rwcd"),
    "infogerance.service.type": ("r---", "r---", "r---", "r---", "r---", "rwcd"),
    "infogerance.mrr.movement": ("----", "----", "----", "r---", "----", "r---"),
    "infogerance.plan.change": ("----", "----", "----", "r---", "r---", "r---"),
    "infogerance.plan.change.tier": ("----", "----", "----", "r---", "r---", "r---"),
    "infogerance.termination.reason": ("----", "r---", "r---", "r---", "r---", "rwcd"),
    "infogerance.terms": ("r---", "r---", "r---", "r---", "r---", "rwcd"),
    "infogerance.terms.acceptance": ("----", "r---", "----", "r---", "----", "r---"),
}
#: How each customer-data model leads to its customer (for "A never sees B").
CUSTOMER_PATH = {
    "account.analytic.account": "partner_id",
    "account.analytic.invoice.line": "analytic_account_id.partner_id",
    "infogerance.contract.tier": "contract_id.partner_id",
    "infogerance.fleet.event": "contract_id.partner_id",
    "infogerance.other.service": "contract_id.partner_id",
    "infogerance.profile": "partner_id",
    "infogerance.profile.shortcut": "profile_id.partner_id",
    "infogerance.profile.software": "profile_id.partner_id",
    "infogerance.service.request": "partner_id",
    "infogerance.terms.acceptance": "partner_id",
}


class TestAccessMatrix(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = security_matrix.role_users(cls.env)
        cls.customers = cls.customer | cls.other_customer
        terms = cls.env["infogerance.terms"].create(
            {"name": "Conditions", "offer_id": cls.offer.id, "version": "T1", "body": "<p>T</p>"}
        )
        for customer in cls.customers:
            order = cls._create_order(customer, computers=2)
            order.infogerance_other_service_ids = [
                (0, 0, {"name": "Printer of %s" % customer.name})
            ]
            order.action_confirm()
            contract = cls.env["account.analytic.account"].search(
                [("infogerance_role", "=", "service"), ("partner_id", "=", customer.id)]
            )
            cls.env["infogerance.profile"].create(
                {
                    "partner_id": customer.id,
                    "software_ids": [(0, 0, {"name": "Software"})],
                    "shortcut_ids": [(0, 0, {"name": "Intranet", "url": "https://a.example"})],
                    "wifi_ids": [(0, 0, {"ssid": "Office", "key": "k-%s" % customer.id})],
                }
            )
            cls.env["infogerance.terms.acceptance"].create(
                {
                    "terms_id": terms.id,
                    "order_id": order.id,
                    "contract_id": contract.id,
                    "partner_id": customer.id,
                    "channel": "portal",
                }
            )
            cls.env["infogerance.service.request"].create(
                {
                    "summary": "Help",
                    "contract_id": contract.id,
                    "partner_id": customer.id,
                    "service_type_id": cls.env.ref("commown_infogerance.service_type_support").id,
                }
            )
        cls.portal_a = cls._create_portal_user(cls.customer, "matrix_portal_a")

    def test_access_matrix_by_role(self):
        matrix = security_matrix.access_matrix(self.env, self.users)
        roles = [key for key, _title, _group in security_matrix.ROLES]
        actual = {name: tuple(rights[key] for key in roles) for name, rights in matrix.items()}
        self.assertEqual(actual, EXPECTED)

    def test_every_customer_model_has_a_record_rule(self):
        self.assertEqual(security_matrix.unguarded_models(self.env, self.users), [])

    def test_every_company_model_has_a_multi_company_rule(self):
        """Door 7: every model of the scope a company owns, directly or through its
        parent, has a stored company and the multi-company rule."""
        owned = [
            name
            for name in security_matrix.scope_models(self.env)
            if security_matrix.company_path(self.env, name)
        ]
        # the customer data of the issue, and the rest of the scope
        self.assertLessEqual(
            {
                "infogerance.profile.secret",
                "infogerance.profile.wifi",
                "infogerance.profile.vpn",
                "infogerance.profile.software",
                "infogerance.profile.shortcut",
                "infogerance.fleet.event",
                "infogerance.contract.tier",
                "infogerance.other.service",
                "infogerance.terms.acceptance",
                "account.analytic.invoice.line",
            },
            set(owned),
        )
        self.assertEqual(security_matrix.company_unguarded_models(self.env), [])

    def test_customer_a_never_sees_customer_b_records(self):
        matrix = security_matrix.access_matrix(self.env, self.users)
        readable = sorted(
            name
            for name, rights in matrix.items()
            if rights["portal"][0] == "r" and name not in security_matrix.CATALOGUE
        )
        self.assertEqual(readable, sorted(CUSTOMER_PATH))
        for name in readable:
            records = self.env[name].search([])
            own = records.filtered(
                lambda r: r.mapped(CUSTOMER_PATH[name]).commercial_partner_id == self.customer
            )
            others = records - own
            self.assertTrue(own and others, name)
            visible = self.env[name].sudo(self.portal_a).search([])
            self.assertEqual(visible & others, self.env[name], name)
            self.assertEqual(visible & own, own, name)
            with self.assertRaises(AccessError, msg=name):
                others[:1].sudo(self.portal_a).read()

    def test_every_internal_role_sees_what_its_rights_allow(self):
        """Internal roles work on every customer: their rights, not record rules,
        decide; the secrets only reach technicians and managers."""
        # the test's customers' secrets (a demo database holds others)
        ours = [("profile_id.partner_id", "in", self.customers.ids)]
        secrets = self.env["infogerance.profile.secret"].search(ours)
        self.assertEqual(len(secrets), 2)
        for key in ("technician", "manager"):
            visible = self.env["infogerance.profile.secret"].sudo(self.users[key]).search(ours)
            self.assertEqual(visible, secrets, key)
        for key in ("public", "portal", "employee", "salesman"):
            with self.assertRaises(AccessError, msg=key):
                self.env["infogerance.profile.secret"].sudo(self.users[key]).search([])


class TestAccessMatrixCatchesNewModels(common.SavepointCase):
    """Prove the check: a model registered with a portal right and no record rule is
    reported, and no longer once it has one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        from .fake_models import InfogeranceFakeCustomerNote

        cls.loader.update_registry((InfogeranceFakeCustomerNote,))
        cls.model = cls.env["ir.model"].search([("model", "=", "infogerance.fake.customer.note")])
        cls.env["ir.model.access"].create(
            {
                "name": "fake note portal",
                "model_id": cls.model.id,
                "group_id": cls.env.ref("base.group_portal").id,
                "perm_read": True,
            }
        )
        cls.users = security_matrix.role_users(cls.env)

    @classmethod
    def tearDownClass(cls):
        cls.loader.restore_registry()
        return super().tearDownClass()

    def test_a_portal_model_without_rule_is_reported(self):
        self.assertIn("infogerance.fake.customer.note", security_matrix.scope_models(self.env))
        self.assertEqual(
            security_matrix.unguarded_models(self.env, self.users),
            ["infogerance.fake.customer.note"],
        )
        self.env["ir.rule"].create(
            {
                "name": "fake note: own company",
                "model_id": self.model.id,
                "domain_force": "[('partner_id', 'child_of', [user.commercial_partner_id.id])]",
                "groups": [(4, self.env.ref("base.group_portal").id)],
            }
        )
        self.assertEqual(security_matrix.unguarded_models(self.env, self.users), [])


class TestCompanyCheckCatchesNewModels(common.SavepointCase):
    """Prove the multi-company check: a model a company owns (its own company, or
    its parent's) is reported until it has a stored company and the rule."""

    NOTE, ITEM = "infogerance.fake.profile.note", "infogerance.fake.profile.item"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        from .fake_models import InfogeranceFakeProfileItem, InfogeranceFakeProfileNote

        cls.loader.update_registry((InfogeranceFakeProfileNote, InfogeranceFakeProfileItem))

    @classmethod
    def tearDownClass(cls):
        cls.loader.restore_registry()
        return super().tearDownClass()

    def _rule(self, model, domain):
        self.env["ir.rule"].create(
            {
                "name": "%s: multi-company" % model,
                "model_id": self.env["ir.model"]._get(model).id,
                "domain_force": domain,
            }
        )

    def test_a_company_model_without_rule_is_reported(self):
        self.assertEqual(security_matrix.company_path(self.env, self.NOTE), "company_id")
        self.assertEqual(security_matrix.company_path(self.env, self.ITEM), "profile_id.company_id")
        self.assertEqual(security_matrix.company_unguarded_models(self.env), [self.ITEM, self.NOTE])
        self._rule(
            self.NOTE,
            "['|', ('company_id', '=', False), ('company_id', 'child_of', [user.company_id.id])]",
        )
        # A rule through the parent is not enough: the model stores its company.
        self._rule(
            self.ITEM,
            "['|', ('profile_id.company_id', '=', False),"
            " ('profile_id.company_id', 'child_of', [user.company_id.id])]",
        )
        self.assertEqual(security_matrix.company_unguarded_models(self.env), [self.ITEM])


class TestReadmeSecurityTable(InfogeranceCase):
    README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")

    def test_readme_access_table_is_current(self):
        if not os.path.exists(self.README):
            self.skipTest("README.md is not shipped with the installed addon")
        with open(self.README) as handle:
            text = handle.read()
        users = security_matrix.role_users(self.env)
        self.assertEqual(
            security_matrix.readme_section(text),
            security_matrix.markdown_table(self.env, users),
            "The README's access table is stale: run scripts/security_matrix.py --write",
        )
