"""Fixtures of the browser tests: JSON-RPC to the Odoo under test, Debian's
chromium driven by Playwright, and numbered screenshots of each step."""
import contextlib
import itertools
import json
import os
import shutil
import urllib.request
import uuid

import pytest
from playwright.sync_api import sync_playwright

URL = os.environ.get("ODOO_URL", "http://127.0.0.1:8069")
DB = os.environ.get("ODOO_DB", "commown_infogerance_browser")
ARTIFACTS = os.environ.get(
    "BROWSER_ARTIFACTS", os.path.join(os.path.dirname(__file__), os.pardir, "artifacts", "browser")
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Rpc:
    """Odoo's external API over JSON-RPC (XML-RPC cannot return None, which
    button methods such as ``action_mark_as_paid`` do)."""

    def __init__(self, login="admin", password="admin"):
        self.password = password
        self.uid = self._call("common", "login", DB, login, password)
        assert self.uid, "cannot log in to %s as %s" % (DB, login)

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
            URL + "/jsonrpc", payload, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
        if answer.get("error"):
            raise RuntimeError(answer["error"]["data"].get("message") or answer["error"])
        return answer.get("result")  # absent when the method returned None

    def __call__(self, model, method, *args, **kwargs):
        return self._call(
            "object", "execute_kw", DB, self.uid, self.password, model, method, list(args), kwargs
        )


@pytest.fixture(scope="session")
def rpc():
    return Rpc()


@pytest.fixture(scope="session")
def shop(rpc):
    """Demo data the flow needs: the wire-transfer acquirer published, the
    laptop rental and the managed-service offer on sale in the shop."""
    transfer = rpc("ir.model.data", "xmlid_to_res_id", "payment.payment_acquirer_transfer")
    assert transfer, "payment_transfer's acquirer is missing from the demo database"
    rpc("payment.acquirer", "write", [transfer], {"website_published": True})
    products = {"transfer": transfer}
    for key, code in (("laptop", "LOC-PC-PORTABLE"), ("offer", "INFOG-ESSENTIEL")):
        [product] = rpc(
            "product.product",
            "search_read",
            [("default_code", "=", code)],
            fields=["product_tmpl_id"],
        )
        rpc(
            "product.template",
            "write",
            [product["product_tmpl_id"][0]],
            {"website_published": True},
        )
        products[key] = product["product_tmpl_id"][0]
    return products


@pytest.fixture
def customer(rpc):
    """A new business customer and its portal user (an employee of the company)."""
    tag = uuid.uuid4().hex[:8]
    address = {
        "street": "3 rue des Tests",
        "zip": "67000",
        "city": "Strasbourg",
        "country_id": rpc("res.country", "search", [("code", "=", "FR")])[0],
        "phone": "+33 3 00 00 00 00",
    }
    company = rpc(
        "res.partner",
        "create",
        dict(
            address,
            name="Browser Test %s SARL" % tag,
            is_company=True,
            email="contact-%s@example.com" % tag,
        ),
    )
    contact = rpc(
        "res.partner",
        "create",
        dict(
            address,
            name="Camille Browser %s" % tag,
            parent_id=company,
            email="camille-%s@example.com" % tag,
            # may act for the company: terminates its contract in the portal
            infogerance_customer_manager=True,
        ),
    )
    portal_group = rpc("ir.model.data", "xmlid_to_res_id", "base.group_portal")
    login = "camille-%s@example.com" % tag
    rpc(
        "res.users",
        "create",
        {
            "name": "Camille Browser %s" % tag,
            "login": login,
            "password": "portal-%s" % tag,
            "partner_id": contact,
            "groups_id": [(6, 0, [portal_group])],
        },
    )
    # The customer pays by SEPA direct debit, with a valid mandate (demo payment mode)
    bban = "3000400003%011d00" % (int(tag, 16) % 10**11)
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "FR00")) % 97
    account = rpc(
        "res.partner.bank",
        "create",
        {"acc_number": "FR%02d%s" % (check, bban), "partner_id": company},
    )
    mandate = rpc(
        "account.banking.mandate",
        "create",
        {
            "partner_bank_id": account,
            "format": "sepa",
            "type": "recurrent",
            "recurrent_sequence_type": "first",
            "scheme": "CORE",
            "signature_date": "2026-01-01",
        },
    )
    rpc("account.banking.mandate", "validate", [mandate])
    mode = rpc("ir.model.data", "xmlid_to_res_id", "commown_infogerance.demo_payment_mode_sepa_dd")
    rpc("res.partner", "write", [company], {"customer_payment_mode_id": mode})
    return {
        "company": company,
        "contact": contact,
        "login": login,
        "password": "portal-%s" % tag,
        "payment_mode": mode,
        "mandate": mandate,
    }


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        executable = shutil.which("chromium")
        assert executable, "Debian's chromium is missing (apt-get install chromium)"
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(
        base_url=URL, viewport={"width": 1280, "height": 1000}, locale="en-US"
    )
    context.set_default_timeout(30000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def step(page, request):
    """``with step("name"):`` screenshots the page after the step, or on failure
    and then fails with the screenshot's path."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    counter = itertools.count(1)
    test = request.node.name

    @contextlib.contextmanager
    def _step(name):
        path = os.path.abspath(
            os.path.join(ARTIFACTS, "%s-%02d-%s.png" % (test, next(counter), name))
        )
        try:
            yield path
        except Exception as error:
            failed = path.replace(".png", "-FAILED.png")
            with contextlib.suppress(Exception):
                page.screenshot(path=failed, full_page=True)
            raise AssertionError(
                "step %r failed at %s: %s (screenshot: %s)" % (name, page.url, error, failed)
            ) from error
        page.screenshot(path=path, full_page=True)

    return _step
