from odoo import api, fields, models
from odoo.tools.misc import format_date

from .. import rules
from ..contract_day import contract_today


class AccountAnalyticAccount(models.Model):
    """Computer-rental and managed-service contracts (OCA ``contract`` 11.0):
    the fields every concern shares, and the helpers that find and lock the
    managed-service contracts. Each concern has a file of its own
    (``account_analytic_account_<concern>.py``)."""

    _name = "account.analytic.account"
    _inherit = ["account.analytic.account", "infogerance.grid.mixin"]

    # Indexed: the fleet is counted per customer (res.partner._infogerance_fleet_sizes)
    # at every reprice and invoice; without it each count scans every contract (37 ms
    # for 60,000 contracts, 0.14 ms with it).
    partner_id = fields.Many2one(index=True)
    infogerance_role = fields.Selection(
        selection=[("rental", "Computer rental"), ("service", "Managed service")],
        string="Contract kind",
        index=True,
        readonly=True,
        copy=False,
    )
    infogerance_sale_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Sale order line",
        readonly=True,
        copy=False,
        index=True,
        ondelete="set null",
    )
    # On a computer-rental contract
    infogerance_contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Managed-service contract",
        index=True,
        ondelete="set null",
        domain=[("infogerance_role", "=", "service")],
    )
    # On a managed-service contract
    infogerance_offer_id = fields.Many2one(
        comodel_name="infogerance.offer",
        string="Offer",
        index=True,
        readonly=True,
    )
    infogerance_rental_contract_ids = fields.One2many(
        comodel_name="account.analytic.account",
        inverse_name="infogerance_contract_id",
        string="Computer-rental contracts",
    )
    infogerance_tier_ids = fields.One2many(
        comodel_name="infogerance.contract.tier",
        inverse_name="contract_id",
        string="Price grid (frozen)",
        copy=True,
        help="The offer's grid on the subscription date (R4): later edits of the "
        "offer do not change it.",
    )
    infogerance_fleet_size = fields.Integer(
        string="Fleet",
        readonly=True,
        help="Computers rented by the customer at the last repricing (R3).",
    )
    infogerance_unit_price = fields.Float(
        string="Unit price",
        readonly=True,
        help="Monthly price per computer (R3).",
    )
    infogerance_monthly_amount = fields.Float(
        string="Monthly amount",
        readonly=True,
        help="Fleet x unit price (R3).",
    )
    infogerance_commitment_end = fields.Date(
        string="Commitment end",
        readonly=True,
        help="Start + commitment months - 1 day (R5).",
    )
    infogerance_notice_days = fields.Integer(string="Notice (days)", readonly=True)
    infogerance_in_commitment = fields.Boolean(
        string="In commitment",
        compute="_compute_infogerance_in_commitment",
    )
    infogerance_fleet_event_ids = fields.One2many(
        comodel_name="infogerance.fleet.event",
        inverse_name="contract_id",
        string="Fleet changes",
        readonly=True,
    )

    def _compute_infogerance_in_commitment(self):
        today = contract_today(self)
        for contract in self:
            contract.infogerance_in_commitment = bool(
                contract.infogerance_commitment_end and today <= contract.infogerance_commitment_end
            )

    @api.constrains("infogerance_tier_ids", "infogerance_role")
    def _check_infogerance_tier_ids(self):
        self._check_infogerance_grid()

    def _prepare_infogerance_terms_values(self):
        """Parameters of the ``infogerance_terms`` template for this contract, as
        the portal shows them: its frozen grid and terms, the tier applied (R2)."""
        self.ensure_one()
        tier = rules.applicable_tier(self._infogerance_grid(), self.infogerance_fleet_size)
        return {
            "tiers": self.infogerance_tier_ids,
            "currency": self.company_id.currency_id,
            "service_types": self.infogerance_service_type_ids,
            "other_services": self.infogerance_other_service_ids,
            "commitment_months": rules.commitment_months(
                fields.Date.from_string(self.date_start),
                fields.Date.from_string(self.infogerance_commitment_end),
            ),
            "commitment_end": self.infogerance_commitment_end,
            "notice_days": self.infogerance_notice_days,
            "current_tier_min": tier.min_computers if tier else 0,
            "show_descriptions": True,
        }

    def _infogerance_date_text(self, value):
        """A date as the user's language writes it in messages (31/12/2026 in
        French), ``-`` for none."""
        return format_date(self.env, value) if value else "-"

    def _infogerance_grid_tier_field(self):
        return "infogerance_tier_ids"

    def _infogerance_grid_needed(self):
        return self.infogerance_role == "service"

    def _infogerance_service_line(self):
        """The invoice line priced from the fleet (the offer's product)."""
        self.ensure_one()
        return self.recurring_invoice_line_ids.filtered(
            lambda line: line.product_id.infogerance_offer_id
        )[:1]

    @api.model
    def _infogerance_running_service_domain(self, date, commercial_partner_ids=None):
        """Managed-service contracts running on ``date`` (not ended before it),
        optionally of these commercial entities: the one definition every
        channel, cron and the job queue use."""
        domain = [
            ("infogerance_role", "=", "service"),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date),
        ]
        if commercial_partner_ids is not None:
            domain.append(("partner_id.commercial_partner_id", "in", list(commercial_partner_ids)))
        return domain

    @api.model
    def _infogerance_running_service_contracts(self, commercial_partner_ids, date):
        return self.search(self._infogerance_running_service_domain(date, commercial_partner_ids))

    def _infogerance_lock(self):
        """Lock the managed-service contracts before recounting their fleet, so
        that two transactions changing one customer's fleet cannot both price it
        from their own snapshot: the second one waits, then fails to serialize
        and is retried by Odoo with the first one's rentals visible (R3).

        ``FOR NO KEY UPDATE``, the lock an update takes: it excludes the other
        repricings and writers as ``FOR UPDATE`` does, but not the key-share
        locks PostgreSQL takes on a contract while another transaction inserts
        rows that reference it (invoice, journal and analytic lines). Else a
        salesman confirming an order for a customer waits for the billing run to
        post that customer's invoice (38 s for 1,000 computers in the bench)."""
        if self.ids:
            self.env.cr.execute(
                "SELECT id FROM account_analytic_account WHERE id IN %s FOR NO KEY UPDATE",
                (tuple(self.ids),),
            )
