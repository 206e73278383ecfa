from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import rules


class InfogeranceOffer(models.Model):
    """A managed-service offer: services, price grid, commitment (R2-R6)."""

    _name = "infogerance.offer"
    _inherit = ["infogerance.grid.mixin", "mail.thread"]
    _description = "Managed service offer"
    _order = "name"

    name = fields.Char(required=True, translate=True, track_visibility="onchange")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        default=lambda self: self.env.user.company_id,
    )
    currency_id = fields.Many2one(related="company_id.currency_id", readonly=True)
    description = fields.Html(translate=True)
    tier_ids = fields.One2many(
        comodel_name="infogerance.offer.tier",
        inverse_name="offer_id",
        string="Price grid",
        copy=True,
    )
    service_type_ids = fields.Many2many(
        comodel_name="infogerance.service.type",
        string="Included services",
    )
    commitment_months = fields.Integer(
        default=12,
        required=True,
        track_visibility="onchange",
        help="Commitment length; the commitment ends on start + months - 1 day (R5).",
    )
    notice_days = fields.Integer(
        default=15,
        required=True,
        track_visibility="onchange",
        help="Notice given by the customer to terminate after the commitment (R6).",
    )
    onsite_city_ids = fields.Many2many(
        comodel_name="infogerance.onsite.city",
        string="On-site cities",
        default=lambda self: self._default_onsite_city_ids(),
        help="Cities where the yearly on-site intervention is offered (R8).",
    )
    product_tmpl_ids = fields.One2many(
        comodel_name="product.template",
        inverse_name="infogerance_offer_id",
        string="Products",
    )

    def _default_onsite_city_ids(self):
        cities = self.env["infogerance.onsite.city"]
        for xmlid in (
            "commown_infogerance.onsite_city_paris",
            "commown_infogerance.onsite_city_strasbourg",
        ):
            cities |= self.env.ref(xmlid, raise_if_not_found=False) or cities
        return cities

    @api.constrains("tier_ids")
    def _check_tier_ids(self):
        self._check_infogerance_grid()

    @api.constrains("commitment_months", "notice_days")
    def _check_terms(self):
        for offer in self:
            if offer.commitment_months < 1 or offer.notice_days < 0:
                raise ValidationError(
                    _(
                        "R5/R6 - the commitment lasts at least one month and the notice "
                        "cannot be negative (offer %(name)s)."
                    )
                    % {"name": offer.name}
                )

    def _infogerance_used_offers(self):
        """The offers of ``self`` that a contract (running, ended or archived), an
        order line or a plan change refers to: their history. One query."""
        if not self.ids:
            return self
        self.env.cr.execute(
            """
            SELECT infogerance_offer_id FROM account_analytic_account
             WHERE infogerance_offer_id IN %(ids)s
            UNION SELECT infogerance_offer_id FROM sale_order_line
             WHERE infogerance_offer_id IN %(ids)s
            UNION SELECT offer_id FROM infogerance_plan_change
             WHERE offer_id IN %(ids)s
            UNION SELECT previous_offer_id FROM infogerance_plan_change
             WHERE previous_offer_id IN %(ids)s
            """,
            {"ids": tuple(self.ids)},
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.multi
    def unlink(self):
        """An offer that contracts or orders refer to is history: archive it."""
        used = self._infogerance_used_offers()
        if used:
            raise UserError(
                _(
                    "Offer %(names)s cannot be deleted: contracts or quotations refer to it. "
                    "Archive it instead."
                )
                % {"names": ", ".join(used.mapped("name"))}
            )
        return super().unlink()

    def _infogerance_grid_tier_field(self):
        return "tier_ids"

    def _prepare_contract_tier_values(self):
        """Values of the grid copied onto a new contract (R4)."""
        self.ensure_one()
        return [
            (0, 0, {"min_computers": t.min_computers, "unit_price": t.unit_price})
            for t in self.tier_ids
        ]

    def _prepare_infogerance_terms_values(self, **overrides):
        """Parameters of the ``infogerance_terms`` template for this offer, as the
        shop's product page and the order PDF show them (R2)."""
        self.ensure_one()
        values = {
            "tiers": self.tier_ids,
            "currency": self.currency_id,
            "service_types": self.service_type_ids,
            "other_services": self.env["infogerance.other.service"],
            "commitment_months": self.commitment_months,
            "commitment_end": False,
            "notice_days": self.notice_days,
            "current_tier_min": 0,
            "show_descriptions": True,
        }
        values.update(overrides)
        return values

    def get_unit_price(self, fleet_size):
        """Public helper: the offer's current unit price for a fleet size (R3)."""
        self.ensure_one()
        return rules.unit_price(self._infogerance_grid(), fleet_size)
