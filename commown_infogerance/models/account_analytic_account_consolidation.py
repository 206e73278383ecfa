from odoo import api, models

from .. import bulk_create
from .sale_order import recompute_once

#: The module whose ``_create_invoice`` the run's gathering of lines mirrors
#: (OCA contract 11.0), and those whose ``create`` of invoice lines
#: ``create_many`` may stand for: none on this stack but the ORM's.
OCA_CREATE_INVOICE = "odoo.addons.contract.models.account_analytic_account"
INVOICE_LINE_CREATE = frozenset()

#: Context marker (not a value an RPC client can send): the invoice being built
#: gets its taxes computed once, when all its contracts are on it.
TAXES_LATER = object()


class ConsolidationRun(dict):
    """The context value of one consolidated invoicing: the invoices it opened,
    the line values it cached, the next invoice dates it keeps. A class of its
    own: an RPC client can send a dict in a context, not one of these."""


def consolidation_run(env):
    run = env.context.get("infogerance_consolidation")
    return run if isinstance(run, ConsolidationRun) else None


class AccountAnalyticAccount(models.Model):
    """Consolidated invoicing: the contracts of one customer due the same day,
    with the same company, currency, journal, payment mode and mandate, are
    invoiced on one invoice, one labelled line per contract and period. Built on
    OCA contract's own steps: ``recurring_create_invoice`` keeps its loop (each
    contract its own period and end), ``_create_invoice(invoice)`` adds the lines
    of a contract to a draft invoice of the same run."""

    _inherit = "account.analytic.account"

    @api.multi
    def recurring_create_invoice(self):
        """OCA's loop, with a run-wide table of the invoices it opened: key →
        invoice. Taxes and totals are computed once per invoice, at the end, and
        the next invoice dates written once per date, at the end too."""
        # the token keeps two runs apart: Odoo reuses an environment whose context
        # compares equal, and two empty tables would
        run = ConsolidationRun(
            invoices={},
            line_values={},
            next_dates={},
            token=object(),
            pending_lines=[],
            gathering=self._infogerance_gathers_invoice_lines(),
        )
        # Each line added to an invoice would recompute and write its stored totals
        # (and what depends on them): once per invoice, at the end, instead.
        with recompute_once(self):
            invoices = super(
                AccountAnalyticAccount, self.with_context(infogerance_consolidation=run)
            ).recurring_create_invoice()
            self._infogerance_insert_invoice_lines(run)
            self._infogerance_write_next_dates(run["next_dates"])
            consolidated = self.env["account.invoice"].union(*run["invoices"].values())
            consolidated.with_env(self.env)._infogerance_compute_taxes_of_new_drafts()
        return invoices.with_env(self.env)

    @api.multi
    def write(self, vals):
        """OCA's loop moves each contract's next invoice date as soon as it is
        invoiced: in a run, kept for ``_infogerance_write_next_dates``."""
        run = consolidation_run(self.env)
        if run is not None and set(vals) == {"recurring_next_date"}:
            for contract_id in self.ids:
                run["next_dates"][contract_id] = vals["recurring_next_date"]
            return True
        return super().write(vals)

    def _infogerance_write_next_dates(self, next_dates):
        """Write the next invoice dates the loop kept, one write per date: the
        contracts' rows are locked from here to the customer's commit only, not
        from their invoicing on (a salesman confirming an order for a customer
        with a thousand computers would wait for all of them), and the writes'
        checks and automated actions run once per date, not once per contract."""
        by_date = {}
        for contract_id, date in next_dates.items():
            by_date.setdefault(date, []).append(contract_id)
        for date, contract_ids in sorted(by_date.items()):
            self.browse(sorted(contract_ids)).write({"recurring_next_date": date})

    def _infogerance_consolidation_key(self, run):
        """What must be equal for two contracts to share an invoice; None: an
        invoice of its own (customer's choice, or no run in progress)."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        if commercial.infogerance_separate_invoices:
            return None
        journal = self.journal_id
        if not journal:  # OCA's default: the company's first sale journal
            journals = run.setdefault("journals", {})
            if self.company_id.id not in journals:
                journals[self.company_id.id] = self.env["account.journal"].search(
                    [("type", "=", "sale"), ("company_id", "=", self.company_id.id)], limit=1
                )
            journal = journals[self.company_id.id]
        currency = (
            self.pricelist_id.currency_id
            or self.partner_id.property_product_pricelist.currency_id
            or self.company_id.currency_id
        )
        payment_mode = self["payment_mode_id"] if "payment_mode_id" in self._fields else None
        mandate = self["mandate_id"] if "mandate_id" in self._fields else None
        return (
            commercial.id,
            self.company_id.id,
            currency.id,
            journal.id,
            payment_mode.id if payment_mode else False,
            mandate.id if mandate else False,
            self.recurring_next_date,
        )

    @api.multi
    def _create_invoice(self, invoice=False):
        run = consolidation_run(self.env)
        if invoice or run is None:
            return super()._create_invoice(invoice)
        key = self._infogerance_consolidation_key(run)
        if key is None:
            invoice = super()._create_invoice(invoice)
            # an invoice of its own is complete: its totals now, not recomputed
            # again with every later invoice of the run
            self.recompute()
            return invoice
        this = self.with_context(infogerance_invoice_taxes=TAXES_LATER)
        opened = run["invoices"].get(key)
        if not (opened and opened.state == "draft"):
            opened = False
        if run["gathering"]:
            invoice = this._infogerance_create_invoice_gathering(opened)
        else:
            invoice = super(AccountAnalyticAccount, this)._create_invoice(opened)
        run["invoices"][key] = invoice
        return invoice

    # The lines of a consolidated invoice, inserted at once ------------------------------

    @api.model
    def _infogerance_gathers_invoice_lines(self):
        """Whether a run gathers its invoice lines and inserts them at once: when
        the ``_create_invoice`` this class calls is OCA's, which
        ``_infogerance_create_invoice_gathering`` mirrors, and ``create_many``
        does all that the invoice lines' ``create`` would. An addon that
        overrides either keeps OCA's path, its code called."""
        below = type(self).__mro__
        below = below[below.index(AccountAnalyticAccount) + 1 :]
        following = next((cls for cls in below if "_create_invoice" in vars(cls)), None)
        return (
            following is not None
            and following.__module__ == OCA_CREATE_INVOICE
            and bulk_create.can_create_many(self.env["account.invoice.line"], INVOICE_LINE_CREATE)
        )

    @api.multi
    def _infogerance_create_invoice_gathering(self, invoice):
        """OCA contract's ``_create_invoice``, its lines gathered in the run and
        inserted at the end of it (``_infogerance_insert_invoice_lines``): one
        INSERT for the thousand lines of a thousand computers, not a thousand
        ``create``. The taxes are computed at the end too (``TAXES_LATER``)."""
        self.ensure_one()
        if invoice and invoice.state == "draft":
            invoice.update(self._prepare_invoice_update(invoice))
        else:
            invoice = self.env["account.invoice"].create(self._prepare_invoice())
        values = [
            self._prepare_invoice_line(line, invoice.id) for line in self.recurring_invoice_line_ids
        ]
        consolidation_run(self.env)["pending_lines"].extend(vals for vals in values if vals)
        invoice.compute_taxes()
        return invoice

    @api.model
    def _infogerance_add_invoice_lines(self, invoice, values):
        """Add lines of these values to ``invoice``: gathered when it is an
        invoice of the run under way that gathers its lines (True is returned:
        its taxes are computed at the end of the run), created now otherwise."""
        run = consolidation_run(self.env)
        if run is not None and run["gathering"] and invoice in run["invoices"].values():
            run["pending_lines"].extend(values)
            return True
        Line = self.env["account.invoice.line"]
        for vals in values:
            Line.create(vals)
        return False

    @api.model
    def _infogerance_insert_invoice_lines(self, run):
        """Insert the lines the run gathered, in the order they came (the ids
        and the lines' order on the invoice are those one ``create`` per line
        would give); the ORM's ``create`` for values ``create_many`` leaves to
        it."""
        values, run["pending_lines"] = run["pending_lines"], []
        Line = self.env["account.invoice.line"]
        if bulk_create.plain_values(Line, values):
            bulk_create.create_many(Line, values)
        else:
            for vals in values:
                Line.create(vals)

    def _infogerance_flush_invoice_lines(self, before):
        """What reads, during a run, this contract's invoice lines of the
        periods before ``before`` in the database reads those the run gathered
        too (a contract invoiced for two periods in one run)."""
        run = consolidation_run(self.env)
        if run is not None and any(
            vals.get("account_analytic_id") in self.ids
            and (vals.get("infogerance_period_start") or before) < before
            for vals in run["pending_lines"]
        ):
            self._infogerance_insert_invoice_lines(run)

    @api.multi
    def _prepare_invoice_update(self, invoice):
        """A consolidated invoice keeps the reference and origin of its first
        contract: each line names its own contract."""
        if consolidation_run(self.env) is not None:
            return {}
        return super()._prepare_invoice_update(invoice)

    @api.model
    def _prepare_invoice_line(self, line, invoice_id):
        """On a consolidated invoice, each line is labelled with its contract
        (the computer) before its period. Product onchange values are computed
        once per invoice and product: they depend on nothing else. Managed-service
        lines, priced from the fleet, are always computed in full."""
        run = consolidation_run(self.env)
        if run is None or self.env.context.get("infogerance_invoice_taxes") is not TAXES_LATER:
            return super()._prepare_invoice_line(line, invoice_id)
        cache_key = (invoice_id, line.product_id.id, line.uom_id.id)
        cached = run["line_values"].get(cache_key)
        if cached is None or line.product_id.infogerance_offer_id:
            vals = super()._prepare_invoice_line(line, invoice_id)
            if not vals:
                return vals
            if not line.product_id.infogerance_offer_id:
                run["line_values"][cache_key] = dict(vals)
        else:
            vals = dict(cached)
            contract = line.analytic_account_id
            date_format = self._infogerance_date_format(contract.partner_id.lang, run)
            vals.update(
                {
                    "name": self._insert_markers(line, date_format),
                    "account_analytic_id": contract.id,
                    "price_unit": line.price_unit,
                    "quantity": line.quantity,
                    "discount": line.discount,
                }
            )
        vals["name"] = "%s: %s" % (line.analytic_account_id.name, vals["name"])
        return vals

    @api.model
    def _infogerance_date_format(self, lang_code, run):
        formats = run.setdefault("date_formats", {})
        if lang_code not in formats:
            lang = self.env["res.lang"].search([("code", "=", lang_code)])
            formats[lang_code] = lang.date_format or "%m/%d/%Y"
        return formats[lang_code]
