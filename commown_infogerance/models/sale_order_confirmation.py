from odoo import _, api, models

from .account_analytic_account_fleet_trigger import ConfirmationCollector
from .chatter_text import escaped
from .sale_order import recompute_once


class SaleOrder(models.Model):
    """Confirmation: the order becomes contracts, one rental contract per computer
    and the customer's one managed-service contract (R3, R4)."""

    _inherit = "sale.order"

    @api.multi
    def _action_confirm(self):
        """Confirming, from the backend or the shop, creates the contracts (once
        the gate of ``sale_order_gate.py`` let the order through)."""
        result = super()._action_confirm()
        self._infogerance_create_contracts()
        return result

    def _infogerance_create_contracts(self):
        """One rental contract per computer; the managed service extends the customer's
        running contract (changing its plan from the next period when the offer
        differs) or starts a new one with the grid frozen (R4). The managed-service
        contract is found or created first, so that each rental is created attached
        to it (no second write of every rental); the contracts whose fleet changed
        are repriced once, at the end."""
        # Customers whose managed-service contract may be created or changed: one
        # confirmation at a time per customer and company.
        self.env["account.analytic.account"]._infogerance_lock_customers(
            (order.partner_id.commercial_partner_id.id, order.company_id.id)
            for order in self.filtered(lambda o: o.order_line.filtered("infogerance_offer_id"))
        )
        for order in self:
            start = order._infogerance_start()
            to_reprice = ConfirmationCollector()
            # Contracts follow from the confirmed order: the confirming user's rights
            # on the order were checked, contract lines are accounting data.
            Contract = (
                self.env["account.analytic.account"]
                .sudo()
                .with_context(infogerance_reprice_collector=to_reprice)
            )
            services, extended = order._infogerance_service_contracts(Contract, start)
            rentals = Contract.browse()
            # the rentals' stored computed fields are written once for all, not per rental
            with recompute_once(Contract):
                for line in order.order_line.filtered("is_computer_rental"):
                    # the contract of a service line covering it (the customer's one, R3)
                    service = services.get(line.infogerance_service_line_id, Contract.browse())
                    for index in range(1, int(line.product_uom_qty) + 1):
                        vals = line._prepare_rental_contract_values(start, index)
                        if service:
                            vals["infogerance_contract_id"] = service.id
                        rentals |= Contract.create(vals)
            for line, service in services.items():
                if line in extended:
                    service.message_post(
                        body=_("Extended by order %(order)s.") % escaped({"order": order.name})
                    )
                    service._infogerance_change_plan(line, start)
                to_reprice.add(service.id)
                order.infogerance_other_service_ids.filtered(
                    lambda other: not other.contract_id
                ).sudo().write({"contract_id": service.id})
            Contract.browse(sorted(to_reprice))._infogerance_reprice(
                cause="order", description=_("order %(order)s") % {"order": order.name}
            )
            # R1: an order dated back before the end of a contract ended for lack of
            # computers lifts that end (the repricing above lifts an end not past yet)
            Contract.browse(
                [s.id for s in services.values()]
            )._infogerance_lift_past_empty_fleet_end(order.partner_id.commercial_partner_id, start)
            if not services and rentals:
                # the same for computers ordered without the offer
                Contract._infogerance_lift_past_empty_fleet_end_without_offer(
                    order.partner_id.commercial_partner_id, order.company_id, start, rentals
                )

    def _infogerance_service_contracts(self, Contract, start):
        """The managed-service contract of each service line of this order: the
        customer's running one (one per customer and company, whatever the offer,
        R3), checked that it may be extended (R6), else a new one. Returns
        ({line: contract}, the lines whose contract existed before them)."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        services, extended = {}, set()
        for line in self.order_line.filtered("infogerance_offer_id"):
            service = Contract._infogerance_find_customer_contract(
                commercial, self.company_id, start
            )
            if service:
                service._infogerance_check_may_extend(self)
                extended.add(line)
            else:
                service = Contract.create(line._prepare_service_contract_values(start))
            services[line] = service
        return services, extended
