"""Conditions in the customer's language: the French customer reads the French
version of an offer's conditions, on the page, in the PDF and in the quotation
e-mail; the demo offer ships one."""
import base64

from freezegun import freeze_time

from .common import InfogeranceCase

FRENCH_SENTENCE = "Vous vous engagez pour douze mois"


@freeze_time("2026-01-01")
class TestTermsInFrench(InfogeranceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Two languages, so that a French text is a translation (with a single
        # language installed, Odoo writes it over the source).
        for code in ("en_US", "fr_FR"):
            lang = cls.env["res.lang"].with_context(active_test=False).search([("code", "=", code)])
            if lang:
                lang.active = True
            else:
                cls.env["res.lang"].load_lang(code)
        cls.terms = cls.env["infogerance.terms"].create(
            {
                "name": "Particular conditions (test)",
                "offer_id": cls.offer.id,
                "version": "v1",
                "date": "2025-06-01",
                "body": "<p>You commit for twelve months.</p>",
            }
        )
        # A translated HTML field is translated block by block (html_translate).
        translations = {
            "name": ("Particular conditions (test)", "Conditions particulières (test)"),
            "body": ("You commit for twelve months.", FRENCH_SENTENCE + "."),
        }
        for field, (src, value) in translations.items():
            cls.env["ir.translation"].create(
                {
                    "name": "infogerance.terms,%s" % field,
                    "type": "model",
                    "lang": "fr_FR",
                    "res_id": cls.terms.id,
                    "src": src,
                    "value": value,
                    "state": "translated",
                }
            )
        cls.report = cls.env.ref("commown_infogerance.report_infogerance_terms")

    def test_the_document_reads_in_the_readers_language(self):
        english = self.report.with_context(lang="en_US").render_qweb_html(self.terms.ids)[0]
        french = self.report.with_context(lang="fr_FR").render_qweb_html(self.terms.ids)[0]
        self.assertIn(b"twelve months", english)
        self.assertIn(FRENCH_SENTENCE.encode(), french)
        self.assertNotIn(b"twelve months", french)

    def test_a_french_customer_receives_the_french_conditions(self):
        """The quotation e-mail attaches the conditions in the customer's
        language, whoever sends it (Odoo renders reports as HTML in tests)."""
        self.customer.lang = "fr_FR"
        order = self._create_order(self.customer, computers=2)
        attachments = order.with_context(lang="en_US")._infogerance_terms_attachments()
        self.assertEqual(attachments.mapped("name"), ["Conditions particulières (test) - v1.pdf"])
        self.assertIn(FRENCH_SENTENCE.encode(), base64.b64decode(attachments.datas))

    def test_demo_conditions_have_a_french_version(self):
        terms = self.env.ref(
            "commown_infogerance.demo_terms_essentiel_2026", raise_if_not_found=False
        )
        if not terms:
            self.skipTest("no demo data in this database")
        french = terms.with_context(lang="fr_FR")
        self.assertEqual(french.name, "Services d'infogérance : conditions particulières")
        self.assertIn(FRENCH_SENTENCE, french.body)
        self.assertIn("twelve months", terms.with_context(lang="en_US").body)
        html = self.report.with_context(lang="fr_FR").render_qweb_html(terms.ids)[0]
        self.assertIn("La facturation ne s'interrompt jamais".encode(), html)
