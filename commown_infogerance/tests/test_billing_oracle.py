"""The billing oracle: a customer's life of up to two years, lived through the
real ORM with a frozen clock and the real daily crons, against a reference
model in plain Python written from the rules (docs/billing.md), independent of
the addon's code. After every simulated step the managed-service invoices must
equal the reference to the cent.

Profiles (``INFOGERANCE_ORACLE_PROFILE``): ``ci`` (default: fixed seed, 3 lives
of 400 days, about 2 minutes), ``long`` (random, 60 lives of 730 days: ``make
oracle``), ``debug`` (the CI's first life, each step printed). Every profile but
debug first lives one scripted life (``live_scripted_life``).

Which lives the CI profile draws: hypothesis' generation starts with the life
of "zero" choices, then lives made of a random beginning followed by zero
choices. A zero choice of rule is the first rule in hypothesis' order (fewest
arguments, then name): ``advance`` (no rule without argument may come before
it, or every "zero" step would be that rule; a termination requested on the
first day made every CI life stop at 12 invoices). The seed is pinned
(``CI_SEED``): with ``derandomize`` alone it is a hash of the machine's source,
and any edit of the class (a comment) drew other lives."""
import base64
import calendar
import datetime
import functools
import logging
import os

import hypothesis
from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, Verbosity, reproduce_failure, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from odoo.exceptions import UserError
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
    # A life lasts about a minute: shrinking (and explaining) a failure tries
    # hundreds of them.
    # INFOGERANCE_ORACLE_SHRINK=0 reports the failing life as found (a life
    # failing in an earlier run is replayed first, from .hypothesis/).
    phases=[phase for phase in Phase if phase not in (Phase.shrink, Phase.explain)]
    if os.environ.get("INFOGERANCE_ORACLE_SHRINK") == "0"
    else list(Phase),
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
CI_SEED = int(os.environ.get("INFOGERANCE_ORACLE_SEED", 3))
#: Print each step (``INFOGERANCE_ORACLE_PRINT=1``; always in the debug profile).
PRINT_STEPS = PROFILE == "debug" or bool(os.environ.get("INFOGERANCE_ORACLE_PRINT"))
#: Live again, exactly, one life hypothesis saved in its example database
#: (``INFOGERANCE_ORACLE_REPLAY=.hypothesis/examples/<key>/<file>``, with the
#: profile it was found in): its steps and the computers it drew are printed, and
#: hypothesis says DidNotReproduce when it no longer fails.
REPLAY = os.environ.get("INFOGERANCE_ORACLE_REPLAY")
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

#: The customer's first offer and a second one it may move to (a plan change).
GRIDS = {
    "A": ((1, 15.0), (5, 12.0), (10, 10.0)),
    "B": ((1, 19.0), (3, 16.0), (8, 13.5)),
}
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


def monthly_amount(fleet, offer="A"):
    """R3: fleet x the price of the largest tier whose bound is <= fleet."""
    prices = [price for bound, price in GRIDS[offer] if bound <= fleet]
    return round(fleet * prices[-1], 2) if fleet >= 1 else 0.0


class RefContract(object):
    """A managed-service contract as the rules see it."""

    def __init__(self, start, offer):
        self.start = start
        self.termination_end = None  # R6: the end a termination request gave
        self.empty_fleet_end = None  # R1: the end a fleet fallen to 0 gave
        self.next_index = 0  # next period to invoice
        self.billed = {}  # period start: (last fleet billed, amount billed)
        self.invoices = []  # (date, [(period start, fleet, amount)])
        self.priced_fleet = 0
        # [from, offer, applied]; the last may be pending (not applied yet)
        self.plans = [[start, offer, True]]
        self.commitment = add_months(start, COMMITMENT_MONTHS) - ONE_DAY  # R5

    @property
    def end(self):
        ends = [end for end in (self.termination_end, self.empty_fleet_end) if end]
        return min(ends) if ends else None

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

    def offer_on(self, day):
        """The plan in force on ``day``."""
        return [offer for since, offer, _applied in self.plans if since <= day][-1]

    def apply_plans(self, today):
        """A plan change applies on its first day: a new commitment for the
        offer's length from the change, never shortening the running one (R5),
        unless a termination is pending: the contract keeps its end and its
        commitment (the new plan only prices its remaining periods)."""
        for plan in self.plans:
            since, _offer, applied = plan
            if applied or since > today:
                continue
            plan[2] = True
            if self.termination_end is None:
                self.commitment = max(
                    self.commitment, add_months(since, COMMITMENT_MONTHS) - ONE_DAY
                )

    def change_plan(self, offer, order_start, today):
        """Another offer ordered: it applies from the next period (from the start
        for a contract not started yet), and never from a period already
        invoiced (an order dated back into them: from the next period to
        invoice); a pending change is replaced."""
        if self.plans[-1][1] == offer:
            return  # the plan, or the plan it changes to
        if not self.plans[-1][2]:
            self.plans.pop()  # the pending change, replaced
            if self.plans[-1][1] == offer:
                return  # back to the running plan
        if order_start <= self.start:
            since = self.start
        else:
            since = self.period_end_containing(order_start) + ONE_DAY
        since = max(since, self.period_start(self.next_index))
        if since == self.start:
            self.plans = [[self.start, offer, True]]
        else:
            self.plans.append([since, offer, False])
            self.apply_plans(today)

    def regularisations(self, fleet_on):
        """Lines for the periods invoiced whose fleet on their first day changed
        since: the amount of the period's plan for the fleet now known, minus what
        was invoiced for it."""
        lines = []
        for period in sorted(self.billed):
            billed_fleet, billed_amount = self.billed[period]
            now = fleet_on(period)
            if now != billed_fleet:
                amount = monthly_amount(now, self.offer_on(period)) - billed_amount
                lines.append((period, now, round(amount, 2)))
        return lines

    def bill(self, day, lines):
        for period, line_fleet, amount in lines:
            previous = self.billed.get(period, (0, 0.0))[1]
            self.billed[period] = (line_fleet, round(previous + amount, 2))
        self.invoices.append((day, sorted(lines)))


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
        the period of the last day with a computer (R7); a computer back before
        that end lifts it (a termination requested still holds)."""
        for contract in self.contracts:
            contract.apply_plans(today)
            if not contract.running(today):
                continue
            day = max(today, contract.start)
            fleet = self.fleet(day)
            if fleet == 0 and contract.priced_fleet > 0:
                end = contract.period_end_containing(max(contract.start, day - ONE_DAY))
                if contract.end is None or end < contract.end:
                    contract.empty_fleet_end = end
            elif fleet > 0 and contract.empty_fleet_end and day <= contract.empty_fleet_end:
                contract.empty_fleet_end = None
            contract.priced_fleet = fleet

    def invoice(self, today):
        """The daily invoicing run: each contract invoices its next period once
        that period has started, one period per run, none after its end. The
        invoice bills the fleet on the period's first day and regularises every
        period invoiced before whose fleet changed since. A contract with no
        period left to invoice (ended, or in its last period) gets its pending
        regularisations on an invoice of their own (a credit note when negative)."""
        for contract in self.contracts:
            first = contract.period_start(contract.next_index)
            if contract.end is not None and first > contract.end:
                lines = contract.regularisations(self.fleet)
                if lines:
                    contract.bill(today, lines)
                continue
            if first > today or (contract.end is not None and contract.end < today):
                continue
            fleet = self.fleet(first)
            lines = [(first, fleet, monthly_amount(fleet, contract.offer_on(first)))]
            lines += contract.regularisations(self.fleet)
            contract.bill(first, lines)
            contract.next_index += 1

    def lift_past_empty_fleet_end(self, contract, order_start, today):
        """R1: an order dated back on or before the end of a contract ended for
        lack of computers, recorded after that end, lifts it (an end not past
        yet was lifted by ``reprice``), unless the customer subscribed again
        since; the invoicing then catches up the periods after it."""
        if contract.termination_end is not None or contract.empty_fleet_end is None:
            return
        if contract.empty_fleet_end >= today or order_start > contract.empty_fleet_end:
            return
        if any(other.running(today) for other in self.contracts if other is not contract):
            return
        if self.fleet(today) > 0:
            contract.empty_fleet_end = None
            self.reprice(today)

    def running_contract_on(self, day):
        for contract in self.contracts:
            if contract.running(day):
                return contract
        return None

    def termination_end(self, contract, request, today):
        """R6 then R7, never before the end of the period in progress ``today``."""
        effective = max(request + datetime.timedelta(days=NOTICE_DAYS), contract.commitment)
        return max(contract.period_end_containing(effective), contract.period_end_containing(today))

    def snapshot(self):
        return [(contract.start, contract.end, contract.invoices) for contract in self.contracts]


# The machine -----------------------------------------------------------------


def guarded(function):
    """A step that fails leaves the life there: no more days at teardown."""

    @functools.wraps(function)
    def wrapper(self, *args, **kwargs):
        self.steps_ok = False
        if PRINT_STEPS:
            # for the person who runs the oracle with -s, not a log line
            print(  # pylint: disable=print-used
                "%s: %s%r" % (getattr(self, "today", ""), function.__name__, kwargs)
            )
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
            # the customer's manager, who may cancel a termination from the portal
            self.manager = case._create_portal_user(
                self.customer, "oracle-%s" % self.customer.id, manager=True
            )

        # -- helpers
        def _run(self, function):
            with freeze_time(self.today):
                return function()

        def _order(self, computers, start, offer="A"):
            def confirm():
                lines = [(0, 0, {"product_id": case.computer.id, "product_uom_qty": computers})]
                if offer:
                    product = case.offer_products[offer]
                    lines.append((0, 0, {"product_id": product.id, "product_uom_qty": 1}))
                order = (
                    case.env["sale.order"]
                    .sudo(case.salesman)
                    .create(
                        {
                            "partner_id": self.customer.id,
                            "infogerance_start_date": start.isoformat(),
                            "order_line": lines,
                        }
                    )
                )
                order.action_confirm()
                return order

            before = set(case._rentals(self.customer).ids)
            self._run(confirm)
            rentals = case._rentals(self.customer).filtered(lambda r: r.id not in before)
            running = None
            if offer:
                running = self.ref.running_contract_on(start)
                if running:
                    running.change_plan(offer, start, self.today)
                else:
                    self.ref.contracts.append(RefContract(start, offer))
            for rental in rentals:
                self.keys += 1
                self.ref.rentals[self.keys] = [start, None]
                self.real[self.keys] = rental
            self.ref.reprice(self.today)
            if running:
                self.ref.lift_past_empty_fleet_end(running, start, self.today)

        def _live_keys(self):
            return sorted(key for key in self.ref.rentals if key in self.real)

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
                    Contract._cron_infogerance_apply_plan_changes()
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

        @rule(computers=st.integers(1, 3), offset=st.integers(-20, 40), second_offer=st.booleans())
        @guarded
        def order(self, computers, offset, second_offer):
            """An order, possibly back-dated (a late-recorded delivery) or
            starting later, of the customer's offer or of the other one (a plan
            change from the next period, from the next period to invoice when
            back-dated into invoiced ones); the managed service is extended or,
            after the end of the previous contract, subscribed again. During a
            pending termination it is refused."""
            offer = "B" if second_offer else "A"
            start = self.today + datetime.timedelta(days=offset)
            start = max(start, self.first_day)
            current = self.ref.contracts[-1]
            if current.end is None and start < current.start:
                start = current.start
            if current.termination_end is not None and start <= current.end:
                self._order_refused(computers, start, offer)
                return
            self._order(computers, start, offer)

        def _order_refused(self, computers, start, offer):
            """R6: an order does not extend a contract whose termination was
            requested: a clear refusal, nothing created."""
            before = case._rentals(self.customer)
            with case.assertRaisesRegex(UserError, "cannot extend it"):
                with case.env.cr.savepoint():
                    self._order(computers, start, offer)
            assert case._rentals(self.customer) == before

        @rule(computers=st.integers(1, 2), offset=st.integers(0, 20))
        @guarded
        def rental_without_offer(self, computers, offset):
            """Computers ordered alone: the managed service covers them too (R3),
            and lifts an end for lack of computers (R1)."""
            start = self.today + datetime.timedelta(days=offset)
            self._order(computers, start, offer=None)

        @rule(data=st.data(), offset=st.integers(-40, 40))
        @guarded
        def return_computer(self, data, offset):
            """A computer comes back: on time (today or later) or entered late."""
            keys = self._open_keys()
            if keys:
                self._return_computer(self._draw_key(data, keys), offset)

        @staticmethod
        def _draw_key(data, keys):
            """The computer a step picks (printed: a printed life can be replayed)."""
            key = data.draw(st.sampled_from(keys))
            if PRINT_STEPS:
                print("    computer %s" % key)  # pylint: disable=print-used
            return key

        def _open_keys(self):
            return [key for key in self._live_keys() if self.ref.rentals[key][1] is None]

        def _return_computer(self, key, offset):
            start = self.ref.rentals[key][0]
            end = max(self.today + datetime.timedelta(days=offset), start)
            self._run(lambda: self.real[key].write({"date_end": end.isoformat()}))
            self.ref.rentals[key][1] = end
            self.ref.reprice(self.today)

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
            key = self._draw_key(data, keys)
            self._run(lambda: self.real[key].write({"date_end": self.today.isoformat()}))
            self.ref.rentals[key][1] = self.today
            self.ref.reprice(self.today)
            self._order(1, self.today + ONE_DAY, offer=None)

        @rule(data=st.data())
        @guarded
        def delete_rental(self, data):
            """A rental deleted (entered by mistake): it never counted."""
            keys = self._live_keys()
            if not keys:
                return
            key = self._draw_key(data, keys)
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
            current.termination_end = self.ref.termination_end(current, request, self.today)

        def _termination_pending(self):
            current = self.ref.contracts[-1]
            return current.termination_end is not None and current.running(self.today)

        @precondition(_termination_pending)
        @rule(by_customer=st.booleans())
        @guarded
        def cancel_termination(self, by_customer):
            """The customer stays: its manager (portal) or a salesman cancels the
            pending termination. The contract runs on as if none had been
            requested, commitment unchanged; refused while the customer rents no
            computer (R1)."""
            current = self.ref.contracts[-1]
            real = case._service_contract(self.customer).sorted("date_start")[-1]
            user = self.manager if by_customer else case.salesman
            cancel = real.sudo(user)._infogerance_cancel_termination
            if not self.ref.fleet(self.today):
                with case.assertRaisesRegex(UserError, "rents no computer"):
                    with case.env.cr.savepoint():
                        self._run(cancel)
                return
            self._run(cancel)
            current.termination_end = None
            case.oracle_stats["cancellations"] += 1

        # -- the comparison
        def real_snapshot(self):
            contracts = case._service_contract(self.customer).sorted(lambda c: (c.date_start, c.id))
            result = []
            sign = {"out_invoice": 1, "out_refund": -1}
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
                                        round(sign[invoice.type] * line.price_subtotal, 2),
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
                # a plan change still pending (its contract ended first) would be
                # applied by the cron of a later life passing its date
                case.env.cr.execute(
                    "UPDATE infogerance_plan_change SET state = 'replaced' "
                    "WHERE state = 'pending' AND contract_id IN %s",
                    (tuple(contracts.ids),),
                )
                contracts.invalidate_cache()
                case.env["infogerance.plan.change"].invalidate_cache()

    if PROFILE in ("ci", "debug"):
        seed(CI_SEED)(CustomerLife)
    return CustomerLife


def live_scripted_life(machine_class):
    """One life written out, lived in every profile before hypothesis' lives:
    what the drawn lives may miss (a CI seed draws few of them). Start on
    31/01/2026; a second offer dated back into invoiced periods; a termination
    requested during the commitment; the fleet falls to 0 (the cancellation is
    refused), a computer comes back (the end for lack of computers is lifted,
    the termination holds), the customer's manager cancels; a plan change
    pending when a termination is requested applies, a salesman cancels the
    termination; after the commitment, a new request ends the contract with
    its notice (the plan change applied while it was ending committed to
    nothing)."""
    life = machine_class()
    life.start(year=2026, month=1, day=31, computers=2, late=0)
    life.advance(days=40)
    life.order(computers=1, offset=-30, second_offer=True)
    life.advance(days=30)
    life.request_termination(received_days_ago=0)
    for key in life._open_keys():
        life._return_computer(key, -1)
    life.cancel_termination(by_customer=True)
    life.rental_without_offer(computers=1, offset=0)
    life.cancel_termination(by_customer=True)
    life.advance(days=30)
    life.order(computers=1, offset=5, second_offer=False)
    life.request_termination(received_days_ago=0)
    life.advance(days=30)
    life.cancel_termination(by_customer=False)
    life.advance(days=365)
    life.request_termination(received_days_ago=1)
    life.advance(days=60)
    life.teardown()


def live_back_dated_order_life(machine_class):
    """A short life written out (R1): start on 15/01/2026 with one computer,
    returned on 03/02 (the contract ends on 14/02); on 19/02 an order of a
    computer delivered on 14/02 is recorded: the end is lifted and the periods
    since are invoiced."""
    life = machine_class()
    life.start(year=2026, month=1, day=15, computers=1, late=0)
    life.advance(days=20)
    for key in life._open_keys():
        life._return_computer(key, -1)
    life.advance(days=15)
    life.order(computers=1, offset=-5, second_offer=False)
    assert life.ref.contracts[0].end is None, "the end for lack of computers is lifted"
    life.advance(days=70)
    life.horizon = life.today
    life.teardown()


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
        assert GRIDS["A"] == tuple(
            (tier.min_computers, tier.unit_price) for tier in cls.offer.tier_ids
        )
        cls.offer_b = cls.env["infogerance.offer"].create(
            {
                "name": "Confort (oracle)",
                "service_type_ids": [(6, 0, cls.offer.service_type_ids.ids)],
                "tier_ids": [
                    (0, 0, {"min_computers": bound, "unit_price": price})
                    for bound, price in GRIDS["B"]
                ],
            }
        )
        cls.offer_products = {
            "A": cls.service_product,
            "B": cls.env["product.product"].create(
                {
                    "name": "Managed services Confort (oracle)",
                    "type": "service",
                    "list_price": 19.0,
                    "infogerance_offer_id": cls.offer_b.id,
                }
            ),
        }

    def test_billing_oracle(self):
        profile = "infogerance-oracle-" + PROFILE
        self.oracle_stats = {
            "invoices": 0,
            "compared": 0,
            "regularisations": 0,
            "cancellations": 0,
        }
        machine_class = make_machine(self)
        if REPLAY:
            with open(REPLAY, "rb") as saved:
                # a saved choice buffer, uncompressed (hypothesis' blob format)
                blob = base64.b64encode(b"\0" + saved.read()).decode("ascii")
            machine_class = reproduce_failure(hypothesis.__version__, blob)(machine_class)
        elif PROFILE != "debug":
            live_scripted_life(machine_class)
            live_back_dated_order_life(machine_class)
        run_state_machine_as_test(machine_class, settings=settings.get_profile(profile))
        _logger.info("billing oracle (%s): %s", profile, self.oracle_stats)
        # Not vacuous: a life was compared past its commitment year (more invoices
        # than the 12 months a termination on the first day leaves), and the lives
        # moved fleets of periods already invoiced (regularisations).
        stats = str(self.oracle_stats)
        self.assertGreater(self.oracle_stats["invoices"], COMMITMENT_MONTHS, stats)
        if PROFILE != "debug":
            self.assertGreater(self.oracle_stats["regularisations"], 0, stats)
            # and some life cancelled a termination and lived on
            self.assertGreater(self.oracle_stats["cancellations"], 0, stats)
