"""An accountant runs the month's invoicing from the backend: creates the billing
run of a date, presses Run, and watches it finish on the form (progress, totals,
every customer's item); the customer ordered with the offer is invoiced once."""
import re
import time

from conftest import Rpc
from playwright.sync_api import expect


def _product(rpc, template_id):
    return rpc("product.product", "search", [("product_tmpl_id", "=", template_id)])[0]


def _user(rpc, login, name, group_xmlid):
    if not rpc("res.users", "search", [("login", "=", login)]):
        group = rpc("ir.model.data", "xmlid_to_res_id", group_xmlid)
        rpc(
            "res.users",
            "create",
            {
                "name": name,
                "login": login,
                "password": login,
                "email": "%s@commown.example" % login,
                "groups_id": [(6, 0, [group])],
            },
        )
    return login


def test_billing_run_form_an_accountant_runs_the_month(page, step, rpc, shop, customer):
    date = "2031-03-01"  # no demo contract starts so late: the run bills this customer
    salesman = _user(rpc, "browser-salesman", "Sam Salesman", "sales_team.group_sale_salesman")
    order = rpc(
        "sale.order",
        "create",
        {
            "partner_id": customer["company"],
            "user_id": rpc("res.users", "search", [("login", "=", salesman)])[0],
            "infogerance_start_date": date,
            "order_line": [
                (0, 0, {"product_id": _product(rpc, shop["laptop"]), "product_uom_qty": 3}),
                (0, 0, {"product_id": _product(rpc, shop["offer"]), "product_uom_qty": 1}),
            ],
        },
    )
    # a salesman confirms for the customer (the customer would accept the
    # conditions and pay in the shop)
    Rpc(salesman, salesman)("sale.order", "action_confirm", [order])
    login = _user(rpc, "browser-accountant", "Alex Accountant", "account.group_account_invoice")
    action = rpc(
        "ir.model.data", "xmlid_to_res_id", "commown_infogerance.infogerance_billing_run_action"
    )

    with step("backend-login"):
        page.goto("/web/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", login)
        page.click("form.oe_login_form button[type=submit]")
        page.wait_for_selector(".o_main_navbar, .o_main")

    with step("new-run"):
        page.goto("/web#action=%d&view_type=form" % action)
        date_input = page.locator(".o_field_widget[name=date] input")
        # the accountant reads the backend in French (the demo's language)
        date_input.fill("01/03/2031")
        date_input.press("Escape")
        page.locator(".o_form_button_save").click()
        expect(page.locator(".o_form_readonly")).to_have_count(1)

    with step("run-started"):
        page.get_by_role("button", name=re.compile("^(Run|Lancer)$")).click()
        # the chunks run as queue jobs: the form shows the progress
        deadline = time.time() + 180
        done = page.locator(".o_statusbar_status button.btn-primary[data-value=done]")
        while time.time() < deadline and not done.count():
            time.sleep(2)
            page.reload()
            page.wait_for_selector(".o_form_view")
        expect(done).to_have_count(1)

    with step("run-done"):
        [run] = rpc(
            "infogerance.billing.run",
            "search_read",
            [("date", "=", date)],
            fields=["customer_done", "customer_failed", "invoice_count", "item_ids"],
        )
        assert run["customer_failed"] == 0, run
        items = rpc(
            "infogerance.billing.run.item",
            "search_read",
            [("run_id", "=", run["id"]), ("partner_id", "=", customer["company"])],
            fields=["state", "invoice_ids"],
        )
        assert [item["state"] for item in items] == ["done"], items
        assert len(items[0]["invoice_ids"]) == 1, items
        page.locator(".o_notebook a", has_text=re.compile("All customers|Tous les clients")).click()
        expect(page.locator(".o_field_widget[name=item_ids] .o_data_row")).to_have_count(
            len(run["item_ids"])
        )
        expect(page.locator(".o_field_widget[name=customer_done]")).to_have_text(
            str(run["customer_done"])
        )
