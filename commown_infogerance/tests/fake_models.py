"""Test-only models, registered by odoo-test-helper's FakeModelLoader."""
from odoo import fields, models


class InfogeranceFakeCustomerNote(models.Model):
    """A model a later change could add: customer data, opened to portal users."""

    _name = "infogerance.fake.customer.note"
    _description = "Test-only customer note"

    partner_id = fields.Many2one(comodel_name="res.partner")
    note = fields.Char()
