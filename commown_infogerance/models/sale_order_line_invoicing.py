from odoo import api, models


class SaleOrderLine(models.Model):
    """Rented computers and managed services are invoiced by their contracts,
    month by month, never by the sale flow: their order lines are never "to
    invoice", so "Create invoice" and the shop's automatic invoice do not bill
    the first month a second time."""

    _inherit = "sale.order.line"

    def _infogerance_invoiced_by_contracts(self):
        """The lines whose confirmation creates or extends contracts."""
        return self.filtered(
            lambda line: line.product_id.is_computer_rental or line.product_id.infogerance_offer_id
        )

    @api.depends("qty_invoiced", "qty_delivered", "product_uom_qty", "order_id.state", "product_id")
    def _get_to_invoice_qty(self):
        result = super()._get_to_invoice_qty()
        for line in self._infogerance_invoiced_by_contracts():
            line.qty_to_invoice = 0.0
        return result

    @api.depends("state", "product_uom_qty", "qty_delivered", "qty_to_invoice", "qty_invoiced")
    def _compute_invoice_status(self):
        result = super()._compute_invoice_status()
        for line in self._infogerance_invoiced_by_contracts():
            line.invoice_status = "no"
        return result


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _force_lines_to_invoice_policy_order(self):
        """The shop's automatic invoice (sale_payment) forces every line to be
        invoiced: not the ones the contracts invoice."""
        result = super()._force_lines_to_invoice_policy_order()
        for line in self.mapped("order_line")._infogerance_invoiced_by_contracts():
            line.qty_to_invoice = 0.0
        return result
