"""Test overrides: speed only; behaviour is the same as in production."""

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = "kam-test"
CELERY_TASK_DEFAULT_QUEUE = "kam-test"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
DEBUG = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
