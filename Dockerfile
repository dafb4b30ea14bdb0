# KAM production image: one image for the web tier (gunicorn), the Celery worker,
# Celery beat and the one-shot migrate job (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

# gettext provides msgfmt for `manage.py compilemessages`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
# pyproject.toml declares no packages (`[tool.setuptools] packages = []`):
# `pip install .` installs the dependencies only, and the code runs from /app.
COPY pyproject.toml README.md ./
RUN pip install . \
    && rm -rf build ./*.egg-info

# The source tree: everything but what .dockerignore leaves out (local environments, data,
# version control, tests), so every application in INSTALLED_APPS is in the image without
# being listed here. tests/deploy/test_image.py builds this file set and runs it.
COPY . ./

# Compile translations and collect static files (hashed and compressed by
# WhiteNoise). The production settings refuse to load without a SECRET_KEY of
# 50+ characters; this throwaway one exists only inside this build step.
RUN export DJANGO_SETTINGS_MODULE=config.settings.production \
        SECRET_KEY=build-only-throwaway-key-never-used-at-run-time-0123456789abcdef \
    && python manage.py compilemessages -v 0 \
    && python manage.py collectstatic --noinput -v 0

# Attachments are written under MEDIA_ROOT, the one directory the kam user owns (compose
# mounts a volume there, which takes this ownership).
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app kam \
    && mkdir -p /app/media \
    && chown kam:kam /app/media
USER kam

ENV DJANGO_SETTINGS_MODULE=config.settings.production

EXPOSE 8000

# /healthz answers 200 when the database and the broker both answer. The Host
# header is the first ALLOWED_HOSTS entry, so the host check accepts it; the port is
# gunicorn.conf.py's (GUNICORN_BIND).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.'); host = 'localhost' if host in ('', '*') else host; port = os.environ.get('GUNICORN_BIND', ':8000').rsplit(':', 1)[1]; request = urllib.request.Request(f'http://127.0.0.1:{port}/healthz', headers={'Host': host}); sys.exit(0 if urllib.request.urlopen(request, timeout=4).status == 200 else 1)"]

# gunicorn.conf.py (read from /app, the working directory) is the one web-server
# configuration: workers from the CPU count, max_requests with jitter, timeouts, access log.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi:application"]
