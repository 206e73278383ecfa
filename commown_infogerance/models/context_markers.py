"""Context values the addon's own code paths set and no RPC client can send
(objects, compared by identity)."""

#: While a manager's correction of contracts is written: the changes of their
#: frozen grid it makes (one2many commands) are in its log, and the tiers do not
#: log them again.
CORRECTION_LOGGED = object()

#: While the recurring invoicing runs (the daily job, or an accountant or a
#: manager invoicing by hand, checked first): it advances the next invoice date
#: of the contracts it invoices.
INVOICING_RUN = object()

#: While the month's billing run posts its invoices: their journal items and
#: analytic items are inserted at once, not one by one (``account_move_bulk``).
BULK_POSTING = object()
