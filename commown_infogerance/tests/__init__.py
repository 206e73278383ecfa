from . import test_rules
from . import test_sale_contract
from . import test_invoicing
