"""Events into the outbox, in the caller's transaction.

``emit`` writes the events and their deliveries (one row per matching active
subscription) in one statement, whatever the number of events, and asks for a
dispatch once the transaction commits: a change is never committed without its
event, and an event of a change that rolled back is never sent (its rows roll back
with it and the on-commit hook never runs).
"""

import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from integrations.choices import DeliveryStatus
from integrations.models import OutboxEvent, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)


def emit_from_select(kind: str, select_sql: str, params) -> int:
    """Write one event of ``kind`` per row of ``select_sql`` (columns: account_id,
    payload jsonb) and its deliveries: one statement. Returns the deliveries made."""
    events = OutboxEvent._meta.db_table
    deliveries = WebhookDelivery._meta.db_table
    subscriptions = WebhookSubscription._meta.db_table
    sql = f"""
        WITH source(account_id, payload) AS ({select_sql}),
        e AS (
            INSERT INTO {events} (kind, account_id, payload, created_at)
            SELECT %s, account_id, payload, now() FROM source
            RETURNING id
        ),
        d AS (
            INSERT INTO {deliveries}
                (subscription_id, event_id, status, attempts, next_attempt_at,
                 last_error, created_at)
            SELECT s.id, e.id, %s, 0, now(), '', now()
            FROM {subscriptions} s CROSS JOIN e
            WHERE s.is_active AND %s = ANY(s.event_kinds)
            RETURNING 1
        )
        SELECT count(*) FROM d
    """  # noqa: S608 - table names from models, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, kind, DeliveryStatus.PENDING, kind])
        made = cursor.fetchone()[0]
    if made:
        transaction.on_commit(dispatch_soon)
    return made


def emit(kind: str, events) -> int:
    """Write events of one ``kind``: ``events`` is an iterable of ``(account_id or
    None, payload dict)``. One statement (none for no events)."""
    events = list(events)
    if not events:
        return 0
    account_ids = [account_id for account_id, _payload in events]
    payloads = [json.dumps(payload, cls=DjangoJSONEncoder) for _id, payload in events]
    return emit_from_select(
        kind,
        "SELECT * FROM unnest(%s::bigint[], %s::jsonb[])",
        [account_ids, payloads],
    )


def dispatch_soon() -> None:
    """Queue a dispatch; beat's run every minute picks the deliveries up otherwise.

    Publishing is ``kam.queue.publish``: short timeouts, no retry, so a down or hung
    broker costs a request at most one short timeout; the deliveries wait in the table
    for the scheduled run."""
    from integrations.tasks import webhook_deliveries_send
    from kam.queue import publish

    if not publish(webhook_deliveries_send):
        log.warning("webhook dispatch not queued; the scheduled run will send")
