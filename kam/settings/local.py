"""Development: `make run` and `manage.py` on a developer's machine."""

from kam.settings.base import *  # noqa: F403
from kam.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
