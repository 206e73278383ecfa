from . import infogerance_service_type
from . import infogerance_price_tier
from . import infogerance_offer
from . import product_template
from . import res_partner
from . import account_analytic_account
from . import sale_order
from . import sale_order_line
