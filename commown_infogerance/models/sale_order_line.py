from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import rules
from .sale_order import recompute_once

# Fields of a sale line whose change moves the managed-service price.
FLEET_FIELDS = {
    "product_id",
    "product_uom_qty",
    "infogerance_service_line_id",
    "infogerance_rental_line_ids",
}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    is_computer_rental = fields.Boolean(
        related="product_id.is_computer_rental",
        readonly=True,
        store=True,
    )
    infogerance_offer_id = fields.Many2one(
        related="product_id.infogerance_offer_id",
        readonly=True,
        store=True,
    )
    # A computer is covered by one managed service: a column of the rental line,
    # read with its other columns when a cart update prices the service line.
    infogerance_service_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Managed service",
        copy=False,
        index=True,
        ondelete="set null",
        help="Managed-service line of the order covering this computer (R1).",
    )
    infogerance_rental_line_ids = fields.One2many(
        comodel_name="sale.order.line",
        inverse_name="infogerance_service_line_id",
        string="Covered computers",
        help="Computer rental lines this managed service covers (R1).",
    )
    infogerance_fleet_size = fields.Integer(
        string="Priced fleet",
        readonly=True,
        help="Fleet used for the tier: computers already rented + computers of this order.",
    )
    infogerance_existing_fleet = fields.Integer(
        string="Computers already rented",
        readonly=True,
        help="Part of the priced fleet the customer already rented before this order.",
    )
    infogerance_tier_min = fields.Integer(
        string="Tier from",
        readonly=True,
        help="First computer count of the grid tier applied; 0 when no tier applies.",
    )
    # Computed, not stored: the explanation reads in the reader's language (the
    # salesman's, the customer's in the shop and on the PDF), from the stored facts.
    infogerance_price_reason = fields.Char(
        string="Price explanation", compute="_compute_infogerance_price_reason"
    )
    infogerance_contract_ids = fields.One2many(
        comodel_name="account.analytic.account",
        inverse_name="infogerance_sale_line_id",
        string="Contracts",
        readonly=True,
    )

    @api.model
    def create(self, vals):
        # The rental line's write, then the service lines', in one environment:
        # their stored fields are recomputed together, once.
        with recompute_once(self), self.env["sale.order"]._infogerance_sync_at_end() as orders:
            line = super(SaleOrderLine, self.with_env(orders.env)).create(vals)
            if line.is_computer_rental or line.infogerance_offer_id:
                line.order_id._infogerance_sync_service_lines()
        return line.with_env(self.env)

    @api.multi
    def write(self, vals):
        if not FLEET_FIELDS & set(vals):
            return super().write(vals)
        with recompute_once(self), self.mapped("order_id")._infogerance_sync_at_end() as orders:
            result = super(SaleOrderLine, self.with_env(orders.env)).write(vals)
            orders._infogerance_sync_service_lines()
        return result

    @api.multi
    def unlink(self):
        orders = self.filtered(lambda l: l.is_computer_rental or l.infogerance_offer_id).mapped(
            "order_id"
        )
        with recompute_once(self), orders._infogerance_sync_at_end() as orders:
            result = super(SaleOrderLine, self.with_env(orders.env)).unlink()
            orders.exists()._infogerance_sync_service_lines()
        return result

    @api.constrains("infogerance_service_line_id")
    def _check_infogerance_service_line(self):
        for line in self.filtered("infogerance_service_line_id"):
            service = line.infogerance_service_line_id
            if (
                service.order_id != line.order_id
                or not service.infogerance_offer_id
                or not line.is_computer_rental
            ):
                raise ValidationError(
                    _(
                        "R1 - line %(line)s: a managed service of the same order covers a "
                        "computer rental, not %(service)s."
                    )
                    % {"line": line.name, "service": service.name}
                )

    def _infogerance_computer_count(self):
        """Computers in these lines (rental lines only)."""
        return int(
            sum(
                self.filtered(lambda line: line.product_id.is_computer_rental).mapped(
                    "product_uom_qty"
                )
            )
        )

    def _infogerance_price_values(self, existing_fleet, order_computers, covered=None):
        """Quantity, price and the facts explaining it of a managed-service line (R3).
        ``covered``: computers this line covers (default: its linked rental lines)."""
        self.ensure_one()
        if covered is None:
            covered = self.infogerance_rental_line_ids._infogerance_computer_count()
        fleet = existing_fleet + order_computers
        grid = self._infogerance_pricing_grid()
        tier = rules.applicable_tier(grid, fleet)
        return {
            "product_uom_qty": covered,
            "price_unit": tier.unit_price if tier else 0.0,
            "infogerance_fleet_size": fleet,
            "infogerance_existing_fleet": existing_fleet,
            "infogerance_tier_min": tier.min_computers if tier else 0,
        }

    def _infogerance_pricing_holder(self):
        """The record whose grid prices this managed-service line: for a customer
        who already subscribed to the offer, its contract (or the pending plan
        change to that offer), frozen, which the contract invoices (R4); otherwise
        the offer, at its grid of today, frozen at confirmation."""
        self.ensure_one()
        # The stored flag of a saved line (read with it), the product's on a new one.
        offer = self.infogerance_offer_id or self.product_id.infogerance_offer_id
        order = self.order_id
        if order.partner_id and order.company_id:
            # The customer's own contract, read to price its own order: salesmen and
            # shop visitors need not read contracts for that.
            contract = (
                self.env["account.analytic.account"]
                .sudo()
                ._infogerance_find_customer_contract(
                    order.partner_id.commercial_partner_id,
                    order.company_id,
                    order._infogerance_start(),
                )
            )
            holder = contract._infogerance_grid_holder_for_offer(offer) if contract else None
            if holder is not None:
                return holder
        return offer

    def _infogerance_pricing_grid(self):
        """The grid pricing this managed-service line, as :mod:`rules` tuples."""
        return self._infogerance_pricing_holder()._infogerance_grid()

    @api.depends(
        "product_id",
        "price_unit",
        "infogerance_fleet_size",
        "infogerance_existing_fleet",
        "infogerance_tier_min",
    )
    def _compute_infogerance_price_reason(self):
        # The product's flag, not the related field: see the quotation onchange.
        for line in self.filtered(lambda l: l.product_id.infogerance_offer_id):
            if line.infogerance_tier_min:
                line.infogerance_price_reason = _(
                    "Fleet of %(fleet)s computers (%(existing)s already rented + %(new)s in "
                    "this order): tier from %(min)s computers at %(price).2f per computer "
                    "per month."
                ) % {
                    "fleet": line.infogerance_fleet_size,
                    "existing": line.infogerance_existing_fleet,
                    "new": line.infogerance_fleet_size - line.infogerance_existing_fleet,
                    "min": line.infogerance_tier_min,
                    "price": line.price_unit,
                }
            else:
                line.infogerance_price_reason = _(
                    "No computer rented nor in this order: a managed service needs "
                    "a computer rental."
                )

    # Contracts created at confirmation ----------------------------------------

    def _prepare_contract_common_values(self, start):
        """Recurrence and invoicing of a contract sold by this line (template or
        monthly pre-paid)."""
        self.ensure_one()
        template = self.product_id.infogerance_contract_template_id
        order = self.order_id
        vals = {
            "partner_id": order.partner_id.id,
            "company_id": order.company_id.id,
            "user_id": order.user_id.id,
            "recurring_invoices": True,
            "recurring_rule_type": template.recurring_rule_type or "monthly",
            "recurring_interval": template.recurring_interval or 1,
            "recurring_invoicing_type": template.recurring_invoicing_type or "pre-paid",
            "date_start": start,
            "recurring_next_date": start,
            "contract_template_id": template.id,
            "infogerance_sale_line_id": self.id,
            "pricelist_id": order.pricelist_id.id,
        }
        if template.journal_id:
            vals["journal_id"] = template.journal_id.id
        return vals

    def _prepare_contract_line_values(self, quantity, price_unit):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "name": "%s #START# - #END#" % self.name,
            "quantity": quantity,
            "uom_id": self.product_uom.id,
            "specific_price": price_unit,
        }

    def _prepare_rental_contract_values(self, start, index):
        """One computer-rental contract per computer unit."""
        self.ensure_one()
        vals = self._prepare_contract_common_values(start)
        vals.update(
            {
                "name": "%s - %s #%d" % (self.order_id.name, self.product_id.name, index),
                "infogerance_role": "rental",
                "recurring_invoice_line_ids": [
                    (
                        0,
                        0,
                        self._prepare_contract_line_values(
                            1, self.price_unit * (1 - (self.discount or 0.0) / 100.0)
                        ),
                    )
                ],
            }
        )
        return vals

    def _prepare_service_contract_values(self, start):
        """A new managed-service contract: the offer's grid and terms copied (R4, R5)."""
        self.ensure_one()
        offer = self.infogerance_offer_id
        commercial = self.order_id.partner_id.commercial_partner_id
        vals = self._prepare_contract_common_values(start)
        vals.update(
            {
                "name": _("%(offer)s managed services - %(customer)s")
                % {"offer": offer.name, "customer": commercial.name},
                "partner_id": commercial.id,
                "infogerance_role": "service",
                "infogerance_offer_id": offer.id,
                "infogerance_tier_ids": offer._prepare_contract_tier_values(),
                "infogerance_service_type_ids": [(6, 0, offer.service_type_ids.ids)],
                "infogerance_commitment_end": fields.Date.to_string(
                    rules.commitment_end(fields.Date.from_string(start), offer.commitment_months)
                ),
                "infogerance_notice_days": offer.notice_days,
                "recurring_invoice_line_ids": [(0, 0, self._prepare_contract_line_values(0, 0.0))],
            }
        )
        return vals
