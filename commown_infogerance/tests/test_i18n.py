"""Every translatable term of the addon has a French translation (the users are French)."""
import os

from lxml import etree

from odoo.exceptions import UserError
from odoo.modules.module import get_module_resource, load_information_from_description_file
from odoo.tools.translate import PoFile, trans_generate

from .common import InfogeranceCase

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def demo_xml_ids(module):
    """The xml ids of the records a module's demo files create: example data, whose
    terms are not the module's (its .pot is exported from a database without demo)."""
    xml_ids = set()
    for path in load_information_from_description_file(module).get("demo", []):
        if path.endswith(".xml"):
            tree = etree.parse(get_module_resource(module, *path.split("/")))
            for xml_id in tree.xpath("//@id"):
                xml_ids.add(xml_id if "." in xml_id else "%s.%s" % (module, xml_id))
    return xml_ids


class TestFrenchTranslation(InfogeranceCase):
    def _assert_translated(self, module):
        with open(os.path.join(ROOT, module, "i18n", "fr.po"), "rb") as handle:
            translated = {
                source
                for _type, _name, _res_id, source, value, _comments in PoFile(handle)
                if value
            }
        # rows: (module, type, name, record xml id, source, value, comments)
        demo = demo_xml_ids(module)
        # a demo product.product also names its product.template: <xml id>_product_template
        demo_prefixes = tuple("%s_" % xml_id for xml_id in demo)
        terms = {
            row[4]
            for row in trans_generate(None, [module], self.cr)
            if row[4] and row[3] not in demo and not str(row[3]).startswith(demo_prefixes)
        }
        missing = sorted(terms - translated)
        self.assertFalse(
            missing,
            "%s: %s terms without French translation, e.g.:\n%s\n"
            "Run make i18n, then translate %s/i18n/fr.po."
            % (module, len(missing), "\n".join(missing[:20]), module),
        )

    def test_every_term_has_a_french_translation(self):
        self._assert_translated("commown_infogerance")

    def test_every_term_of_the_queue_module_has_a_french_translation(self):
        if not self.env["ir.module.module"].search(
            [("name", "=", "commown_infogerance_queue"), ("state", "=", "installed")]
        ):
            self.skipTest("commown_infogerance_queue is not installed")
        self._assert_translated("commown_infogerance_queue")

    def test_a_french_salesman_reads_the_rules_in_french(self):
        if not self.env["res.lang"].search([("code", "=", "fr_FR")]):
            self.env["base.language.install"].create({"lang": "fr_FR"}).lang_install()
        order = self._create_order(self.customer, computers=None)
        with self.assertRaisesRegex(UserError, "R1 - .*location d'ordinateur"):
            order.with_context(lang="fr_FR").action_confirm()

    def test_oca_contract_terms_read_in_french(self):
        """OCA contract's own fr.po leaves most of its terms in English; the
        addon's i18n_extra/fr.po completes it, and Odoo loads it on contract's
        records: a French user reads the contract form in French."""
        contract_po = get_module_resource("contract", "i18n", "fr.po")
        with open(contract_po, "rb") as handle:
            untranslated = {
                source for _t, _n, _r, source, value, _c in PoFile(handle) if source and not value
            }
        with open(os.path.join(ROOT, "commown_infogerance", "i18n_extra", "fr.po"), "rb") as handle:
            extra = {source for _t, _n, _r, source, value, _c in PoFile(handle) if value}
        self.assertFalse(sorted(untranslated - extra)[:20])
        described = (
            self.env["account.analytic.account"]
            .with_context(lang="fr_FR")
            .fields_get(["date_start", "recurring_invoicing_type"])
        )
        self.assertEqual(described["date_start"]["string"], "Date de début")
        self.assertIn(
            ("pre-paid", "Terme à échoir"), described["recurring_invoicing_type"]["selection"]
        )
