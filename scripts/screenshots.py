#!/usr/bin/env python3
"""Screenshots of the addon's backend (French UI) for the README.

Run against a server started by ``make run`` (demo data, login admin / admin)::

    .venv-browser/bin/python scripts/screenshots.py \\
        --url http://localhost:8069 --db commown_infogerance --out docs

It writes docs/backend-{offer,quotation,contract,termination-wizard,
service-requests,mrr-movements,conditions,support-team}.png (the shop and
portal shots come from the browser tests, BROWSER_DOCS_DIR=docs). It changes
the database: it creates a quotation for "Brasserie des Canuts" and, the first
time, ends one of the rentals of "Atelier Lumière SARL" yesterday (a fleet
change from 12 to 11 computers).
"""
import argparse
import datetime
import json
import os
import shutil
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 900}


class Rpc:
    """Odoo's external API over JSON-RPC (it can return None, XML-RPC cannot)."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        self.uid = self._call("common", "login", db, login, password)
        if not self.uid:
            raise SystemExit("cannot log in to %s as %s" % (db, login))

    def _call(self, service, method, *args):
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"service": service, "method": method, "args": args},
            }
        ).encode()
        request = urllib.request.Request(
            self.url + "/jsonrpc", payload, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
        if answer.get("error"):
            raise RuntimeError(answer["error"]["data"].get("message") or answer["error"])
        return answer.get("result")

    def __call__(self, model, method, *args, **kwargs):
        if getattr(self, "lang", None):  # texts the server writes, in the UI's language
            kwargs.setdefault("context", {"lang": self.lang})
        return self._call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )

    def ref(self, xmlid):
        return self("ir.model.data", "xmlid_to_res_id", xmlid)

    def one(self, model, domain):
        ids = self(model, "search", domain, limit=1)
        if not ids:
            raise SystemExit("nothing in %s matches %r" % (model, domain))
        return ids[0]


# Data -------------------------------------------------------------------------


def prepare(rpc):
    """The records to show; creates the quotation and the fleet change."""
    data = {}
    [user] = rpc("res.users", "read", [rpc.uid], ["lang"])
    rpc.lang = user["lang"]
    data["offer"] = rpc.one("infogerance.offer", [("name", "=", "Essentiel")])

    laptop = rpc.one("product.product", [("default_code", "=", "LOC-PC-PORTABLE")])
    service = rpc.one("product.product", [("default_code", "=", "INFOG-ESSENTIEL")])
    canuts = rpc.one("res.partner", [("name", "=", "Brasserie des Canuts")])
    data["quotation"] = rpc(
        "sale.order",
        "create",
        {
            "partner_id": canuts,
            "order_line": [
                (0, 0, {"product_id": laptop, "product_uom_qty": 1}),
                (0, 0, {"product_id": laptop, "product_uom_qty": 1}),
                (0, 0, {"product_id": service, "product_uom_qty": 1}),
            ],
        },
    )

    lumiere = rpc.one("res.partner", [("name", "=", "Atelier Lumière SARL")])
    data["contract"] = rpc.one(
        "account.analytic.account",
        [("infogerance_role", "=", "service"), ("partner_id", "child_of", lumiere)],
    )
    rentals = rpc(
        "account.analytic.account",
        "search_read",
        [("infogerance_role", "=", "rental"), ("partner_id", "child_of", lumiere)],
        fields=["date_end"],
        order="id desc",
    )
    if not any(rental["date_end"] for rental in rentals):  # only once per database
        yesterday = datetime.date.today() - datetime.timedelta(days=1)
        rpc(
            "account.analytic.account",
            "write",
            [rentals[0]["id"]],
            {"date_end": yesterday.isoformat()},
        )
    data["contract_action"] = rpc.ref("commown_infogerance.infogerance_contract_action")
    data["requests_action"] = rpc.ref("commown_infogerance.infogerance_service_request_action")
    data["mrr_action"] = rpc.ref("commown_infogerance.infogerance_mrr_movement_action")
    data["terms_action"] = rpc.ref("commown_infogerance.infogerance_terms_action")
    data["terms"] = rpc.ref("commown_infogerance.demo_terms_essentiel_2026")
    data["team_action"] = rpc.ref("commown_infogerance.infogerance_support_team_action")
    data["team"] = rpc.ref("commown_infogerance.support_team_managed_services")
    return data


# Browser ----------------------------------------------------------------------


class Network:
    """Requests in flight, the bus's long polling aside: it is always pending,
    so Playwright's "networkidle" never comes in the Odoo web client."""

    def __init__(self, page):
        self.pending = set()
        page.on("request", self._start)
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", lambda r: self.pending.discard(r))

    def _start(self, request):
        if "/longpolling/" not in request.url:
            self.pending.add(request)

    def wait_idle(self, page, quiet_ms=500, timeout_ms=60000):
        quiet = waited = 0
        while quiet < quiet_ms:
            if waited > timeout_ms:
                raise TimeoutError("requests still pending: %s" % [r.url for r in self.pending])
            page.wait_for_timeout(100)
            waited += 100
            quiet = quiet + 100 if not self.pending else 0


def settle(page, selector):
    page.wait_for_selector(selector, state="visible")
    page.network.wait_idle(page)
    page.wait_for_timeout(300)  # the web client's last re-renders


def open_client(page, fragment, selector):
    page.goto("/web#" + fragment)
    settle(page, selector)


def shoot(page, out, name, full_page=True):
    """full_page: the web client scrolls inside .o_content, not the document,
    so the viewport grows by what .o_content hides for the screenshot."""
    path = os.path.join(out, "backend-%s.png" % name)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
    hidden = (
        page.evaluate(
            """() => {
        const content = document.querySelector('.o_content');
        return content ? content.scrollHeight - content.clientHeight : 0;
    }"""
        )
        if full_page
        else 0
    )
    if hidden > 0:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": VIEWPORT["height"] + hidden})
        page.wait_for_timeout(300)
    page.screenshot(path=path)
    page.set_viewport_size(VIEWPORT)
    print(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="commown_infogerance")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    os.makedirs(args.out, exist_ok=True)

    rpc = Rpc(url, args.db, args.login, args.password)
    data = prepare(rpc)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=url, viewport=VIEWPORT, locale="fr-FR")
        context.set_default_timeout(60000)
        page = context.new_page()
        page.network = Network(page)

        page.goto("/web/login?db=%s" % args.db)
        page.fill("input[name=login]", args.login)
        page.fill("input[name=password]", args.password)
        page.click("form.oe_login_form button[type=submit]")
        page.wait_for_url(lambda u: "/web/login" not in u)
        settle(page, ".o_main_navbar, .o_main")

        open_client(
            page, "model=infogerance.offer&id=%d&view_type=form" % data["offer"], ".o_form_view"
        )
        shoot(page, args.out, "offer")

        open_client(
            page,
            "model=sale.order&id=%d&view_type=form" % data["quotation"],
            ".o_form_view .o_list_view",
        )
        shoot(page, args.out, "quotation")

        open_client(
            page,
            "action=%d&model=account.analytic.account&id=%d&view_type=form"
            % (data["contract_action"], data["contract"]),
            ".o_form_view",
        )
        page.click(".o_notebook .nav-tabs a:has-text('parc')")
        settle(page, ".o_notebook .tab-pane.active .o_list_view")
        shoot(page, args.out, "contract")

        # Odoo 11 renders header buttons without their name: the French label
        page.locator(
            ".o_form_statusbar button[name=action_request_termination], "
            ".o_form_statusbar button:has-text('Demander la résiliation')"
        ).first.click()
        settle(page, ".modal-dialog .o_form_view")
        shoot(page, args.out, "termination-wizard", full_page=False)
        page.click(".modal-footer button.btn-default")  # Cancel: nothing recorded

        open_client(
            page,
            "action=%d&model=infogerance.service.request&view_type=kanban"
            % data["requests_action"],
            ".o_kanban_view",
        )
        shoot(page, args.out, "service-requests")

        open_client(
            page,
            "action=%d&model=infogerance.mrr.movement&view_type=pivot" % data["mrr_action"],
            ".o_pivot",
        )
        shoot(page, args.out, "mrr-movements")

        open_client(
            page,
            "action=%d&model=infogerance.terms&id=%d&view_type=form"
            % (data["terms_action"], data["terms"]),
            ".o_form_view",
        )
        shoot(page, args.out, "conditions")

        open_client(
            page,
            "action=%d&model=infogerance.support.team&id=%d&view_type=form"
            % (data["team_action"], data["team"]),
            ".o_form_view",
        )
        shoot(page, args.out, "support-team")
        browser.close()


if __name__ == "__main__":
    main()
