from odoo import api, fields, models

from .. import bulk_create
from .account_analytic_account_consolidation import TAXES_LATER

#: The module whose ``compute_taxes`` ``_infogerance_compute_taxes_of_new_drafts``
#: mirrors.
ODOO_COMPUTE_TAXES = "odoo.addons.account.models.account_invoice"


class AccountInvoice(models.Model):
    _inherit = "account.invoice"

    @api.multi
    def compute_taxes(self):
        """OCA contract computes the taxes after each contract's lines; on a
        consolidated invoice they are computed once, when all its contracts are
        on it (quadratic otherwise: 1,000 computers, 1,000 recomputations)."""
        if self.env.context.get("infogerance_invoice_taxes") is TAXES_LATER:
            return True
        return super().compute_taxes()

    @api.multi
    def _infogerance_compute_taxes_of_new_drafts(self):
        """``compute_taxes`` for drafts this transaction made, without Odoo's
        closing write of nothing (``invoice_line_ids: []``, "to trigger
        recomputations"): the same tax lines, and the totals marked to compute,
        computed once by the caller's recomputation. The write changes nothing
        the chatter tracks, yet reads the totals before and after it (tracked
        always): twice the work of a thousand lines. Odoo's own when another
        module overrides ``compute_taxes``."""
        if bulk_create.method_overrides(self, "compute_taxes") - {ODOO_COMPUTE_TAXES, __name__}:
            return self.compute_taxes()
        Tax = self.env["account.invoice.tax"]
        for invoice in self:
            self.env.cr.execute(
                "DELETE FROM account_invoice_tax WHERE invoice_id = %s AND manual IS FALSE",
                (invoice.id,),
            )
            if self.env.cr.rowcount:
                self.invalidate_cache()
            for tax in invoice.get_taxes_values().values():
                Tax.create(tax)
        self.modified(["invoice_line_ids"])
        return True

    def _infogerance_next_number(self):
        """The number Odoo's posting would draw for this draft
        (``account.move.post``: the journal's sequence, or its credit notes'
        one for a credit note, at the entry's date); None when the journal has
        none (the posting then says what is missing)."""
        self.ensure_one()
        journal = self.journal_id
        sequence = journal.sequence_id
        if self.type in ("out_refund", "in_refund") and journal.refund_sequence:
            sequence = journal.refund_sequence_id
        if not sequence:
            return None
        date = self.date or self.date_invoice or fields.Date.context_today(self)
        return sequence.with_context(ir_sequence_date=date).next_by_id()
