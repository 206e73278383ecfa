"""The contract's arithmetic, as pure functions over plain values.

Every channel (backend, shop, portal, crons) calls these functions, so each
rule of ``shared/spec/DOMAIN.md`` is written once. No ORM here: dates are
``datetime.date``, a grid is a sequence of ``(min_computers, unit_price)``.
"""
import datetime
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


def billing_period(anchor, day, months=1):
    """The billing period ``(first, last)`` containing ``day``.

    Periods are ``months`` long and start on ``anchor`` (the first invoiced
    date), each computed from the anchor so that a 31st stays a 31st.
    """
    if day < anchor:
        raise ValueError("day %s is before the first billing date %s" % (day, anchor))
    elapsed = (day.year - anchor.year) * 12 + day.month - anchor.month
    index = elapsed // months
    while True:
        first = anchor + relativedelta(months=index * months)
        if first > day:
            index -= 1
            continue
        following = anchor + relativedelta(months=(index + 1) * months)
        if following <= day:
            index += 1
            continue
        return first, following - datetime.timedelta(days=1)


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
    if end < termination_end_date(max(today, anchor), anchor, commitment_last_day,
                                  notice_days, months):
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
