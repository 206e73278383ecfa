from odoo import _, models
from odoo.exceptions import UserError

#: System parameter: the most computers one order line may rent.
MAX_COMPUTERS_PARAM = "commown_infogerance.max_computers_per_line"
MAX_COMPUTERS_DEFAULT = 500


class SaleOrder(models.Model):
    """What a managed-service order must be to be confirmed, besides R1: offers
    for sale, contract templates the rules price (monthly, pre-paid), the grid's
    currency, no discount on the fleet price, and a sane number of computers per
    line."""

    _inherit = "sale.order"

    def _infogerance_check_sale_rules(self):
        result = super()._infogerance_check_sale_rules()
        maximum = self._infogerance_max_computers_per_line()
        for order in self:
            lines = order.order_line.filtered(
                lambda l: l.is_computer_rental or l.infogerance_offer_id
            )
            shop = None  # who confirms decides whether an unpublished offer may be sold
            for line in lines.filtered("infogerance_offer_id"):
                if shop is None:
                    shop = not order._infogerance_confirmed_by_staff()
                problem = order._infogerance_offer_sale_problem(line.product_id, shop)
                if problem:
                    raise UserError(problem)
            for line in lines:
                order._infogerance_check_line_template(line)
                if line.is_computer_rental and line.product_uom_qty > maximum:
                    raise UserError(
                        _(
                            "Line %(line)s rents %(qty)s computers; an order line rents at most "
                            "%(max)s (system parameter %(param)s). Split the order, or ask an "
                            "administrator to raise the maximum."
                        )
                        % {
                            "line": line.name,
                            "qty": int(line.product_uom_qty),
                            "max": maximum,
                            "param": MAX_COMPUTERS_PARAM,
                        }
                    )
            offers = lines.mapped("infogerance_offer_id")
            if len(offers) > 1:
                raise UserError(
                    _(
                        "Order %(order)s subscribes to several managed-service offers "
                        "(%(offers)s): a customer has one managed-service contract, on one "
                        "offer. Keep one offer in this order."
                    )
                    % {"order": order.name, "offers": ", ".join(offers.mapped("name"))}
                )
            if lines.filtered("infogerance_offer_id") and order.partner_id:
                # the customer's own contract, read to check its own order
                contract = (
                    self.env["account.analytic.account"]
                    .sudo()
                    ._infogerance_find_customer_contract(
                        order.partner_id.commercial_partner_id,
                        order.company_id,
                        order._infogerance_start(),
                    )
                )
                if contract:
                    contract._infogerance_check_may_extend(order)
            for line in lines.filtered("infogerance_offer_id"):
                if line.discount:
                    raise UserError(
                        _(
                            "R3 - line %(line)s has a discount of %(discount)s%%: the managed-"
                            "service price comes from the offer's grid and the whole fleet, and "
                            "the contract could not apply the discount. Remove it."
                        )
                        % {"line": line.name, "discount": line.discount}
                    )
                grid_currency = line.infogerance_offer_id.currency_id
                order_currency = order.pricelist_id.currency_id
                if grid_currency and order_currency and grid_currency != order_currency:
                    raise UserError(
                        _(
                            "R3 - the grid of offer %(offer)s is in %(grid)s and order %(order)s "
                            "in %(currency)s: managed services are sold in the grid's currency. "
                            "Choose a pricelist in %(grid)s."
                        )
                        % {
                            "offer": line.infogerance_offer_id.name,
                            "grid": grid_currency.name,
                            "order": order.name,
                            "currency": order_currency.name,
                        }
                    )

        return result

    def _infogerance_offer_sale_problem(self, product, shop):
        """Why the product of an offer may not be sold on this order, or False: an
        offer for sale is active, for sale and of the order's company, and, sold
        in the shop or confirmed by the customer (``shop``), published on the
        website (a salesman may sell an unpublished, private offer)."""
        self.ensure_one()
        # the product's flags, whoever reads them (website_sale reads as superuser)
        product = product.sudo()
        offer = product.infogerance_offer_id
        companies = (product.company_id | offer.company_id) - self.company_id
        if not (product.active and product.product_tmpl_id.active and offer.active):
            reason = _("it is archived")
        elif not product.sale_ok:
            reason = _("it is not for sale")
        elif companies:
            reason = _("it belongs to another company (%(company)s)") % {
                "company": ", ".join(companies.mapped("name"))
            }
        elif shop and not product.website_published:
            reason = _("it is not published in the shop")
        else:
            return False
        return _(
            "Offers for sale - offer %(offer)s cannot be sold on order %(order)s: %(reason)s."
        ) % {
            "offer": product.display_name,
            "order": self.name,
            "reason": reason,
        }

    def _infogerance_max_computers_per_line(self):
        value = (
            self.env["ir.config_parameter"].sudo().get_param(MAX_COMPUTERS_PARAM)
            or MAX_COMPUTERS_DEFAULT
        )
        try:
            return max(1, int(value))
        except ValueError:
            return MAX_COMPUTERS_DEFAULT

    def _infogerance_check_line_template(self, line):
        """The rules price and end contracts billed monthly, in advance (R3, R7):
        another recurrence from the product's contract template is refused."""
        template = line.product_id.infogerance_contract_template_id
        if not template:
            return
        if (
            (template.recurring_rule_type or "monthly") != "monthly"
            or (template.recurring_interval or 1) != 1
            or (template.recurring_invoicing_type or "pre-paid") != "pre-paid"
        ):
            raise UserError(
                _(
                    "R3/R7 - product %(product)s uses contract template %(template)s, which is "
                    "not invoiced every month in advance: managed services and computer rentals "
                    "are billed monthly, pre-paid. Choose a monthly pre-paid template on the "
                    "product."
                )
                % {"product": line.product_id.display_name, "template": template.name}
            )
