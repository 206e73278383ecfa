"""Every translatable term of the addon has a French translation (the users are French)."""
import os
from collections import defaultdict

from babel.messages.pofile import read_po
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


def _term_key(trans_type, name, res_id, source):
    """A term as Odoo 11 finds its translation: a model term (a field's label or
    help, a selection value, a view's, menu's or action's text, a constraint's
    message) by its type, record and source; a term of the code (``_()``) by its
    source alone, wherever it is (``ir.translation._get_source`` with no name)."""
    if trans_type == "code":
        return ("code", "", "", source)
    return (trans_type, name, str(res_id), source)


def odoo_loaded_terms(po_path):
    """The terms Odoo 11 writes a translation for when it loads ``po_path``
    (``odoo.tools.translate.trans_load_data``), with the same reader (``PoFile``):

    - each ``#:`` reference of an entry is a term, translated by its msgstr; an
      entry without any reference, or marked fuzzy, translates nothing (PoFile
      skips it, with a warning in the log);
    - the references of the same msgid in the module's .pot next to it
      (``<module>.pot``) are terms too, translated by that msgstr, but only when
      the .po entry gave one (a reference of its own, not fuzzy).

    An empty msgstr translates nothing."""
    directory, _name = os.path.split(po_path)
    module = os.path.basename(os.path.dirname(directory))
    pot_targets = defaultdict(set)
    pot_path = os.path.join(directory, "%s.pot" % module)
    if os.path.exists(pot_path):
        with open(pot_path, "rb") as handle:
            for trans_type, name, res_id, source, _value, _comments in PoFile(handle):
                pot_targets[source].add((trans_type, name, res_id))
    loaded, values = set(), {}
    with open(po_path, "rb") as handle:
        for trans_type, name, res_id, source, value, _comments in PoFile(handle):
            if value:
                loaded.add(_term_key(trans_type, name, res_id, source))
            values[source] = value
    for source, value in values.items():
        if value:
            loaded.update(_term_key(*target, source) for target in pot_targets[source])
    return loaded


class TestFrenchTranslation(InfogeranceCase):
    def _module_terms(self, module):
        """The rows of the terms the module declares, as its .pot is exported
        (``trans_generate``), but those of its demo data."""
        # rows: (module, type, name, record xml id, source, value, comments)
        demo = demo_xml_ids(module)
        # a demo product.product also names its product.template: <xml id>_product_template
        demo_prefixes = tuple("%s_" % xml_id for xml_id in demo)
        return [
            row
            for row in trans_generate(None, [module], self.cr)
            if row[4] and row[3] not in demo and not str(row[3]).startswith(demo_prefixes)
        ]

    def _assert_translated(self, module):
        with open(os.path.join(ROOT, module, "i18n", "fr.po"), "rb") as handle:
            translated = {
                source
                for _type, _name, _res_id, source, value, _comments in PoFile(handle)
                if value
            }
        terms = {row[4] for row in self._module_terms(module)}
        missing = sorted(terms - translated)
        self.assertFalse(
            missing,
            "%s: %s terms without French translation, e.g.:\n%s\n"
            "Run make i18n, then translate %s/i18n/fr.po."
            % (module, len(missing), "\n".join(missing[:20]), module),
        )

    def test_every_term_has_a_french_translation(self):
        self._assert_translated("commown_infogerance")

    def test_every_french_translation_reaches_the_terms_it_translates(self):
        """A French msgstr translates a term only through the references Odoo reads
        on its entry (``#: model:ir.model.fields,field_description:...``,
        ``#: selection:...``, ``#: code:...``, or the .pot's for that msgid): an
        entry without them is in fr.po and translates nothing, and the backend
        shows the term in English. Every term the addon declares whose source
        has a French msgstr must be one Odoo loads."""
        module = "commown_infogerance"
        po_path = os.path.join(ROOT, module, "i18n", "fr.po")
        with open(po_path, "rb") as handle:
            french = {
                message.id
                for message in read_po(handle)
                if message.id and isinstance(message.id, str) and message.string
            }
        loaded = odoo_loaded_terms(po_path)
        lost = sorted(
            "%s %s %s: %r" % (row[1], row[2], row[3], row[4])
            for row in self._module_terms(module)
            if row[4] in french and _term_key(row[1], row[2], row[3], row[4]) not in loaded
        )
        self.assertFalse(
            lost,
            "%s: %s terms with a French msgstr that Odoo does not load (no reference on "
            "the fr.po entry, or fuzzy), e.g.:\n%s\nRun make i18n (msgmerge puts the "
            ".pot's references on fr.po's entries)." % (module, len(lost), "\n".join(lost[:20])),
        )

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
