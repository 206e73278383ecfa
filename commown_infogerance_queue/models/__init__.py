from . import account_analytic_account
