"""Every translatable term of the addon has a French translation (the users are French)."""
import os

from odoo.tests.common import TransactionCase
from odoo.tools.translate import PoFile, trans_generate

I18N = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")


class TestFrenchTranslation(TransactionCase):

    def test_every_term_has_a_french_translation(self):
        with open(os.path.join(I18N, "fr.po"), "rb") as handle:
            translated = {source for _type, _model, _name, _res_id, source, value, _comments
                          in PoFile(handle) if value}
        terms = {row[4] for row in trans_generate(None, ["commown_infogerance"], self.cr)
                 if row[4]}
        missing = sorted(terms - translated)
        self.assertFalse(missing, "%s terms without French translation, e.g.:\n%s\n"
                                  "Run scripts/i18n.sh, then translate i18n/fr.po."
                         % (len(missing), "\n".join(missing[:20])))
