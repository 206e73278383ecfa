"""R3 price-change notices: one e-mail to the customer's managers per repricing
that moves the customer to another tier, with the old and new prices and the
first day billed at the new price."""
from freezegun import freeze_time

from .common import InfogeranceCase


@freeze_time("2026-03-10")
class TestR3PriceNotice(InfogeranceCase):
    def setUp(self):
        super().setUp()
        self.customer.write({"email": "contact@atelier-test.example", "lang": "en_US"})
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=4)
        self.contract = self._service_contract(self.customer)
        self.rentals = self._rentals(self.customer)

    def _notices(self):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "account.analytic.account"),
                ("res_id", "=", self.contract.id),
                ("mail_message_id.subject", "!=", False),
            ]
        )

    def test_r3_no_notice_for_the_subscription(self):
        self.assertFalse(self._notices())

    def test_r3_tier_change_sends_one_notice_with_the_figures(self):
        self.rentals[0].copy({"infogerance_role": "rental", "name": "Extra laptop"})
        self.assertEqual(self.contract.infogerance_unit_price, 12.0)
        notice = self._notices()
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.recipient_ids, self.customer)
        body = notice.body_html
        for figure in ("15.00", "12.00", "60.00", "04/01/2026"):
            self.assertIn(figure, body)
        self.assertIn("from 4 to", body)
        event = self.contract.infogerance_fleet_event_ids[0]
        self.assertEqual(event.price_applies_from, "2026-04-01")

    def test_r3_no_notice_within_a_tier(self):
        self.rentals[0].date_end = "2026-03-09"  # 4 -> 3, still the first tier
        self.assertEqual(self.contract.infogerance_fleet_size, 3)
        self.assertFalse(self._notices())

    def test_r3_every_change_when_the_customer_asks(self):
        self.customer.infogerance_notify_every_change = True
        self.rentals[0].date_end = "2026-03-09"
        self.assertEqual(len(self._notices()), 1)

    def test_r3_notice_goes_to_the_flagged_managers(self):
        boss = self.env["res.partner"].create(
            {
                "name": "Bea Boss",
                "parent_id": self.customer.id,
                "email": "bea@example.com",
                "infogerance_customer_manager": True,
            }
        )
        self.env["res.partner"].create(
            {"name": "Eli", "parent_id": self.customer.id, "email": "eli@example.com"}
        )
        self.rentals[0].copy({"infogerance_role": "rental", "name": "Extra laptop"})
        self.assertEqual(self._notices().recipient_ids, self.customer | boss)

    def test_r3_notice_in_french(self):
        self.customer.lang = "fr_FR"
        self.rentals[0].copy({"infogerance_role": "rental", "name": "Extra laptop"})
        notice = self._notices()
        self.assertEqual(len(notice), 1)
        self.assertIn("01/04/2026", notice.body_html)
        self.assertIn("15,00", notice.body_html)
        self.assertIn("12,00", notice.body_html)
        self.assertIn("60,00", notice.body_html)
        self.assertIn("Prix mensuel", notice.body_html)
