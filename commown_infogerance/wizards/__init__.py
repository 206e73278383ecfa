from . import infogerance_termination_wizard
from . import infogerance_subscribe_wizard
from . import mail_compose_message
from . import infogerance_contract_correction
