"""Sign-ins paused by django-axes: a username and address pair that failed
AXES_FAILURE_LIMIT times is refused until AXES_COOLOFF_TIME after its last failure."""

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone


def locked_out_now(now=None):
    """The attempts (one row per username and address) refused at ``now``."""
    now = now or timezone.now()
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gt=now - settings.AXES_COOLOFF_TIME,
    )
