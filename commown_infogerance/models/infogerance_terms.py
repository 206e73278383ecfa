from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..contract_day import contract_today


class InfogeranceTerms(models.Model):
    """The conditions of an offer, as a versioned contractual document: a
    version once accepted by a customer is never changed; a change is a new
    version, which applies to the quotations that follow."""

    _name = "infogerance.terms"
    _description = "Managed-service conditions (contractual document)"
    _order = "offer_id, date desc, id desc"

    name = fields.Char(required=True, translate=True)
    offer_id = fields.Many2one(
        comodel_name="infogerance.offer",
        string="Offer",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="offer_id.company_id", store=True, readonly=True)
    version = fields.Char(required=True)
    date = fields.Date(string="Valid from", required=True, default=contract_today)
    body = fields.Html(string="Conditions", required=True, translate=True)
    acceptance_ids = fields.One2many(
        comodel_name="infogerance.terms.acceptance",
        inverse_name="terms_id",
        string="Acceptances",
        readonly=True,
    )
    acceptance_count = fields.Integer(compute="_compute_acceptance_count")

    _sql_constraints = [
        (
            "version_unique",
            "unique(offer_id, version)",
            "An offer has one document per version: give the new conditions a new version.",
        )
    ]

    def _compute_acceptance_count(self):
        counts = dict(
            (row["terms_id"][0], row["terms_id_count"])
            for row in self.env["infogerance.terms.acceptance"].read_group(
                [("terms_id", "in", self.ids)], ["terms_id"], ["terms_id"]
            )
        )
        for terms in self:
            terms.acceptance_count = counts.get(terms.id, 0)

    @api.multi
    def name_get(self):
        return [(terms.id, "%s (%s)" % (terms.name, terms.version)) for terms in self]

    @api.multi
    def write(self, vals):
        if {"body", "version", "date", "offer_id"} & set(vals) and self.env[
            "infogerance.terms.acceptance"
        ].sudo().search_count([("terms_id", "in", self.ids)]):
            raise UserError(
                _(
                    "These conditions were accepted by customers: they cannot change. "
                    "Publish a new version instead."
                )
            )
        return super().write(vals)

    @api.multi
    def unlink(self):
        if (
            self.env["infogerance.terms.acceptance"]
            .sudo()
            .search_count([("terms_id", "in", self.ids)])
        ):
            raise UserError(_("Accepted conditions are kept: archive the offer instead."))
        return super().unlink()

    def _infogerance_public_url(self):
        self.ensure_one()
        return "/infogerance/conditions/%d" % self.id

    @api.multi
    def _infogerance_may_show(self, user):
        """Whether the public page of these conditions may be shown to ``user``:
        staff read every version they may read; anyone else, the version in
        force of an offer published in the shop (not a future, replaced or
        archived one), or a version their company accepted (their proof)."""
        self.ensure_one()
        if not user.share:
            return True
        # Offers, products and acceptances read as the system: only whether the
        # version is public or this user's company accepted it is told.
        terms = self.sudo()
        offer = terms.offer_id
        published = offer.active and any(
            template.website_published and template.sale_ok for template in offer.product_tmpl_ids
        )
        if published and offer.current_terms_id == terms:
            return True
        commercial = user.partner_id.commercial_partner_id
        return not user._is_public() and bool(
            terms.acceptance_ids.filtered(lambda acceptance: acceptance.partner_id == commercial)
        )


class InfogeranceTermsAcceptance(models.Model):
    """Proof that a customer accepted a version of the conditions: on which
    order (and then contract), when, by whom, from which IP address."""

    _name = "infogerance.terms.acceptance"
    _inherit = "infogerance.company.from.parent"
    _infogerance_company_parents = ("contract_id", "order_id")
    _description = "Acceptance of managed-service conditions"
    _order = "date desc, id desc"

    terms_id = fields.Many2one(
        comodel_name="infogerance.terms",
        string="Conditions",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    version = fields.Char(related="terms_id.version", store=True, readonly=True)
    order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Order",
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Managed-service contract",
        readonly=True,
        index=True,
        ondelete="set null",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        readonly=True,
        index=True,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one(comodel_name="res.users", string="Accepted by", readonly=True)
    ip_address = fields.Char(string="IP address", readonly=True)
    channel = fields.Selection(
        selection=[("shop", "Online shop"), ("portal", "Customer portal")],
        readonly=True,
    )


class InfogeranceOffer(models.Model):
    _inherit = "infogerance.offer"

    terms_ids = fields.One2many(
        comodel_name="infogerance.terms",
        inverse_name="offer_id",
        string="Conditions (versions)",
    )
    current_terms_id = fields.Many2one(
        comodel_name="infogerance.terms",
        string="Current conditions",
        compute="_compute_current_terms_id",
    )

    @api.depends("terms_ids.date")
    def _compute_current_terms_id(self):
        today = contract_today(self)
        for offer in self:
            valid = offer.terms_ids.filtered(lambda terms: terms.date <= today)
            offer.current_terms_id = valid.sorted(lambda t: (t.date, t.id))[-1:]
