"""The one web-server configuration: the image, docker-compose, `make bench` and anything
else that starts gunicorn from this directory (gunicorn reads ``./gunicorn.conf.py`` by
default) serve KAM the same way.

Each value can be changed without editing this file: by an environment variable named
below, or by gunicorn's own ``GUNICORN_CMD_ARGS`` / command-line options, which win over
this file (``gunicorn config.wsgi:application --bind 127.0.0.1:8001 --workers 1``).
"""

import math
import os
from pathlib import Path


def _available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a container's CPU quota
    (cgroup v2 ``cpu.max`` or v1 ``cfs_quota_us``); ``os.cpu_count()`` reports the host's."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    quotas = [
        ("/sys/fs/cgroup/cpu.max", None),
        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    ]
    for quota_path, period_path in quotas:
        try:
            if period_path is None:
                quota, period = Path(quota_path).read_text().split()[:2]
            else:
                quota = Path(quota_path).read_text().strip()
                period = Path(period_path).read_text().strip()
        except (OSError, ValueError):
            continue
        if quota not in ("max", "-1"):
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
        break
    return max(1, count)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


#: the CPUs the worker count was derived from (reported by `make bench`)
cpus = _available_cpus()

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Sync workers, two per CPU plus one: a request spends part of its time waiting on
# PostgreSQL, so a CPU serves about two at once. A sync worker reads a request only once
# it can serve it, so slow clients must meet a buffering proxy first (the load balancer
# or reverse proxy that terminates TLS). One request per process at a time is also what
# config.wsgi's garbage-collector tuning assumes.
worker_class = "sync"
workers = _int("WEB_CONCURRENCY", 2 * cpus + 1)

# Each worker is replaced after about a thousand requests (the jitter keeps them from
# restarting together): whatever a long-lived process accumulates is returned to the
# system, and a rare leak cannot grow for weeks.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The application is loaded once, in the master, then forked: the workers share its
# start-up objects (frozen out of the collector by config.wsgi, so their pages stay shared)
# and a replaced worker starts in milliseconds. `make run` with DEBUG on sets
# GUNICORN_RELOAD instead: each worker loads the code itself and restarts when it changes.
reload = os.environ.get("GUNICORN_RELOAD", "").lower() in ("1", "true", "yes")
preload_app = not reload

# A request that runs for longer than this is killed with its worker (the slowest page
# takes well under a second; a report export a few); the worker then gets this long to
# finish its request on a restart or a deploy.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5

# The workers' heartbeat files in memory, not on a container's overlay file system,
# where a slow disk would make the master kill healthy workers.
if Path("/dev/shm").is_dir():  # noqa: S108 - gunicorn's own advice for containers
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# One access-log line per request on stdout, with its duration in milliseconds (%(M)s)
# and the client as the proxy forwarded it; errors on stderr.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def pre_fork(server, worker):
    """No database connection crosses a fork: one the master opened while loading the
    application would otherwise be shared, and broken, by every worker."""
    from django.db import connections

    connections.close_all()
