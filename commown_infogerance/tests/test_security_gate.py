"""The second round of locks, tried as an attacker would through the real routes
with real sessions: one confirmation gate for every path that confirms an order
selling the offer (issue 21, door 1), the offers for sale (door 3) and the
wizards a portal user can reach by RPC (door 2)."""
import base64
import datetime
import re
from unittest.mock import patch

from odoo.tests import common
from odoo.tools import mute_logger

from . import test_security_attacks as attacks
from .common_sepa import DirectDebitMixin
from .test_security_attacks import PASSWORD, SecurityAttackCase

#: A 1x1 PNG, the signature of a portal quotation.
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


#: The refusals asserted, as the website's language (English or French) says them.
MESSAGES = {
    "conditions": "accept the conditions|accepter les conditions",
    "unpaid": "neither paid nor covered|ni payée ni couverte",
    "card": "saved payment method is not yours|moyen de paiement enregistré",
    "not_confirmed": "order is not confirmed|commande n'est pas confirmée",
}


@common.at_install(False)
@common.post_install(True)
class TestConfirmationGate(SecurityAttackCase):
    #: sessions on the cursor the requests use
    authenticate = attacks.TestSecurityAttacks.authenticate

    def setUp(self):
        super().setUp()
        env = self.env
        self.service_product.website_published = True
        self.terms = env["infogerance.terms"].create(
            {
                "offer_id": self.offer.id,
                "name": "Conditions (attack)",
                "version": "A1",
                "date": "2020-01-01",
                "body": "<p>Conditions</p>",
            }
        )
        # Customer C rents computers and has no managed service yet (door 1).
        france = env.ref("base.fr")
        self.customer_c = env["res.partner"].create(
            {"name": "Customer C", "is_company": True, "country_id": france.id}
        )
        rental = env["sale.order"].create(
            {
                "partner_id": self.customer_c.id,
                "infogerance_start_date": self.start.isoformat(),
                "order_line": [(0, 0, {"product_id": self.computer.id, "product_uom_qty": 2})],
            }
        )
        rental.action_confirm()
        self.contact_c = self._user("contact_c", "base.group_portal", self.customer_c)
        self.contact_c.partner_id.country_id = france
        for user in (self.salesman, self.contact_c, self.boss_a):
            user.partner_id.email = "%s@example.com" % user.login
        self.transfer = env.ref("payment.payment_acquirer_transfer")
        self.http_cr.commit()

    # helpers ---------------------------------------------------------------------

    def _login(self, login):
        """Log in and return a CSRF token of the session."""
        self.authenticate(login, PASSWORD)
        # a loaded machine renders a first page slowly: more than url_open's 10 s
        page = self.opener.get(self._url("/my/home"), timeout=120)
        self.assertEqual(page.status_code, 200)
        return re.search(r'csrf_token: "([^"]+)"', page.text).group(1)

    def _post(self, url, data, token, **kwargs):
        return self.opener.post(
            self._url(url), data=dict(data, csrf_token=token), timeout=120, **kwargs
        )

    def _json(self, url, **params):
        answer = self.opener.post(
            self._url(url),
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=120,
        ).json()
        return answer.get("result"), answer.get("error")

    def assertSays(self, key, text):
        """The refusal, in English or in French (the website's language)."""
        self.assertRegex(text, MESSAGES[key])

    def _url(self, path):
        return "http://%s:%d%s" % (common.HOST, common.PORT, path)

    def _cart(self, login, partner, computers=0):
        token = self._login(login)
        if computers:
            self._post(
                "/shop/cart/update", {"product_id": self.computer.id, "add_qty": computers}, token
            )
        self._post("/shop/cart/update", {"product_id": self.service_product.id}, token)
        order = self.env["sale.order"].search(
            [("partner_id", "=", partner.id), ("state", "=", "draft")]
        )
        self.assertEqual(len(order), 1)
        self.assertTrue(order.order_line.filtered("infogerance_offer_id"))
        return order, token

    def _service_of(self, customer):
        return self.env["account.analytic.account"].search(
            [("infogerance_role", "=", "service"), ("partner_id", "child_of", customer.id)]
        )

    def _refresh(self, *records):
        for record in records:
            record.invalidate_cache()

    def _give_mandate(self, customer):
        # the mixin's class set-up, on this test's environment
        DirectDebitMixin._setup_direct_debit.__func__(self, customer)
        self.http_cr.commit()

    # door 1: the shop's free order ---------------------------------------------

    def test_gate_shop_zero_amount_order_never_confirmed_by_get(self):
        order, token = self._cart("contact_c", self.contact_c.partner_id)
        self.assertEqual(order.amount_total, 0)
        answer = self.opener.get(
            self._url("/shop/payment/validate"), allow_redirects=False, timeout=120
        )
        self.assertIn(answer.status_code, (301, 302, 303))
        self.assertTrue(answer.headers["Location"].endswith("/shop/payment"))
        self._refresh(order)
        self.assertEqual(order.state, "draft")
        # the payment page's "Confirm order" form, conditions not accepted: refused
        answer = self._post("/shop/payment/validate", {}, token)
        self.assertSays("conditions", answer.text)
        self._refresh(order)
        self.assertEqual(order.state, "draft")
        # conditions accepted, but neither paid nor covered by a mandate: refused
        result, _error = self._json("/shop/infogerance/accept-conditions", accepted=True)
        self.assertTrue(result["accepted"])
        answer = self._post("/shop/payment/validate", {}, token)
        self.assertSays("unpaid", answer.text)
        self._refresh(order)
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._service_of(self.customer_c))
        # with a valid mandate for the monthly instalments, the POST confirms it
        self._give_mandate(self.customer_c)
        self._post("/shop/payment/validate", {}, token)
        self._refresh(order)
        self.assertEqual(order.state, "sale")
        contracts = self.env["account.analytic.account"].search(
            [("partner_id", "child_of", self.customer_c.id)]
        )
        self.assertEqual(len(self._service_of(self.customer_c)), 1, contracts.mapped("name"))
        self.assertEqual(order.infogerance_terms_acceptance_ids.terms_id, self.terms)

    def test_gate_shop_get_never_cancels_an_order(self):
        order, _token = self._cart("contact_c", self.contact_c.partner_id, computers=1)
        tx = self.env["payment.transaction"].create(
            {
                "acquirer_id": self.transfer.id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": order.name,
                "sale_order_id": order.id,
                "state": "cancel",
            }
        )
        self.http_cr.commit()
        self.opener.get(self._url("/shop/payment/validate?transaction_id=%d" % tx.id), timeout=120)
        self._refresh(order)
        self.assertEqual(order.state, "draft")

    # door 1: the saved card -------------------------------------------------------

    def _card(self, partner):
        card = self.env["payment.token"].create(
            {
                "name": "Card of %s" % partner.name,
                "partner_id": partner.id,
                "acquirer_id": self.transfer.id,
                "acquirer_ref": "tok-%d" % partner.id,
            }
        )
        self.http_cr.commit()
        return card

    def _transactions(self, order):
        return self.env["payment.transaction"].search([("sale_order_id", "=", order.id)])

    def test_gate_shop_saved_card_needs_post_the_conditions_and_the_owner(self):
        order, token = self._cart("contact_c", self.contact_c.partner_id, computers=1)
        self.assertGreater(order.amount_total, 0)
        card = self._card(self.contact_c.partner_id)
        stranger_card = self._card(self.contact_b.partner_id)
        charged = []

        def s2s_do_transaction(tx, **kwargs):
            charged.append(tx.payment_token_id)
            tx.write({"state": "done", "date_validate": datetime.datetime.now()})
            return True

        Transaction = type(self.env["payment.transaction"])
        with patch.object(Transaction, "s2s_do_transaction", s2s_do_transaction, create=True):
            answer = self.opener.get(
                self._url("/shop/payment/token?pm_id=%d" % card.id), timeout=120
            )
            self.assertEqual(answer.status_code, 405)
            answer = self._post("/shop/payment/token", {"pm_id": card.id}, token)
            self.assertSays("conditions", answer.text)
            self.assertFalse(self._transactions(order))
            self._json("/shop/infogerance/accept-conditions", accepted=True)
            answer = self._post("/shop/payment/token", {"pm_id": stranger_card.id}, token)
            self.assertSays("card", answer.text)
            self.assertFalse(charged)
            self._post("/shop/payment/token", {"pm_id": card.id}, token)
        self.assertEqual(charged, [card])
        self._refresh(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(len(self._service_of(self.customer_c)), 1)

    # door 1: a paid transaction ---------------------------------------------------

    def test_gate_paid_transaction_does_not_confirm_without_the_conditions(self):
        order, _token = self._cart("contact_c", self.contact_c.partner_id, computers=1)
        tx = self.env["payment.transaction"].create(
            {
                "acquirer_id": self.transfer.id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": order.name,
                "sale_order_id": order.id,
                "state": "done",
            }
        )
        SaleOrder = type(self.env["sale.order"])
        # as the acquirer's notification confirms it: for nobody of the sales team
        with patch.object(SaleOrder, "_infogerance_confirmed_by_staff", return_value=False):
            self.assertEqual(tx._confirm_so(), "pay_sale_infogerance_refused")
            self.assertEqual(order.state, "draft")
            self.assertSays("not_confirmed", order.message_ids[0].body.replace("&#39;", "'"))
            self.assertSays("conditions", order.message_ids[0].body)
            order._infogerance_accept_terms("127.0.0.1", "shop", user=self.contact_c)
            self.assertIs(tx._confirm_so(), True)
        self.assertEqual(order.state, "sale")

    # door 1: sale_payment's /pay/sale routes --------------------------------------

    def _quotation(self, customer, computers=1):
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "user_id": self.salesman.id,
                "order_line": [
                    (0, 0, {"product_id": self.computer.id, "product_uom_qty": computers}),
                    (0, 0, {"product_id": self.service_product.id}),
                ],
            }
        )
        order.state = "sent"
        self.http_cr.commit()
        return order

    def test_gate_pay_sale_routes_check_the_order_and_the_conditions(self):
        order = self._quotation(self.customer_c)
        self._login("contact_b")
        _result, error = self._json("/pay/sale/%d/form_tx" % order.id, acquirer_id=self.transfer.id)
        self.assertTrue(error)
        self.assertFalse(self._transactions(order))
        token = self._login("contact_c")
        _result, error = self._json(
            "/pay/sale/%d/form_tx" % order.id,
            acquirer_id=self.transfer.id,
            access_token=order.access_token,
        )
        self.assertSays("conditions", error["data"]["message"])
        self.assertFalse(self._transactions(order))
        answer = self.opener.get(
            self._url("/pay/sale/%d/s2s_token_tx?pm_id=1" % order.id), timeout=120
        )
        self.assertEqual(answer.status_code, 405)
        answer = self._post(
            "/pay/sale/%d/s2s_token_tx" % order.id,
            {"pm_id": "1", "access_token": order.access_token},
            token,
        )
        self.assertIn("error=pay_sale_invalid_doc", answer.url)
        self.assertFalse(self._transactions(order))
        self._refresh(order)
        self.assertEqual(order.state, "sent")

    # door 1: the portal quotation --------------------------------------------------

    def test_gate_portal_quotation_needs_conditions_and_payment_or_mandate(self):
        self.env["ir.config_parameter"].set_param("sale.sale_portal_confirmation_options", "sign")
        order = self._quotation(self.customer_c)
        token = self._login("contact_c")
        accept = dict(
            res_id=order.id,
            partner_name="C",
            signature=SIGNATURE,
            access_token=order.access_token,
        )
        result, _error = self._json("/my/quotes/accept", **accept)
        self.assertSays("conditions", result["error"])
        self._post(
            "/my/orders/%d/accept-conditions" % order.id,
            {"accepted": "1", "access_token": order.access_token},
            token,
        )
        self._refresh(order)
        self.assertFalse(order.infogerance_terms_missing)
        result, _error = self._json("/my/quotes/accept", **accept)
        self.assertSays("unpaid", result["error"])
        self._refresh(order)
        self.assertEqual(order.state, "sent")
        self._give_mandate(self.customer_c)
        result, error = self._json("/my/quotes/accept", **accept)
        self.assertIn("success", result or {}, error)
        self._refresh(order)
        self.assertEqual(order.state, "sale")

    # door 1: RPC -------------------------------------------------------------------

    def test_gate_rpc_confirmation_by_a_customer_refused_by_a_salesman_accepted(self):
        order = self._quotation(self.customer_c)
        self.assertFault(
            "conditions|AccessError|not allowed|restrict",
            self.contact_c,
            "sale.order",
            "action_confirm",
            order.ids,
        )
        self.assertFault(
            "AccessError|not allowed|restrict",
            self.employee,
            "sale.order",
            "action_confirm",
            order.ids,
        )
        self._refresh(order)
        self.assertEqual(order.state, "sent")
        # a salesman confirms for the customer: consent and payment are the sales team's
        self._call(self.salesman, "sale.order", "action_confirm", order.ids)
        self._refresh(order)
        self.assertEqual(order.state, "sale")
        self.assertFault(
            "already confirmed", self.salesman, "sale.order", "action_confirm", order.ids
        )

    # door 3: offers for sale ---------------------------------------------------------

    def test_offers_for_sale_cart_refuses_a_retired_offer(self):
        other_company = self.env["res.company"].create({"name": "Other company (attack)"})
        for label, values in (
            ("archived", {"active": False}),
            ("not published in the shop", {"website_published": False}),
            ("not for sale", {"sale_ok": False}),
            ("another company", {"company_id": other_company.id}),
        ):
            template = self.service_product.product_tmpl_id
            saved = {name: template[name] for name in values}
            if "company_id" in saved:
                saved["company_id"] = template.company_id.id
            template.write(values)
            self.http_cr.commit()
            token = self._login("contact_c")
            # the refusal is the answer expected: website logs it as a server error
            with mute_logger("odoo.addons.website.models.ir_http"):
                self._post("/shop/cart/update", {"product_id": self.service_product.id}, token)
            lines = self.env["sale.order.line"].search(
                [("order_partner_id", "=", self.contact_c.partner_id.id)]
            )
            self.assertFalse(lines.filtered("infogerance_offer_id"), label)
            template.write(saved)
            self.http_cr.commit()

    def test_offers_for_sale_no_one_confirms_an_archived_offer(self):
        order = self._quotation(self.customer_c)
        self.service_product.product_tmpl_id.active = False
        self.http_cr.commit()
        self.assertFault(
            "Offers for sale.*archived", self.salesman, "sale.order", "action_confirm", order.ids
        )
        self._refresh(order)
        self.assertEqual(order.state, "sent")

    def test_offers_for_sale_a_salesman_may_sell_an_unpublished_offer(self):
        order = self._quotation(self.customer_c)
        self.service_product.website_published = False
        self.http_cr.commit()
        self._call(self.salesman, "sale.order", "action_confirm", order.ids)
        self._refresh(order)
        self.assertEqual(order.state, "sale")

    # door 2: wizards reached by RPC ----------------------------------------------------

    def test_wizard_termination_portal_request_date_is_today(self):
        today = datetime.date.today()
        week_ago = (today - datetime.timedelta(days=7)).isoformat()
        reason = self.env.ref("commown_infogerance.termination_reason_other_provider").id
        values = {
            "contract_id": self.contract_a.id,
            "request_date": week_ago,
            "reason_id": reason,
            "backdate_reason": "forged",
        }
        for login in (self.contact_a, self.contact_b, self.employee):
            self.assertFault(
                "AccessError|Only|entitled|salesman|restrict",
                login,
                "infogerance.termination.wizard",
                "create",
                values,
            )
        self.assertFault(
            "AccessError|Only|entitled|manager",
            self.boss_a,
            "infogerance.termination.wizard",
            "create",
            dict(values, force_end=True, forced_end_date=today.isoformat(), force_reason="x"),
        )
        wizard_id = self._call(self.boss_a, "infogerance.termination.wizard", "create", values)
        self._call(
            self.boss_a,
            "infogerance.termination.wizard",
            "write",
            [wizard_id],
            {"request_date": week_ago},
        )
        self._call(self.boss_a, "infogerance.termination.wizard", "action_confirm", [wizard_id])
        self._refresh(self.contract_a)
        self.assertEqual(self.contract_a.infogerance_termination_request_date, today.isoformat())
        self.assertNotIn("forged", self.contract_a.message_ids[0].body)

    def test_wizard_every_wizard_refuses_a_portal_caller(self):
        wizards = self.env["ir.model"].search(
            [("transient", "=", True), ("model", "=like", "infogerance.%")]
        )
        self.assertGreaterEqual(len(wizards), 3)
        values = {
            "infogerance.termination.wizard": {"contract_id": self.contract_a.id},
            "infogerance.contract.correction": {
                "contract_id": self.contract_a.id,
                "reason": "x",
            },
            "infogerance.subscribe.wizard": {
                "partner_id": self.customer_a.id,
                "offer_id": self.offer.id,
            },
        }
        for wizard in wizards:
            self.assertFault(
                "AccessError|Only|entitled|manager|salespeople",
                self.contact_a,
                wizard.model,
                "create",
                values.get(wizard.model, {}),
            )
            self.assertFalse(
                self.env[wizard.model].search([("create_uid", "=", self.contact_a.id)]),
                wizard.model,
            )
