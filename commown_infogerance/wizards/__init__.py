from . import infogerance_termination_wizard
