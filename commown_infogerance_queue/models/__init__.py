from . import account_analytic_account
from . import infogerance_billing_run
