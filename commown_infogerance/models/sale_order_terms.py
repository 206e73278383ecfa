import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .chatter_text import escaped


class SaleOrder(models.Model):
    """The conditions of the offers sold: accepted at shop checkout and when a
    customer accepts a quotation in the portal; the acceptance follows the
    order to its managed-service contracts."""

    _inherit = "sale.order"

    infogerance_terms_acceptance_ids = fields.One2many(
        comodel_name="infogerance.terms.acceptance",
        inverse_name="order_id",
        string="Conditions accepted",
        readonly=True,
    )
    infogerance_terms_ids = fields.Many2many(
        comodel_name="infogerance.terms",
        string="Conditions of the offers",
        compute="_compute_infogerance_terms_ids",
    )
    infogerance_terms_missing = fields.Boolean(
        string="Conditions to accept",
        compute="_compute_infogerance_terms_ids",
    )

    @api.depends("order_line.infogerance_offer_id", "infogerance_terms_acceptance_ids")
    def _compute_infogerance_terms_ids(self):
        for order in self:
            order.infogerance_terms_ids = order._infogerance_terms()
            order.infogerance_terms_missing = bool(order._infogerance_terms_to_accept())

    def _infogerance_terms(self):
        """The current conditions of the offers on this order."""
        self.ensure_one()
        return self.order_line.mapped("infogerance_offer_id.current_terms_id")

    def _infogerance_terms_to_accept(self):
        """Conditions of this order's offers of which no version was accepted on it."""
        self.ensure_one()
        accepted_offers = self.infogerance_terms_acceptance_ids.mapped("terms_id.offer_id")
        return self._infogerance_terms().filtered(lambda t: t.offer_id not in accepted_offers)

    def _infogerance_accept_terms(self, ip_address, channel, user=None):
        """Record that ``user`` (default: the current user) accepts the
        conditions of this order's offers. The caller checked that the user
        may act on the order (its customer in the portal, the shop session's
        cart, which website_sale reads as superuser)."""
        self.ensure_one()
        user = user or self.env.user
        terms = self._infogerance_terms_to_accept()
        if not terms:
            return self.env["infogerance.terms.acceptance"]
        # Proof written by the system: the customer may not write acceptances.
        acceptances = self.env["infogerance.terms.acceptance"].sudo()
        for document in terms:
            acceptances |= acceptances.create(
                {
                    "terms_id": document.id,
                    "order_id": self.id,
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "user_id": user.id,
                    "ip_address": ip_address,
                    "channel": channel,
                }
            )
        self.sudo().message_post(
            body=_("Conditions accepted by %(user)s from %(ip)s: %(terms)s.")
            % escaped(
                {
                    "user": user.name,
                    "ip": ip_address or "-",
                    "terms": ", ".join(terms.mapped("display_name")),
                }
            )
        )
        return acceptances

    def _infogerance_check_payable(self):
        result = super()._infogerance_check_payable()  # the sale rules first: clearer
        self._infogerance_check_terms_accepted()
        return result

    def _infogerance_check_terms_accepted(self):
        """Paying in the shop or accepting a quotation in the portal needs the
        conditions of the offers accepted first."""
        for order in self:
            missing = order._infogerance_terms_to_accept()
            if missing:
                raise UserError(
                    _("Please read and accept the conditions first: %(terms)s.")
                    % {"terms": ", ".join(missing.mapped("display_name"))}
                )

    @api.multi
    def _action_confirm(self):
        result = super()._action_confirm()
        self._infogerance_link_terms_to_contracts()
        return result

    def _infogerance_link_terms_to_contracts(self):
        """The acceptance belongs to the managed-service contract the order
        started or extended, where staff see it."""
        Contract = self.env["account.analytic.account"].sudo()
        for order in self.filtered("infogerance_terms_acceptance_ids"):
            commercial = order.partner_id.commercial_partner_id
            start = order._infogerance_start()
            for acceptance in order.infogerance_terms_acceptance_ids.filtered(
                lambda a: not a.contract_id
            ):
                contract = Contract._infogerance_find_customer_contract(
                    commercial, order.company_id, start
                )
                if contract:
                    acceptance.sudo().contract_id = contract

    def _infogerance_terms_attachments(self):
        """The conditions of this order's offers as PDF attachments for the
        quotation e-mail (created for the composer, like the quotation PDF)."""
        self.ensure_one()
        attachments = self.env["ir.attachment"]
        # In the customer's language, as the quotation the e-mail carries.
        lang = self.partner_id.lang or self.env.lang
        report = self.env.ref("commown_infogerance.report_infogerance_terms").with_context(
            lang=lang
        )
        for terms in self.infogerance_terms_ids.with_context(lang=lang):
            content, _format = report.render_qweb_pdf(terms.ids)
            name = "%s - %s.pdf" % (terms.name, terms.version)
            attachments |= attachments.create(
                {
                    "name": name,
                    "datas_fname": name,
                    "datas": base64.b64encode(content),
                    "res_model": "mail.compose.message",
                    "res_id": 0,
                    "type": "binary",
                }
            )
        return attachments
