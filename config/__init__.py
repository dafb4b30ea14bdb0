"""The site: settings, URLs, the WSGI and Celery entry points, the embedded runner and the seeds.

It depends on every app; no app depends on it (``kam`` is the core of users, teams,
scoping and capabilities, and imports no domain app).
"""

from config.celery import app as celery_app

__all__ = ["celery_app"]
