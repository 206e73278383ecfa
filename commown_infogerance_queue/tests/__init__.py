from . import test_reprice_jobs
