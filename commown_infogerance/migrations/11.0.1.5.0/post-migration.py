"""11.0.1.5.0: the records of a contract, an order or a contract template carry
their parent's company (a stored column, copied at creation) for the
multi-company record rules; existing rows take it from their parent. Requests
still to qualify take their support team's company. (The stored related
companies of profile, offer and plan-change children are computed by Odoo when
their column is created.)"""
import logging

_logger = logging.getLogger(__name__)

UPDATES = (
    (
        "contract price tiers",
        """UPDATE infogerance_contract_tier child SET company_id = parent.company_id
             FROM account_analytic_account parent
            WHERE parent.id = child.contract_id AND child.company_id IS NULL""",
    ),
    (
        "contract lines",
        """UPDATE account_analytic_invoice_line child SET company_id = parent.company_id
             FROM account_analytic_account parent
            WHERE parent.id = child.analytic_account_id AND child.company_id IS NULL""",
    ),
    (
        "contract template lines",
        """UPDATE account_analytic_contract_line child SET company_id = parent.company_id
             FROM account_analytic_contract parent
            WHERE parent.id = child.analytic_account_id AND child.company_id IS NULL""",
    ),
    (
        "other services",
        """UPDATE infogerance_other_service child
              SET company_id = COALESCE(
                  (SELECT company_id FROM account_analytic_account WHERE id = child.contract_id),
                  (SELECT company_id FROM sale_order WHERE id = child.order_id))
            WHERE child.company_id IS NULL""",
    ),
    (
        "acceptances of the conditions",
        """UPDATE infogerance_terms_acceptance child
              SET company_id = COALESCE(
                  (SELECT company_id FROM account_analytic_account WHERE id = child.contract_id),
                  (SELECT company_id FROM sale_order WHERE id = child.order_id))
            WHERE child.company_id IS NULL""",
    ),
    (
        "service requests to qualify",
        """UPDATE infogerance_service_request child SET company_id = team.company_id
             FROM infogerance_support_team team
            WHERE team.id = child.team_id AND child.contract_id IS NULL
              AND child.company_id IS NULL""",
    ),
)


def migrate(cr, version):
    if not version:
        return
    for label, query in UPDATES:
        cr.execute(query)
        _logger.info("%d %s take their parent's company", cr.rowcount, label)
