"""11.0.1.2.0: a contract is a computer rental from its lines' products, whatever
created it. Give the existing contracts their role and attach the running rentals
no managed service covers to their customer's managed-service contract (logged)."""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["account.analytic.account"]._infogerance_onboard_existing()
