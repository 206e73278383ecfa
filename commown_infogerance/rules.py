"""The contract's arithmetic, as pure functions over plain values.

Every channel (backend, shop, portal, crons) calls these functions, so each
rule of the contract (R1-R9, explained in ``docs/rules.md`` of the repository)
is written once. No ORM here: dates are ``datetime.date``, a grid is a
sequence of ``(min_computers, unit_price)``.
"""
import datetime
import re
import unicodedata
from collections import namedtuple

from dateutil.relativedelta import relativedelta

#: Why a grid is invalid; the Odoo layer turns each code into a message.
GRID_EMPTY = "empty"
GRID_NO_TIER_AT_ONE = "no_tier_at_one"
GRID_BOUND_BELOW_ONE = "bound_below_one"
GRID_DUPLICATE_BOUND = "duplicate_bound"
GRID_NEGATIVE_PRICE = "negative_price"

Tier = namedtuple("Tier", "min_computers unit_price")


def grid_errors(grid):
    """Return the list of error codes of a price grid (R3), empty when valid.

    A grid prices every fleet size from 1 computer: it is non-empty, has a
    tier starting at 1, unique integer bounds >= 1 and prices >= 0.
    """
    grid = list(grid)
    if not grid:
        return [GRID_EMPTY]
    errors = []
    bounds = [tier[0] for tier in grid]
    if any(bound < 1 for bound in bounds):
        errors.append(GRID_BOUND_BELOW_ONE)
    if 1 not in bounds:
        errors.append(GRID_NO_TIER_AT_ONE)
    if len(set(bounds)) != len(bounds):
        errors.append(GRID_DUPLICATE_BOUND)
    if any(tier[1] < 0 for tier in grid):
        errors.append(GRID_NEGATIVE_PRICE)
    return errors


def applicable_tier(grid, fleet_size):
    """The tier whose lower bound is the largest one <= fleet size (R3, art. 1.2).

    Returns None for an empty fleet: nothing is priced then.
    """
    candidates = [Tier(*tier) for tier in grid if tier[0] <= fleet_size]
    if fleet_size < 1 or not candidates:
        return None
    return max(candidates, key=lambda tier: tier.min_computers)


def unit_price(grid, fleet_size):
    """Monthly price per computer for a fleet of that size (R3)."""
    tier = applicable_tier(grid, fleet_size)
    return tier.unit_price if tier else 0.0


def monthly_amount(grid, fleet_size):
    """Monthly amount: fleet size x unit price of its tier (R3)."""
    return round(fleet_size * unit_price(grid, fleet_size), 2)


def commitment_end(start, months):
    """Last day of the commitment: start + months - 1 day (R5, art. 1.3)."""
    return start + relativedelta(months=months) - datetime.timedelta(days=1)


def commitment_months(start, last_day):
    """Length in months of a commitment from ``start`` to ``last_day`` included,
    the inverse of :func:`commitment_end` (0 without a last day) (R5)."""
    if not (start and last_day):
        return 0
    span = relativedelta(last_day + datetime.timedelta(days=1), start)
    return span.years * 12 + span.months


def period_start(anchor, index, months=1):
    """First day of the ``index``-th billing period (0 for the first) of a
    contract starting on ``anchor`` (R7): ``anchor + index x months``, always
    counted from the start, never from the previous period.

    A month added to a day the next month lacks lands on that month's last
    day, and the following periods come back to the anchor's day: a contract
    starting on 31/01/2026 has periods starting 31/01, 28/02, 31/03, 30/04...
    (the first one, 31/01-27/02, is 28 days long); one starting on 29/02/2028
    has periods starting 29/03/2028 ... 28/02/2029, 29/03/2029.
    """
    return anchor + relativedelta(months=index * months)


def period_step(anchor, months=1):
    """What to add to the first day of a billing period to get the first day of
    the next one (R7): ``months`` months, on the anchor's day of the month or
    the month's last day when it is shorter. OCA contract adds it to its next
    invoice date, so its invoices follow :func:`period_start`."""
    return relativedelta(months=months, day=anchor.day)


def billing_period(anchor, day, months=1):
    """The billing period ``(first, last)`` containing ``day``.

    Periods are ``months`` long and start on ``anchor`` (the first invoiced
    date), each computed from the anchor so that a 31st stays a 31st
    (:func:`period_start`); ``last`` is the day before the next period starts.
    """
    if day < anchor:
        raise ValueError("day %s is before the first billing date %s" % (day, anchor))
    elapsed = (day.year - anchor.year) * 12 + day.month - anchor.month
    index = elapsed // months
    while True:
        first = period_start(anchor, index, months)
        if first > day:
            index -= 1
            continue
        following = period_start(anchor, index + 1, months)
        if following <= day:
            index += 1
            continue
        return first, following - datetime.timedelta(days=1)


def next_period_start(anchor, day, months=1):
    """First day of the billing period after the one containing ``day``."""
    return billing_period(anchor, day, months)[1] + datetime.timedelta(days=1)


def notice_effective_date(request_date, commitment_last_day, notice_days):
    """E = max(request + notice, commitment end) (R6, art. 1.3)."""
    return max(request_date + datetime.timedelta(days=notice_days), commitment_last_day)


def termination_end_date(request_date, anchor, commitment_last_day, notice_days, months=1):
    """Contract end for a termination requested on ``request_date``.

    The end is the last day of the billing period containing the notice's
    effective date: any started month is due (R6 then R7, art. 1.3).
    """
    if request_date < anchor:
        raise ValueError("request %s is before the contract start %s" % (request_date, anchor))
    effective = notice_effective_date(request_date, commitment_last_day, notice_days)
    return billing_period(anchor, effective, months)[1]


#: Why an end date written on a managed-service contract breaks R6/R7.
END_BEFORE_NOTICE = "before_notice"
END_NOT_PERIOD_END = "not_period_end"
END_BEFORE_START = "before_start"


def end_date_violation(end, today, anchor, commitment_last_day, notice_days, months=1):
    """Why ``end``, written ``today``, breaks the termination rules, or None.

    An end decided today may not come before the end a termination requested
    today would give (R6), and must close a billing period (R7).
    """
    if end < anchor:
        return END_BEFORE_START
    if end < termination_end_date(
        max(today, anchor), anchor, commitment_last_day, notice_days, months
    ):
        return END_BEFORE_NOTICE
    if billing_period(anchor, end, months)[1] != end:
        return END_NOT_PERIOD_END
    return None


def empty_fleet_end_date(anchor, first_day_without_computer, months=1):
    """End of a managed-service contract whose fleet fell to 0 (R1 with R7).

    The contract cannot outlive the rentals, but the billing period in which
    the customer still had a computer is due in full.
    """
    last_day_with_computer = max(anchor, first_day_without_computer - datetime.timedelta(days=1))
    return billing_period(anchor, last_day_with_computer, months)[1]


def empty_fleet_end_lifted(planned_end, first_day_back, fleet_now):
    """R1: does a fleet back above 0 lift the end planned for lack of computers?

    Yes when computers are rented again from a day on or before that end
    (``first_day_back``: today for a rental starting now, the order's start for
    an order dated back, also when it is recorded after the end) and the
    customer still rents some (``fleet_now``): the periods after the end are
    then invoiced as if it had never been planned.
    """
    return bool(planned_end) and fleet_now > 0 and first_day_back <= planned_end


# Messages for customers -------------------------------------------------------

_RULE_CODE_PREFIX = re.compile(r"^\s*R\d(?:\s*/\s*R\d)*\s*[-:]\s*")
_RULE_CODE_NOTE = re.compile(r"\s*\(R\d(?:\s*[,/]\s*R\d)*\)")


def customer_text(message):
    """The same message without the internal rule codes ("R1 - ...", "(R6, R7)")
    that staff messages carry: customers read the rule, not its number (R2)."""
    text = _RULE_CODE_NOTE.sub("", message or "")
    stripped = _RULE_CODE_PREFIX.sub("", text)
    if stripped != text:  # "R1 - a managed service..." -> "A managed service..."
        stripped = stripped[:1].upper() + stripped[1:]
    return stripped


# R8 - services and entitlements (art. 2.1) -----------------------------------

ONSITE_MIN_COMPUTERS = 10
ONSITE_PER_CONTRACT_YEAR = 1

_ARRONDISSEMENT = re.compile(r"\s+(\d{1,2})\s*(e|er|eme|ieme)?$")
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$")


def normalize_city(city):
    """Comparable city name: no accents, case, hyphens, CEDEX nor arrondissement.

    "Paris 15e", "PARIS-15", "paris" and "Strasbourg Cedex 2" become "paris" and
    "strasbourg"; "Paris-l'Hôpital" stays a different town.
    """
    text = unicodedata.normalize("NFKD", city or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[-'’_.,]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _CEDEX.sub("", text)
    text = _ARRONDISSEMENT.sub("", text)
    return text.strip()


def city_is_eligible(city, zip_code, eligible_cities):
    """Whether an address is in one of the eligible cities (R8, on-site).

    ``eligible_cities`` is a sequence of ``(name, zip_prefix)``. The city name
    must match; a postcode, when given, must then carry the city's prefix (a
    75xxx postcode alone does not make an address Parisian).
    """
    name = normalize_city(city)
    zip_code = (zip_code or "").replace(" ", "")
    for eligible_name, prefix in eligible_cities:
        if name and name == normalize_city(eligible_name):
            return not (zip_code and prefix and not zip_code.startswith(prefix))
    return False


def contract_year(anchor, day):
    """The contract year ``(first, last)`` containing ``day``, counted from the start."""
    return billing_period(anchor, day, 12)


#: Entitlement problems, each a code the Odoo layer turns into a message.
NOT_INCLUDED = "not_included"
ONSITE_FLEET_TOO_SMALL = "onsite_fleet_too_small"
ONSITE_CITY_NOT_ELIGIBLE = "onsite_city_not_eligible"
ONSITE_QUOTA_REACHED = "onsite_quota_reached"
OTHER_SERVICE_MISSING = "other_service_missing"
COMPUTER_NOT_RENTED = "computer_not_rented"


def _included(facts):
    return [] if facts["code"] in facts["included_codes"] else [NOT_INCLUDED]


def _onsite_fleet(facts):
    return [] if facts["fleet"] >= ONSITE_MIN_COMPUTERS else [ONSITE_FLEET_TOO_SMALL]


def _onsite_city(facts):
    return [] if facts["city_eligible"] else [ONSITE_CITY_NOT_ELIGIBLE]


def _onsite_quota(facts):
    return [] if facts["onsite_this_year"] < ONSITE_PER_CONTRACT_YEAR else [ONSITE_QUOTA_REACHED]


def _other_service(facts):
    return [] if facts.get("other_service") else [OTHER_SERVICE_MISSING]


def _computer(facts):
    return [] if facts.get("computer_ok", True) else [COMPUTER_NOT_RENTED]


#: What each service type requires (R8 table). Support is unlimited: only its
#: inclusion is checked. On-site needs the fleet, an eligible city and quota.
ENTITLEMENT_RULES = {
    "profile": (_included,),
    "support": (_included, _computer),
    "accounts": (_included,),
    "preparation": (_included, _computer),
    "user_change": (_included, _computer),
    "onsite": (_included, _onsite_fleet, _onsite_city, _onsite_quota),
    "other": (_other_service,),
}


def entitlement_problems(facts):
    """Why a service request is not covered, as a list of codes (empty: covered).

    ``facts``: code, included_codes, fleet, city_eligible, onsite_this_year,
    other_service (bool), computer_ok (bool).
    """
    checks = ENTITLEMENT_RULES.get(facts["code"], (_included,))
    problems = []
    for check in checks:
        problems.extend(check(facts))
    return problems


def onsite_eligibility(fleet, city_eligible):
    """On-site eligibility of a customer, independent of the yearly quota: the
    list of missing conditions (empty: eligible)."""
    facts = {
        "code": "onsite",
        "included_codes": {"onsite"},
        "fleet": fleet,
        "city_eligible": city_eligible,
        "onsite_this_year": 0,
    }
    return entitlement_problems(facts)


# One managed-service contract per customer: plan changes -----------------------


def plan_change_date(contract_start, order_start, months=1, first_uninvoiced=None):
    """First day on which a plan ordered for ``order_start`` applies.

    The running billing period keeps the plan it was invoiced with: the new
    plan starts with the next period. A contract not started yet by then has
    no invoiced period: the new plan applies from its start. An order dated
    back into periods already invoiced never rewrites them: the plan applies
    from ``first_uninvoiced``, the first day of the first period not invoiced
    yet, at the earliest (choice made here).
    """
    if order_start <= contract_start:
        date = contract_start
    else:
        date = billing_period(contract_start, order_start, months)[1] + datetime.timedelta(days=1)
    return max(date, first_uninvoiced) if first_uninvoiced else date


def plan_change_commitment_end(current_end, change_date, commitment_months, ending=False):
    """Commitment end after a change of plan (art. 1.3, choice made here).

    Subscribing to another offer commits to it for its own length from the
    change, like a new subscription, but never shortens the commitment
    already running: max(current end, change + months - 1 day). A contract
    whose termination was requested (``ending``) keeps its end and its
    commitment: the new plan prices its remaining periods and commits to
    nothing more.
    """
    if ending and current_end:
        return current_end
    new_end = commitment_end(change_date, commitment_months)
    return max(current_end, new_end) if current_end else new_end


# Service requests inside the contract's life (R8) -------------------------------

#: Services delivered before the contract starts (the computers are prepared
#: and the accounts created before delivery).
BEFORE_START_SERVICES = frozenset({"preparation", "accounts"})
REQUEST_BEFORE_START = "request_before_start"
REQUEST_AFTER_END = "request_after_end"


def request_date_problem(code, request_date, start, end=None):
    """Why a request of service ``code`` dated ``request_date`` falls outside the
    contract ``start``..``end``, or None. Preparation and account creation may
    precede the start; nothing is accepted after the end."""
    if end and request_date > end:
        return REQUEST_AFTER_END
    if request_date < start and code not in BEFORE_START_SERVICES:
        return REQUEST_BEFORE_START
    return None


def price_applies_from(anchor, change_day, months=1):
    """First day billed at a price changed on ``change_day`` (R3, art. 1.2): an
    invoice uses the fleet of the first day of its period, without proration,
    so a change applies from the period starting that day, else from the next
    one. A change before the first billed day applies from that day."""
    if change_day <= anchor:
        return anchor
    first, last = billing_period(anchor, change_day, months)
    return first if first == change_day else last + datetime.timedelta(days=1)


def is_price_notice_due(grid, before, after, every_change=False):
    """Whether a repricing is announced to the customer's managers (R3):
    ``before``/``after`` are (fleet, unit price) pairs. Announced when the
    customer moves to another tier or its unit price changes (new grid, R4),
    and at every fleet change if the customer asked so. Never the first
    pricing (no fleet before) nor the end of the service (no fleet after)."""
    if not before[0] or not after[0]:
        return False
    if before[1] != after[1] or applicable_tier(grid, before[0]) != applicable_tier(grid, after[0]):
        return True
    return bool(every_change) and before[0] != after[0]


#: Days a termination request may be dated back without a manager (mail arriving late).
BACKDATE_DAYS_DEFAULT = 7
REQUEST_IN_FUTURE = "request_in_future"
REQUEST_TOO_OLD = "request_too_old"


def termination_request_date_problem(request_date, today, backdate_days):
    """Why a termination request dated ``request_date`` and recorded ``today`` needs
    more than a salesman, or None: a request is not received in the future, and one
    older than ``backdate_days`` needs a manager and a reason (R6)."""
    if request_date > today:
        return REQUEST_IN_FUTURE
    if request_date < today - datetime.timedelta(days=backdate_days):
        return REQUEST_TOO_OLD
    return None


def end_not_before_current_period(end, today, anchor, months=1):
    """A termination recorded ``today`` never ends the contract before the billing
    period in progress today: that period has started, so it is due (R7)."""
    if today < anchor:
        return end
    return max(end, billing_period(anchor, today, months)[1])


def previous_run_date(run_date, months=1):
    """The date of the run before the one of ``run_date``: instalments are
    monthly (art. 1.2), so a month earlier. A billing preview compares a
    customer's invoices with those made since that date."""
    return run_date - relativedelta(months=months)


def signed_amount(invoice_type, amount):
    """What an invoice or credit note (``out_refund``) adds to what the customer owes."""
    return -amount if invoice_type == "out_refund" else amount


def amount_change(amount, previous):
    """The change of a customer's invoiced amount from the previous run, to the cent."""
    return round(amount - previous, 2)
