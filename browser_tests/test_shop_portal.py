"""A business customer buys computers with managed services in the shop and
follows its subscription in the portal, in a real browser (chromium)."""
import calendar
import datetime
import os
import re
import shutil
import urllib.error
import urllib.request

from conftest import URL
from playwright.sync_api import expect

#: When set, the tour screenshots of the README are refreshed there.
DOCS = os.environ.get("BROWSER_DOCS_DIR")


def _doc(path, name):
    if DOCS:
        shutil.copy(path, os.path.join(DOCS, name))


def _amount(value):
    """An amount as the website's language writes it: 15.00 or 15,00."""
    return re.compile(r"\b%d[.,]00\b" % value)


def _commitment_end(start):
    """start + 12 months - 1 day (R5), computed here independently of the addon."""
    year, month = start.year + 1, start.month
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day) - datetime.timedelta(days=1)


def _login(page, step, customer):
    with step("login"):
        page.goto("/web/login")
        page.fill("input[name=login]", customer["login"])
        page.fill("input[name=password]", customer["password"])
        page.click("form.oe_login_form button[type=submit]")
        page.wait_for_load_state()
        assert "/web/login" not in page.url, "login refused"


def _add_to_cart(page, product_tmpl_id, quantity):
    page.goto("/shop/product/%d" % product_tmpl_id)
    page.fill("input[name=add_qty]", str(quantity))
    page.click("#add_to_cart")
    page.wait_for_url(re.compile(r"/shop/cart"))


def test_shop_checkout_contracts_and_portal_termination(page, step, rpc, shop, customer):
    _login(page, step, customer)

    with step("offer-product-page") as shot:
        page.goto("/shop/product/%d" % shop["offer"])
        grid = page.locator(".o_infogerance_grid")
        expect(grid).to_contain_text(_amount(15))
        expect(grid).to_contain_text(_amount(12))
        expect(grid).to_contain_text(_amount(10))
        assert page.locator(".o_infogerance_services li").count() >= 5
        expect(page.locator(".o_infogerance_commitment")).to_contain_text("12")
        expect(page.locator(".o_infogerance_notice")).to_contain_text("15")
    _doc(shot, "shop-product.png")

    with step("cart-3-computers-and-offer") as shot:
        _add_to_cart(page, shop["laptop"], 3)
        _add_to_cart(page, shop["offer"], 1)
        service_line = page.locator("tr", has=page.locator(".o_infogerance_cart_line"))
        expect(service_line.locator(".o_infogerance_unit_price")).to_contain_text(_amount(15))
        expect(service_line.locator("input.js_quantity")).to_have_value("3")
        expect(page.locator(".o_infogerance_sale_error")).to_have_count(0)
    _doc(shot, "shop-cart.png")

    with step("checkout"):
        page.click("a[href='/shop/checkout']")
        page.wait_for_url(re.compile(r"/shop/checkout"))
        page.click("a[href='/shop/confirm_order']")
        page.wait_for_url(re.compile(r"/shop/payment"))

    with step("conditions-block-payment") as shot:
        page.locator("input[name=pm_id][data-acquirer-id='%d']" % shop["transfer"]).check(
            force=True
        )
        expect(page.locator(".o_infogerance_payment_terms a")).to_have_count(1)
        expect(page.locator("#o_payment_form_pay")).to_be_disabled()
        # What "Pay now" calls, sent directly without the box ticked: refused.
        answer = page.request.post(
            URL + "/shop/payment/transaction/",
            data={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"acquirer_id": shop["transfer"]},
            },
        ).json()
        assert "conditions" in str(answer.get("error")), answer
        assert not rpc("payment.transaction", "search", [("partner_id", "=", customer["contact"])])
    _doc(shot, "shop-payment-conditions.png")

    with step("pay-by-wire-transfer"):
        page.check("#o_infogerance_accept_terms")
        expect(page.locator("#o_payment_form_pay")).to_be_enabled()
        page.click("#o_payment_form_pay")
        page.wait_for_url(re.compile(r"/shop/confirmation"), timeout=60000)

    with step("backend-marks-paid"):
        [order] = rpc(
            "sale.order",
            "search_read",
            [("partner_id", "=", customer["contact"])],
            fields=["state", "amount_untaxed", "name"],
        )
        # Wire transfer: the order waits, quoted, until the payment is received.
        assert order["state"] == "sent", order
        [acceptance] = rpc(
            "infogerance.terms.acceptance",
            "search_read",
            [("order_id", "=", order["id"])],
            fields=["version", "user_id", "ip_address", "channel"],
        )
        assert acceptance["version"] == "2026-01" and acceptance["channel"] == "shop", acceptance
        assert acceptance["ip_address"] == "127.0.0.1", acceptance
        expect(page.locator("#wrap")).to_contain_text(order["name"])
        assert not rpc(
            "account.analytic.account", "search", [("partner_id", "child_of", customer["company"])]
        )
        # The backend's "Mark as paid": the transaction is done, the order confirmed.
        rpc("sale.order", "action_mark_as_paid", [order["id"]])
        [order] = rpc("sale.order", "read", [order["id"]], ["state", "payment_tx_id"])
        assert order["state"] == "sale", order
        [tx] = rpc("payment.transaction", "read", [order["payment_tx_id"][0]], ["state"])
        assert tx["state"] == "done", tx
        rentals = rpc(
            "account.analytic.account",
            "search_count",
            [("partner_id", "child_of", customer["company"]), ("infogerance_role", "=", "rental")],
        )
        assert rentals == 3, rentals
        # the shop's order carries the customer's direct debit to every contract
        payments = rpc(
            "account.analytic.account",
            "search_read",
            [("partner_id", "child_of", customer["company"])],
            fields=["payment_mode_id", "mandate_id"],
        )
        assert {(p["payment_mode_id"][0], p["mandate_id"][0]) for p in payments} == {
            (customer["payment_mode"], customer["mandate"])
        }, payments
        [contract] = rpc(
            "account.analytic.account",
            "search_read",
            [("partner_id", "child_of", customer["company"]), ("infogerance_role", "=", "service")],
            fields=[
                "infogerance_fleet_size",
                "infogerance_unit_price",
                "infogerance_monthly_amount",
                "date_start",
                "infogerance_commitment_end",
                "date_end",
            ],
        )
        assert (
            contract["infogerance_fleet_size"],
            contract["infogerance_unit_price"],
            contract["infogerance_monthly_amount"],
        ) == (3, 15.0, 45.0), contract
        start = datetime.date.fromisoformat(contract["date_start"])
        expected_end = _commitment_end(start).isoformat()
        assert contract["infogerance_commitment_end"] == expected_end, contract

    with step("portal-home"):
        page.goto("/my/home")
        page.click(".o_infogerance_home_entry a")
        page.wait_for_url(re.compile(r"/my/managed-services$"))
        page.click("a[href='/my/managed-services/%d']" % contract["id"])
        page.wait_for_url(re.compile(r"/my/managed-services/%d$" % contract["id"]))

    with step("portal-contract") as shot:
        expect(page.locator(".o_infogerance_fleet")).to_have_text("3")
        expect(page.locator(".o_infogerance_unit_price")).to_contain_text(_amount(15))
        expect(page.locator(".o_infogerance_monthly_amount")).to_contain_text(_amount(45))
        expect(page.locator(".o_infogerance_grid tbody tr")).to_have_count(3)
        assert page.locator(".o_infogerance_services li").count() >= 5
        expect(page.locator(".o_infogerance_fleet_events tbody tr")).to_have_count(1)
        # During the commitment a request made today ends the contract at its end.
        # in French, dates read 31/12/2026
        expect(page.locator(".o_infogerance_termination_end")).to_have_text(
            datetime.date.fromisoformat(expected_end).strftime("%d/%m/%Y")
        )
        # The demo shop speaks French, as Commown's customers do.
        expect(page.locator(".o_infogerance_termination_explanation")).to_contain_text(
            "restent dues"
        )
    _doc(shot, "portal-contract.png")

    with step("portal-service-requests"):
        # 3 computers in Strasbourg: on-site not eligible, and the page says why (R8).
        expect(page.locator(".o_infogerance_onsite")).to_contain_text("10")
        support, onsite = (
            rpc("infogerance.service.type", "search", [("code", "=", code)])[0]
            for code in ("support", "onsite")
        )
        page.select_option("select[name=service_type_id]", str(support))
        page.select_option("select[name=channel]", "phone")
        page.fill("input[name=summary]", "Laptop slow to start")
        page.click("button.o_infogerance_file_request")
        page.wait_for_url(re.compile(r"filed=1"))
        expect(page.locator(".o_infogerance_request_filed")).to_be_visible()
        expect(page.locator(".o_infogerance_requests tbody tr")).to_have_count(1)
        # The same entitlement check as the backend refuses on-site here.
        page.select_option("select[name=service_type_id]", str(onsite))
        page.fill("input[name=summary]", "Come and see us")
        page.click("button.o_infogerance_file_request")
        expect(page.locator(".o_infogerance_request_error")).to_contain_text("non couverte")
        expect(page.locator(".o_infogerance_request_error")).not_to_contain_text("R8")
        expect(page.locator(".o_infogerance_requests tbody tr")).to_have_count(1)
        assert (
            rpc(
                "infogerance.service.request",
                "search_count",
                [("contract_id", "=", contract["id"])],
            )
            == 1
        )

    with step("portal-other-customer-contract-is-404"):
        others = rpc(
            "account.analytic.account",
            "search",
            [
                ("infogerance_role", "=", "service"),
                ("partner_id.commercial_partner_id", "!=", customer["company"]),
            ],
            limit=1,
        )
        assert others, "the demo data has other customers' contracts"
        response = page.goto("/my/managed-services/%d" % others[0])
        assert response.status == 404, response.status

    with step("portal-request-termination"):
        page.goto("/my/managed-services/%d" % contract["id"])
        page.fill("textarea[name=reason]", "Browser test")
        page.click("button.o_infogerance_request_termination")
        page.wait_for_url(re.compile(r"terminated=1"))
        expect(page.locator(".o_infogerance_terminated")).to_be_visible()
        [after] = rpc(
            "account.analytic.account",
            "read",
            [contract["id"]],
            ["date_end", "infogerance_termination_request_date"],
        )
        assert after["date_end"] == expected_end, after
        assert after["infogerance_termination_request_date"], after
        expect(page.locator(".o_infogerance_termination_form")).to_have_count(0)


def test_r1_offer_alone_is_blocked(page, step, rpc, shop, customer):
    _login(page, step, customer)

    with step("cart-offer-alone"):
        _add_to_cart(page, shop["offer"], 1)
        expect(page.locator(".o_infogerance_sale_error")).to_contain_text("location d'ordinateur")
        expect(page.locator(".o_infogerance_sale_error")).not_to_contain_text("R1")

    for url in ("/shop/checkout", "/shop/payment", "/shop/confirm_order"):
        with step("blocked-%s" % url.rsplit("/", 1)[1]):
            page.goto(url)
            assert page.url.rstrip("/").endswith("/shop/cart"), page.url
            expect(page.locator(".o_infogerance_sale_error")).to_contain_text(
                "nécessite une location d'ordinateur"
            )

    with step("no-payment-transaction"):
        # What the payment form's "Pay now" calls: refused with the rule's message.
        response = page.request.post(
            URL + "/shop/payment/transaction/",
            data={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"acquirer_id": shop["transfer"]},
            },
        )
        answer = response.json()
        error = str(answer.get("error"))
        assert "location d'ordinateur" in error, answer  # the rule's message, in French
        assert "R1" not in error, answer  # customer-facing: no internal rule code
        assert not rpc("payment.transaction", "search", [("partner_id", "=", customer["contact"])])

    with step("nothing-created"):
        orders = rpc(
            "sale.order",
            "search_read",
            [("partner_id", "=", customer["contact"])],
            fields=["state"],
        )
        assert [o["state"] for o in orders] == ["draft"], orders
        assert not rpc(
            "account.analytic.account", "search", [("partner_id", "child_of", customer["company"])]
        )


def test_portal_requires_login():
    request = urllib.request.Request(URL + "/my/managed-services")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            final = response.geturl()
    except urllib.error.HTTPError as error:
        final = error.geturl()
    assert "/web/login" in final, final
