import logging
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from psycopg2 import OperationalError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from .. import rules
from ..cpu_priority import billing_priority
from .billing_transaction import own_transaction, retried_transaction

_logger = logging.getLogger(__name__)

#: Per customer, the amount invoiced by the recurring contracts since the
#: previous run's date (credit notes deducted, cancelled invoices left out),
#: whether it was invoiced on that very date, and whether it was invoiced on the
#: previewed date already: one query for every customer (``partners`` NULL) or
#: for a chunk's customers.
PREVIOUS_AMOUNTS_SQL = """
    SELECT i.commercial_partner_id,
           coalesce(sum(CASE WHEN i.type = 'out_refund' THEN -l.price_subtotal
                             ELSE l.price_subtotal END)
                    FILTER (WHERE i.date_invoice < %(date)s), 0),
           bool_or(i.date_invoice = %(previous)s),
           bool_or(i.date_invoice = %(date)s)
      FROM account_invoice_line l
      JOIN account_invoice i ON i.id = l.invoice_id
      JOIN account_analytic_account c ON c.id = l.account_analytic_id
     WHERE c.recurring_invoices
       AND i.state != 'cancel'
       AND i.type IN ('out_invoice', 'out_refund')
       AND i.company_id = %(company)s
       AND i.date_invoice >= %(previous)s
       AND i.date_invoice <= %(date)s
       AND (%(partners)s::integer[] IS NULL
            OR i.commercial_partner_id = ANY(%(partners)s::integer[]))
     GROUP BY 1
"""
#: The preview's customers to do, written at once when it starts (not one ORM
#: create per customer); the database refuses a second line for a customer.
INSERT_LINES_SQL = """
    INSERT INTO infogerance_billing_preview_line
           (preview_id, company_id, partner_id, nothing_due, state,
            create_uid, create_date, write_uid, write_date)
    SELECT %(preview)s, %(company)s, line.partner, line.nothing_due, 'todo',
           %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
      FROM unnest(%(partners)s::integer[], %(nothing_due)s::boolean[])
           AS line(partner, nothing_due)
"""
#: A preview is kept this many days after its creation, then deleted by the
#: daily scheduled action (a regular model: Odoo's vacuum of transient records,
#: after an hour, would delete a preview of thousands of customers while its
#: jobs still run).
KEEP_DAYS = 7


class _RolledBack(Exception):
    """Ends a simulated billing: its savepoint is rolled back, always."""


@contextmanager
def always_rolled_back(cr):
    """A savepoint rolled back when the block ends, with or without error: what
    the block wrote is gone and its row locks are released (PostgreSQL releases
    the locks taken after a savepoint when rolling back to it). Callbacks it
    registered for the commit (e-mails sent after it) are dropped too."""
    handlers = {event: list(funcs) for event, funcs in cr._event_handlers.items()}
    try:
        with cr.savepoint():
            yield
            raise _RolledBack()
    except _RolledBack:
        return
    finally:
        for event, funcs in cr._event_handlers.items():
            funcs[:] = handlers.get(event, [])


class InfogeranceBillingPreview(models.Model):
    """The preview's work: its customers recorded when it starts, previewed by
    chunks (inline, or as queue jobs with ``commown_infogerance_queue``), each
    customer's billing simulated in a savepoint always rolled back and its line
    committed on its own; and the daily cleanup of old previews."""

    _inherit = "infogerance.billing.preview"

    # Business methods ---------------------------------------------------------------

    @api.multi
    def _infogerance_start(self, restart, user_id, lang):
        """Record the start and the customers to do (committed), then preview
        them by chunks (the company's chunk size, as the run). ``restart``: from
        scratch, the lines of an earlier computation deleted; else the customers
        not previewed yet only. Returns the number of chunks dispatched."""
        self.ensure_one()
        # in a transaction of its own: the caller's snapshot may predate the
        # preview (created by the run's button) and the lines
        with own_transaction(self.env) as env:
            preview = self.with_env(env)
            env.cr.execute(
                "SELECT id FROM infogerance_billing_preview WHERE id = %s FOR UPDATE", (preview.id,)
            )
            values = {"error": False, "error_date": False}
            if restart or not preview.date_started:
                env.cr.execute(
                    "DELETE FROM infogerance_billing_preview_line WHERE preview_id = %s",
                    (preview.id,),
                )
                preview._infogerance_add_lines()
                values.update(date_started=fields.Datetime.now(), user_id=user_id, lang=lang)
            preview.write(values)
            line_ids = (
                env["infogerance.billing.preview.line"]
                .search([("preview_id", "=", preview.id), ("state", "=", "todo")], order="id")
                .ids
            )
            size = max(preview.company_id.infogerance_billing_chunk_size, 1)
        self.invalidate_cache()
        chunks = [line_ids[i : i + size] for i in range(0, len(line_ids), size)]
        _logger.info(
            "billing preview %s: %s customers in %s chunks", self.id, len(line_ids), len(chunks)
        )
        self._infogerance_dispatch(chunks)
        return len(chunks)

    def _infogerance_add_lines(self):
        """A line to do for every customer the run of the date bills, and for
        every customer the previous run invoiced that it does not."""
        date, company_id = self.date, self.company_id.id
        partner_ids = self.env["infogerance.billing.run"]._infogerance_due_customer_ids(
            date, company_id
        )
        due = set(partner_ids)
        before = self._infogerance_previous_amounts(None)
        # customers invoiced on the previous run's date and by nothing this time
        # (not those the run of the date invoiced already)
        nothing_due = sorted(
            pid
            for pid, (_amount, on_previous_date, on_date) in before.items()
            if pid not in due and on_previous_date and not on_date
        )
        partners = partner_ids + nothing_due
        if partners:
            self.env.cr.execute(
                INSERT_LINES_SQL,
                {
                    "preview": self.id,
                    "company": company_id,
                    "uid": self.env.uid,
                    "partners": partners,
                    "nothing_due": [False] * len(partner_ids) + [True] * len(nothing_due),
                },
            )

    def _infogerance_previous_amounts(self, partner_ids):
        """{customer id: (amount since the previous run's date, invoiced on that
        date, invoiced on the date)}, of these customers (all when None)."""
        self.env.cr.execute(
            PREVIOUS_AMOUNTS_SQL,
            {
                "previous": self.previous_date,
                "date": self.date,
                "company": self.company_id.id,
                "partners": partner_ids,
            },
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    @api.multi
    def _infogerance_dispatch(self, chunks):
        """Preview the chunks (lists of line ids): here one after the other; the
        job queue module makes each a job."""
        with billing_priority(self.env):
            for chunk in chunks:
                self._infogerance_preview_chunk(chunk)

    @api.multi
    def _infogerance_preview_chunk(self, line_ids):
        """Preview these lines' customers, those still to do, each committed on
        its own; a chunk that fails records why on the preview (*Stopped*).
        Returns the number of customers previewed."""
        self.ensure_one()
        try:
            return self._infogerance_preview_lines(line_ids)
        except Exception as err:
            self._infogerance_record_error(err)
            raise

    def _infogerance_preview_lines(self, line_ids):
        # read in a transaction of its own: the caller's snapshot may predate them
        with own_transaction(self.env) as env:
            preview = self.with_env(env).exists()
            if not preview:  # deleted meanwhile
                return 0
            lang = preview.lang or "en_US"
            preview = preview.with_context(lang=lang)
            lines = env["infogerance.billing.preview.line"].search(
                [
                    ("id", "in", list(line_ids)),
                    ("preview_id", "=", preview.id),
                    ("state", "=", "todo"),
                ],
                order="id",
            )
            partner_ids = lines.mapped("partner_id").ids
            # the previous amounts and the recorded reasons: a few queries a chunk
            before = preview._infogerance_previous_amounts(partner_ids)
            recorded = preview._infogerance_recorded_reasons(partner_ids)
            todo = lines.ids
        done = 0
        for line_id in todo:
            # two workers on the same line: the second finds it done
            done += (
                retried_transaction(
                    self.env,
                    lambda env, line_id=line_id: self.with_env(env)
                    .with_context(lang=lang)
                    ._infogerance_preview_customer(line_id, before, recorded),
                    lambda env, err, line_id=line_id: self.with_env(env)
                    .with_context(lang=lang)
                    ._infogerance_line_outdated(line_id),
                    "billing preview line %s" % line_id,
                )
                or 0
            )
        return done

    def _infogerance_preview_customer(self, line_id, before, recorded):
        """Preview a line's customer if still to do: its billing simulated and
        rolled back, the change from the previous run and why. Returns 1 when done."""
        # the line's row lock: a second worker on the same line waits here, then
        # (its snapshot outdated) fails to serialize and finds the line done
        self.env.cr.execute(
            """SELECT state, partner_id, nothing_due FROM infogerance_billing_preview_line
                WHERE id = %s FOR UPDATE""",
            (line_id,),
        )
        row = self.env.cr.fetchone()
        if not row or row[0] == "done":
            return 0
        _state, partner_id, nothing_due = row
        started = time.time()
        if nothing_due:
            result = {"contract_ids": [], "nothing_due": True}
        else:
            result = self._infogerance_simulate_customer(partner_id)
        previous_amount = float((before.get(partner_id) or (0.0,))[0] or 0.0)
        amount = result.get("amount_untaxed", 0.0)
        change = rules.amount_change(amount, previous_amount)
        texts = list(recorded.get(partner_id, []))
        texts += self._infogerance_result_reasons(result)
        if change and not texts and not result.get("failure"):
            texts = [_("No change of fleet or plan nor regularisation explains it.")]
        self.env["infogerance.billing.preview.line"].browse(line_id).write(
            {
                "state": "done",
                "contract_ids": [(6, 0, result.get("contract_ids", []))],
                "invoice_count": result.get("invoice_count", 0),
                "amount_untaxed": amount,
                "amount_total": result.get("amount_total", 0.0),
                "previous_amount_untaxed": previous_amount,
                "change_untaxed": change,
                "reasons": "\n".join(texts) or False,
                "would_fail": bool(result.get("would_fail")),
                "failure": result.get("failure") or False,
                "outdated": bool(result.get("outdated")),
                "compute_seconds": time.time() - started,
                "date_done": fields.Datetime.now(),
            }
        )
        return 1

    def _infogerance_line_outdated(self, line_id):
        """A line whose customer still lost its races: done, as changed meanwhile."""
        self.env["infogerance.billing.preview.line"].browse(line_id).write(
            {
                "state": "done",
                "outdated": True,
                "failure": _(
                    "Changed by someone else during the preview: preview again to see it."
                ),
                "date_done": fields.Datetime.now(),
            }
        )

    def _infogerance_record_error(self, err):
        """Why a chunk stopped, on the preview (committed): its customers stay to do."""
        message = err.name if isinstance(err, UserError) else (str(err) or repr(err))
        _logger.warning("billing preview %s: a chunk stopped: %s", self.id, message)
        try:
            with own_transaction(self.env) as env:
                self.with_env(env).write({"error": message, "error_date": fields.Datetime.now()})
        except Exception:  # the chunk's own error is the one to raise
            _logger.exception("billing preview %s: its error could not be recorded", self.id)

    def _infogerance_simulate_customer(self, partner_id):
        """The billing of a customer as the run makes it, rolled back: its
        contracts, invoices, amounts and regularisation lines, or why it fails."""
        Item = self.env["infogerance.billing.run.item"]
        partner = self.env["res.partner"].browse(partner_id)
        result = {"contract_ids": [], "invoice_count": 0, "amount_untaxed": 0.0}
        try:
            with always_rolled_back(self.env.cr):
                due, ended = Item._infogerance_customer_contracts(
                    partner, self.date, self.company_id.id
                )
                result["contract_ids"] = (due | ended).ids
                periods = {contract.id: contract.recurring_next_date for contract in due}
                invoices = Item._infogerance_invoice_customer(partner, due, ended)
                result.update(self._infogerance_invoice_figures(invoices, periods))
        except OperationalError as err:
            if err.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                result["outdated"] = True
                result["failure"] = _(
                    "Changed by someone else during the preview: preview again to see it."
                )
            else:
                result["would_fail"] = True
                result["failure"] = str(err)
        except Exception as err:  # what the run would record on the item
            _logger.info("billing preview: customer %s would fail: %s", partner_id, err)
            result["would_fail"] = True
            result["failure"] = err.name if isinstance(err, UserError) else str(err)
        finally:
            # the cache holds what was rolled back
            self.env.clear()
        return result

    def _infogerance_invoice_figures(self, invoices, periods):
        """Amounts of the invoices made (credit notes deducted) and their
        regularisation lines: those of a period before the one invoiced, and all
        lines of a final regularisation (a contract not due)."""
        figures = {"invoice_count": len(invoices), "regularisations": []}
        figures["amount_untaxed"] = sum(
            rules.signed_amount(invoice.type, invoice.amount_untaxed) for invoice in invoices
        )
        figures["amount_total"] = sum(
            rules.signed_amount(invoice.type, invoice.amount_total) for invoice in invoices
        )
        for line in invoices.mapped("invoice_line_ids"):
            start = line.infogerance_period_start
            period = periods.get(line.account_analytic_id.id)
            if start and (not period or start < period):
                figures["regularisations"].append(
                    (
                        start,
                        line.infogerance_fleet,
                        rules.signed_amount(line.invoice_id.type, line.price_subtotal),
                    )
                )
        return figures

    @api.model
    def _cron_infogerance_delete_old_previews(self):
        """Daily: delete the previews created more than ``KEEP_DAYS`` days ago
        (their lines go with them). Returns the number deleted."""
        limit = fields.Datetime.to_string(datetime.now() - timedelta(days=KEEP_DAYS))
        old = self.sudo().search([("create_date", "<", limit)])
        count = len(old)
        old.unlink()
        return count
