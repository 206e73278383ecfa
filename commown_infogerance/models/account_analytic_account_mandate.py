from odoo import _, api, models
from odoo.exceptions import ValidationError


class AccountAnalyticAccount(models.Model):
    """A contract is debited only on its own customer's mandate: a mandate of
    another customer would have that customer pay for this one."""

    _inherit = "account.analytic.account"

    @api.constrains("mandate_id", "partner_id")
    def _check_infogerance_mandate_customer(self):
        # Mandates are accounting data a salesman may not read: only their holder
        # is compared, whoever writes the contract.
        for contract in self.sudo().filtered("mandate_id"):
            holder = contract.mandate_id.partner_id.commercial_partner_id
            customer = contract.partner_id.commercial_partner_id
            if holder != customer:
                raise ValidationError(
                    _(
                        "A contract is debited on its own customer's mandate only: mandate "
                        "%(mandate)s belongs to %(holder)s, contract %(contract)s to "
                        "%(customer)s."
                    )
                    % {
                        "mandate": contract.mandate_id.display_name,
                        "holder": holder.display_name or "-",
                        "contract": contract.display_name,
                        "customer": customer.display_name or "-",
                    }
                )
