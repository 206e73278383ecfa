"""The lines of a consolidated invoice are gathered during the invoicing and
inserted at once at its end (``account_analytic_account_consolidation``): every
line, its order on the invoice, the taxes and the totals must be what OCA
contract's own path, one ``create`` per line, writes."""
import re
from unittest import mock

from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError

from odoo.addons.commown_infogerance import bulk_create
from odoo.addons.commown_infogerance.groups import MANAGER_GROUP

from .common import InfogeranceCase

#: columns that differ between two invoicings of the same data by nature
VOLATILE = frozenset({"id", "create_date", "write_date", "invoice_id", "access_token"})
#: columns naming records the late orders make in each invoicing, rolled back
#: after it (their ids, drawn from sequences, are not given back): compared by
#: their rank among the records made since the invoicing began
MADE_DURING = {
    "account_analytic_id": "account_analytic_account",
    "contract_id": "account_analytic_account",
    "infogerance_fleet_event_id": "infogerance_fleet_event",
}

ORDER_NUMBER = re.compile(r"\bSO\d+")

#: a customer: computers ordered with the offer on January 1st, computers of a
#: back-dated order entered on January 10th (a regularisation on February's
#: invoice, R3), computers ordered without the offer, one invoice per contract
CUSTOMER = st.fixed_dictionaries(
    {
        "computers": st.integers(1, 5),
        "back_dated": st.integers(0, 2),
        "without_offer": st.integers(0, 2),
        "separate": st.booleans(),
    }
)


def _same_order(value):
    """Texts without the numbers of the orders, drawn from a sequence that the
    rolling back of the first invoicing does not give back."""
    return ORDER_NUMBER.sub("SO", value) if isinstance(value, str) else value


class TestConsolidatedLineInsert(InfogeranceCase):
    def _contracts(self):
        return self.env["account.analytic.account"]

    def _cron(self, day):
        with freeze_time(day):
            self._contracts().cron_recurring_create_invoice()

    def _last_ids(self):
        """The last id drawn for each table of ``MADE_DURING``."""
        last = {}
        for table in set(MADE_DURING.values()):
            self.env.cr.execute("SELECT last_value FROM %s_id_seq" % table)
            last[table] = self.env.cr.fetchone()[0]
        return last

    def _comparable(self, name, value):
        if name in MADE_DURING and value and value > self.first_ids[MADE_DURING[name]]:
            return ("made during the invoicing", value - self.first_ids[MADE_DURING[name]])
        return _same_order(value)

    def _snapshot(self, partners):
        """The customers' invoices as the database holds them: each invoice's
        columns, then its lines in their order on the invoice, then its taxes."""
        self.env["account.invoice"].invalidate_cache()
        invoices = self.env["account.invoice"].search(
            [("partner_id", "child_of", partners.ids)], order="date_invoice, id"
        )
        snapshot = []
        for invoice in invoices:
            rows = {}
            for table, query in (
                ("invoice", "SELECT * FROM account_invoice WHERE id = %s"),
                (
                    "lines",
                    "SELECT * FROM account_invoice_line WHERE invoice_id = %s "
                    "ORDER BY sequence, id",
                ),
                (
                    "taxes",
                    "SELECT * FROM account_invoice_tax WHERE invoice_id = %s "
                    "ORDER BY tax_id, amount",
                ),
            ):
                self.env.cr.execute(query, (invoice.id,))
                names = [column.name for column in self.env.cr.description]
                rows[table] = [
                    {
                        name: self._comparable(name, value)
                        for name, value in zip(names, row)
                        if name not in VOLATILE
                    }
                    for row in self.env.cr.fetchall()
                ]
            self.env.cr.execute(
                """SELECT l.sequence, array_agg(r.tax_id ORDER BY r.tax_id)
                     FROM account_invoice_line l
                     JOIN account_invoice_line_tax r ON r.invoice_line_id = l.id
                    WHERE l.invoice_id = %s GROUP BY l.id ORDER BY l.sequence, l.id""",
                (invoice.id,),
            )
            rows["line_taxes"] = self.env.cr.fetchall()
            snapshot.append(rows)
        return snapshot

    def _rolled_back(self, function):
        """``function()``, its writes then rolled back (and the caches with them)."""
        self.env.cr.execute("SAVEPOINT consolidated_line_insert")
        try:
            return function()
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT consolidated_line_insert")
            self.env.clear()

    def _invoice(self, partners, specs):
        self.first_ids = self._last_ids()
        self._cron("2026-01-01")
        for partner, spec in zip(partners, specs):
            if spec["back_dated"]:
                with freeze_time("2026-01-10"):
                    self._confirm(partner, computers=spec["back_dated"], start="2026-01-01")
        self._cron("2026-02-01")
        return self._snapshot(partners)

    def _invoice_both_ways(self, specs):
        """January's and February's invoicing of the customers of ``specs``,
        by OCA's path and by the gathering one, from the same data: the two
        snapshots, and whether each invoice of a customer consolidating had its
        lines inserted at once."""
        partners = self.customer | self.other_customer
        for partner, spec in zip(partners, specs):
            partner.infogerance_separate_invoices = spec["separate"]
            with freeze_time("2026-01-01"):
                self._confirm(partner, computers=spec["computers"])
                if spec["without_offer"]:
                    self._confirm(partner, computers=spec["without_offer"], offer=False)
        Contract = type(self._contracts())
        with mock.patch.object(Contract, "_infogerance_gathers_invoice_lines", lambda _: False):
            by_oca = self._rolled_back(lambda: self._invoice(partners, specs))
        consolidating = partners.filtered(lambda p: not p.infogerance_separate_invoices)
        gathered, at_once = self._gathered(lambda: self._invoice(partners, specs), consolidating)
        return by_oca, gathered, at_once

    def _gathered(self, invoicing, partners):
        """``invoicing()`` rolled back, and whether each invoice of ``partners``
        had its lines inserted at once."""
        inserts = []
        create_many = bulk_create.create_many

        def recording(model, values):
            records = create_many(model, values)
            if model._name == "account.invoice.line":
                inserts.append(set(records.ids))
            return records

        def gathering():
            snapshot = invoicing()
            invoices = self.env["account.invoice"].search(
                [("partner_id", "child_of", partners.ids)]
            )
            at_once = [
                any(set(invoice.invoice_line_ids.ids) <= ids for ids in inserts)
                for invoice in invoices
            ]
            return snapshot, at_once

        with mock.patch.object(bulk_create, "create_many", recording):
            return self._rolled_back(gathering)

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(specs=st.tuples(CUSTOMER, CUSTOMER))
    def test_consolidated_line_insert_writes_what_oca_writes(self, specs):
        by_oca, gathered, at_once = self._rolled_back(lambda: self._invoice_both_ways(specs))
        self.assertEqual(gathered, by_oca)
        lines = [line for invoice in gathered for line in invoice["lines"]]
        self.assertTrue(lines)
        if any(spec["back_dated"] for spec in specs):  # R3's lines are among them
            self.assertTrue(any(line["infogerance_fleet_event_id"] for line in lines))
        # each invoice of a customer consolidating had its lines inserted at once
        self.assertEqual(at_once, [True] * len(at_once))
        self.assertEqual(bool(at_once), not all(spec["separate"] for spec in specs))

    def test_consolidated_line_insert_by_a_manager_and_refused_to_a_salesman(self):
        """A managed-services manager, who invoices with his own rights (an
        accountant's invoicing runs as the system once checked), gets the lines
        inserted at once, as OCA would create them for him; a salesman may not
        invoice, whichever path."""
        manager = self._create_user("Mona Manager", "lines_manager", MANAGER_GROUP)
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=3)
        contracts = self._contracts().search([("partner_id", "child_of", self.customer.id)])
        with self.assertRaises(AccessError):
            contracts.sudo(self.salesman).recurring_create_invoice()

        def invoicing():
            self.first_ids = self._last_ids()
            with freeze_time("2026-01-01"):
                contracts.sudo(manager).recurring_create_invoice()
            return self._snapshot(self.customer)

        Contract = type(self._contracts())
        with mock.patch.object(Contract, "_infogerance_gathers_invoice_lines", lambda _: False):
            by_oca = self._rolled_back(invoicing)
        gathered, at_once = self._gathered(invoicing, self.customer)
        self.assertEqual(gathered, by_oca)
        self.assertEqual(len(gathered[0]["lines"]), 4)  # three computers, the service
        self.assertEqual(at_once, [True])
