from odoo import fields, models

from .. import rules


class ResCompany(models.Model):
    _inherit = "res.company"

    infogerance_backdate_days = fields.Integer(
        string="Termination requests: days a salesman may date back",
        default=rules.BACKDATE_DAYS_DEFAULT,
        help="A termination request received by mail may be recorded with its date of "
        "receipt up to this many days ago; older dates need a managed-services manager "
        "and a reason.",
    )
    infogerance_billing_chunk_size = fields.Integer(
        string="Billing runs: customers per chunk",
        default=50,
        help="A billing run bills its customers by chunks of this size (one queue job "
        "each when the job queue module is installed).",
    )
