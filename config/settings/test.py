"""Test overrides: speed only; behaviour is the same as in production."""

import os

# `make test` runs the suite in parallel workers (pytest-xdist). Each worker has its own
# test database (pytest-django names it after the worker) and here its own Redis
# database: its cache, Celery broker and results, so one worker's queue, throttling
# counters and cache.clear() never reach another's. It is set in the environment before
# the base settings read it, so the gunicorn and Celery processes a test starts inherit
# it; the server's URL is kept beside it, so such a process does not move again, and a
# process given another Redis (a fault test's own) keeps that one.
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    from urllib.parse import urlsplit

    _given = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
    _server = os.environ.setdefault("KAM_TEST_REDIS_SERVER", _given)
    if _given == _server:
        _redis = urlsplit(_server)
        _index = int(_redis.path.strip("/") or 0) + 1 + int(worker.removeprefix("gw"))
        os.environ["REDIS_URL"] = _redis._replace(path=f"/{_index}").geturl()

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = "kam-test"
CELERY_TASK_DEFAULT_QUEUE = "kam-test"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
DEBUG = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A runaway statement fails its test after two minutes instead of holding its locks and
# stalling every test after it (a transactional test's flush waits for them).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=120s"
