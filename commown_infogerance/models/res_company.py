from odoo import fields, models

from odoo.addons.base.res.res_partner import _tz_get

from .. import rules
from ..contract_day import DEFAULT_TZ


class ResCompany(models.Model):
    _inherit = "res.company"

    infogerance_tz = fields.Selection(
        _tz_get,
        string="Contracts: time zone of the day",
        required=True,
        default=DEFAULT_TZ,
        help="The contracts' dates (start, termination request, notice, billing) are "
        "taken as the day in this time zone, whoever asks: a customer in the portal, a "
        "salesman or the scheduled billing.",
    )
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
        help="A billing run bills its customers by chunks of at most this size (one "
        "queue job each when the job queue module is installed), the customers with "
        "the most contracts first; a chunk holds about as many contracts as this many "
        "average customers, so a very large customer has a chunk of its own.",
    )
    infogerance_billing_validate = fields.Boolean(
        string="Billing runs: validate the invoices",
        default=True,
        help="A billing run numbers and posts the invoices it makes; an invoice that "
        "fails to validate stays draft, with its error on the run.",
    )
    infogerance_billing_send = fields.Boolean(
        string="Billing runs: e-mail the invoices",
        default=True,
        help="A billing run queues the e-mail of each invoice it validated, with its PDF, "
        "in the customer's language.",
    )
    infogerance_billing_debit = fields.Boolean(
        string="Billing runs: fill the debit orders",
        default=True,
        help="A billing run puts each open invoice paid by SEPA direct debit on a valid "
        "mandate in the draft debit order of its payment mode (created if needed); the "
        "invoices left out are listed on the run with their reason. Confirming the "
        "order and generating its file stay the accountant's.",
    )
