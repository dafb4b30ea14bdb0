"""Writes for delivery: queue deliveries (set-based), send them one short step each,
preferences and team channels.

Exactly once is only possible inside the database: a delivery row is created once per
notification, channel and target (``ON CONFLICT DO NOTHING`` on the unique key), and a
row marked ``sent`` is never sent again. The message itself is at least once: a worker
dying between the SMTP/HTTP call and its commit sends that one message again.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kam.batch import plan_for_whole_tables
from kam.capabilities import may, roles_with
from kam.choices import NotificationKind
from kam.models import Notification, Team, TeamMembership, User
from messaging.models import (
    DEFAULT_EMAIL_OFF,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    EmailPreference,
    TeamChannel,
)
from messaging.notifications import render_message
from messaging.senders import DeliveryError, post_robot, send_email

logger = logging.getLogger("messaging")

#: builds a supervisor's weekly digest (``actor=``) from the domain apps' rows: plugged in
#: by the dashboards app, whose reports read those rows (dashboards.digest)
digest_builder = None


def iso_week(day) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


#: notifications older than this are never queued (a preference switched on today does
#: not mail last month's notifications)
LOOKBACK = timedelta(days=1)


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def _language(code: str) -> str:
    return code or settings.LANGUAGE_CODE


# --- queueing ---------------------------------------------------------------------------

_QUEUE_SQL = """
INSERT INTO {delivery} (notification_id, recipient_id, team_channel_id, channel, target,
                        digest_week, status, attempts, last_error, next_attempt_at, created_at)
SELECT n.id, u.id, NULL, 'email', u.email, '', 'pending', 0, '', now(), now()
  FROM {notification} n
  JOIN {user} u ON u.id = n.recipient_id
  LEFT JOIN {preference} p ON p.user_id = u.id
 WHERE n.created_at >= %(since)s
   AND u.is_active AND u.email <> ''
   AND CASE WHEN p.id IS NULL THEN NOT (n.kind = ANY(%(default_off)s))
            ELSE n.kind = ANY(p.kinds) END
UNION ALL
SELECT * FROM (
  SELECT DISTINCT ON (c.id, n.kind, n.account_id, n.params::text,
                      date_trunc('minute', n.created_at))
         n.id, NULL::bigint, c.id, c.provider, 'channel:' || c.id, '', 'pending', 0, '',
         now(), now()
    FROM {notification} n
    JOIN {channel} c ON c.active AND n.kind = ANY(c.kinds)
    JOIN {team} t ON t.id = c.team_id
   WHERE n.created_at >= %(since)s
     AND (t.supervisor_id = n.recipient_id
          OR EXISTS (SELECT 1 FROM {membership} m
                      WHERE m.team_id = c.team_id AND m.user_id = n.recipient_id))
   ORDER BY c.id, n.kind, n.account_id, n.params::text, date_trunc('minute', n.created_at),
            n.id
) AS team_posts
ON CONFLICT DO NOTHING
"""


def _tables():
    return {
        "delivery": Delivery._meta.db_table,
        "notification": Notification._meta.db_table,
        "user": User._meta.db_table,
        "preference": EmailPreference._meta.db_table,
        "channel": TeamChannel._meta.db_table,
        "team": Team._meta.db_table,
        "membership": TeamMembership._meta.db_table,
    }


@transaction.atomic
def deliveries_queue(*, now=None) -> int:
    """One INSERT … SELECT: a pending e-mail delivery for each recent notification whose
    recipient wants its kind by e-mail, and one team-robot delivery per event (the
    copies of one event sent to several people post once). Returns how many were new."""
    now = now or timezone.now()
    plan_for_whole_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            _QUEUE_SQL.format(**_tables()),
            {"since": now - LOOKBACK, "default_off": list(DEFAULT_EMAIL_OFF)},
        )
        return cursor.rowcount


_DIGEST_SQL = """
INSERT INTO {delivery} (notification_id, recipient_id, team_channel_id, channel, target,
                        digest_week, status, attempts, last_error, next_attempt_at, created_at)
SELECT NULL, u.id, NULL, 'email', u.email, %(week)s, 'pending', 0, '', now(), now()
  FROM {user} u
  LEFT JOIN {preference} p ON p.user_id = u.id
 WHERE u.role = ANY(%(roles)s) AND u.is_active AND u.email <> ''
   AND COALESCE(p.weekly_digest, TRUE)
ON CONFLICT DO NOTHING
"""


@transaction.atomic
def digests_queue(*, today=None) -> int:
    """One pending digest per active supervisor for this ISO week (unique: a second run
    in the same week adds nothing). Returns how many were new."""
    today = today or timezone.localdate()
    plan_for_whole_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            _DIGEST_SQL.format(**_tables()),
            {"week": iso_week(today), "roles": roles_with("teams.lead")},
        )
        return cursor.rowcount


# --- rendering --------------------------------------------------------------------------


@dataclass
class Rendered:
    subject: str
    text: str
    html: str = ""


def render_notification_email(notification: Notification, user: User) -> Rendered:
    """The e-mail for one notification, in the recipient's language."""
    with translation.override(_language(user.language)):
        kind = notification.get_kind_display()
        context = {
            "user": user,
            "kind": kind,
            "message": render_message(notification),
            "link": absolute_url(notification.url or reverse("messaging:notifications")),
            "preferences": absolute_url(reverse("messaging:preferences")),
        }
        return Rendered(
            subject=gettext("[KAM] %(kind)s") % {"kind": kind},
            text=render_to_string("messaging/email/notification.txt", context),
            html=render_to_string("messaging/email/notification.html", context),
        )


def render_digest_email(user: User, week: str) -> Rendered:
    """The weekly digest for a supervisor, in their language."""
    with translation.override(_language(user.language)):
        digest = digest_builder(actor=user)
        digest.week = week
        context = {
            "user": user,
            "digest": digest,
            "site": settings.SITE_URL.rstrip("/"),
            "preferences": absolute_url(reverse("messaging:preferences")),
        }
        return Rendered(
            subject=gettext("[KAM] Your weekly digest, %(week)s") % {"week": week},
            text=render_to_string("messaging/email/digest.txt", context),
            html=render_to_string("messaging/email/digest.html", context),
        )


def render_robot_message(notification: Notification, channel: TeamChannel) -> tuple[str, str]:
    """(title, markdown text) for a team robot, in the channel's language."""
    with translation.override(_language(channel.language)):
        title = str(notification.get_kind_display())
        link = absolute_url(notification.url or reverse("messaging:notifications"))
        text = "{message}\n\n[{open}]({link})".format(
            message=render_message(notification), open=gettext("Open in KAM"), link=link
        )
        return title, text


# --- sending ----------------------------------------------------------------------------


def _send(delivery: Delivery) -> None:
    if delivery.notification_id is None:  # a weekly digest
        rendered = render_digest_email(delivery.recipient, delivery.digest_week)
        send_email(to=delivery.target, subject=rendered.subject, text=rendered.text,
                   html=rendered.html)  # fmt: skip
        return
    notification = delivery.notification
    if delivery.channel == DeliveryChannel.EMAIL:
        rendered = render_notification_email(notification, notification.recipient)
        send_email(to=delivery.target, subject=rendered.subject, text=rendered.text,
                   html=rendered.html)  # fmt: skip
        return
    channel = delivery.team_channel
    if channel is None or not channel.active:
        raise DeliveryError("the team channel is gone or switched off")
    title, text = render_robot_message(notification, channel)
    post_robot(
        provider=channel.provider, url=channel.webhook_url, secret=channel.secret,
        title=title, text=text,
    )  # fmt: skip


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … after the 1st, 2nd, 3rd failure."""
    return timedelta(seconds=settings.MESSAGING_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def delivery_send_next(*, now=None) -> Delivery | None:
    """Claim the next due pending delivery (``FOR UPDATE SKIP LOCKED``: two workers never
    take the same row), send it and record the outcome, all in one short transaction.
    Returns the delivery, or None when nothing is due."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .due(now or timezone.now())
            .order_by("next_attempt_at", "id")
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        try:
            _send(delivery)
        except Exception as error:  # any failure is recorded and retried, never lost
            delivery.last_error = str(error)[:2000] or type(error).__name__
            if delivery.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                logger.error(
                    "delivery %s (%s → %s) failed for good after %s attempts: %s",
                    delivery.pk, delivery.channel, delivery.target, delivery.attempts,
                    delivery.last_error,
                )  # fmt: skip
            else:
                delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
                logger.warning(
                    "delivery %s (%s → %s) attempt %s failed, retrying at %s: %s",
                    delivery.pk, delivery.channel, delivery.target, delivery.attempts,
                    delivery.next_attempt_at.isoformat(), delivery.last_error,
                )  # fmt: skip
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
        delivery.save(
            update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
        )
        return delivery


@dataclass
class SendRun:
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliveries_send(*, limit: int = 500, now=None) -> SendRun:
    """The sweep (every minute): queue what is new, then send what is due, one delivery
    per short transaction, at most ``limit`` per run."""
    run = SendRun(queued=deliveries_queue(now=now))
    for _ in range(limit):
        delivery = delivery_send_next(now=now)
        if delivery is None:
            break
        if delivery.status == DeliveryStatus.SENT:
            run.sent += 1
        elif delivery.status == DeliveryStatus.FAILED:
            run.failed += 1
        else:
            run.retrying += 1
    return run


# --- preferences and channels -----------------------------------------------------------


def email_preference_for(user: User) -> EmailPreference:
    """The saved preference, or an unsaved one holding the defaults."""
    return EmailPreference.objects.filter(user=user).first() or EmailPreference(user=user)


def _check_kinds(kinds, field):
    unknown = sorted(set(kinds) - set(NotificationKind.values))
    if unknown:
        raise ValidationError({field: gettext("Unknown notification kind: %(kinds)s")
                               % {"kinds": ", ".join(unknown)}})  # fmt: skip


@transaction.atomic
def email_preference_update(*, actor: User, kinds: list[str], weekly_digest: bool = True):
    """Save which kinds reach ``actor`` by e-mail (their own preference only)."""
    _check_kinds(kinds, "kinds")
    preference, _ = EmailPreference.objects.select_for_update().get_or_create(user=actor)
    preference.kinds = sorted(set(kinds))
    preference.weekly_digest = weekly_digest
    preference.full_clean()
    preference.save()
    return preference


def _require_admin(actor: User) -> None:
    if not may(actor, "channels.manage"):
        raise PermissionDenied


@transaction.atomic
def team_channel_save(*, actor: User, channel: TeamChannel | None = None, **fields):
    """Create or change a team's IM robot (ops only)."""
    _require_admin(actor)
    _check_kinds(fields.get("kinds", []), "kinds")
    if channel is None:
        channel = TeamChannel()
    else:
        channel = TeamChannel.objects.select_for_update().get(pk=channel.pk)
    for name, value in fields.items():
        setattr(channel, name, value)
    if channel.provider != "dingtalk":
        channel.secret = ""
    channel.full_clean()
    channel.save()
    return channel


def team_channel_send_test(*, actor: User, channel: TeamChannel) -> None:
    """Post a test message to the robot now; raises DeliveryError with the reason."""
    _require_admin(actor)
    with translation.override(_language(channel.language)):
        title = gettext("KAM test message")
        text = gettext("This robot is connected to KAM for the team %(team)s.") % {
            "team": channel.team.name
        }
        post_robot(
            provider=channel.provider, url=channel.webhook_url, secret=channel.secret,
            title=title, text=text,
        )  # fmt: skip
