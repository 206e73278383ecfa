"""The addon's security groups, by xml id: the one place code names them."""

#: Managed-services manager: offers, forced ends, grids, contract corrections.
MANAGER_GROUP = "commown_infogerance.group_infogerance_manager"
#: Managed-services technician: service requests, profiles and their secrets.
TECHNICIAN_GROUP = "commown_infogerance.group_infogerance_technician"
#: Odoo's salesman: quotations, orders, termination requests.
SALESMAN_GROUP = "sales_team.group_sale_salesman"
#: Odoo's billing (accountant) users: may run the recurring invoicing by hand.
ACCOUNTANT_GROUP = "account.group_account_invoice"
