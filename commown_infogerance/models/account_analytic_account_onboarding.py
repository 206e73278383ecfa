import logging

from odoo import _, api, fields, models

from .. import rules
from ..contract_day import contract_today

_logger = logging.getLogger(__name__)

#: Context marker (not a value an RPC client can send): the contract being created
#: or written syncs its role once, after its lines.
ROLE_SYNC_LATER = object()

#: Whether each contract that has invoice lines rents a computer, from its lines'
#: products. Contracts without lines keep their role; managed-service contracts
#: are made by a sale or a subscription (they need the offer's grid), never here.
ROLE_FROM_LINES_SQL = """
    SELECT l.analytic_account_id,
           CASE WHEN bool_or(t.is_computer_rental) THEN 'rental' END
      FROM account_analytic_invoice_line l
      JOIN product_product p ON p.id = l.product_id
      JOIN product_template t ON t.id = p.product_tmpl_id
     WHERE l.analytic_account_id IN %s
     GROUP BY l.analytic_account_id
"""


class AccountAnalyticAccount(models.Model):
    """Onboarding: a contract is a computer rental or a managed service from its
    lines' products, whatever created it (sale, contract form, import, RPC,
    another module), so that every rental joins the fleet (R3)."""

    _inherit = "account.analytic.account"

    @api.model
    def _infogerance_fleet_trigger_fields(self):
        # a contract becomes a rental, or stops being one, when its lines change
        return super()._infogerance_fleet_trigger_fields() | {"infogerance_role"}

    @api.model
    def _infogerance_role_from_products(self, products):
        """The role products give a contract: a computer rental when one of them
        rents a computer; None when they say nothing."""
        if any(products.mapped("is_computer_rental")):
            return "rental"
        return None

    @api.model
    def create(self, vals):
        if "infogerance_role" not in vals:
            product_ids = [
                command[2].get("product_id")
                for command in vals.get("recurring_invoice_line_ids") or ()
                if isinstance(command, (list, tuple)) and command[0] == 0 and command[2]
            ]
            role = self._infogerance_role_from_products(
                self.env["product.product"].browse([pid for pid in product_ids if pid])
            )
            if role:
                # Set before the record exists, so that the automated action on
                # creation sees a rental and reprices (R3).
                vals = dict(vals, infogerance_role=role)
        # its lines do not sync it one by one: it is synced once, below
        this = self
        if "recurring_invoice_line_ids" in vals:
            this = self.with_context(infogerance_role_sync=ROLE_SYNC_LATER)
        sync = "recurring_invoice_line_ids" in vals and "infogerance_role" not in vals
        contract = super(AccountAnalyticAccount, this).create(vals).with_env(self.env)
        if sync:
            contract._infogerance_sync_role()  # lines given by other commands
        return contract

    @api.multi
    def write(self, vals):
        this = self
        if "recurring_invoice_line_ids" in vals:
            this = self.with_context(infogerance_role_sync=ROLE_SYNC_LATER)
        sync = "recurring_invoice_line_ids" in vals and "infogerance_role" not in vals
        result = super(AccountAnalyticAccount, this).write(vals)
        if sync:
            self._infogerance_sync_role(lines_removed=True)
        return result

    @api.multi
    def _infogerance_sync_role(self, lines_removed=False):
        """Give these contracts the role of their lines' products, in one query.
        A change is written through the ORM: the automated actions on rentals
        then reprice the customers whose fleet changed (R3). A contract without
        lines keeps its role, unless its lines were just removed. Returns the
        contracts whose role changed."""
        contracts = self.exists()
        if not contracts:
            return contracts
        self.env.cr.execute(ROLE_FROM_LINES_SQL, (tuple(contracts.ids),))
        wanted = dict(self.env.cr.fetchall())
        changed = self.browse()
        by_role = {}
        for contract in contracts:
            if contract.infogerance_role == "service" or (
                contract.id not in wanted and not lines_removed
            ):
                continue  # no line: keep the role it was given
            role = wanted.get(contract.id) or False
            if contract.infogerance_role != role:
                by_role.setdefault(role, self.browse())
                by_role[role] |= contract
        for role, group in by_role.items():
            left_rentals = group.filtered(lambda c: c.infogerance_role == "rental")
            group.write({"infogerance_role": role})
            changed |= group
            if left_rentals and role != "rental":
                # no longer rentals: the automated action (rentals only) does not see them
                services = self._infogerance_running_service_contracts(
                    left_rentals.mapped("partner_id.commercial_partner_id").ids,
                    contract_today(self),
                )
                services._infogerance_reprice(
                    cause="rental_update",
                    description=_("%(count)s contract(s) no longer rent a computer")
                    % {"count": len(left_rentals)},
                )
        return changed

    # Subscription of a customer who already rents computers --------------------

    @api.model
    def _infogerance_prepare_subscription_values(self, commercial, offer, start):
        """A managed-service contract of ``offer`` for a customer who already rents
        computers (no sale order): the offer's grid and terms copied (R4, R5)."""
        product = offer.product_tmpl_ids[:1].product_variant_id
        # payment modes and methods are accounting data; the caller's rights were checked
        mode = commercial.sudo().customer_payment_mode_id
        mandate = self.env["account.banking.mandate"].sudo()
        if mode.payment_method_id.mandate_required:
            mandate = mandate.search(
                [("partner_id", "=", commercial.id), ("state", "=", "valid")],
                order="signature_date desc, id desc",
                limit=1,
            )
        return {
            "payment_mode_id": mode.id,
            "mandate_id": mandate.id,
            "name": _("%(offer)s managed services - %(customer)s")
            % {"offer": offer.name, "customer": commercial.name},
            "partner_id": commercial.id,
            "company_id": offer.company_id.id or self.env.user.company_id.id,
            "recurring_invoices": True,
            "recurring_rule_type": "monthly",
            "recurring_interval": 1,
            "recurring_invoicing_type": "pre-paid",
            "date_start": start,
            "recurring_next_date": start,
            "infogerance_role": "service",
            "infogerance_offer_id": offer.id,
            "infogerance_tier_ids": offer._prepare_contract_tier_values(),
            "infogerance_service_type_ids": [(6, 0, offer.service_type_ids.ids)],
            "infogerance_commitment_end": fields.Date.to_string(
                rules.commitment_end(fields.Date.from_string(start), offer.commitment_months)
            ),
            "infogerance_notice_days": offer.notice_days,
            "recurring_invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": product.id,
                        "name": "%s #START# - #END#" % product.display_name,
                        "quantity": 0,
                        "uom_id": product.uom_id.id,
                        "specific_price": 0.0,
                    },
                )
            ],
        }

    @api.model
    def _infogerance_subscribe(self, commercial, offer, start):
        """Subscribe a customer to ``offer`` from ``start``: its running managed-
        service contract of that offer, or a new one, covers every rental it
        already has that no managed-service contract covers; priced at once (R3)."""
        # one managed-service contract per customer and company, whatever its offer
        service = self._infogerance_find_customer_contract(
            commercial, offer.company_id or self.env.user.company_id, start
        )
        if not service:
            service = self.create(
                self._infogerance_prepare_subscription_values(commercial, offer, start)
            )
        rentals = self._infogerance_orphan_rentals(commercial.ids, start)
        rentals.write({"infogerance_contract_id": service.id})
        service._infogerance_reprice(
            cause="manual",
            description=_("subscription of %(count)s rented computer(s)") % {"count": len(rentals)},
        )
        return service

    @api.model
    def _infogerance_orphan_rentals(self, commercial_partner_ids, date):
        """Running rentals of these customers that no managed-service contract covers."""
        return self.search(
            [
                ("infogerance_role", "=", "rental"),
                ("infogerance_contract_id", "=", False),
                ("partner_id.commercial_partner_id", "in", list(commercial_partner_ids)),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", date),
            ]
        )

    @api.model
    def _infogerance_onboard_existing(self):
        """Once, at installation or upgrade: give every contract with lines the
        role of its products, attach the running rentals no managed service covers
        to their customer's running managed-service contract, reprice those. Run
        again, it changes nothing. Returns (and logs) what it did."""
        self.env.cr.execute(
            "SELECT DISTINCT analytic_account_id FROM account_analytic_invoice_line"
            " WHERE analytic_account_id IS NOT NULL"
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        contracts = self.with_context(active_test=False).browse(ids)
        changed = self.browse()
        for offset in range(0, len(ids), 1000):
            changed |= contracts[offset : offset + 1000]._infogerance_sync_role()
        today = contract_today(self)
        services = self.search(self._infogerance_running_service_domain(today), order="date_start")
        first_service = {}
        for service in services:
            first_service.setdefault(service.partner_id.commercial_partner_id.id, service)
        orphans = self._infogerance_orphan_rentals(list(first_service), today)
        by_service = {}
        for rental in orphans:
            service = first_service[rental.partner_id.commercial_partner_id.id]
            by_service.setdefault(service, self.browse())
            by_service[service] |= rental
        repriced = self.browse()
        for service, rentals in by_service.items():
            rentals.write({"infogerance_contract_id": service.id})
            repriced |= service
        repriced._infogerance_reprice(
            cause="consistency", description=_("existing rentals attached")
        )
        summary = {
            "roles_changed": len(changed),
            "rentals_attached": len(orphans),
            "services": len(repriced),
        }
        _logger.info(
            "onboarding: %(roles_changed)s contracts got their role from their products, "
            "%(rentals_attached)s running rentals attached to %(services)s managed-service "
            "contracts",
            summary,
        )
        return summary
