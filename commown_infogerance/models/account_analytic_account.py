from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import rules


class AccountAnalyticAccount(models.Model):
    """Computer-rental and managed-service contracts (OCA ``contract`` 11.0)."""

    _name = "account.analytic.account"
    _inherit = ["account.analytic.account", "infogerance.grid.mixin"]

    infogerance_role = fields.Selection(
        selection=[("rental", "Computer rental"), ("service", "Managed service")],
        string="Contract kind", index=True, readonly=True, copy=False,
    )
    infogerance_sale_line_id = fields.Many2one(
        comodel_name="sale.order.line", string="Sale order line", readonly=True,
        copy=False, index=True, ondelete="set null",
    )
    # On a computer-rental contract
    infogerance_contract_id = fields.Many2one(
        comodel_name="account.analytic.account", string="Managed-service contract",
        index=True, ondelete="set null", domain=[("infogerance_role", "=", "service")],
    )
    # On a managed-service contract
    infogerance_offer_id = fields.Many2one(
        comodel_name="infogerance.offer", string="Offer", index=True, readonly=True,
    )
    infogerance_rental_contract_ids = fields.One2many(
        comodel_name="account.analytic.account", inverse_name="infogerance_contract_id",
        string="Computer-rental contracts",
    )
    infogerance_tier_ids = fields.One2many(
        comodel_name="infogerance.contract.tier", inverse_name="contract_id",
        string="Price grid (frozen)", copy=True,
        help="The offer's grid on the subscription date (R4): later edits of the "
             "offer do not change it.",
    )
    infogerance_fleet_size = fields.Integer(
        string="Fleet", readonly=True,
        help="Computers rented by the customer at the last repricing (R3).",
    )
    infogerance_unit_price = fields.Float(
        string="Unit price", readonly=True, help="Monthly price per computer (R3).",
    )
    infogerance_monthly_amount = fields.Float(
        string="Monthly amount", readonly=True, help="Fleet x unit price (R3).",
    )
    infogerance_commitment_end = fields.Date(
        string="Commitment end", readonly=True,
        help="Start + commitment months - 1 day (R5).",
    )
    infogerance_notice_days = fields.Integer(string="Notice (days)", readonly=True)

    @api.constrains("infogerance_tier_ids", "infogerance_role")
    def _check_infogerance_tier_ids(self):
        self._check_infogerance_grid()

    def _infogerance_grid_tiers(self):
        return self.infogerance_tier_ids

    def _infogerance_grid_needed(self):
        return self.infogerance_role == "service"

    # Managed-service contracts ------------------------------------------------

    def _infogerance_service_line(self):
        """The invoice line priced from the fleet (the offer's product)."""
        self.ensure_one()
        return self.recurring_invoice_line_ids.filtered(
            lambda line: line.product_id.infogerance_offer_id)[:1]

    @api.model
    def _infogerance_find_service_contract(self, commercial_partner, offer, date):
        """The customer's running managed-service contract of that offer, if any."""
        return self.search([
            ("infogerance_role", "=", "service"),
            ("infogerance_offer_id", "=", offer.id),
            ("partner_id.commercial_partner_id", "=", commercial_partner.id),
            ("recurring_invoices", "=", True),
            "|", ("date_end", "=", False), ("date_end", ">=", date),
        ], order="date_start", limit=1)

    @api.multi
    def _infogerance_reprice(self, date=None):
        """Set fleet, unit price and amount of managed-service contracts from the
        fleet at ``date`` and their frozen grid (R3, R4). One fleet query for all.

        Returns {contract: (before, after)} for the contracts that changed, each
        side a (fleet, unit price, monthly amount) tuple.
        """
        contracts = self.filtered(lambda c: c.infogerance_role == "service")
        if not contracts:
            return {}
        date = date or fields.Date.context_today(self)
        sizes = self.env["res.partner"]._infogerance_fleet_sizes(
            contracts.mapped("partner_id.commercial_partner_id").ids, date)
        changes = {}
        for contract in contracts:
            grid = contract._infogerance_grid()
            fleet = sizes[contract.partner_id.commercial_partner_id.id]
            before = (contract.infogerance_fleet_size, contract.infogerance_unit_price,
                      contract.infogerance_monthly_amount)
            after = (fleet, rules.unit_price(grid, fleet), rules.monthly_amount(grid, fleet))
            line = contract._infogerance_service_line()
            if before == after and line.quantity == fleet and line.price_unit == after[1]:
                continue
            # The price follows from the rules, not from the user: the sale or fleet
            # change that led here was checked with the user's own rights.
            line.sudo().write({"quantity": fleet, "specific_price": after[1]})
            contract.write({
                "infogerance_fleet_size": fleet,
                "infogerance_unit_price": after[1],
                "infogerance_monthly_amount": after[2],
            })
            changes[contract] = (before, after)
        return changes

    # Recurring invoicing (OCA contract hook) ------------------------------------

    @api.model
    def _prepare_invoice_line(self, line, invoice_id):
        """Invoice the managed service on the fleet at the first day of the
        invoiced period, at the frozen grid's price (R3, R4)."""
        vals = super()._prepare_invoice_line(line, invoice_id)
        contract = line.analytic_account_id
        if vals and contract.infogerance_role == "service" and line.product_id.infogerance_offer_id:
            period_start = self.env.context.get("old_date") or fields.Date.from_string(
                contract.recurring_next_date)
            commercial = contract.partner_id.commercial_partner_id.id
            fleet = self.env["res.partner"]._infogerance_fleet_sizes(
                [commercial], fields.Date.to_string(period_start))[commercial]
            vals.update({
                "quantity": fleet,
                "price_unit": rules.unit_price(contract._infogerance_grid(), fleet),
            })
        return vals
