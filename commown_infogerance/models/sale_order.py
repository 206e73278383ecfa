from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import rules
from ..contract_day import contract_today


@contextmanager
def recompute_once(records):
    """Stored computed fields invalidated by several writes in the block (line
    amounts, order totals, invoice status) are recomputed once, at its end, not
    after each write; reading one inside the block still computes it."""
    env = records.env
    if not (env.recompute and env.context.get("recompute", True)):
        yield  # an enclosing block recomputes
        return
    with env.norecompute():
        yield
    records.recompute()


class PendingSync:
    """Ids of the orders whose service lines wait for the end of the operation
    under way (a cart update, an order write) to be updated, once each. A class
    of its own, so that no RPC client can send one in its context. Compared by
    identity: Odoo reuses an environment whose context is equal, and two
    collectors holding the same ids must not be mistaken for one another.

    The service lines are written in the environment of the operation (the same
    collector in the context): Odoo then recomputes the stored fields of the
    lines it changed and of the service lines together, one UPDATE for equal
    values, instead of once per environment."""

    def __init__(self):
        self.ids = set()
        #: True while the service lines are written: their own writes trigger
        #: no other update.
        self.updating = False


class SaleOrder(models.Model):
    _inherit = "sale.order"

    infogerance_start_date = fields.Date(
        string="Contracts start",
        copy=False,
        readonly=True,
        states={"draft": [("readonly", False)], "sent": [("readonly", False)]},
        help="Start of the rental and managed-service contracts created at "
        "confirmation. Empty: the confirmation date.",
    )
    infogerance_other_service_ids = fields.One2many(
        comodel_name="infogerance.other.service",
        inverse_name="order_id",
        string="Other services",
        copy=True,
        readonly=True,
        states={"draft": [("readonly", False)], "sent": [("readonly", False)]},
        help="Services described in free text in the quotation: they become entitlements "
        "of the managed-service contract (R2, R8).",
    )
    infogerance_contract_count = fields.Integer(
        string="Contracts",
        compute="_compute_infogerance_contract_count",
    )

    infogerance_sale_error = fields.Char(
        string="Sale rule error",
        compute="_compute_infogerance_sale_error",
        help="Why this order cannot be confirmed or paid yet (R1); empty when it can.",
    )

    def _compute_infogerance_contract_count(self):
        contracts = self.env["account.analytic.account"].read_group(
            [("infogerance_sale_line_id.order_id", "in", self.ids)],
            ["infogerance_sale_line_id"],
            ["infogerance_sale_line_id"],
        )
        lines = self.env["sale.order.line"].browse(
            [c["infogerance_sale_line_id"][0] for c in contracts]
        )
        per_line = {
            c["infogerance_sale_line_id"][0]: c["infogerance_sale_line_id_count"] for c in contracts
        }
        for order in self:
            order.infogerance_contract_count = sum(
                per_line[line.id] for line in lines if line.order_id == order
            )

    def _compute_infogerance_sale_error(self):
        """The message of the sale rules check, for the shop's cart and checkout:
        the same check as confirmation, not a copy of it, worded for customers."""
        for order in self:
            order.infogerance_sale_error = order._infogerance_sale_error_text()

    def _infogerance_sale_error_text(self):
        """The sale rules' refusal of this order, worded for customers, or False."""
        self.ensure_one()
        try:
            self._infogerance_check_sale_rules()
        except UserError as error:
            return rules.customer_text(error.name)
        return False

    @api.model
    def create(self, vals):
        with self._infogerance_sync_at_end() as orders:
            order = super(SaleOrder, orders).create(vals)
        return order.with_env(self.env)

    @api.multi
    def write(self, vals):
        with self._infogerance_sync_at_end() as orders:
            result = super(SaleOrder, orders).write(vals)
            if {"partner_id", "infogerance_start_date"} & set(vals):
                orders._infogerance_sync_service_lines()
        return result

    @contextmanager
    def _infogerance_sync_at_end(self):
        """Run an operation on these orders (the records yielded) that may change
        their lines several times (lines created, written, deleted), and update
        the service lines of the orders it touched once, at its end (R1, R3)."""
        pending = self.env.context.get("infogerance_sync")
        if isinstance(pending, PendingSync):
            yield self  # an enclosing operation updates them
            return
        orders = self.with_context(infogerance_sync=PendingSync())
        yield orders
        pending = orders.env.context["infogerance_sync"]
        orders.browse(sorted(pending.ids)).exists()._infogerance_update_service_lines()

    def _infogerance_sync_service_lines(self):
        """The lines of these orders changed: update their service lines now, or
        at the end of the operation under way."""
        pending = self.env.context.get("infogerance_sync")
        if isinstance(pending, PendingSync):
            if not pending.updating:
                pending.ids.update(self.ids)
            return
        self._infogerance_update_service_lines()

    def _infogerance_start(self):
        self.ensure_one()
        return self.infogerance_start_date or contract_today(self)

    def _infogerance_existing_fleet(self):
        """Computers the customer already rents on this order's start date (R3)."""
        self.ensure_one()
        return self.partner_id.get_rented_computer_count(
            self._infogerance_start(), company=self.company_id
        )

    def _infogerance_update_service_lines(self):
        """Tie managed-service lines to the computers of the order and price them
        from the customer's whole fleet (R1, R3), with one write per service line
        that changes. Quotations only."""
        orders, pending = self, self.env.context.get("infogerance_sync")
        if not isinstance(pending, PendingSync):
            pending = PendingSync()
            orders = self.with_context(infogerance_sync=pending)
        updating, pending.updating = pending.updating, True
        try:
            orders._infogerance_write_service_lines()
        finally:
            pending.updating = updating

    def _infogerance_write_service_lines(self):
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            lines = order.order_line
            services = lines.filtered("infogerance_offer_id")
            if not services:
                continue
            # A product is a rental or an offer, never both: the service lines'
            # flag is not read again.
            rentals = (lines - services).filtered("is_computer_rental")
            uncovered = rentals.filtered(lambda r: r.infogerance_service_line_id not in services)
            existing = order._infogerance_existing_fleet() if order.partner_id else 0
            computers = rentals._infogerance_computer_count()
            for index, line in enumerate(services):
                covered = rentals.filtered(
                    lambda r, line=line: r.infogerance_service_line_id == line
                )
                if index == 0:  # the first line takes the computers no line covers yet
                    covered |= uncovered
                vals = line._infogerance_price_values(
                    existing, computers, covered._infogerance_computer_count()
                )
                vals = {name: value for name, value in vals.items() if line[name] != value}
                if index == 0 and uncovered:
                    vals["infogerance_rental_line_ids"] = [(4, rental.id) for rental in uncovered]
                if vals:  # read above in this environment's cache, written without a resync
                    line.write(vals)

    @api.onchange("order_line", "partner_id", "infogerance_start_date")
    def _onchange_infogerance_service_lines(self):
        """Live price in the quotation form, before saving: the same values as
        ``_infogerance_update_service_lines``, which ties the lines once saved."""
        # The product's flags, not the related fields: on unsaved lines, Odoo 11
        # computes related fields as superuser in another cache, where they are empty.
        services = self.order_line.filtered(lambda l: l.product_id.infogerance_offer_id)
        if not services or self.state in ("sale", "done", "cancel"):
            return
        rentals = self.order_line.filtered(lambda l: l.product_id.is_computer_rental)
        existing = self._infogerance_existing_fleet() if self.partner_id else 0
        computers = rentals._infogerance_computer_count()
        uncovered = rentals.filtered(lambda r: r.infogerance_service_line_id not in services)
        for index, line in enumerate(services):
            covered = rentals.filtered(lambda r, line=line: r.infogerance_service_line_id == line)
            if index == 0:  # the first line takes the computers no line covers yet
                covered |= uncovered
            line.update(
                line._infogerance_price_values(
                    existing, computers, covered._infogerance_computer_count()
                )
            )

    def _infogerance_check_payable(self):
        """What must hold before the customer pays in the shop, whatever the
        browser sends: the sale rules (R1), in the customer's words."""
        for order in self:
            error = order._infogerance_sale_error_text()  # now, not a cached value
            if error:
                raise UserError(error)

    def _infogerance_check_sale_rules(self):
        """R1: a managed service is sold only with a computer rental, in the order
        or already running. Computers are whole, positive quantities."""
        for order in self:
            rentals = order.order_line.filtered("is_computer_rental")
            for line in rentals:
                qty = line.product_uom_qty
                if qty < 0 or qty != int(qty):
                    raise UserError(
                        _(
                            "Line %(line)s: computers are rented one by one; enter a whole, "
                            "positive number of computers."
                        )
                        % {"line": line.name}
                    )
            if not order.order_line.filtered("infogerance_offer_id"):
                continue
            if (
                rentals._infogerance_computer_count() < 1
                and order._infogerance_existing_fleet() < 1
            ):
                raise UserError(
                    _(
                        "R1 - a managed-service subscription requires a computer rental: order "
                        "%(order)s has no computer and %(customer)s rents none. Add the computers "
                        "to rent to this quotation."
                    )
                    % {
                        "order": order.name,
                        "customer": order.partner_id.commercial_partner_id.display_name,
                    }
                )

    @api.multi
    def _cart_update(self, product_id=None, line_id=None, add_qty=0, set_qty=0, **kwargs):
        """The shop writes the pricelist price on every line it touches: the
        managed-service lines are then repriced from the fleet (R3) and their
        quantity follows the computers, whatever line the customer changed; once
        per cart update, however many times the shop writes the line."""
        product = self.env["product.product"].browse(int(product_id or 0))
        if product.infogerance_offer_id and float(set_qty or add_qty or 0) > 0:
            # an offer goes into a cart only while it is for sale (published, for
            # the customer: a salesman may sell a private offer)
            for order in self:
                problem = order._infogerance_offer_sale_problem(
                    product, shop=not order._infogerance_confirmed_by_staff()
                )
                if problem:
                    raise UserError(rules.customer_text(problem))
        with recompute_once(self), self._infogerance_sync_at_end() as order:
            if not product.infogerance_offer_id:
                return super(SaleOrder, order)._cart_update(
                    product_id=product_id,
                    line_id=line_id,
                    add_qty=add_qty,
                    set_qty=set_qty,
                    **kwargs,
                )
            result = order._infogerance_cart_update_offer(
                product, line_id, add_qty, set_qty, kwargs.get("attributes")
            )
        if result["quantity"]:  # the number of computers it covers, once updated
            result["quantity"] = (
                self.env["sale.order.line"].browse(result["line_id"]).product_uom_qty
            )
        return result

    def _infogerance_cart_update_offer(self, product, line_id, add_qty, set_qty, attributes):
        """The customer puts the offer in the cart or takes it out; its quantity is
        not theirs to choose: it is the number of computers it covers (R1, R3),
        possibly 0 until computers are added. website_sale would drop a line of
        quantity 0, hence this path. Runs within ``_infogerance_sync_at_end``."""
        self.ensure_one()
        if self.state != "draft":
            return super()._cart_update(
                product_id=product.id, line_id=line_id, add_qty=add_qty, set_qty=set_qty
            )
        line = self.env["sale.order.line"]
        if line_id is not False:
            line = self._cart_find_product_line(product.id, line_id)[:1]
        if set_qty:
            wanted = float(set_qty)
        elif add_qty is not None:
            wanted = (line.product_uom_qty if line else 0) + float(add_qty or 0)
        else:
            wanted = 0
        if wanted <= 0:
            line.unlink()
            return {"line_id": line.id, "quantity": 0}
        if not line:
            values = self._website_product_id_change(self.id, product.id, qty=1)
            values["name"] = self._get_line_description(self.id, product.id, attributes=attributes)
            line = self.env["sale.order.line"].sudo().create(values)
            line._compute_tax_id()
        self._infogerance_sync_service_lines()
        return {"line_id": line.id, "quantity": line.product_uom_qty}

    @api.multi
    def action_view_infogerance_contracts(self):
        """The rental and managed-service contracts this order created or extended."""
        self.ensure_one()
        contracts = self.env["account.analytic.account"].search(
            [("infogerance_sale_line_id.order_id", "=", self.id)]
        )
        contracts |= contracts.mapped("infogerance_contract_id")
        return {
            "type": "ir.actions.act_window",
            "name": _("Contracts"),
            "res_model": "account.analytic.account",
            "view_mode": "tree,form",
            "views": [
                (self.env.ref("commown_infogerance.account_analytic_account_view_tree").id, "tree"),
                (self.env.ref("commown_infogerance.account_analytic_account_view_form").id, "form"),
            ],
            "domain": [("id", "in", contracts.ids)],
        }
