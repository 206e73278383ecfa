from odoo import fields, models


class InfogeranceBillingPreviewLine(models.TransientModel):
    """A customer in a billing run's preview: what the run will invoice it, the
    change from the previous run and why, or why its billing would fail."""

    _name = "infogerance.billing.preview.line"
    # only the preview writes its lines, for the users who may preview
    _inherit = "infogerance.billing.rights.mixin"
    _description = "Billing run preview: a customer"
    _order = "would_fail desc, partner_id"

    preview_id = fields.Many2one(
        comodel_name="infogerance.billing.preview",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", required=True, readonly=True
    )
    contract_ids = fields.Many2many(
        comodel_name="account.analytic.account",
        relation="infogerance_billing_preview_line_contract_rel",
        column1="line_id",
        column2="contract_id",
        string="Contracts",
        readonly=True,
    )
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    amount_untaxed = fields.Float(string="Untaxed amount", readonly=True)
    amount_total = fields.Float(string="Total amount", readonly=True)
    previous_amount_untaxed = fields.Float(
        string="Previous untaxed amount",
        readonly=True,
        help="Invoiced by the contracts since the previous run's date, credit notes deducted.",
    )
    change_untaxed = fields.Float(string="Change (untaxed)", readonly=True)
    reasons = fields.Text(string="Why it changes", readonly=True)
    would_fail = fields.Boolean(readonly=True)
    failure = fields.Text(string="Why it would fail", readonly=True)
    outdated = fields.Boolean(
        string="Changed during the preview",
        readonly=True,
        help="Someone changed this customer's contracts while the preview ran: preview again.",
    )
