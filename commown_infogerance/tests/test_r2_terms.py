"""R2: the grid and the commitment/notice terms, as customers read them: one
template (``infogerance_terms``) for the order PDF, the shop and the portal, one
wording, in the customer's language, without internal rule codes, French dates
in French."""
import re

from freezegun import freeze_time
from lxml import html

from .common import InfogeranceCase

RULE_CODE = re.compile(r"\bR[1-9]\b")
TERMS_TEMPLATE = 't-call="commown_infogerance.infogerance_terms"'


class TestR2Terms(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env["res.lang"].search([("code", "=", "fr_FR")]):
            cls.env["base.language.install"].create({"lang": "fr_FR"}).lang_install()
        cls.customer.lang = "fr_FR"

    # Helpers -------------------------------------------------------------------

    @staticmethod
    def _text(element):
        return " ".join(element.text_content().split())

    @staticmethod
    def _html(document):
        """Rendered QWeb (UTF-8 bytes) as an HTML tree."""
        if isinstance(document, bytes):
            document = document.decode("utf-8")
        return html.fromstring(document)

    def _terms(self, document):
        """The parts of the one terms block of an HTML document, as text."""
        [block] = self._html(document).find_class("o_infogerance_terms")
        parts = {"all": self._text(block)}
        for name in ("pricing", "grid", "services", "commitment", "notice"):
            [element] = block.find_class("o_infogerance_" + name)
            parts[name] = self._text(element)
        return parts

    def _render_terms(self, terms):
        """The template as the shop and the portal call it, in French."""
        return (
            self.env["ir.qweb"]
            .with_context(lang="fr_FR")
            .render("commown_infogerance.infogerance_terms", {"terms": terms})
        )

    def _pdf_html(self, order):
        """The order form's HTML, as wkhtmltopdf gets it (customer's language)."""
        report = self.env.ref("sale.action_report_saleorder")
        document, _kind = report.render_qweb_html(order.ids)
        return document

    def _contract(self):
        with freeze_time("2026-01-01"):
            self._create_order(self.customer, computers=6).action_confirm()
        return self._service_contract(self.customer)

    # Tests ---------------------------------------------------------------------

    def test_r2_pdf_shop_and_portal_call_the_one_terms_template(self):
        """No copy of the grid or of the terms: the three pages call one template."""
        for xmlid in (
            "sale.report_saleorder_document",
            "website_sale.product",
            "commown_infogerance.portal_my_infogerance_contract",
        ):
            arch = self.env.ref(xmlid).read_combined(["arch"])["arch"]
            self.assertEqual(arch.count(TERMS_TEMPLATE), 1, xmlid)
            for copy in ("o_infogerance_grid", "o_infogerance_notice", "days' notice"):
                self.assertNotIn(copy, arch, xmlid)

    def test_r2_same_terms_in_french_in_pdf_shop_and_portal(self):
        order = self._create_order(self.customer, computers=6)
        pdf = self._terms(self._pdf_html(order))
        # the shop and the portal read their records in the visitor's language
        french_offer = self.offer.with_context(lang="fr_FR")
        shop = self._terms(self._render_terms(french_offer._prepare_infogerance_terms_values()))
        contract = self._contract().with_context(lang="fr_FR")
        portal = self._terms(self._render_terms(contract._prepare_infogerance_terms_values()))
        # the contract's wording (art. 1.2 and 1.3), in French
        self.assertIn("fixes, fermes et non révisables pendant la durée d'engagement", shop["all"])
        self.assertIn("Engagement : 12 mois à compter de la souscription", shop["commitment"])
        self.assertIn("préavis de 15 jours, tout mois commencé étant dû", shop["notice"])
        self.assertIn("Résiliation :", shop["notice"])
        # one wording in the three channels
        for name in ("pricing", "notice"):
            self.assertEqual(pdf[name], shop[name], name)
            self.assertEqual(portal[name], shop[name], name)
        self.assertEqual(pdf["commitment"], shop["commitment"])
        self.assertEqual(pdf["grid"], shop["grid"])
        self.assertRegex(shop["grid"], r"1 15,00 € 5 12,00 € 10 10,00 €")
        # the portal gives the contract's own commitment end, French date format
        self.assertEqual(
            portal["commitment"],
            shop["commitment"].replace(
                "de la souscription.", "de la souscription, jusqu'au 31/12/2026."
            ),
        )
        for channel, parts in (("pdf", pdf), ("shop", shop), ("portal", portal)):
            self.assertNotRegex(parts["all"], RULE_CODE, channel)
            self.assertNotIn("2026-12-31", parts["all"], channel)

    def test_r2_order_pdf_shows_no_rule_code(self):
        """The whole managed-service part of the order form, price explanation
        included, even for an order that breaks R1."""
        for computers in (6, None):
            order = self._create_order(self.customer, computers=computers)
            [block] = self._html(self._pdf_html(order)).find_class("infogerance_offer_terms")
            text = self._text(block)
            self.assertIn("Services d'infogérance", text)
            self.assertNotRegex(text, RULE_CODE, computers)

    def test_r2_french_dates_use_the_french_date_format(self):
        french = self.env["res.lang"].search([("code", "=", "fr_FR")])
        self.assertEqual(french.date_format, "%d/%m/%Y")
        contract = self._contract().with_context(lang="fr_FR")
        during = contract.infogerance_termination_explanation("2026-06-10")
        self.assertIn("31/12/2026", during)
        after = contract.infogerance_termination_explanation("2027-03-20")
        self.assertIn("04/04/2027", after)
        self.assertIn("30/04/2027", after)
        for text in (during, after):
            self.assertNotRegex(text, RULE_CODE)
            self.assertNotRegex(text, r"\d{4}-\d{2}-\d{2}")
        # the terms' date widget, as the portal renders it
        rendered = self._render_terms(contract._prepare_infogerance_terms_values())
        self.assertIn("31/12/2026", self._terms(rendered)["commitment"])

    def test_r2_shop_cart_error_shows_no_rule_code(self):
        cart = self.env["sale.order"].sudo().create({"partner_id": self.customer.id})
        cart._cart_update(product_id=self.service_product.id, add_qty=1)
        error = cart.with_context(lang="fr_FR").infogerance_sale_error
        self.assertIn("nécessite une location d'ordinateur", error)
        self.assertNotRegex(error, RULE_CODE)
        line = self._service_line(cart).with_context(lang="fr_FR")
        self.assertNotRegex(line.infogerance_price_reason, RULE_CODE)
