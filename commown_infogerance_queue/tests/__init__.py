from . import test_reprice_jobs
from . import test_billing_jobs
