"""The one place settings read the environment.

Every setting that can vary between machines comes from an environment variable
with a safe development default. Production only differs by those variables.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A running `make run` writes the URLs of its embedded servers here, so that
# `manage.py` commands in another terminal reach the same database and Redis.
SERVICES_FILE = BASE_DIR / ".data" / "services.env"
if SERVICES_FILE.exists():
    for line in SERVICES_FILE.read_text().splitlines():
        key, _, value = line.partition("=")
        if key in ("DATABASE_URL", "REDIS_URL"):
            env.ENVIRON.setdefault(key, value)
