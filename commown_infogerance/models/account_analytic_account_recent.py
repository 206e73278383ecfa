from odoo import _, api, fields, models

#: Rows of a growing list a contract form shows; the rest is one click away.
RECENT_LIMIT = 10

#: The lists of a managed-service contract that grow with its fleet and its
#: history: {field on the form: (model, field pointing to the contract, order)}.
RECENT_LISTS = {
    "infogerance_recent_rental_ids": (
        "account.analytic.account",
        "infogerance_contract_id",
        "date_start desc, id desc",
    ),
    "infogerance_recent_fleet_event_ids": (
        "infogerance.fleet.event",
        "contract_id",
        "date desc, id desc",
    ),
    "infogerance_recent_request_ids": (
        "infogerance.service.request",
        "contract_id",
        "request_date desc, id desc",
    ),
    "infogerance_recent_plan_change_ids": (
        "infogerance.plan.change",
        "contract_id",
        "date desc, id desc",
    ),
}
#: The count shown beside each list (the whole list is a click away).
RECENT_COUNTS = {
    "infogerance_recent_rental_ids": "infogerance_rental_count",
    "infogerance_recent_fleet_event_ids": "infogerance_fleet_event_count",
    "infogerance_recent_request_ids": "infogerance_request_count",
    "infogerance_recent_plan_change_ids": "infogerance_plan_change_count",
}


class AccountAnalyticAccount(models.Model):
    """What the managed-service contract form shows of the lists that grow with the
    fleet and the years (computers, fleet changes, requests, plan changes): the
    latest rows and a count, in a fixed number of queries; a button opens the
    whole list, searchable and paged."""

    _inherit = "account.analytic.account"

    infogerance_recent_rental_ids = fields.Many2many(
        comodel_name="account.analytic.account",
        compute="_compute_infogerance_recent",
        string="Latest computers",
    )
    infogerance_recent_fleet_event_ids = fields.Many2many(
        comodel_name="infogerance.fleet.event",
        compute="_compute_infogerance_recent",
        string="Latest fleet changes",
    )
    infogerance_recent_request_ids = fields.Many2many(
        comodel_name="infogerance.service.request",
        compute="_compute_infogerance_recent",
        string="Latest service requests",
    )
    infogerance_recent_plan_change_ids = fields.Many2many(
        comodel_name="infogerance.plan.change",
        compute="_compute_infogerance_recent",
        string="Latest plan changes",
    )
    infogerance_rental_count = fields.Integer(
        string="Computers", compute="_compute_infogerance_recent"
    )
    infogerance_fleet_event_count = fields.Integer(
        string="Fleet changes", compute="_compute_infogerance_recent"
    )
    infogerance_request_count = fields.Integer(
        string="Service requests", compute="_compute_infogerance_recent"
    )
    infogerance_plan_change_count = fields.Integer(
        string="Plan changes", compute="_compute_infogerance_recent"
    )

    def _compute_infogerance_recent(self):
        """Per list: one read_group for the counts of all the contracts, one search
        of the latest rows per managed-service contract (a form shows one)."""
        # saved ones: a contract being created in the form (a NewId) has no rows yet
        services = self.filtered(
            lambda c: isinstance(c.id, int) and c.infogerance_role == "service"
        )
        for name, (model, inverse, order) in RECENT_LISTS.items():
            Model = self.env[model]
            counts = {}
            if services:
                groups = Model.read_group([(inverse, "in", services.ids)], [inverse], [inverse])
                counts = {g[inverse][0]: g["%s_count" % inverse] for g in groups}
            for contract in self:
                contract[RECENT_COUNTS[name]] = counts.get(contract.id, 0)
                contract[name] = (
                    Model.search([(inverse, "=", contract.id)], order=order, limit=RECENT_LIMIT)
                    if counts.get(contract.id, 0)
                    else Model.browse()
                )

    def _infogerance_full_list_action(self, name):
        """The whole list behind ``name`` (one of RECENT_LISTS), as a searchable,
        paged list view."""
        self.ensure_one()
        model, inverse, _order = RECENT_LISTS[name]
        titles = {
            "infogerance_recent_rental_ids": _("Computers of %(contract)s"),
            "infogerance_recent_fleet_event_ids": _("Fleet changes of %(contract)s"),
            "infogerance_recent_request_ids": _("Service requests of %(contract)s"),
            "infogerance_recent_plan_change_ids": _("Plan changes of %(contract)s"),
        }
        return {
            "type": "ir.actions.act_window",
            "name": titles[name] % {"contract": self.display_name},
            "res_model": model,
            "view_mode": "tree,form",
            "domain": [(inverse, "=", self.id)],
            # history is not created from here; a request may be
            "context": {
                "default_%s" % inverse: self.id,
                "create": name == "infogerance_recent_request_ids",
            },
        }

    def _infogerance_portal_computers_domain(self):
        """The computers a request on this managed-service contract may name."""
        self.ensure_one()
        return [("infogerance_role", "=", "rental"), ("infogerance_contract_id", "=", self.id)]

    @api.multi
    def action_infogerance_open_rentals(self):
        return self._infogerance_full_list_action("infogerance_recent_rental_ids")

    @api.multi
    def action_infogerance_open_fleet_events(self):
        return self._infogerance_full_list_action("infogerance_recent_fleet_event_ids")

    @api.multi
    def action_infogerance_open_requests(self):
        return self._infogerance_full_list_action("infogerance_recent_request_ids")

    @api.multi
    def action_infogerance_open_plan_changes(self):
        return self._infogerance_full_list_action("infogerance_recent_plan_change_ids")
