from . import portal
from . import website_sale
