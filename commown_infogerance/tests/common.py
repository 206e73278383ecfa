"""Shared fixtures: an offer with its grid, rental and service products,
customers and a salesman, as Commown's product_rental tests do."""
import importlib.util
import os
from contextlib import contextmanager
from unittest import mock

from freezegun import freeze_time

from odoo.tests.common import SavepointCase, at_install, post_install


# Under Odoo's runner, on the complete registry: the rules act through automated
# actions (base.automation), whose hooks are registered only once every module is
# loaded. Inherited by every test class built on this one.
@at_install(False)
@post_install(True)
class InfogeranceCase(SavepointCase):
    #: When set, the date (and time) every test of the class runs at; class set-up
    #: runs on the real clock unless it freezes it itself with ``with freeze_time``.
    frozen_now = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Tests read the English source messages (the databases are French);
        # test_i18n checks the French ones.
        cls.env["res.lang"].with_context(active_test=False).search([("code", "=", "en_US")]).write(
            {"active": True}
        )
        # test_queue_job_no_delay: when commown_infogerance_queue is installed too,
        # its jobs run at once, so these tests see the repricing they caused.
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                tracking_disable=True,
                lang="en_US",
                mail_notrack=True,
                mail_create_nolog=True,
                test_queue_job_no_delay=True,
            )
        )
        cls.salesman = cls._create_user(
            "Sam Salesman", "infogerance_salesman", "sales_team.group_sale_salesman"
        )
        cls.manager = cls._create_user(
            "Morgan Manager", "infogerance_manager", "commown_infogerance.group_infogerance_manager"
        )
        cls.technician = cls._create_user(
            "Tess Technician",
            "infogerance_technician",
            "commown_infogerance.group_infogerance_technician",
        )
        service_types = cls.env["infogerance.service.type"].search([])
        cls.offer = cls.env["infogerance.offer"].create(
            {
                "name": "Essentiel (test)",
                "service_type_ids": [(6, 0, service_types.ids)],
                "tier_ids": [
                    (0, 0, {"min_computers": 1, "unit_price": 15.0}),
                    (0, 0, {"min_computers": 5, "unit_price": 12.0}),
                    (0, 0, {"min_computers": 10, "unit_price": 10.0}),
                ],
            }
        )
        cls.computer = cls.env["product.product"].create(
            {
                "name": "Laptop rental (test)",
                "type": "service",
                "list_price": 39.0,
                "is_computer_rental": True,
            }
        )
        cls.service_product = cls.env["product.product"].create(
            {
                "name": "Managed services Essentiel (test)",
                "type": "service",
                "list_price": 15.0,
                "infogerance_offer_id": cls.offer.id,
            }
        )
        cls.accessory = cls.env["product.product"].create(
            {
                "name": "Laptop bag (test)",
                "type": "consu",
                "list_price": 20.0,
            }
        )
        cls.customer = cls._create_company("Atelier Test", "Paris", "75011")
        cls.other_customer = cls._create_company("Canuts Test", "Lyon", "69004")

    def setUp(self):
        super().setUp()
        if self.frozen_now:
            self.freeze_clock(self.frozen_now)

    def _run_daily_jobs(self, day):
        """The scheduled jobs of ``day``, in the order the crons run them: plan
        changes due, fleet changes dated that day, the recurring invoicing."""
        Contract = self.env["account.analytic.account"]
        with freeze_time(day):
            Contract._cron_infogerance_apply_plan_changes()
            Contract._cron_infogerance_dated_fleet_changes()
            Contract.cron_recurring_create_invoice()

    def freeze_clock(self, moment):
        """Freeze the clock at ``moment`` until this test ends, whatever happens.

        Stopped by a cleanup, which runs even when ``setUp`` fails: a clock left
        frozen outlives the test and hangs Odoo's runner."""
        freezer = freeze_time(moment)
        freezer.start()
        self.addCleanup(freezer.stop)

    @classmethod
    def _create_user(cls, name, login, group_xmlid):
        return cls.env["res.users"].create(
            {
                "name": name,
                "login": login,
                "email": "%s@commown.example" % login,
                "lang": "en_US",
                "groups_id": [(6, 0, [cls.env.ref(group_xmlid).id])],
            }
        )

    @classmethod
    def _create_company(cls, name, city, zip_code):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "city": city,
                "zip": zip_code,
                "country_id": cls.env.ref("base.fr").id,
            }
        )

    @staticmethod
    def _migration(version):
        """The post-migration script of ``version``, loaded as a module."""
        path = os.path.join(
            os.path.dirname(os.path.dirname(__file__)), "migrations", version, "post-migration.py"
        )
        name = "infogerance_migration_" + version.replace(".", "_")
        spec = importlib.util.spec_from_file_location(name, path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        return migration

    @classmethod
    def _create_order(self, partner, computers=3, offer=True, start="2026-01-01", user=None):
        """A quotation of ``computers`` rented computers plus the offer, as the salesman."""
        env = self.env(user=(user or self.salesman).id)
        lines = []
        if computers is not None:
            lines.append(
                (
                    0,
                    0,
                    {
                        "product_id": self.computer.id,
                        "product_uom_qty": computers,
                        "price_unit": 39.0,
                    },
                )
            )
        if offer:
            lines.append((0, 0, {"product_id": self.service_product.id, "product_uom_qty": 1}))
        return env["sale.order"].create(
            {
                "partner_id": partner.id,
                "infogerance_start_date": start,
                "order_line": lines,
            }
        )

    def _confirm(self, partner, computers=3, offer=True, start="2026-01-01"):
        order = self._create_order(partner, computers, offer, start)
        order.action_confirm()
        return order

    def _rentals(self, partner):
        return self.env["account.analytic.account"].search(
            [
                ("infogerance_role", "=", "rental"),
                ("partner_id.commercial_partner_id", "=", partner.id),
            ],
            order="id",
        )

    def _service_contract(self, partner):
        return self.env["account.analytic.account"].search(
            [
                ("infogerance_role", "=", "service"),
                ("partner_id.commercial_partner_id", "=", partner.id),
            ]
        )

    def _service_line(self, order):
        return order.order_line.filtered("infogerance_offer_id")

    def _bulk_rentals(self, partner, count, start="2026-01-01", service=None):
        """``count`` rental contracts inserted in one SQL statement: a large fleet
        for query budgets, without paying 1,000 ORM creates."""
        self.env.cr.execute(
            """
            INSERT INTO account_analytic_account
                (name, company_id, partner_id, active, recurring_invoices,
                 infogerance_role, date_start, recurring_next_date,
                 recurring_rule_type, recurring_interval, recurring_invoicing_type,
                 infogerance_contract_id)
            SELECT 'Bulk rental ' || n, %s, %s, true, true, 'rental', %s, %s,
                   'monthly', 1, 'pre-paid', %s
              FROM generate_series(1, %s) n
        """,
            (
                self.env.user.company_id.id,
                partner.id,
                start,
                start,
                service.id if service else None,
                count,
            ),
        )
        self.env["account.analytic.account"].invalidate_cache()

    @classmethod
    def _subscribe(cls, partner, computers):
        """``partner`` subscribed on 1 January 2026 with ``computers``: its service
        contract."""
        with freeze_time("2026-01-01"):
            cls._create_order(partner, computers=computers).action_confirm()
        return cls.env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "=", partner.id)]
        )

    @classmethod
    def _subscribe_both_customers(cls):
        """``cls.contract`` and ``cls.other_contract``: the two customers'
        service contracts (3 and 1 computers)."""
        cls.contract = cls._subscribe(cls.customer, 3)
        cls.other_contract = cls._subscribe(cls.other_customer, 1)

    @classmethod
    def _create_portal_user(cls, company, login, name=None, manager=False):
        """A portal user, contact of ``company``; ``manager``: a customer manager."""
        contact = cls.env["res.partner"].create(
            {
                "name": name or "Contact of %s" % company.name,
                "parent_id": company.id,
                "email": "%s@example.org" % login,
                "infogerance_customer_manager": manager,
            }
        )
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": contact.name,
                    "login": login,
                    "partner_id": contact.id,
                    "lang": "en_US",
                    "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])],
                }
            )
        )

    def _service_type(self, code):
        return self.env["infogerance.service.type"].search([("code", "=", code)])

    def _request(self, contract, code, user=None, **values):
        env = self.env(user=(user or self.technician).id)
        vals = {
            "summary": "Need %s" % code,
            "contract_id": contract.id,
            "partner_id": contract.partner_id.id,
            "service_type_id": self._service_type(code).id,
        }
        vals.update(values)
        return env["infogerance.service.request"].create(vals)


@contextmanager
def validation_refused_for(env, customer, message):
    """Invoices of ``customer`` fail to validate with ``message`` (a closed fiscal
    year, say); the others validate."""
    Invoice = type(env["account.invoice"])
    original = Invoice.action_invoice_open

    def refuse(invoices):
        if invoices.mapped("partner_id.commercial_partner_id") == customer:
            raise ValueError(message)
        return original(invoices)

    with mock.patch.object(Invoice, "action_invoice_open", refuse):
        yield


@contextmanager
def recording_calls(model_class, method_name):
    """Run ``method_name`` of ``model_class`` as usual, and record the ids of
    the records of each call in the list yielded."""
    original = getattr(model_class, method_name)
    calls = []

    def recording(records, *args, **kwargs):
        calls.append(records.ids)
        return original(records, *args, **kwargs)

    with mock.patch.object(model_class, method_name, recording):
        yield calls
