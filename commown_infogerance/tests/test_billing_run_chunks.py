"""How a run's customers are cut into jobs (scheduling.py), without the ORM."""
import unittest

from hypothesis import given
from hypothesis import strategies as st

from odoo.addons.commown_infogerance.scheduling import balanced_chunks

WEIGHTS = st.lists(st.integers(0, 1200), max_size=80).map(lambda ws: list(enumerate(ws)))


class TestBillingRunChunks(unittest.TestCase):
    @given(WEIGHTS, st.integers(1, 60))
    def test_billing_run_chunks_take_every_customer_once(self, weights, size):
        chunks = balanced_chunks(weights, size)
        keys = [key for chunk in chunks for key in chunk]
        self.assertEqual(sorted(keys), [key for key, _weight in weights])
        self.assertTrue(all(chunks) or not weights)

    @given(WEIGHTS, st.integers(1, 60))
    def test_billing_run_chunks_bounded_in_customers_and_contracts(self, weights, size):
        weight = {key: max(w, 1) for key, w in weights}
        budget = size * sum(weight.values()) / len(weights) if weights else 0
        for chunk in balanced_chunks(weights, size):
            self.assertLessEqual(len(chunk), size)
            if len(chunk) > 1:
                self.assertLessEqual(sum(weight[key] for key in chunk), budget)

    @given(WEIGHTS, st.integers(1, 60))
    def test_billing_run_chunks_heaviest_first(self, weights, size):
        weight = {key: max(w, 1) for key, w in weights}
        keys = [key for chunk in balanced_chunks(weights, size) for key in chunk]
        loads = [weight[key] for key in keys]
        self.assertEqual(loads, sorted(loads, reverse=True))

    def test_billing_run_chunks_large_customers_alone(self):
        # the bench's quick fleet in short: three large customers, small ones
        weights = [(0, 1001), (1, 701), (2, 699)] + [(n, 4) for n in range(3, 150)]
        chunks = balanced_chunks(weights, 5)
        self.assertEqual(chunks[:3], [[0], [1], [2]])
        self.assertTrue(all(len(chunk) == 5 for chunk in chunks[3:-1]))
        # fixed chunks of 5 customers would have put 2,401 of 2,989 contracts in one job
        self.assertEqual(len(chunks), 3 + 30)
