import json

from odoo import fields, models

from .. import rules


class InfogerancePlanChange(models.Model):
    """Another offer ordered by a customer who already subscribed: the plan of its
    one managed-service contract changes from the start of the next billing
    period, with the new offer's grid frozen on the order's confirmation (R4)."""

    _name = "infogerance.plan.change"
    _inherit = "infogerance.grid.mixin"
    _description = "Managed service plan change"
    _order = "date desc, id desc"

    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Managed-service contract",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    # The contract's company, copied at creation: a stored related field would cost
    # a query at every contract created (rentals included) to recompute it.
    company_id = fields.Many2one(comodel_name="res.company", readonly=True, index=True)
    date = fields.Date(string="Applies from", required=True, readonly=True)
    offer_id = fields.Many2one(
        comodel_name="infogerance.offer", string="New offer", required=True, readonly=True
    )
    previous_offer_id = fields.Many2one(
        comodel_name="infogerance.offer", string="Previous offer", readonly=True
    )
    order_id = fields.Many2one(
        comodel_name="sale.order", string="Ordered by", readonly=True, ondelete="set null"
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Service product",
        readonly=True,
        help="The new offer's product, invoiced from the change on.",
    )
    state = fields.Selection(
        selection=[("pending", "Pending"), ("applied", "Applied"), ("replaced", "Replaced")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    tier_ids = fields.One2many(
        comodel_name="infogerance.plan.change.tier",
        inverse_name="plan_change_id",
        string="Price grid (frozen)",
        readonly=True,
    )

    previous_grid = fields.Text(
        readonly=True,
        help="The contract's frozen grid before this change applied (JSON: [[from, "
        "unit price], ...]): the periods before the change are regularised with it (R3).",
    )

    def _infogerance_grid_tier_field(self):
        return "tier_ids"

    def _infogerance_previous_grid(self):
        """The grid in force before this change, as plain tuples, or None when the
        change applied before it was recorded."""
        self.ensure_one()
        if not self.previous_grid:
            return None
        return tuple(rules.Tier(*tier) for tier in json.loads(self.previous_grid))


class InfogerancePlanChangeTier(models.Model):
    """The new offer's grid, frozen when the order was confirmed (R4)."""

    _name = "infogerance.plan.change.tier"
    _inherit = "infogerance.price.tier"
    _description = "Plan change price tier (frozen copy of the new offer's grid)"

    plan_change_id = fields.Many2one(
        comodel_name="infogerance.plan.change",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="plan_change_id.company_id", store=True, readonly=True, index=True
    )

    def _grid_owner_field(self):
        return "plan_change_id"
