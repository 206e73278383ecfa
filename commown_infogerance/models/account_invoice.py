from odoo import api, fields, models

from .account_analytic_account_consolidation import TAXES_LATER


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
