from . import portal
from . import portal_termination
from . import website_sale
from . import terms
from . import confirmation_gate
