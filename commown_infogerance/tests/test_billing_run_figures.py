"""The billing run's figures: its invoicing time is the sum of its customers'
times, each counted once whatever its number of contracts."""
from .test_billing_run import BillingRunCase


class TestBillingRunFigures(BillingRunCase):
    def test_billing_run_invoicing_time_counts_each_customer_once(self):
        run = self._cron("2026-01-01")
        items = run.item_ids.filtered(
            lambda i: i.partner_id in (self.customer | self.other_customer)
        )
        self.assertEqual(len(items), 2)
        # known times: the customer with 3 contracts and the one with 2
        seconds = {self.customer.id: 2.0, self.other_customer.id: 0.5}
        for item in items:
            self.env.cr.execute(
                "UPDATE infogerance_billing_run_item SET create_seconds = %s WHERE id = %s",
                (seconds[item.partner_id.id], item.id),
            )
        others = run.item_ids - items
        expected = sum(seconds.values()) + sum(others.mapped("create_seconds"))
        run.invalidate_cache()
        self.assertAlmostEqual(run.create_seconds, expected, places=3)
        self.assertEqual(run.contract_done, len(run.item_ids.mapped("contract_ids")))
