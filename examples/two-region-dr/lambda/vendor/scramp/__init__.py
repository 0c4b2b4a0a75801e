from importlib.metadata import version

from scramp.core import ScramClient, ScramMechanism
from scramp.utils import ScramException

__all__ = ["ScramClient", "ScramException", "ScramMechanism"]

__version__ = version("scramp")
