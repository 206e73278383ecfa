from odoo import _, api, models

from .. import bulk_create

#: The module whose ``create_account_payment_line`` ``_infogerance_add_to_debit_order``
#: mirrors.
OCA_PAYMENT_LINE = "odoo.addons.account_payment_order.models.account_invoice"
#: The states of a payment line that keep its journal item out of another order
#: (OCA's ``create_account_payment_line``).
PAYMENT_LINE_PENDING = ("draft", "open", "generated")


class AccountInvoice(models.Model):
    _inherit = "account.invoice"

    @api.multi
    def _infogerance_add_to_debit_order(self):
        """OCA ``account_payment_order``'s ``create_account_payment_line`` for the
        billing run's debit stage, one open invoice at a time: the same payment
        lines (``create_payment_line_from_move_line``, with the mandate) in the
        draft order of each payment mode, created if there is none, and the same
        message on the invoice. Two things differ, neither seen by anyone: the
        invoice's unpaid receivable and payable items are searched, not picked
        out of its thousand journal items one by one, and the window action
        OCA's button returns is not built.

        OCA's method when another module overrides it, and for what OCA refuses
        (it says why), or while an item's ``reconciled`` waits to be computed
        (the search reads the database)."""
        self.ensure_one()
        Item = self.env["account.move.line"]
        if (
            bulk_create.method_overrides(self, "create_account_payment_line") - {OCA_PAYMENT_LINE}
            or self.state != "open"
            or not self.move_id
            or self.env.field_todo(Item._fields["reconciled"])
        ):
            return self.create_account_payment_line()
        # in the order of the entry's items (account.move.line's _order)
        items = Item.search(
            [
                ("move_id", "=", self.move_id.id),
                ("reconciled", "=", False),
                ("account_id.internal_type", "in", ("receivable", "payable")),
            ]
        ).filtered(
            lambda item: item.payment_mode_id.payment_order_ok
            and not any(
                state in PAYMENT_LINE_PENDING for state in item.payment_line_ids.mapped("state")
            )
        )
        if not items:
            return self.create_account_payment_line()
        Order = self.env["account.payment.order"]
        for mode in items.mapped("payment_mode_id"):
            order = Order.search(
                [("payment_mode_id", "=", mode.id), ("state", "=", "draft")], limit=1
            )
            created = not order
            if created:
                order = Order.create(self._prepare_new_payment_order(mode))
            mode_items = items.filtered(lambda item: item.payment_mode_id == mode)
            for item in mode_items:
                item.create_payment_line_from_move_line(order)
            # OCA's very messages (positional placeholders and all): their
            # translations are OCA's, the chatter reads the same either way
            if created:
                body = _(  # pylint: disable=translation-positional-used
                    "%d payment lines added to the new draft payment order %s which has "
                    "been automatically created."
                )
            else:
                body = _(  # pylint: disable=translation-positional-used
                    "%d payment lines added to the existing draft payment order %s."
                )
            self.message_post(body=body % (len(mode_items), order.name))
        return True
