from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError

from ..contract_day import contract_today
from ..groups import ACCOUNTANT_GROUP, MANAGER_GROUP, SALESMAN_GROUP, TECHNICIAN_GROUP

#: Who sees every customer's rentals (the record rule ``rule_contract_staff``).
FLEET_READERS = (SALESMAN_GROUP, TECHNICIAN_GROUP, ACCOUNTANT_GROUP, MANAGER_GROUP)

#: The fleet of each commercial entity at a date in a company (R3): commercial
#: partner ids, date, date, company id, rental ids to leave out. The contracts'
#: partner_id is indexed.
FLEET_SQL = """
    SELECT p.commercial_partner_id, count(*)
      FROM account_analytic_account a
      JOIN res_partner p ON p.id = a.partner_id
     WHERE a.infogerance_role = 'rental'
       AND a.active
       AND a.recurring_invoices
       AND p.commercial_partner_id IN %s
       AND a.date_start <= %s
       AND (a.date_end IS NULL OR a.date_end >= %s)
       AND a.company_id = %s
       AND a.id != ALL(%s)
     GROUP BY p.commercial_partner_id
"""

#: The fleet of one commercial entity on each of several dates (R3, same
#: conditions as FLEET_SQL): dates, commercial partner id.
FLEET_ON_DATES_SQL = """
    SELECT d.day, count(a.id)
      FROM unnest(%s::date[]) AS d(day)
      LEFT JOIN (account_analytic_account a JOIN res_partner p ON p.id = a.partner_id)
        ON a.infogerance_role = 'rental'
       AND a.active
       AND a.recurring_invoices
       AND p.commercial_partner_id = %s
       AND a.company_id = %s
       AND a.date_start <= d.day
       AND (a.date_end IS NULL OR a.date_end >= d.day)
     GROUP BY d.day
"""


class ResPartner(models.Model):
    _inherit = "res.partner"

    infogerance_customer_manager = fields.Boolean(
        string="Customer manager (managed services)",
        help="This contact may act for the customer on its managed-service contracts: "
        "terminate, cancel a termination, request on-site interventions, change the "
        "configuration profile. The customer's main contact always may.",
    )

    @api.multi
    def _infogerance_may_act_for(self, commercial_partner):
        """Whether this contact may act for ``commercial_partner`` (terminate, cancel a
        termination, on-site, profile changes): the customer itself (its main contact)
        or one of its contacts flagged as customer manager."""
        self.ensure_one()
        if self.commercial_partner_id != commercial_partner:
            return False
        return self == commercial_partner or self.infogerance_customer_manager

    @api.model
    def _infogerance_fleet_sizes(self, commercial_partner_ids, date, exclude_ids=(), *, company_id):
        """Fleet of each commercial entity at ``date`` in company ``company_id``:
        {commercial partner id: count}. Each company rents and prices its own fleet.

        The one place the fleet is counted (R3): active computer-rental contracts
        started on or before ``date`` and not ended before it, in one query
        whatever the number of partners and computers. ``exclude_ids``: rentals
        being deleted, still in the table when the deletion is announced.
        """
        if not commercial_partner_ids:
            return {}
        self.env.cr.execute(
            FLEET_SQL,
            (tuple(commercial_partner_ids), date, date, company_id, list(exclude_ids)),
        )
        sizes = dict.fromkeys(commercial_partner_ids, 0)
        sizes.update(self.env.cr.fetchall())
        return sizes

    @api.model
    def _infogerance_fleet_sizes_on_dates(self, commercial_partner_id, dates, company_id):
        """Fleet of one commercial entity in one company on each of ``dates`` (R3),
        in one query: {date string: count}. Counts the same rentals as
        ``_infogerance_fleet_sizes``."""
        if not dates:
            return {}
        self.env.cr.execute(FLEET_ON_DATES_SQL, (list(dates), commercial_partner_id, company_id))
        return dict(self.env.cr.fetchall())  # Odoo reads dates as strings

    @api.multi
    def get_rented_computer_count(self, date=None, company=None):
        """Computers rented by this partner's commercial entity at ``date`` (default
        today) in ``company`` (default the user's). Told only to those who see the
        customer's rentals (``_infogerance_check_may_count_fleet``)."""
        self.ensure_one()
        self._infogerance_check_may_count_fleet()
        commercial = self.sudo().commercial_partner_id.id
        date = date or contract_today(self)
        company = company or self.env.user.company_id
        return self._infogerance_fleet_sizes([commercial], date, company_id=company.id)[commercial]

    def _infogerance_check_may_count_fleet(self):
        """A customer's fleet is told to the staff who see rentals (sales, support,
        billing, managers) and to the customer's own contacts; the raw SQL count
        would otherwise tell any employee any customer's fleet."""
        self.check_access_rights("read")
        user = self.env.user
        if self.env.uid == SUPERUSER_ID or any(user.has_group(g) for g in FLEET_READERS):
            return
        # compared as the system: a portal user may not read another customer
        if self.sudo().commercial_partner_id == user.partner_id.sudo().commercial_partner_id:
            return
        raise AccessError(
            _(
                "The computers a customer rents are told to Commown's sales, support and "
                "billing staff and to the customer's own contacts: %(user)s may not count "
                "another customer's computers."
            )
            % {"user": user.name}
        )
