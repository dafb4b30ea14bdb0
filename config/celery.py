"""The Celery application: tasks are discovered in each app's tasks.py."""

import os

from celery import Celery

#: True when no settings module was named and this module picked the development one;
#: config.embedded then keeps that choice out of the commands it runs.
SETTINGS_DEFAULTED = "DJANGO_SETTINGS_MODULE" not in os.environ
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
