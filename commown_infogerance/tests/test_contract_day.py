"""The contracts' day: every date the rules take as "today" is the day in the
company's time zone, whoever asks (a portal contact without a time zone, a
salesman in Paris, the cron)."""
from freezegun import freeze_time

from ..contract_day import contract_today
from .common import InfogeranceCase

# 23:30 UTC on 5 December: already 6 December in Paris, still 5 in UTC.
LATE_EVENING_UTC = "2026-12-05 23:30:00"


class TestContractDay(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman.tz = "Europe/Paris"
        cls.portal_manager = cls._create_portal_user(
            cls.customer, "contract_day_portal", manager=True
        )
        cls.portal_manager.tz = False  # UTC, as Odoo's portal sign-up leaves it
        cls.env.user.company_id.infogerance_tz = "Europe/Paris"

    def test_contract_day_is_the_company_day_for_every_user(self):
        Contract = self.env["account.analytic.account"]
        with freeze_time(LATE_EVENING_UTC):
            for user, tz in [
                (self.portal_manager, False),
                (self.salesman, "Europe/Paris"),
                (self.manager, "America/New_York"),
            ]:
                user.tz = tz
                self.assertEqual(contract_today(Contract.sudo(user)), "2026-12-06", tz)
                # nor does the context's time zone change it
                self.assertEqual(
                    contract_today(Contract.sudo(user).with_context(tz="UTC")), "2026-12-06"
                )
            self.env.user.company_id.infogerance_tz = "UTC"
            self.assertEqual(contract_today(Contract.sudo(self.salesman)), "2026-12-05")

    def test_contract_day_order_started_today_terminated_today_from_the_portal(self):
        """The shop confirms as a Paris user, the customer terminates at once from
        the portal: the request is received the day the contract started (R6)."""
        with freeze_time(LATE_EVENING_UTC):
            order = self._create_order(self.customer, computers=2, start=False)
            order.sudo(self.salesman).action_confirm()
            contract = self._service_contract(self.customer)
            self.assertEqual(contract.date_start, "2026-12-06")
            end = contract.sudo(self.portal_manager)._infogerance_terminate(
                "2026-12-05", "Changed our mind"
            )
        self.assertEqual(contract.infogerance_termination_request_date, "2026-12-06")
        self.assertEqual(end, contract.date_end)
        self.assertGreaterEqual(contract.date_end, contract.infogerance_commitment_end)

    def test_contract_day_defaults_of_the_backend_forms(self):
        """The termination wizard and the subscription wizard open on the
        contracts' day, not on the user's."""
        contract = self._subscribe(self.customer, 3)
        self.manager.tz = "America/New_York"  # still 5 December there
        with freeze_time(LATE_EVENING_UTC):
            defaults = (
                self.env["infogerance.termination.wizard"]
                .sudo(self.manager)
                .with_context(default_contract_id=contract.id)
                .default_get(["request_date"])
            )
            self.assertEqual(defaults["request_date"], "2026-12-06")
            defaults = (
                self.env["infogerance.subscribe.wizard"]
                .sudo(self.manager)
                .default_get(["date_start"])
            )
            self.assertEqual(defaults["date_start"], "2026-12-06")
