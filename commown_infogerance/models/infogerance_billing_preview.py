import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import rules
from ..contract_day import contract_today

_logger = logging.getLogger(__name__)

#: Progress and totals of previews, from their lines.
PROGRESS_SQL = """
    SELECT preview_id, count(*),
           count(*) FILTER (WHERE state = 'done'),
           count(*) FILTER (WHERE would_fail),
           coalesce(sum(invoice_count), 0),
           coalesce(sum(amount_untaxed), 0),
           coalesce(sum(amount_total), 0),
           coalesce(sum(previous_amount_untaxed), 0),
           coalesce(sum(compute_seconds), 0),
           max(date_done)
      FROM infogerance_billing_preview_line
     WHERE preview_id IN %s
     GROUP BY 1
"""


class InfogeranceBillingPreview(models.Model):
    """What the billing run of a date will invoice, before it happens, without
    creating anything: per customer, the amounts, the change from the previous
    run and its reasons, and the customers that would fail, and why. Each
    customer's billing is the run's own, made in a savepoint always rolled back.

    A long job like the run: starting it records its customers to do (one line
    each, unique per preview in the database) and previews them by chunks, inline
    or as queue jobs with ``commown_infogerance_queue``; each customer's line is
    committed on its own, so that a killed worker loses at most its current
    customer and previewing what is left does only the customers not done."""

    _name = "infogerance.billing.preview"
    # who may preview: checked at create and write, whatever the channel
    _inherit = "infogerance.billing.rights.mixin"
    _description = "Billing run preview"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    date = fields.Date(
        string="Invoice date",
        required=True,
        default=contract_today,
        help="The date of the run to preview: every contract due on it (or before).",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.user.company_id,
    )
    previous_date = fields.Date(
        string="Compared with invoices since",
        compute="_compute_previous_date",
        help="The previous run's date: a month before.",
    )
    user_id = fields.Many2one(comodel_name="res.users", string="Requested by", readonly=True)
    date_started = fields.Datetime(string="Requested on", readonly=True)
    lang = fields.Char(
        string="Language of the texts",
        readonly=True,
        help="The language of the user who started the preview: the reasons are written in it.",
    )
    error = fields.Text(
        string="Why it stopped",
        readonly=True,
        help="The error that stopped a chunk of customers: preview what is left to go on.",
    )
    error_date = fields.Datetime(string="Stopped on", readonly=True)
    line_ids = fields.One2many(
        comodel_name="infogerance.billing.preview.line",
        inverse_name="preview_id",
        string="Customers",
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("draft", "Not computed yet"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("failed", "Stopped"),
            ("done", "Complete"),
        ],
        compute="_compute_progress",
    )
    customer_count = fields.Integer(string="Customers", compute="_compute_progress")
    customer_todo = fields.Integer(string="Customers to do", compute="_compute_progress")
    customer_done = fields.Integer(string="Customers done", compute="_compute_progress")
    date_computed = fields.Datetime(
        string="Computed on",
        compute="_compute_progress",
        help="When the last customer was previewed.",
    )
    compute_seconds = fields.Float(
        string="Computing time (s)",
        compute="_compute_progress",
        help="Sum of the customers' computing times (several workers share it).",
    )
    failure_count = fields.Integer(string="Customers that would fail", compute="_compute_progress")
    invoice_count = fields.Integer(string="Invoices", compute="_compute_progress")
    amount_untaxed = fields.Float(string="Untaxed amount", compute="_compute_progress")
    amount_total = fields.Float(string="Total amount", compute="_compute_progress")
    previous_amount_untaxed = fields.Float(
        string="Previous untaxed amount", compute="_compute_progress"
    )
    change_untaxed = fields.Float(string="Change (untaxed)", compute="_compute_progress")

    @api.depends("date")
    def _compute_name(self):
        for preview in self:
            preview.name = _("Billing run preview of %(date)s") % {"date": preview.date or ""}

    @api.depends("date")
    def _compute_previous_date(self):
        for preview in self:
            if preview.date:
                preview.previous_date = rules.previous_run_date(
                    fields.Date.from_string(preview.date)
                )

    def _compute_progress(self):
        """From the lines, in one query for all the previews (thousands of lines)."""
        progress = {}
        if self.ids:
            self.env.cr.execute(PROGRESS_SQL, (tuple(self.ids),))
            progress = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for preview in self:
            count, done, failures, invoices, untaxed, total, previous, seconds, last = progress.get(
                preview.id, (0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, False)
            )
            preview.customer_count, preview.customer_done = count, done
            preview.customer_todo = count - done
            preview.failure_count, preview.invoice_count = failures, invoices
            preview.amount_untaxed, preview.amount_total = float(untaxed), float(total)
            preview.previous_amount_untaxed = float(previous)
            preview.change_untaxed = rules.amount_change(
                preview.amount_untaxed, preview.previous_amount_untaxed
            )
            preview.compute_seconds = float(seconds)
            if not preview.date_started:
                preview.state = "draft"
            elif count - done:
                preview.state = "failed" if preview.error else ("running" if done else "queued")
            else:
                preview.state = "done"
            preview.date_computed = last if preview.state == "done" else False

    @api.multi
    def write(self, vals):
        # the rights are checked by the mixin
        if {"date", "company_id"} & set(vals) and self.filtered("date_started"):
            raise UserError(
                _(
                    "Billing run preview: a started preview keeps its date and company; "
                    "create another preview."
                )
            )
        return super().write(vals)

    # Actions ------------------------------------------------------------------------

    @api.multi
    def action_compute(self):
        """Preview the run of the date from scratch (a preview already made is
        made again) and show it: inline, or queued as jobs."""
        return self._infogerance_action_start(restart=True)

    @api.multi
    def action_resume(self):
        """Preview the customers not previewed yet (after a stop or a crash)."""
        return self._infogerance_action_start(restart=False)

    def _infogerance_action_start(self, restart):
        self.ensure_one()
        self.env["infogerance.billing.run"]._check_billing_rights()
        self._infogerance_check_company(self.company_id)
        # the system previews (as the run bills), once the user's right was checked
        self.sudo()._infogerance_start(restart, self.env.uid, self._infogerance_user_lang())
        self.invalidate_cache()
        return self._infogerance_form_action()

    def _infogerance_form_action(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _infogerance_user_lang(self):
        return self.env.context.get("lang") or self.env.user.lang or "en_US"

    @api.model
    def _infogerance_check_company(self, company):
        """The simulation runs as the system: only in a company of the user."""
        if self.env.uid != SUPERUSER_ID and company not in self.env.user.company_ids:
            raise AccessError(
                _("Billing run preview: %(company)s is not one of your companies.")
                % {"company": company.sudo().name}
            )
