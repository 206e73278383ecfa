from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons import decimal_precision as dp

from .. import rules
from .context_markers import CORRECTION_LOGGED


class InfogerancePriceTier(models.AbstractModel):
    """A tier of a price grid: from ``min_computers`` on, ``unit_price`` per computer."""

    _name = "infogerance.price.tier"
    _description = "Managed service price tier"
    _order = "min_computers"

    min_computers = fields.Integer(
        string="From (computers)",
        required=True,
        default=1,
        help="Lower bound of the tier: this price applies from this fleet size on.",
    )
    unit_price = fields.Float(
        string="Monthly price per computer",
        required=True,
        digits=dp.get_precision("Product Price"),
    )

    def _grid_owner_field(self):
        raise NotImplementedError

    @api.multi
    def name_get(self):
        return [
            (
                tier.id,
                _("from %(min)s computers: %(price).2f per computer")
                % {"min": tier.min_computers, "price": tier.unit_price},
            )
            for tier in self
        ]

    @api.constrains("min_computers", "unit_price")
    def _check_grid(self):
        """Validate the whole grid each tier belongs to (R3)."""
        self.mapped(self._grid_owner_field())._check_infogerance_grid()


class InfogeranceOfferTier(models.Model):
    _name = "infogerance.offer.tier"
    _inherit = "infogerance.price.tier"
    _description = "Offer price tier"

    offer_id = fields.Many2one(
        comodel_name="infogerance.offer",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="offer_id.company_id", store=True, readonly=True, index=True
    )

    def _grid_owner_field(self):
        return "offer_id"

    def _check_offer_history(self):
        """The grid of an offer that contracts or orders use is their history: its
        tiers are not deleted nor moved to another offer (prices may change; the
        contracts keep their frozen copy, R4)."""
        used = self.mapped("offer_id")._infogerance_used_offers()
        if used:
            raise UserError(
                _(
                    "R4 - offer %(names)s is used by contracts or orders (running or ended): "
                    "its price tiers are their history and cannot be deleted. Archive the "
                    "offer instead, and create a new offer with the new grid."
                )
                % {"names": ", ".join(used.mapped("name"))}
            )

    @api.multi
    def write(self, vals):
        if "offer_id" in vals and self.filtered(lambda t: t.offer_id.id != vals["offer_id"]):
            self._check_offer_history()
        return super().write(vals)

    @api.multi
    def unlink(self):
        self._check_offer_history()
        return super().unlink()


class InfogeranceContractTier(models.Model):
    """The offer's grid as frozen on a contract at subscription (R4)."""

    _name = "infogerance.contract.tier"
    _inherit = ["infogerance.price.tier", "infogerance.company.from.parent"]
    _infogerance_company_parents = ("contract_id",)
    _description = "Contract price tier (frozen copy of the offer grid)"

    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        required=True,
        ondelete="cascade",
        index=True,
    )

    def _grid_owner_field(self):
        return "contract_id"

    def _infogerance_change_frozen(self, contracts, change):
        """R4: the frozen grid changes only by the rules (subscription, move to the
        current grid) or by a manager giving a reason, as the contract's own fields.
        Runs ``change``; a manager's change of the tiers themselves (not through a
        correction of the contract, which logs it) is logged on the contracts."""
        reason = contracts._infogerance_rules_write_allowed(["infogerance_tier_ids"])
        logged = self.env.context.get("infogerance_correction_logged") is CORRECTION_LOGGED
        if not reason or logged:
            return change()
        contracts = contracts.filtered(lambda c: c.infogerance_role == "service")
        old_values = {
            contract.id: {
                "infogerance_tier_ids": contract._infogerance_value_text("infogerance_tier_ids")
            }
            for contract in contracts
        }
        result = change()
        # Names computed before the change, with no dependency to invalidate them.
        self.env[self._name].invalidate_cache(["display_name"])
        contracts.invalidate_cache(["infogerance_tier_ids"], contracts.ids)
        contracts._infogerance_log_manager_write(["infogerance_tier_ids"], reason, old_values)
        return result

    def _infogerance_contracts(self, vals=None):
        contracts = self.mapped("contract_id")
        if vals and vals.get("contract_id"):
            contracts |= contracts.browse(vals["contract_id"])
        return contracts

    @api.model
    def create(self, vals):
        return self._infogerance_change_frozen(
            self._infogerance_contracts(vals),
            lambda: super(InfogeranceContractTier, self).create(vals),
        )

    @api.multi
    def write(self, vals):
        return self._infogerance_change_frozen(
            self._infogerance_contracts(vals),
            lambda: super(InfogeranceContractTier, self).write(vals),
        )

    @api.multi
    def unlink(self):
        return self._infogerance_change_frozen(
            self._infogerance_contracts(), lambda: super(InfogeranceContractTier, self).unlink()
        )


class InfogeranceGridMixin(models.AbstractModel):
    """Something priced by a grid of tiers: an offer or a managed-service contract."""

    _name = "infogerance.grid.mixin"
    _description = "Owner of a managed service price grid"

    def _infogerance_grid_tier_field(self):
        """Name of the one2many holding the tiers (an ``infogerance.price.tier``)."""
        raise NotImplementedError

    def _infogerance_grid_tiers(self):
        return self[self._infogerance_grid_tier_field()]

    def _infogerance_grid(self):
        """The grid as plain tuples for :mod:`rules`."""
        self.ensure_one()
        field = self._fields[self._infogerance_grid_tier_field()]
        alone = self._prefetch[self._name] == {self.id}
        if isinstance(self.id, models.NewId) or field.name in self._cache or not alone:
            # Being edited, read already, or read with others (a batch of contracts
            # invoiced): the one2many, read once for all of them.
            tiers = [(t.min_computers, t.unit_price) for t in self[field.name]]
        else:
            # One saved record (the contract pricing a cart update): two columns of
            # its tiers in one search and one read, where the one2many costs four.
            tiers = [
                (row["min_computers"], row["unit_price"])
                for row in self.env[field.comodel_name].search_read(
                    [(field.inverse_name, "=", self.id)], ["min_computers", "unit_price"]
                )
            ]
        return tuple(rules.Tier(*tier) for tier in sorted(tiers))

    def _infogerance_grid_needed(self):
        return True

    def _check_infogerance_grid(self):
        for record in self.filtered(lambda r: r._infogerance_grid_needed()):
            errors = rules.grid_errors(record._infogerance_grid())
            if errors:
                # translated only when needed: every rental created is checked
                messages = {
                    rules.GRID_EMPTY: _("the grid has no tier"),
                    rules.GRID_NO_TIER_AT_ONE: _("the grid needs a tier starting at 1 computer"),
                    rules.GRID_BOUND_BELOW_ONE: _("tier bounds must be at least 1 computer"),
                    rules.GRID_DUPLICATE_BOUND: _(
                        "two tiers start at the same number of computers"
                    ),
                    rules.GRID_NEGATIVE_PRICE: _("a tier has a negative price"),
                }
                raise ValidationError(
                    _("R3 - invalid price grid on %(name)s: %(errors)s.")
                    % {
                        "name": record.display_name,
                        "errors": "; ".join(messages[e] for e in errors),
                    }
                )
