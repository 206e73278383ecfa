from . import test_rules
from . import test_sale_contract
from . import test_invoicing
from . import test_repricing
from . import test_termination
from . import test_consistency
from . import test_concurrency
from . import test_services
