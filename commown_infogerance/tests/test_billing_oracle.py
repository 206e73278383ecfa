"""The billing oracle: a customer's life of up to two years, lived through the
real ORM with a frozen clock and the real daily crons, against a reference
model in plain Python written from the rules (docs/billing.md), independent of
the addon's code. After every simulated step the managed-service invoices must
equal the reference to the cent.

Profiles (``INFOGERANCE_ORACLE_PROFILE``): ``ci`` (default: fixed seed, 3 lives
of 400 days, about 3 minutes), ``long`` (random, 60 lives of 730 days: ``make
oracle``), ``debug`` (the CI's first life, each step printed).

Which lives the CI profile draws: hypothesis' generation starts with the life
of "zero" choices, then lives made of a random beginning followed by zero
choices. A zero choice of rule is the first rule in hypothesis' order (fewest
arguments, then name): ``advance`` (no rule without argument may come before
it, or every "zero" step would be that rule; a termination requested on the
first day made every CI life stop at 12 invoices). The seed is pinned
(``CI_SEED``): with ``derandomize`` alone it is a hash of the machine's source,
and any edit of the class (a comment) drew other lives."""
import calendar
import datetime
import functools
import logging
import os

from freezegun import freeze_time
from hypothesis import HealthCheck, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from odoo.tests.common import at_install, post_install

from .common import InfogeranceCase

_logger = logging.getLogger(__name__)

settings.register_profile(
    "infogerance-oracle-ci",
    max_examples=3,
    stateful_step_count=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "infogerance-oracle-long",
    max_examples=int(os.environ.get("INFOGERANCE_ORACLE_EXAMPLES", 60)),
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

settings.register_profile(
    "infogerance-oracle-debug",
    max_examples=1,
    stateful_step_count=25,
    derandomize=True,
    deadline=None,
    database=None,
    verbosity=Verbosity.verbose,
    suppress_health_check=list(HealthCheck),
)

PROFILE = os.environ.get("INFOGERANCE_ORACLE_PROFILE", "ci")
#: The CI and debug profiles' lives (see the module's docstring).
CI_SEED = int(os.environ.get("INFOGERANCE_ORACLE_SEED", 1))
#: Print each step (``INFOGERANCE_ORACLE_PRINT=1``; always in the debug profile).
PRINT_STEPS = PROFILE == "debug" or bool(os.environ.get("INFOGERANCE_ORACLE_PRINT"))
ONE_DAY = datetime.timedelta(days=1)
#: Every life lasts this long: the steps hypothesis draws happen on the way,
#: the rest of the days go by at the end (even a life of no step bills).
#: 400 days in CI (past the commitment end), 730 in the long profile.
HORIZON_DAYS = int(
    os.environ.get(
        "INFOGERANCE_ORACLE_DAYS",
        730 if PROFILE == "long" else 400,
    )
)

# The reference model ---------------------------------------------------------
# Written from the rules, not from the addon (it imports nothing of it).

GRID = ((1, 15.0), (5, 12.0), (10, 10.0))
COMMITMENT_MONTHS = 12
NOTICE_DAYS = 15
#: The trickiest first: hypothesis' first (simplest) life starts on 31/01/2026,
#: the second on 29/02/2028 (-1).
START_DAYS = (31, -1, 30, 29, 28, 15, 1)


def add_months(day, months):
    """The same day ``months`` later, or that month's last day when shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def monthly_amount(fleet):
    """R3: fleet x the price of the largest tier whose bound is <= fleet."""
    prices = [price for bound, price in GRID if bound <= fleet]
    return round(fleet * prices[-1], 2) if fleet >= 1 else 0.0


class RefContract(object):
    """A managed-service contract as the rules see it."""

    def __init__(self, start):
        self.start = start
        self.end = None
        self.commitment_end = add_months(start, COMMITMENT_MONTHS) - ONE_DAY
        self.next_index = 0  # next period to invoice
        self.billed = {}  # period start: (last fleet billed, amount billed)
        self.invoices = []  # (date, [(period start, fleet, amount)])
        self.priced_fleet = 0

    def period_start(self, index):
        """R7: the n-th period starts n months after the start, counted from it."""
        return add_months(self.start, index)

    def period_end_containing(self, day):
        index = 0
        while self.period_start(index + 1) <= day:
            index += 1
        return self.period_start(index + 1) - ONE_DAY

    def running(self, day):
        return self.end is None or self.end >= day


class Reference(object):
    """The customer: rentals and managed-service contracts, by the rules."""

    def __init__(self):
        self.rentals = {}  # key: [start, end]
        self.contracts = []

    def fleet(self, day):
        return sum(
            1
            for start, end in self.rentals.values()
            if start <= day and (end is None or end >= day)
        )

    def reprice(self, today):
        """R3 on every change; R1: a fleet fallen to 0 ends the contract with
        the period of the last day with a computer (R7)."""
        for contract in self.contracts:
            if not contract.running(today):
                continue
            day = max(today, contract.start)
            fleet = self.fleet(day)
            if fleet == 0 and contract.priced_fleet > 0:
                end = contract.period_end_containing(max(contract.start, day - ONE_DAY))
                contract.end = min(contract.end or end, end)
            contract.priced_fleet = fleet

    def invoice(self, today):
        """The daily invoicing run: each contract invoices its next period once
        that period has started, one period per run, none after its end. The
        invoice bills the fleet on the period's first day and regularises every
        period invoiced before whose fleet changed since."""
        for contract in self.contracts:
            first = contract.period_start(contract.next_index)
            if first > today or (contract.end is not None and contract.end < today):
                continue
            fleet = self.fleet(first)
            lines = [(first, fleet, monthly_amount(fleet))]
            for period in sorted(contract.billed):
                billed_fleet, billed_amount = contract.billed[period]
                now = self.fleet(period)
                if now != billed_fleet:
                    lines.append((period, now, round(monthly_amount(now) - billed_amount, 2)))
            for period, line_fleet, amount in lines:
                previous = contract.billed.get(period, (0, 0.0))[1]
                contract.billed[period] = (line_fleet, round(previous + amount, 2))
            contract.invoices.append((first, sorted(lines)))
            contract.next_index += 1

    def running_contract_on(self, day):
        for contract in self.contracts:
            if contract.running(day):
                return contract
        return None

    def termination_end(self, contract, request, today):
        """R6 then R7, never before the end of the period in progress ``today``."""
        effective = max(request + datetime.timedelta(days=NOTICE_DAYS), contract.commitment_end)
        return max(
            contract.period_end_containing(effective), contract.period_end_containing(today)
        )

    def snapshot(self):
        return [(contract.start, contract.end, contract.invoices) for contract in self.contracts]


# The machine -----------------------------------------------------------------


def guarded(function):
    """A step that fails leaves the life there: no more days at teardown."""

    @functools.wraps(function)
    def wrapper(self, *args, **kwargs):
        self.steps_ok = False
        if PRINT_STEPS:
            print("%s: %s%r" % (getattr(self, "today", ""), function.__name__, kwargs))
        result = function(self, *args, **kwargs)
        self.steps_ok = True
        return result

    return wrapper


def make_machine(case):
    class CustomerLife(RuleBasedStateMachine):
        """One customer's life; ``case`` gives the ORM."""

        def __init__(self):
            super().__init__()
            self.ref = Reference()
            self.steps_ok = True
            self.keys = 0
            self.real = {}  # reference rental key: rental contract
            self.customer = case._create_company("Oracle customer", "Lyon", "69001")
            # the reference is per contract: the service contract's own invoices
            self.customer.infogerance_separate_invoices = True
            case.oracle_customers |= self.customer

        # -- helpers
        def _run(self, function):
            with freeze_time(self.today):
                return function()

        def _order(self, computers, start, offer=True):
            def confirm():
                order = case._create_order(
                    self.customer, computers, offer=offer, start=start.isoformat()
                )
                order.action_confirm()
                return order

            before = set(case._rentals(self.customer).ids)
            self._run(confirm)
            rentals = case._rentals(self.customer).filtered(lambda r: r.id not in before)
            if offer and not self.ref.running_contract_on(start):
                self.ref.contracts.append(RefContract(start))
            for rental in rentals:
                self.keys += 1
                self.ref.rentals[self.keys] = [start, None]
                self.real[self.keys] = rental
            self.ref.reprice(self.today)

        def _live_keys(self):
            return sorted(key for key in self.ref.rentals if key in self.real)

        def _fleet_stays_positive(self, key, first_day_without):
            """Whether the fleet stays above 0 from ``first_day_without`` through
            today without this rental (late changes never empty the fleet: see
            the limits in docs/billing.md)."""
            saved = self.ref.rentals[key]
            self.ref.rentals[key] = [saved[0], saved[0] - ONE_DAY]
            day, result = first_day_without, True
            while day <= self.today:
                if self.ref.fleet(day) == 0 and any(c.start <= day for c in self.ref.contracts):
                    result = False
                    break
                day += ONE_DAY
            self.ref.rentals[key] = saved
            return result

        # -- rules
        @initialize(
            year=st.sampled_from([2026, 2027, 2028]),
            month=st.integers(1, 12),
            day=st.sampled_from(START_DAYS),
            computers=st.integers(1, 4),
            late=st.integers(0, 10),
        )
        @guarded
        def start(self, year, month, day, computers, late):
            if day == -1:  # 29 February
                start = datetime.date(2028, 2, 29)
            else:
                last = calendar.monthrange(year, month)[1]
                start = datetime.date(year, month, min(day, last))
            self.first_day = start
            self.horizon = start + datetime.timedelta(days=HORIZON_DAYS)
            self.today = start + datetime.timedelta(days=late)
            self._order(computers, start)

        def _days_go_by(self, days):
            """Each day the crons run as scheduled (fleet changes of the day,
            consistency check, then OCA's invoicing); the invoices are compared
            at each month's end and at the end of the stretch."""
            Contract = case.env["account.analytic.account"]
            for _day in range(days):
                self.today += ONE_DAY
                with freeze_time(self.today):
                    Contract._cron_infogerance_dated_fleet_changes()
                    Contract._cron_infogerance_check_consistency()
                    Contract.cron_recurring_create_invoice()
                self.ref.reprice(self.today)
                self.ref.invoice(self.today)
                if (self.today + ONE_DAY).day == 1:
                    self.check()
            self.check()

        @precondition(lambda self: self.today < self.horizon)
        @rule(days=st.integers(1, 45))
        @guarded
        def advance(self, days):
            """Days go by."""
            self._days_go_by(days)

        @rule(computers=st.integers(1, 3), offset=st.integers(-20, 40))
        @guarded
        def order(self, computers, offset):
            """An order, possibly back-dated (a late-recorded delivery) or
            starting later; the managed service is extended or, after the end of
            the previous contract, subscribed again."""
            start = self.today + datetime.timedelta(days=offset)
            start = max(start, self.first_day)
            current = self.ref.contracts[-1]
            if current.end is not None and start <= current.end:
                return  # an order during a pending termination: staff decide (see docs)
            if current.end is None and start < current.start:
                start = current.start
            self._order(computers, start)

        @rule(computers=st.integers(1, 2), offset=st.integers(0, 20))
        @guarded
        def rental_without_offer(self, computers, offset):
            """Computers ordered alone: the managed service covers them too (R3)."""
            current = self.ref.contracts[-1]
            start = self.today + datetime.timedelta(days=offset)
            if current.end is not None and start <= current.end:
                return
            self._order(computers, start, offer=False)

        @rule(data=st.data(), offset=st.integers(-40, 40))
        @guarded
        def return_computer(self, data, offset):
            """A computer comes back: on time (today or later) or entered late."""
            keys = [key for key in self._live_keys() if self.ref.rentals[key][1] is None]
            if not keys:
                return
            key = data.draw(st.sampled_from(keys))
            start = self.ref.rentals[key][0]
            end = max(self.today + datetime.timedelta(days=offset), start)
            if end < self.today and not self._fleet_stays_positive_after_end(key, end):
                return
            self._run(lambda: self.real[key].write({"date_end": end.isoformat()}))
            self.ref.rentals[key][1] = end
            self.ref.reprice(self.today)

        def _fleet_stays_positive_after_end(self, key, end):
            saved = self.ref.rentals[key]
            self.ref.rentals[key] = [saved[0], end]
            day, result = end + ONE_DAY, True
            while day <= self.today:
                if self.ref.fleet(day) == 0:
                    result = False
                    break
                day += ONE_DAY
            self.ref.rentals[key] = saved
            return result

        @rule(data=st.data())
        @guarded
        def replace_computer(self, data):
            """A broken computer is replaced: its rental ends today, a new one
            starts tomorrow (R9: billing goes on)."""
            keys = [key for key in self._live_keys() if self.ref.rentals[key][1] is None]
            keys = [key for key in keys if self.ref.rentals[key][0] <= self.today]
            current = self.ref.contracts[-1]
            if not keys or current.end is not None:
                return
            key = data.draw(st.sampled_from(keys))
            self._run(lambda: self.real[key].write({"date_end": self.today.isoformat()}))
            self.ref.rentals[key][1] = self.today
            self.ref.reprice(self.today)
            self._order(1, self.today + ONE_DAY, offer=False)

        @rule(data=st.data())
        @guarded
        def delete_rental(self, data):
            """A rental deleted (entered by mistake): it never counted."""
            keys = self._live_keys()
            if not keys:
                return
            key = data.draw(st.sampled_from(keys))
            start = self.ref.rentals[key][0]
            if start <= self.today and not self._fleet_stays_positive(key, start):
                return
            rental = self.real.pop(key)
            self._run(rental.unlink)
            del self.ref.rentals[key]
            self.ref.reprice(self.today)

        @rule(received_days_ago=st.integers(0, 7))
        @guarded
        def request_termination(self, received_days_ago):
            """A termination request, received today or a few days ago (a letter
            recorded late: a salesman may date it back a week). No rule without
            argument: see the module's docstring."""
            current = self.ref.contracts[-1]
            if current.end is not None or current.start > self.today:
                return
            request = max(self.today - datetime.timedelta(days=received_days_ago), current.start)
            real = case._service_contract(self.customer).sorted("date_start")[-1]
            self._run(
                lambda: real.sudo(case.salesman)._infogerance_terminate(
                    request.isoformat(), "oracle"
                )
            )
            current.end = self.ref.termination_end(current, request, self.today)

        # -- the comparison
        def real_snapshot(self):
            contracts = case._service_contract(self.customer).sorted(lambda c: (c.date_start, c.id))
            result = []
            for contract in contracts:
                invoices = case.env["account.invoice"].search(
                    [("contract_id", "=", contract.id)], order="date_invoice, id"
                )
                result.append(
                    (
                        fields_date(contract.date_start),
                        fields_date(contract.date_end),
                        [
                            (
                                fields_date(invoice.date_invoice),
                                sorted(
                                    (
                                        fields_date(line.infogerance_period_start),
                                        line.infogerance_fleet,
                                        round(line.price_subtotal, 2),
                                    )
                                    for line in invoice.invoice_line_ids
                                ),
                            )
                            for invoice in invoices
                        ],
                    )
                )
            return result

        def check(self):
            real, expected = self.real_snapshot(), self.ref.snapshot()
            for _start, _end, invoices in expected:
                case.oracle_stats["invoices"] = max(case.oracle_stats["invoices"], len(invoices))
                case.oracle_stats["compared"] += len(invoices)
                case.oracle_stats["regularisations"] += sum(
                    len(lines) - 1 for _day, lines in invoices
                )
            assert real == expected, "on %s\nreal:      %r\nreference: %r" % (
                self.today,
                real,
                expected,
            )

        def teardown(self):
            if self.steps_ok and self.today < self.horizon:
                self._days_go_by((self.horizon - self.today).days)
            # out of the way of the next examples' crons
            rentals = case._rentals(self.customer)
            contracts = rentals | case._service_contract(self.customer)
            if contracts:
                case.env.cr.execute(
                    "UPDATE account_analytic_account SET recurring_invoices = false, "
                    "date_end = date_start WHERE id IN %s",
                    (tuple(contracts.ids),),
                )
                contracts.invalidate_cache()

    if PROFILE in ("ci", "debug"):
        seed(CI_SEED)(CustomerLife)
    return CustomerLife


def fields_date(value):
    return datetime.datetime.strptime(value, "%Y-%m-%d").date() if value else None


@at_install(False)
@post_install(True)
class TestBillingOracle(InfogeranceCase):
    """Every euro right (R1, R3, R5, R6, R7): the oracle."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The crons run for the whole database: the contracts already there
        # (demo data) are put out of the way, for this test's transaction only.
        cls.env.cr.execute(
            "UPDATE account_analytic_account SET recurring_invoices = false, "
            "date_end = date_start WHERE date_start IS NOT NULL"
        )
        cls.env["account.analytic.account"].invalidate_cache()
        cls.oracle_customers = cls.env["res.partner"]

    def test_billing_oracle(self):
        profile = "infogerance-oracle-" + PROFILE
        self.oracle_stats = {"invoices": 0, "compared": 0, "regularisations": 0}
        run_state_machine_as_test(make_machine(self), settings=settings.get_profile(profile))
        _logger.info("billing oracle (%s): %s", profile, self.oracle_stats)
        # Not vacuous: a life was compared past its commitment year (more invoices
        # than the 12 months a termination on the first day leaves), and the lives
        # moved fleets of periods already invoiced (regularisations).
        self.assertGreater(self.oracle_stats["invoices"], COMMITMENT_MONTHS)
        if PROFILE != "debug":
            self.assertGreater(self.oracle_stats["regularisations"], 0)
