"""Every translatable term of the addon has a French translation (the users are French)."""
import os

from odoo.exceptions import UserError
from odoo.tools.translate import PoFile, trans_generate

from .common import InfogeranceCase

I18N = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")


class TestFrenchTranslation(InfogeranceCase):

    def test_every_term_has_a_french_translation(self):
        with open(os.path.join(I18N, "fr.po"), "rb") as handle:
            translated = {source for _type, _name, _res_id, source, value, _comments
                          in PoFile(handle) if value}
        terms = {row[4] for row in trans_generate(None, ["commown_infogerance"], self.cr)
                 if row[4]}
        missing = sorted(terms - translated)
        self.assertFalse(missing, "%s terms without French translation, e.g.:\n%s\n"
                                  "Run scripts/i18n.sh, then translate i18n/fr.po."
                         % (len(missing), "\n".join(missing[:20])))

    def test_a_french_salesman_reads_the_rules_in_french(self):
        if not self.env["res.lang"].search([("code", "=", "fr_FR")]):
            self.env["base.language.install"].create({"lang": "fr_FR"}).lang_install()
        order = self._create_order(self.customer, computers=None)
        with self.assertRaisesRegex(UserError, "R1 - .*location d'ordinateur"):
            order.with_context(lang="fr_FR").action_confirm()
