"""11.0.1.3.0: the support e-mail alias belongs to a support team. The data file
creates the team on the alias the database already has (its name and settings
kept); the requests received before belong to that team."""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    team = env.ref("commown_infogerance.support_team_managed_services", raise_if_not_found=False)
    if not team:
        return
    cr.execute(
        "UPDATE infogerance_service_request SET team_id = %s WHERE team_id IS NULL", (team.id,)
    )
    _logger.info("%d service requests given to the support team %s", cr.rowcount, team.name)
