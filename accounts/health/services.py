"""Writes for account health: the settings and the health check run.

Keyword-only, the actor first, each in a transaction; bad input raises
``ValidationError`` with field errors, a forbidden actor ``PermissionDenied``.
"""

import zlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.health import engine
from accounts.health.models import HealthAlert, HealthComponent, HealthSettings
from accounts.models import Account
from kam import events
from kam.batch import plan_for_whole_tables
from kam.capabilities import may
from kam.choices import NotificationKind
from kam.models import Notification, User
from kam.scoping import active_supervisor_ids

_LOCK_KEY = zlib.crc32(b"accounts.health")


def _as_int(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


@transaction.atomic
def health_settings_update(
    *, actor: User, weights=None, green_from=None, amber_from=None, alert_drop=None
) -> HealthSettings:
    """Change the health settings (admins only). Weights are whole numbers, one per
    component, adding up to 100; 100 ≥ green > amber > 0; the drop is 1–100."""
    if not may(actor, "health.configure"):
        raise PermissionDenied(_("Only an admin changes the health settings."))
    HealthSettings.objects.get_or_create(pk=1)
    config = HealthSettings.objects.select_for_update().get(pk=1)
    errors = {}
    if weights is not None:
        if not isinstance(weights, dict) or set(weights) != set(HealthComponent.values):
            errors["weights"] = _("Give one weight for each component: %(names)s.") % {
                "names": ", ".join(HealthComponent.values)
            }
        else:
            try:
                weights = {key: _as_int(weights[key]) for key in HealthComponent.values}
            except TypeError:
                errors["weights"] = _("Weights are whole numbers.")
            else:
                total = sum(weights.values())
                if any(value < 0 for value in weights.values()):
                    errors["weights"] = _("A weight cannot be negative.")
                elif total != 100:
                    errors["weights"] = _(
                        "The weights must add up to 100; they add up to %(sum)s."
                    ) % {"sum": total}
    values = {}
    for name, given, current in (
        ("green_from", green_from, config.green_from),
        ("amber_from", amber_from, config.amber_from),
        ("alert_drop", alert_drop, config.alert_drop),
    ):
        try:
            values[name] = current if given is None else _as_int(given)
        except TypeError:
            errors[name] = _("Use a whole number.")
    if not errors:
        if not 100 >= values["green_from"] > values["amber_from"] > 0:
            errors["amber_from"] = _(
                "Overlapping thresholds: they must satisfy 100 ≥ green > amber > 0."
            )
        if not 0 < values["alert_drop"] <= 100:
            errors["alert_drop"] = _("The drop is between 1 and 100 points.")
    if errors:
        raise ValidationError(errors)
    if weights is not None:
        config.weights = weights
    config.green_from = values["green_from"]
    config.amber_from = values["amber_from"]
    config.alert_drop = values["alert_drop"]
    config.updated_by = actor
    config.save()
    return config


@dataclass
class HealthRun:
    checked: int
    alerts: list = field(default_factory=list)
    notifications: list = field(default_factory=list)


def _notify_alerts(alerts: list[dict]) -> list[Notification]:
    """One notification to the owner and each of their supervisors per alert: two
    reads, then one insert per 1,000 notifications."""
    if not alerts:
        return []
    red = [a for a in alerts if a["alert"] == HealthAlert.TURNED_RED]
    events.publish("health_turned_red", red)  # the webhooks' outbox, same transaction
    owner_ids = {alert["owner_id"] for alert in alerts}
    active_ids = set(
        User.objects.filter(pk__in=owner_ids, is_active=True).values_list("pk", flat=True)
    )
    supervisors = active_supervisor_ids(owner_ids)
    rows = []
    for alert in alerts:
        recipients = supervisors.get(alert["owner_id"], set()) - {alert["owner_id"]}
        if alert["owner_id"] in active_ids:
            recipients = {alert["owner_id"], *recipients}
        kind = (
            NotificationKind.HEALTH_RED
            if alert["alert"] == HealthAlert.TURNED_RED
            else NotificationKind.HEALTH_DROPPED
        )
        params = {
            "account": alert["name"],
            "old": str(alert["old_score"]),
            "new": str(alert["new_score"]),
        }
        url = Account(pk=alert["id"]).get_absolute_url()
        rows.extend(
            Notification(
                recipient_id=recipient, kind=kind, account_id=alert["id"], url=url, params=params
            )
            for recipient in sorted(recipients)
        )
    return Notification.objects.bulk_create(rows, batch_size=1000)


@transaction.atomic
def health_check_run(*, actor: User | None = None) -> HealthRun:
    """Check the health of every active account now: write today's snapshots (a
    re-run the same day replaces them), copy score and status onto the accounts, log
    status changes and alert owners and supervisors. A fixed number of statements
    whatever the number of accounts. Running it twice alerts nobody twice."""
    if actor is not None and not may(actor, "health.configure"):
        raise PermissionDenied(_("Only an admin starts a health check."))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    plan_for_whole_tables()
    config = HealthSettings.current().as_dict()
    now = timezone.now()
    today = timezone.localdate(now)
    checked = engine.check_accounts(config=config, today=today, now=now)
    alerts = engine.apply_checks(config=config, today=today, now=now)
    return HealthRun(checked=checked, alerts=alerts, notifications=_notify_alerts(alerts))
