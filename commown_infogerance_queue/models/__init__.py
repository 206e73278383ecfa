from . import account_analytic_account
from . import infogerance_billing_run
from . import infogerance_billing_preview
