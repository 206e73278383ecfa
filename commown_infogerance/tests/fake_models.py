"""Test-only models for the grid mixins, loaded by odoo-test-helper's FakeModelLoader
(never imported by the module, nor by ``tests/__init__.py``)."""
from odoo import fields, models


class InfogeranceGridTestTier(models.Model):
    _name = "infogerance.grid.test.tier"
    _inherit = "infogerance.price.tier"
    _description = "Price tier of a test-only grid owner"

    owner_id = fields.Many2one(
        comodel_name="infogerance.grid.test.owner",
        required=True,
        ondelete="cascade",
    )

    def _grid_owner_field(self):
        return "owner_id"


class InfogeranceGridTestOwner(models.Model):
    """The smallest user of the mixin: its tiers, and whether it needs a grid."""

    _name = "infogerance.grid.test.owner"
    _inherit = "infogerance.grid.mixin"
    _description = "Test-only owner of a price grid"

    name = fields.Char()
    grid_needed = fields.Boolean(default=True)
    tier_ids = fields.One2many(
        comodel_name="infogerance.grid.test.tier",
        inverse_name="owner_id",
    )

    def _infogerance_grid_tier_field(self):
        return "tier_ids"

    def _infogerance_grid_needed(self):
        return self.grid_needed


class InfogeranceGridTestBare(models.Model):
    """A user of the mixin that forgot to say where its tiers are."""

    _name = "infogerance.grid.test.bare"
    _inherit = "infogerance.grid.mixin"
    _description = "Test-only grid owner without tiers"

    name = fields.Char()


class InfogeranceFakeCustomerNote(models.Model):
    """A model a later change could add: customer data, opened to portal users."""

    _name = "infogerance.fake.customer.note"
    _description = "Test-only customer note"

    partner_id = fields.Many2one(comodel_name="res.partner")
    note = fields.Char()


class InfogeranceFakeProfileNote(models.Model):
    """A model a later change could add: a profile's data, in its profile's company."""

    _name = "infogerance.fake.profile.note"
    _description = "Test-only profile note"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="profile_id.company_id", store=True, readonly=True)
    note = fields.Char()


class InfogeranceFakeProfileItem(models.Model):
    """The same, without a company of its own: it reaches one through its profile."""

    _name = "infogerance.fake.profile.item"
    _description = "Test-only profile item"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile", required=True, ondelete="cascade"
    )
    note = fields.Char()
