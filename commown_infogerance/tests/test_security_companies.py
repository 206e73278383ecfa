"""Door 7, companies: a technician (or salesman, or manager) of company A reaches
nothing of company B's customer, whatever model he asks (the Wi-Fi network, the
secret holding its key, a contract's tiers, lines or fleet changes), by XML-RPC
``read``, ``search_read`` or ``read_group``, or through the ORM with his user."""
from odoo.exceptions import AccessError

from .. import security_matrix
from .common import InfogeranceCase
from .test_security_attacks import SecurityAttackCase

REFUSED = "AccessError|not allowed|security restrictions|restrict"


class TestSecurityCompanies(SecurityAttackCase):
    def setUp(self):
        super().setUp()
        env = self.env
        self.company_a = self.technician.company_id
        self.company_b = env["res.company"].create({"name": "Commown B (test)"})
        self.technician_b = self._user(
            "technician_b", "commown_infogerance.group_infogerance_technician"
        )
        self.technician_b.write(
            {"company_ids": [(6, 0, self.company_b.ids)], "company_id": self.company_b.id}
        )
        self.manager = self._user("manager_a", "commown_infogerance.group_infogerance_manager")
        self.request_b = env["infogerance.service.request"].create(
            {
                "summary": "Printer of B",
                "contract_id": self.contract_b.id,
                "partner_id": self.customer_b.id,
                "service_type_id": env.ref("commown_infogerance.service_type_support").id,
            }
        )
        env["infogerance.other.service"].create(
            {"name": "Printer care of B", "contract_id": self.contract_b.id}
        )
        terms = env["infogerance.terms"].create(
            {"name": "Conditions", "offer_id": self.offer.id, "version": "B1", "body": "<p>T</p>"}
        )
        env["infogerance.terms.acceptance"].create(
            {
                "terms_id": terms.id,
                "contract_id": self.contract_b.id,
                "partner_id": self.customer_b.id,
                "channel": "portal",
            }
        )
        # Customer B is company B's customer: its profile moves there (the ORM
        # recomputes the Wi-Fi networks' and secrets' company) and its contracts
        # are made there (as if sold by company B; a contract's company is never
        # written afterwards): their records take it as the upgrade gives it to
        # existing rows.
        self.profile_b.company_id = self.company_b
        contracts_b = env["account.analytic.account"].search(
            [("partner_id", "child_of", self.customer_b.id)]
        )
        self.http_cr.execute(
            "UPDATE account_analytic_account SET company_id = %s WHERE id IN %s",
            (self.company_b.id, tuple(contracts_b.ids)),
        )
        self.http_cr.execute(
            "UPDATE infogerance_fleet_event SET company_id = %s WHERE contract_id IN %s",
            (self.company_b.id, tuple(contracts_b.ids)),
        )
        for table, column in (
            ("infogerance_contract_tier", "contract_id"),
            ("account_analytic_invoice_line", "analytic_account_id"),
            ("infogerance_other_service", "contract_id"),
            ("infogerance_terms_acceptance", "contract_id"),
            ("infogerance_service_request", "contract_id"),
        ):
            self.http_cr.execute(
                "UPDATE {table} SET company_id = NULL WHERE {column} IN %s".format(
                    table=table, column=column
                ),
                (tuple(contracts_b.ids),),
            )
        InfogeranceCase._migration("11.0.1.5.0").migrate(self.http_cr, "11.0.1.4.0")
        self.http_cr.execute(
            "UPDATE infogerance_service_request SET company_id = %s WHERE contract_id IN %s",
            (self.company_b.id, tuple(contracts_b.ids)),
        )
        env["account.analytic.account"].invalidate_cache()
        self.wifi_a, self.wifi_b = self.profile_a.wifi_ids, self.profile_b.wifi_ids
        self.secret_a = env["infogerance.profile.secret"].search(
            [("profile_id", "=", self.profile_a.id)]
        )
        self.secret_b = env["infogerance.profile.secret"].search(
            [("profile_id", "=", self.profile_b.id)]
        )
        self.http_cr.commit()

    def test_company_technician_cannot_read_another_company_wifi_key_by_rpc(self):
        self.assertEqual(self.wifi_b.company_id, self.company_b)
        self.assertEqual(self.secret_b.mapped("company_id"), self.company_b)
        # His own company's key: the door he uses every day is open.
        [own] = self._call(self.technician, "infogerance.profile.wifi", "read", self.wifi_a.ids)
        self.assertEqual(own["key"], "wifi-key-of-a")
        [own] = self._call(
            self.technician, "infogerance.profile.secret", "read", self.secret_a.ids, ["value"]
        )
        self.assertEqual(own["value"], "wifi-key-of-a")
        # Company B's technician reads B's key: the record is there to be read.
        [other] = self._call(self.technician_b, "infogerance.profile.wifi", "read", self.wifi_b.ids)
        self.assertEqual(other["key"], "wifi-key-of-b")
        for model, records, field in (
            ("infogerance.profile.wifi", self.wifi_b, "key"),
            ("infogerance.profile.secret", self.secret_b, "value"),
        ):
            self.assertFault(REFUSED, self.technician, model, "read", records.ids, [field])
            rows = self._call(self.technician, model, "search_read", [], fields=[field])
            self.assertNotIn("wifi-key-of-b", [row[field] for row in rows], model)
            self.assertFalse({row["id"] for row in rows} & set(records.ids), model)
            self.assertFalse(
                self._call(
                    self.technician,
                    model,
                    "search_read",
                    [("profile_id", "=", self.profile_b.id)],
                    fields=[field],
                ),
                model,
            )
            groups = self._call(
                self.technician,
                model,
                "read_group",
                [("profile_id", "=", self.profile_b.id)],
                ["profile_id"],
                ["profile_id"],
            )
            self.assertFalse(groups, model)
        self.assertFault(
            REFUSED,
            self.technician,
            "infogerance.profile.wifi",
            "export_data",
            self.wifi_b.ids,
            ["ssid", "key"],
        )
        # The key alone (computed from the secret, which he cannot read) is empty.
        exported = self._call(
            self.technician, "infogerance.profile.wifi", "export_data", self.wifi_b.ids, ["key"]
        )
        self.assertNotIn("wifi-key-of-b", str(exported))

    def test_company_technician_cannot_read_another_company_wifi_key_by_orm(self):
        Wifi = self.env["infogerance.profile.wifi"].sudo(self.technician)
        Secret = self.env["infogerance.profile.secret"].sudo(self.technician)
        with self.assertRaises(AccessError):
            Wifi.browse(self.wifi_b.ids).read(["key"])
        with self.assertRaises(AccessError):
            Secret.browse(self.secret_b.ids).read(["value"])
        self.assertFalse(Wifi.search([("id", "in", self.wifi_b.ids)]))
        self.assertFalse(Secret.search([("id", "in", self.secret_b.ids)]))
        self.assertFalse(
            Secret.read_group([("profile_id", "=", self.profile_b.id)], ["kind"], ["kind"])
        )
        grouped = Secret.read_group([], ["profile_id"], ["profile_id"])
        profiles = [group["profile_id"][0] for group in grouped]
        self.assertIn(self.profile_a.id, profiles)
        self.assertNotIn(self.profile_b.id, profiles)
        self.assertEqual(Wifi.browse(self.wifi_a.ids).key, "wifi-key-of-a")

    def test_company_users_see_none_of_another_company_customer_records(self):
        """Every model a company owns (the check of the access matrix lists them):
        the records of company B's customer are out of reach of company A's staff,
        and within reach of company B's technician where his rights allow."""
        env = self.env
        models = [
            name
            for name in security_matrix.scope_models(env)
            if security_matrix.company_path(env, name)
        ]
        seen = set()
        for name in models:
            others = (
                env[name]
                .with_context(active_test=False)
                .search([("company_id", "=", self.company_b.id)])
            )
            if others:
                seen.add(name)
            for user in (self.technician, self.salesman, self.manager):
                Model = env[name].sudo(user).with_context(active_test=False)
                if not Model.check_access_rights("read", raise_exception=False):
                    continue
                self.assertFalse(Model.search([("id", "in", others.ids)]), (name, user.login))
                if others:
                    with self.assertRaises(AccessError, msg=(name, user.login)):
                        others[:1].sudo(user).read(["company_id"])
        # The check above looked at company B's records of each kind.
        self.assertLessEqual(
            {
                "account.analytic.account",
                "account.analytic.invoice.line",
                "infogerance.contract.tier",
                "infogerance.fleet.event",
                "infogerance.other.service",
                "infogerance.profile",
                "infogerance.profile.secret",
                "infogerance.profile.software",
                "infogerance.profile.wifi",
                "infogerance.service.request",
                "infogerance.terms.acceptance",
            },
            seen,
        )
        Request = env["infogerance.service.request"].sudo(self.technician_b)
        self.assertEqual(Request.search([("id", "=", self.request_b.id)]), self.request_b)
