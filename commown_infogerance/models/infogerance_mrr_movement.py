from odoo import fields, models, tools

#: One row per price change of a managed-service contract (its fleet events)
#: and one per contract ended by a termination while it still had a price:
#: how the monthly recurring revenue (MRR) moves. Ids: events even, ends odd.
MRR_MOVEMENT_SQL = """
    CREATE OR REPLACE VIEW infogerance_mrr_movement AS (
        SELECT e.id * 2 AS id,
               date_trunc('month', e.date)::date AS month,
               e.date AS date,
               e.contract_id AS contract_id,
               e.partner_id AS partner_id,
               e.offer_id AS offer_id,
               a.company_id AS company_id,
               CASE WHEN e.amount_before = 0 AND e.amount_after > 0
                    THEN e.amount_after ELSE 0 END AS new_mrr,
               CASE WHEN e.amount_before > 0 AND e.amount_after > e.amount_before
                    THEN e.amount_after - e.amount_before ELSE 0 END AS expansion_mrr,
               CASE WHEN e.amount_after > 0 AND e.amount_after < e.amount_before
                    THEN e.amount_after - e.amount_before ELSE 0 END AS contraction_mrr,
               CASE WHEN e.amount_before > 0 AND e.amount_after = 0
                    THEN -e.amount_before ELSE 0 END AS churn_mrr,
               e.amount_after - e.amount_before AS net_mrr,
               e.fleet_after - e.fleet_before AS fleet_delta
          FROM infogerance_fleet_event e
          JOIN account_analytic_account a ON a.id = e.contract_id
         WHERE e.amount_after != e.amount_before OR e.fleet_after != e.fleet_before
        UNION ALL
        SELECT a.id * 2 + 1,
               date_trunc('month', a.date_end + 1)::date,
               a.date_end + 1,
               a.id,
               a.partner_id,
               a.infogerance_offer_id,
               a.company_id,
               0, 0, 0,
               -a.infogerance_monthly_amount,
               -a.infogerance_monthly_amount,
               -a.infogerance_fleet_size
          FROM account_analytic_account a
         WHERE a.infogerance_role = 'service'
           AND a.date_end IS NOT NULL
           AND a.infogerance_monthly_amount > 0
    )
"""


class InfogeranceMrrMovement(models.Model):
    """Monthly recurring revenue movements of the managed services, per month
    and offer: new, expansion, contraction, churn and net MRR, from the fleet
    events (R3) and the terminations (R6, R7). A contract's churn is dated
    the day after its end."""

    _name = "infogerance.mrr.movement"
    _description = "Managed services: recurring revenue movement"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "contract_id"

    month = fields.Date(readonly=True)
    date = fields.Date(readonly=True)
    contract_id = fields.Many2one(
        comodel_name="account.analytic.account",
        string="Managed-service contract",
        readonly=True,
    )
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer", readonly=True)
    offer_id = fields.Many2one(comodel_name="infogerance.offer", string="Offer", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    new_mrr = fields.Float(string="New MRR", readonly=True)
    expansion_mrr = fields.Float(string="Expansion MRR", readonly=True)
    contraction_mrr = fields.Float(string="Contraction MRR", readonly=True)
    churn_mrr = fields.Float(string="Churned MRR", readonly=True)
    net_mrr = fields.Float(string="Net MRR change", readonly=True)
    fleet_delta = fields.Integer(string="Computers change", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(MRR_MOVEMENT_SQL)
