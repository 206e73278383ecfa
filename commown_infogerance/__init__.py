from . import controllers
from . import models
from . import wizards

from odoo import SUPERUSER_ID, api


def post_init_hook(cr, registry):
    """Installed on a database with existing contracts: they join the fleet."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["account.analytic.account"]._infogerance_onboard_existing()
