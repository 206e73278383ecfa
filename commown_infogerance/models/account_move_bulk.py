from odoo import api, models
from odoo.models import BaseModel

from .. import bulk_create
from .context_markers import BULK_POSTING

#: account's ``account.move.line.create``, which ``_infogerance_bulk_values``
#: mirrors for the journal items it inserts at once
MOVE_LINE_CREATE = "odoo.addons.account.models.account_move"
#: account's ``account.move.create``, which hands the items to ``create`` below
MOVE_CREATE = "odoo.addons.account.models.account_move"
#: sale's ``account.analytic.line.create``, mirrored by ``_sale_postprocess``
ANALYTIC_LINE_CREATE = "odoo.addons.sale.models.analytic"


def _bulk_posting(env):
    return env.context.get("infogerance_bulk_posting") is BULK_POSTING


def _cache_company_currencies(accounts):
    """The currency of analytic accounts (Odoo's related field
    ``company_id.currency_id``), which ``_prepare_analytic_line`` reads for each
    item, put in the cache company by company: Odoo computes a related field
    record by record, 0.9 ms each, 3 s for the run's 3,150 contracts. Odoo's
    own computation when another module redefines the field."""
    field = accounts._fields["currency_id"]
    related = field.related.split(".") if isinstance(field.related, str) else field.related
    if field.store or tuple(related or ()) != ("company_id", "currency_id"):
        accounts.mapped("currency_id")
        return
    cache = accounts.env.cache
    currencies = {}
    for account in accounts:
        if cache.contains(account, field):
            continue
        company = account.sudo().company_id
        if company.id not in currencies:
            currencies[company.id] = field.convert_to_cache(
                company.currency_id.with_env(accounts.env), account
            )
        cache.set(account, field, currencies[company.id])


class AccountMove(models.Model):
    """A journal entry whose items are inserted at once, when the billing run
    posts its invoices.

    Odoo 11 creates an entry's items one by one, 20 queries each: posting the
    invoice of a customer with 1,000 computers took 26 s, most of the billing
    run's time. In the run, ``create`` inserts them in one statement
    (``bulk_create``) with the values, checks and dependencies Odoo's
    ``create`` gives each of them; the entry is then posted by Odoo as always.
    Items that need what the bulk path does not mirror go Odoo's way, the whole
    entry with them: taxes computed from the item (``apply_taxes``), taxes on
    payment, an account in another currency, a deprecated account, a journal
    with entry controls, or an addon adding its own ``create``."""

    _inherit = "account.move"

    @api.model
    def create(self, vals):
        commands = vals.get("line_ids") or []
        if not (
            _bulk_posting(self.env)
            and commands
            and all(isinstance(command, (list, tuple)) and command[0] == 0 for command in commands)
            # an addon below this one that creates entries its own way sees them
            and bulk_create.create_overrides(self) <= {MOVE_CREATE, __name__}
        ):
            return super().create(vals)
        # the context account's create gives the entry's items, without the
        # defaults of the entry (as the ORM writes a one2many)
        context = {
            key: value for key, value in self.env.context.items() if not key.startswith("default_")
        }
        context.update(check_move_validity=False, partner_id=vals.get("partner_id"))
        lines = self.env["account.move.line"].with_context(context)
        lines_vals = lines._infogerance_bulk_values(vals, [command[2] for command in commands])
        if lines_vals is None:
            return super().create(vals)
        move = super().create(dict(vals, line_ids=[]))
        for line_vals in lines_vals:
            line_vals["move_id"] = move.id
            line_vals["date_maturity"] = (
                line_vals.get("date_maturity") or line_vals.get("date") or move.date
            )
        bulk_create.create_many(lines, lines_vals)
        move.modified(["line_ids"])
        move.assert_balanced()
        if self.env.recompute and self.env.context.get("recompute", True):
            self.recompute()
        return move


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _infogerance_bulk_values(self, move_vals, lines_vals):
        """The items' values as account's ``create`` completes them, or None
        when one of them needs what only Odoo's own path does."""
        if not bulk_create.can_create_many(
            self, {MOVE_LINE_CREATE}
        ) or not bulk_create.plain_values(self, lines_vals):
            return None
        if self.env.context.get("apply_taxes"):
            return None
        journal = self.env["account.journal"].browse(move_vals.get("journal_id"))
        partner_id = self.env.context.get("partner_id")
        accounts = self.env["account.account"].browse({vals["account_id"] for vals in lines_vals})
        tax_ids = {vals["tax_line_id"] for vals in lines_vals if vals.get("tax_line_id")}
        for vals in lines_vals:
            commands = vals.get("tax_ids") or []
            if not all(isinstance(command, (list, tuple)) for command in commands):
                return None
            for command in commands:
                if command[0] == 6:
                    tax_ids.update(command[2])
                elif command[0] == 4:
                    tax_ids.add(command[1])
                else:  # taxes made or changed by the item: Odoo's way
                    return None
        taxes = self.env["account.tax"].browse(tax_ids)
        if (
            any(account.deprecated for account in accounts)
            or any(
                account.currency_id and account.currency_id != account.company_id.currency_id
                for account in accounts
            )
            or any(tax.tax_exigibility == "on_payment" for tax in taxes)
            or any(vals.get("journal_id") not in (None, False, journal.id) for vals in lines_vals)
            or journal.type_control_ids
            or journal.account_control_ids
        ):
            return None
        completed = []
        for vals in lines_vals:
            vals = dict(vals)
            if not vals.get("partner_id") and partner_id:
                vals["partner_id"] = partner_id
            completed.append(vals)
        return completed

    @api.multi
    def create_analytic_lines(self):
        """In the billing run's posting, the analytic items are inserted at
        once, each with the values and the follow-up (sale's) that Odoo's
        ``create`` gives it."""
        analytic = self.env["account.analytic.line"]
        if not _bulk_posting(self.env) or not bulk_create.can_create_many(
            analytic, {ANALYTIC_LINE_CREATE}
        ):
            return super().create_analytic_lines()
        # read for all the items at once, not for each analytic account in turn
        _cache_company_currencies(self.mapped("analytic_account_id"))
        vals_list = [line._prepare_analytic_line()[0] for line in self if line.analytic_account_id]
        if not bulk_create.plain_values(analytic, vals_list):
            return super().create_analytic_lines()
        self.mapped("analytic_line_ids").unlink()
        records = bulk_create.create_many(analytic, vals_list)
        if ANALYTIC_LINE_CREATE in bulk_create.create_overrides(analytic):
            # what sale's create does after each insert, given the keys it got
            groups = {}
            for record, vals in zip(records, vals_list):
                groups.setdefault(frozenset(vals), []).append(record.id)
            for keys, ids in groups.items():
                analytic.browse(ids)._sale_postprocess(dict.fromkeys(keys))


#: The stored fields Odoo computes again when an invoice's accounting date is
#: written: its lines' amounts, converted at the rate of the accounting date, or
#: of the invoice date when it has none (``_get_currency_rate_date``).
DATE_TRIGGERS = frozenset(
    {
        ("account.invoice.line", "price_subtotal"),
        ("account.invoice.line", "price_subtotal_signed"),
        ("account.invoice.line", "price_total"),
    }
)


#: account's ``account.invoice._write``, skipped by ``_write`` below when it can
#: do nothing
INVOICE_WRITE = "odoo.addons.account.models.account_invoice"
#: The invoice states in which account's ``_write`` may mark an invoice paid or
#: open again.
PAYABLE_STATES = ("open", "paid")
#: The invoice's own fields account's residual is computed from (the others are
#: its journal items')
RESIDUAL_INPUTS = frozenset({"account_id", "currency_id", "move_id", "type", "company_id"})


def _unreconciled_residual(lines, currency, company):
    """The residual of an invoice in ``currency`` whose items on its account
    are ``lines``, none of them reconciled, as account's ``_compute_residual``
    sums it from their ``_amount_residual``; None when an item is in another
    currency than the invoice's."""
    company_currency = company.currency_id
    residual = 0.0
    for line in lines:
        balance = line.debit - line.credit
        sign = 1 if balance > 0 else -1
        if not line.debit and not line.credit and line.amount_currency and line.currency_id:
            sign = 1 if line.currency_id.compare_amounts(line.amount_currency, 0) == 1 else -1
        if line.currency_id == currency:
            residual += line.currency_id.round(abs(line.amount_currency) * sign)
        elif not line.currency_id and currency == company_currency:
            residual += company_currency.round(company_currency.round(abs(balance) * sign))
        else:
            return None
    return abs(residual)


class AccountInvoice(models.Model):
    """The accounting date the posting writes on an invoice that has none, and
    the writes of the posting made without reading what they cannot use."""

    _inherit = "account.invoice"

    @api.multi
    def write(self, vals):
        """Odoo's posting writes the invoice date as the accounting date of an
        invoice that has none (``action_move_create``): the date its lines are
        converted at stays the same, yet Odoo marks the amounts of every line
        (a thousand for a thousand computers) and the totals after them to be
        computed again. In the run's posting, that date is written alone,
        marking nothing, when nothing but those amounts depends on it, no
        constraint checks it and the chatter does not track it."""
        if (
            _bulk_posting(self.env)
            and "date" in vals
            and self.ids
            and self._infogerance_rate_date_kept(vals["date"])
        ):
            self.check_access_rights("write")
            self.check_access_rule("write")
            self.env.cr.execute(
                "UPDATE account_invoice SET date = %s WHERE id IN %s",
                (vals["date"], tuple(self.ids)),
            )
            self.invalidate_cache(["date"], self.ids)
            vals = {name: value for name, value in vals.items() if name != "date"}
        return super().write(vals)

    @api.multi
    def _write(self, vals):
        """account's ``_write`` reads whether each invoice is reconciled before
        and after the write, to mark paid an open invoice that stays reconciled
        and open again a paid one that stays unreconciled. In the run's posting,
        where the invoice's totals are computed at the end, each read computes
        them all again (the invoice's thousand journal items): seven times per
        invoice. The reads are not made where they cannot lead to either: for
        the posting's writes of a draft (neither open nor paid after them), and
        for those of an open invoice that account cannot find reconciled
        (``_infogerance_cannot_be_reconciled``). The values are computed when
        first needed, from the same data. Odoo's ``_write`` otherwise: a zero
        invoice is paid by it, as by Odoo, and when another module overrides
        it."""
        if not _bulk_posting(self.env) or bulk_create.method_overrides(self, "_write") - {
            INVOICE_WRITE,
            __name__,
        }:
            return super()._write(vals)
        after = {vals["state"]} if "state" in vals else {invoice.state for invoice in self}
        if not after & set(PAYABLE_STATES) or (
            after == {"open"}
            and not RESIDUAL_INPUTS & set(vals)
            and self._infogerance_cannot_be_reconciled()
        ):
            return BaseModel._write(self, vals)
        return super()._write(vals)

    def _infogerance_cannot_be_reconciled(self):
        """Whether account would find none of these invoices reconciled, now and
        after any write of the posting, read from their journal items without
        computing their residual.

        account's ``_compute_residual`` sums the residual of the items on the
        invoice's account: with no reconciliation among them, an item's residual
        is its balance (or its amount in the invoice's currency) rounded, and
        the invoice is reconciled when that sum is zero. A posting reconciles
        nothing and changes none of these amounts after the items are made, so
        an invoice whose sum is not zero stays unreconciled through it: account
        neither marks it paid nor opens it again. False (account's reads made)
        for an invoice without items, an account that is not reconcilable, items
        in another currency than the invoice's, any reconciliation already
        made, or another module computing the residual its own way."""
        if bulk_create.method_overrides(self, "_compute_residual") - {INVOICE_WRITE}:
            return False
        items = self.env["account.move.line"]
        for invoice in self:
            account = invoice.account_id
            lines = invoice.sudo().move_id.line_ids.filtered(
                lambda line: line.account_id == account
            )
            if not lines or not account.reconcile:
                return False
            residual = _unreconciled_residual(lines, invoice.currency_id, account.company_id)
            if residual is None or invoice.currency_id.is_zero(residual):
                return False
            items |= lines
        self.env.cr.execute(
            "SELECT 1 FROM account_partial_reconcile"
            " WHERE debit_move_id IN %s OR credit_move_id IN %s LIMIT 1",
            (tuple(items.ids), tuple(items.ids)),
        )
        return not self.env.cr.fetchone()

    def _infogerance_rate_date_kept(self, date):
        field = self._fields["date"]
        triggered = {
            (dependent.model_name, dependent.name)
            for dependent, _path in self._field_triggers[field]
        }
        return (
            date
            and not getattr(field, "track_visibility", None)
            and not any("date" in method._constrains for method in self._constraint_methods)
            and triggered <= DATE_TRIGGERS
            and all((invoice.date or invoice.date_invoice) == date for invoice in self)
        )
