import logging

from odoo import api, models

from .billing_transaction import in_caller_transaction, own_transaction

_logger = logging.getLogger(__name__)

#: The asset bundles an invoice's PDF uses (web's report_layout, editable, and
#: minimal_layout).
REPORT_BUNDLES = (
    "web.assets_common",
    "web.report_assets_common",
    "web.report_assets_pdf",
    "web_editor.summernote",
    "web_editor.assets_editor",
    "web.report_assets_editor",
)


class InfogeranceBillingRunItem(models.Model):
    """The first PDF rendered after the report assets changed (a module update)
    generates their bundles and commits them (``commit_assetsbundle``, set by
    Odoo 11's ``render_qweb_pdf`` outside tests): inside the send stage that
    commit would release its savepoints and commit half a stage. The bundles are
    made first, in a transaction of their own, once per registry (a module update
    loads a new one)."""

    _inherit = "infogerance.billing.run.item"

    @api.model
    def _infogerance_bill_items(self, item_ids):
        if item_ids and not in_caller_transaction(self.env):
            self._infogerance_prepare_report_assets()
        return super()._infogerance_bill_items(item_ids)

    @api.model
    def _infogerance_prepare_report_assets(self):
        if getattr(self.pool, "_infogerance_report_assets_ready", False):
            return
        with own_transaction(self.env) as env:
            if not env.user.company_id.infogerance_billing_send:
                return
            qweb = env["ir.qweb"]
            for bundle in REPORT_BUNDLES:
                try:
                    # builds (and saves) the bundle's files when they are missing
                    qweb._get_asset_nodes(bundle, {}, css=True, js=True)
                except Exception:  # the send stage reports what then fails
                    _logger.warning("billing: report assets %s not built", bundle, exc_info=True)
                    return
        self.pool._infogerance_report_assets_ready = True
