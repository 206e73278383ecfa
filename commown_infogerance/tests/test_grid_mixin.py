"""R3: the price-grid mixins (``infogerance.grid.mixin`` and ``infogerance.price.tier``)
on a test-only model, apart from the offer and the contract that use them."""
from odoo_test_helper import FakeModelLoader

from odoo.exceptions import ValidationError
from odoo.tests.common import SavepointCase

from .. import rules


class TestR3GridMixin(SavepointCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        try:
            from .fake_models import (
                InfogeranceGridTestBare,
                InfogeranceGridTestOwner,
                InfogeranceGridTestTier,
            )

            cls.loader.update_registry(
                (InfogeranceGridTestTier, InfogeranceGridTestOwner, InfogeranceGridTestBare)
            )
        except Exception:
            cls.loader.restore_registry()
            raise
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.Owner = cls.env["infogerance.grid.test.owner"]

    @classmethod
    def tearDownClass(cls):  # pylint: disable=missing-return
        cls.loader.restore_registry()
        super().tearDownClass()

    def _owner(self, tiers, needed=True):
        return self.Owner.create(
            {
                "name": "Grid owner (test)",
                "grid_needed": needed,
                "tier_ids": [
                    (0, 0, {"min_computers": bound, "unit_price": price}) for bound, price in tiers
                ],
            }
        )

    def test_r3_grid_is_the_tiers_sorted_by_bound(self):
        # each tier is checked as it is added: the first one must start at 1
        owner = self._owner([(1, 15.0), (10, 10.0), (5, 12.0)])
        self.assertEqual(
            owner._infogerance_grid(),
            (rules.Tier(1, 15.0), rules.Tier(5, 12.0), rules.Tier(10, 10.0)),
        )
        self.assertEqual(rules.unit_price(owner._infogerance_grid(), 7), 12.0)

    def test_r3_grid_is_read_one_owner_at_a_time(self):
        owners = self._owner([(1, 15.0)]) | self._owner([(1, 9.0)])
        with self.assertRaises(ValueError):
            owners._infogerance_grid()

    def test_r3_valid_grid_passes_the_check(self):
        owner = self._owner([(1, 15.0), (5, 0.0)])
        owner._check_infogerance_grid()  # raises on an invalid grid

    def test_r3_each_grid_error_is_named_with_the_owner(self):
        cases = [
            ([], "the grid has no tier"),
            ([(2, 15.0)], "the grid needs a tier starting at 1 computer"),
            ([(0, 15.0), (1, 12.0)], "tier bounds must be at least 1 computer"),
            ([(1, 15.0), (1, 12.0)], "two tiers start at the same number of computers"),
            ([(1, -1.0)], "a tier has a negative price"),
        ]
        for tiers, message in cases:
            with self.subTest(tiers=tiers):
                # built unchecked, then checked: the mixin's check alone, not a constraint
                owner = self._owner(tiers, needed=False)
                owner.grid_needed = True
                with self.assertRaises(ValidationError) as error:
                    owner._check_infogerance_grid()
                self.assertIn(message, error.exception.name)
                self.assertIn("Grid owner (test)", error.exception.name)

    def test_r3_all_errors_of_a_grid_are_given_at_once(self):
        owner = self._owner([(2, -1.0), (2, 3.0)], needed=False)
        owner.grid_needed = True
        with self.assertRaises(ValidationError) as error:
            owner._check_infogerance_grid()
        self.assertIn(
            "the grid needs a tier starting at 1 computer; "
            "two tiers start at the same number of computers; a tier has a negative price",
            error.exception.name,
        )

    def test_r3_owner_without_grid_is_not_checked(self):
        owner = self._owner([], needed=False)
        owner._check_infogerance_grid()
        self._owner([(3, -2.0)], needed=False)._check_infogerance_grid()

    def test_r3_check_covers_only_owners_needing_a_grid(self):
        valid = self._owner([(1, 15.0)])
        unchecked = self._owner([], needed=False)
        (valid | unchecked)._check_infogerance_grid()
        unchecked.grid_needed = True
        with self.assertRaisesRegex(ValidationError, "the grid has no tier"):
            (valid | unchecked)._check_infogerance_grid()

    def test_r3_tier_changes_check_their_owner_grid(self):
        cr = self.env.cr
        with self.assertRaisesRegex(ValidationError, "the grid needs a tier starting at 1"):
            with cr.savepoint():
                self._owner([(3, 15.0)])
        owner = self._owner([(1, 15.0), (5, 12.0)])
        Tier = self.env["infogerance.grid.test.tier"]
        with self.assertRaisesRegex(ValidationError, "two tiers start at the same number"):
            with cr.savepoint():
                Tier.create({"owner_id": owner.id, "min_computers": 5, "unit_price": 11.0})
        with self.assertRaisesRegex(ValidationError, "a tier has a negative price"):
            with cr.savepoint():
                owner.tier_ids[1].unit_price = -1.0
        with self.assertRaisesRegex(ValidationError, "at least 1 computer"):
            with cr.savepoint():
                owner.tier_ids[1].min_computers = 0
        owner.invalidate_cache()
        owner.tier_ids[1].write({"min_computers": 6, "unit_price": 11.0})
        self.assertEqual(owner._infogerance_grid()[1], rules.Tier(6, 11.0))

    def test_r3_tier_default_bound_is_one_computer(self):
        owner = self.Owner.create({"name": "Defaults", "tier_ids": [(0, 0, {"unit_price": 8.0})]})
        self.assertEqual(owner._infogerance_grid(), (rules.Tier(1, 8.0),))

    def test_r3_mixin_user_must_say_where_its_tiers_are(self):
        bare = self.env["infogerance.grid.test.bare"].create({"name": "Bare"})
        with self.assertRaises(NotImplementedError):
            bare._infogerance_grid()

    def test_r3_grid_of_one_saved_owner_is_read_in_two_queries(self):
        """A cart update prices from one contract's grid: one search and one read of
        its tiers, not the one2many's four queries; the same grid either way."""
        owner = self._owner([(1, 15.0), (10, 10.0), (5, 12.0)])
        expected = owner._infogerance_grid()  # tiers in cache: the one2many
        owner.invalidate_cache()
        alone = self.Owner.browse(owner.id)
        before = self.env.cr.sql_log_count
        self.assertEqual(alone._infogerance_grid(), expected)
        self.assertEqual(self.env.cr.sql_log_count - before, 2)

    def test_r3_grids_of_owners_read_together_are_read_once(self):
        """Owners read together (a batch of contracts invoiced) share one read of
        their tiers, whatever their number."""
        ids = [self._owner([(1, 15.0 - n), (5, 10.0 - n)]).id for n in range(4)]
        self.Owner.invalidate_cache()
        owners = self.Owner.browse(ids)
        before = self.env.cr.sql_log_count
        grids = [owner._infogerance_grid() for owner in owners]
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(grids[3], (rules.Tier(1, 12.0), rules.Tier(5, 7.0)))
        self.Owner.invalidate_cache()
        self.assertEqual(grids[0], self.Owner.browse(ids[0])._infogerance_grid())
        self.assertLessEqual(queries, 4)
