"""A salesman reads a quotation in the backend: each computer rental line says
which managed-service line covers it, and the service line lists the computers
it covers (the order line's form, opened from the order in read mode)."""
from playwright.sync_api import expect


def _product(rpc, template_id):
    return rpc("product.product", "search", [("product_tmpl_id", "=", template_id)])[0]


def test_r1_line_form_shows_which_service_covers_each_computer(page, step, rpc, shop, customer):
    order = rpc(
        "sale.order",
        "create",
        {
            "partner_id": customer["company"],
            "order_line": [
                (0, 0, {"product_id": _product(rpc, shop["laptop"]), "product_uom_qty": 2}),
                (0, 0, {"product_id": _product(rpc, shop["offer"]), "product_uom_qty": 1}),
            ],
        },
    )
    lines = rpc(
        "sale.order.line",
        "search_read",
        [("order_id", "=", order)],
        fields=["name", "is_computer_rental", "infogerance_service_line_id", "product_uom_qty"],
    )
    [rental] = [line for line in lines if line["is_computer_rental"]]
    [service] = [line for line in lines if not line["is_computer_rental"]]
    assert rental["infogerance_service_line_id"][0] == service["id"], lines
    assert service["product_uom_qty"] == 2, lines  # one service per computer covered

    with step("backend-login"):
        page.goto("/web/login")
        page.fill("input[name=login]", "admin")
        page.fill("input[name=password]", "admin")
        page.click("form.oe_login_form button[type=submit]")
        page.wait_for_selector(".o_main_navbar, .o_main")

    with step("quotation"):
        page.goto("/web#id=%d&model=sale.order&view_type=form" % order)
        rows = page.locator(".o_field_one2many[name=order_line] .o_data_row")
        expect(rows).to_have_count(2)

    dialog = page.locator(".modal-dialog")
    with step("rental-line-form"):
        rows.filter(has_text=rental["name"].splitlines()[0]).first.click()
        expect(dialog.locator(".o_field_widget[name=infogerance_service_line_id]")).to_contain_text(
            service["name"].splitlines()[0]
        )
        expect(dialog.locator(".o_field_widget[name=infogerance_rental_line_ids]")).to_be_hidden()
        dialog.locator(".modal-footer button").first.click()
        expect(dialog).to_have_count(0)

    with step("service-line-form"):
        rows.filter(has_text=service["name"].splitlines()[0]).first.click()
        covered = dialog.locator(".o_field_widget[name=infogerance_rental_line_ids]")
        expect(covered.locator(".badge")).to_have_count(1)
        expect(covered).to_contain_text(rental["name"].splitlines()[0])
        expect(dialog.locator(".o_field_widget[name=infogerance_fleet_size]")).to_contain_text("2")
