"""The pure core (rules.py), tested without the ORM."""
import datetime
import unittest

from hypothesis import given
from hypothesis import strategies as st

from odoo.addons.commown_infogerance import rules

D = datetime.date
GRID = ((1, 15.0), (5, 12.0), (10, 10.0))


class TestR3Grid(unittest.TestCase):
    def test_r3_tier_is_largest_bound_not_above_fleet(self):
        self.assertEqual(rules.unit_price(GRID, 1), 15.0)
        self.assertEqual(rules.unit_price(GRID, 4), 15.0)
        self.assertEqual(rules.unit_price(GRID, 5), 12.0)
        self.assertEqual(rules.unit_price(GRID, 9), 12.0)
        self.assertEqual(rules.unit_price(GRID, 10), 10.0)
        self.assertEqual(rules.unit_price(GRID, 1000), 10.0)

    def test_r3_grid_order_does_not_matter(self):
        self.assertEqual(rules.unit_price(tuple(reversed(GRID)), 7), 12.0)

    def test_r3_empty_fleet_costs_nothing(self):
        self.assertEqual(rules.unit_price(GRID, 0), 0.0)
        self.assertIsNone(rules.applicable_tier(GRID, 0))
        self.assertEqual(rules.monthly_amount(GRID, 0), 0.0)

    def test_r3_monthly_amount(self):
        self.assertEqual(rules.monthly_amount(GRID, 3), 45.0)
        self.assertEqual(rules.monthly_amount(GRID, 12), 120.0)

    def test_r3_grid_errors(self):
        self.assertEqual(rules.grid_errors(GRID), [])
        self.assertEqual(rules.grid_errors(()), [rules.GRID_EMPTY])
        self.assertIn(rules.GRID_NO_TIER_AT_ONE, rules.grid_errors(((2, 10.0),)))
        self.assertIn(
            rules.GRID_DUPLICATE_BOUND, rules.grid_errors(((1, 10.0), (5, 9.0), (5, 8.0)))
        )
        self.assertIn(rules.GRID_NEGATIVE_PRICE, rules.grid_errors(((1, -1.0),)))
        self.assertIn(rules.GRID_BOUND_BELOW_ONE, rules.grid_errors(((0, 10.0), (1, 9.0))))

    @given(
        st.lists(
            st.tuples(st.integers(1, 50), st.floats(0, 100)),
            min_size=1,
            max_size=6,
            unique_by=lambda t: t[0],
        ),
        st.integers(1, 200),
    )
    def test_r3_property_tier_is_maximal_bound_below_fleet(self, tiers, fleet):
        grid = [(1, 20.0)] + [t for t in tiers if t[0] != 1]
        tier = rules.applicable_tier(grid, fleet)
        self.assertLessEqual(tier.min_computers, fleet)
        self.assertFalse([b for b, _p in grid if tier.min_computers < b <= fleet])


class TestR5Commitment(unittest.TestCase):
    def test_r5_commitment_end_is_start_plus_months_minus_one_day(self):
        self.assertEqual(rules.commitment_end(D(2026, 1, 1), 12), D(2026, 12, 31))
        self.assertEqual(rules.commitment_end(D(2026, 1, 15), 12), D(2027, 1, 14))
        self.assertEqual(rules.commitment_end(D(2026, 3, 1), 24), D(2028, 2, 29))

    @given(st.dates(D(2000, 1, 1), D(2100, 1, 1)), st.integers(1, 60))
    def test_r5_commitment_months_inverts_commitment_end(self, start, months):
        end = rules.commitment_end(start, months)
        self.assertEqual(rules.commitment_months(start, end), months)

    def test_r5_commitment_months_without_an_end(self):
        self.assertEqual(rules.commitment_months(D(2026, 1, 1), None), 0)


class TestR6R7Termination(unittest.TestCase):
    START = D(2026, 1, 1)
    COMMITMENT_END = D(2026, 12, 31)

    def end(self, request, start=START, commitment_end=COMMITMENT_END, notice=15):
        return rules.termination_end_date(request, start, commitment_end, notice)

    def test_r6_request_during_commitment_ends_at_commitment_end(self):
        self.assertEqual(self.end(D(2026, 6, 10)), D(2026, 12, 31))

    def test_r7_request_after_commitment_ends_with_period(self):
        self.assertEqual(self.end(D(2027, 3, 10)), D(2027, 3, 31))

    def test_r7_notice_crossing_month_end_bills_the_started_month(self):
        self.assertEqual(self.end(D(2027, 3, 20)), D(2027, 4, 30))

    def test_r6_notice_crossing_commitment_end(self):
        self.assertEqual(self.end(D(2026, 12, 20)), D(2027, 1, 31))

    def test_r7_billing_day_not_the_first(self):
        start = D(2026, 1, 15)
        commitment = rules.commitment_end(start, 12)  # 2027-01-14
        self.assertEqual(self.end(D(2026, 6, 1), start, commitment), D(2027, 1, 14))
        # E = 2027-03-25, in the period 2027-03-15 .. 2027-04-14
        self.assertEqual(self.end(D(2027, 3, 10), start, commitment), D(2027, 4, 14))

    def test_r7_billing_on_the_31st(self):
        start = D(2026, 1, 31)
        self.assertEqual(
            rules.billing_period(start, D(2026, 3, 1)), (D(2026, 2, 28), D(2026, 3, 30))
        )
        self.assertEqual(
            rules.billing_period(start, D(2026, 2, 27)), (D(2026, 1, 31), D(2026, 2, 27))
        )

    def test_r6_request_before_start_is_refused(self):
        with self.assertRaises(ValueError):
            self.end(D(2025, 12, 31))

    @given(st.integers(0, 5 * 366), st.integers(1, 31), st.integers(1, 36), st.integers(0, 90))
    def test_r6_r7_property_end_is_the_first_period_end_after_notice(
        self, offset, day, months, notice
    ):
        start = D(2026, 1, day)
        request = start + datetime.timedelta(days=offset)
        commitment = rules.commitment_end(start, months)
        end = rules.termination_end_date(request, start, commitment, notice)
        effective = rules.notice_effective_date(request, commitment, notice)
        self.assertGreaterEqual(end, effective)
        self.assertGreaterEqual(end, commitment)
        self.assertGreaterEqual(end, request + datetime.timedelta(days=notice))
        # a period end: the next day starts a billing period
        first, last = rules.billing_period(start, end)
        self.assertEqual(last, end)
        # the smallest: the period before ends before the effective date
        self.assertLess(first - datetime.timedelta(days=1), effective)


class TestR6R7EndDateViolation(unittest.TestCase):
    START = D(2026, 1, 1)
    COMMITMENT_END = D(2026, 12, 31)

    def violation(self, end, today):
        return rules.end_date_violation(end, today, self.START, self.COMMITMENT_END, 15)

    def test_r6_end_during_commitment_is_refused(self):
        self.assertEqual(self.violation(D(2026, 6, 30), D(2026, 6, 1)), rules.END_BEFORE_NOTICE)

    def test_r6_end_without_notice_is_refused(self):
        self.assertEqual(self.violation(D(2027, 3, 31), D(2027, 3, 20)), rules.END_BEFORE_NOTICE)

    def test_r7_end_inside_a_period_is_refused(self):
        self.assertEqual(self.violation(D(2027, 5, 15), D(2027, 3, 1)), rules.END_NOT_PERIOD_END)

    def test_r6_r7_valid_ends(self):
        self.assertIsNone(self.violation(D(2026, 12, 31), D(2026, 6, 1)))
        self.assertIsNone(self.violation(D(2027, 4, 30), D(2027, 3, 20)))
        self.assertIsNone(self.violation(D(2028, 1, 31), D(2027, 3, 20)))

    def test_r6_end_before_start_is_refused(self):
        self.assertEqual(self.violation(D(2025, 12, 31), D(2025, 11, 1)), rules.END_BEFORE_START)


class TestR1EmptyFleetEnd(unittest.TestCase):
    def test_r1_r7_contract_ends_with_the_last_started_period(self):
        start = D(2026, 1, 1)
        self.assertEqual(rules.empty_fleet_end_date(start, D(2026, 3, 21)), D(2026, 3, 31))
        self.assertEqual(rules.empty_fleet_end_date(start, D(2026, 4, 1)), D(2026, 3, 31))
        self.assertEqual(rules.empty_fleet_end_date(start, D(2026, 1, 1)), D(2026, 1, 31))

    def test_r1_empty_fleet_end_lifted_from_a_day_on_or_before_it(self):
        """Computers rented again from a day on or before the end planned for
        lack of computers lift it, even when the order is recorded after it."""
        lifted = rules.empty_fleet_end_lifted
        end = D(2026, 2, 28)
        self.assertTrue(lifted(end, D(2026, 2, 20), 1))  # recorded on 05/03
        self.assertTrue(lifted(end, D(2026, 2, 28), 2))
        self.assertFalse(lifted(end, D(2026, 3, 1), 1))  # a new subscription
        self.assertFalse(lifted(end, D(2026, 2, 20), 0))  # returned since
        self.assertFalse(lifted(None, D(2026, 2, 20), 1))


class TestR2CustomerText(unittest.TestCase):
    """Customers read the rule, not its internal number."""

    def test_r2_rule_codes_are_removed_for_customers(self):
        for staff, customer in (
            ("R1 - a managed service requires a rental.", "A managed service requires a rental."),
            ("R6/R7 - end date refused.", "End date refused."),
            ("R8 - prestation « x » non couverte", "Prestation « x » non couverte"),
            ("the contract ends on 30/04/2027 (R6, R7).", "the contract ends on 30/04/2027."),
            ("until then remain due (R6).", "until then remain due."),
            ("Nothing to remove.", "Nothing to remove."),
            (False, ""),
        ):
            self.assertEqual(rules.customer_text(staff), customer)

    def test_r2_other_words_are_kept(self):
        self.assertEqual(rules.customer_text("Room R12 - floor 2"), "Room R12 - floor 2")


class TestR8Rules(unittest.TestCase):
    CITIES = (("Paris", "75"), ("Strasbourg", "67"))

    def test_r8_city_names_are_matched_robustly(self):
        def eligible(city, zip_code=""):
            return rules.city_is_eligible(city, zip_code, self.CITIES)

        self.assertTrue(eligible("Paris", "75011"))
        self.assertTrue(eligible("PARIS 15E", "75015"))
        self.assertTrue(eligible("Paris 1er"))
        self.assertTrue(eligible("paris-15", "75015"))
        self.assertTrue(eligible("Strasbourg Cedex 2", "67000"))
        self.assertTrue(eligible(" strasbourg "))
        self.assertFalse(eligible("Paris-l'Hôpital", "71150"))
        self.assertFalse(eligible("Lyon", "75011"))  # a 75 postcode is not enough
        self.assertFalse(eligible("Paris", "69004"))  # inconsistent address
        self.assertFalse(eligible("", "75011"))
        self.assertFalse(eligible("Strasbourg-sur-Mer"))

    def test_r8_accents_and_case(self):
        self.assertEqual(rules.normalize_city("Évry-Courcouronnes"), "evry courcouronnes")
        self.assertTrue(rules.city_is_eligible("Saint-Étienne", "", (("saint etienne", ""),)))

    def test_r8_rules_table(self):
        facts = {
            "code": "support",
            "included_codes": {"support"},
            "fleet": 1,
            "city_eligible": False,
            "onsite_this_year": 0,
        }
        self.assertEqual(rules.entitlement_problems(facts), [])
        facts["code"] = "accounts"
        self.assertEqual(rules.entitlement_problems(facts), [rules.NOT_INCLUDED])
        facts.update(code="onsite", included_codes={"onsite"}, fleet=9, onsite_this_year=1)
        self.assertEqual(
            rules.entitlement_problems(facts),
            [
                rules.ONSITE_FLEET_TOO_SMALL,
                rules.ONSITE_CITY_NOT_ELIGIBLE,
                rules.ONSITE_QUOTA_REACHED,
            ],
        )
        facts.update(fleet=10, city_eligible=True, onsite_this_year=0)
        self.assertEqual(rules.entitlement_problems(facts), [])
        self.assertEqual(
            rules.entitlement_problems({"code": "other", "included_codes": set()}),
            [rules.OTHER_SERVICE_MISSING],
        )

    def test_r8_contract_year(self):
        self.assertEqual(
            rules.contract_year(D(2026, 3, 15), D(2027, 3, 14)), (D(2026, 3, 15), D(2027, 3, 14))
        )
        self.assertEqual(
            rules.contract_year(D(2026, 3, 15), D(2027, 3, 15)), (D(2027, 3, 15), D(2028, 3, 14))
        )


class TestR3PriceNoticeRules(unittest.TestCase):
    grid = ((1, 15.0), (5, 12.0), (10, 10.0))

    def test_r3_price_applies_from_the_next_period(self):
        anchor = datetime.date(2026, 1, 1)
        self.assertEqual(
            rules.price_applies_from(anchor, datetime.date(2026, 3, 10)), datetime.date(2026, 4, 1)
        )
        self.assertEqual(
            rules.price_applies_from(anchor, datetime.date(2026, 4, 1)), datetime.date(2026, 4, 1)
        )
        self.assertEqual(rules.price_applies_from(anchor, datetime.date(2025, 12, 20)), anchor)
        self.assertEqual(
            rules.price_applies_from(datetime.date(2026, 1, 15), datetime.date(2026, 3, 10)),
            datetime.date(2026, 3, 15),
        )

    def test_r3_notice_due_on_a_tier_change_only(self):
        self.assertTrue(rules.is_price_notice_due(self.grid, (4, 15.0), (5, 12.0)))
        self.assertTrue(rules.is_price_notice_due(self.grid, (10, 10.0), (9, 12.0)))
        self.assertFalse(rules.is_price_notice_due(self.grid, (4, 15.0), (3, 15.0)))
        self.assertTrue(rules.is_price_notice_due(self.grid, (4, 15.0), (3, 15.0), True))
        self.assertFalse(rules.is_price_notice_due(self.grid, (0, 0.0), (5, 12.0), True))
        self.assertFalse(rules.is_price_notice_due(self.grid, (5, 12.0), (0, 0.0), True))
        # A new grid (R4) changes the price without changing the fleet.
        self.assertTrue(rules.is_price_notice_due(self.grid, (5, 13.0), (5, 12.0)))
