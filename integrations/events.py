"""The domain events that webhooks carry, written to the outbox by the services that
make the change, inside their transaction (one call per service, set-based)."""

from integrations.choices import EventKind
from integrations.outbox import emit, emit_from_select


def tier_changed(changes) -> None:
    """``changes``: dicts with id, name, old, new (what tiering notifies about)."""
    emit(
        EventKind.ACCOUNT_TIER_CHANGED,
        (
            (c["id"], {"account": c["id"], "name": c["name"], "old": c["old"], "new": c["new"]})
            for c in changes
            if c["old"] != c["new"]
        ),
    )


def health_turned_red(alerts) -> None:
    """``alerts``: dicts with id, name, old_score, new_score (the red ones only)."""
    emit(
        EventKind.HEALTH_TURNED_RED,
        (
            (
                a["id"],
                {
                    "account": a["id"],
                    "name": a["name"],
                    "old_score": str(a["old_score"]),
                    "new_score": str(a["new_score"]),
                },
            )
            for a in alerts
        ),
    )


def opportunity_closed(opportunity, stage) -> None:
    from opportunities.choices import StageKind

    if stage.kind not in (StageKind.WON, StageKind.LOST):
        return
    kind = EventKind.OPPORTUNITY_WON if stage.kind == StageKind.WON else EventKind.OPPORTUNITY_LOST
    payload = {
        "opportunity": opportunity.pk,
        "name": opportunity.name,
        "account": opportunity.account_id,
        "amount": str(opportunity.amount) if opportunity.amount is not None else None,
        "stage": stage.name,
        "reason": opportunity.close_reason,
        "closed_on": opportunity.closed_on,
    }
    emit(kind, [(opportunity.account_id, payload)])


def complaints_escalated(ids) -> None:
    """One statement: the events are built from the complaints in SQL."""
    from accounts.service.models import Complaint

    table = Complaint._meta.db_table
    emit_from_select(
        EventKind.COMPLAINT_ESCALATED,
        f"""
        SELECT account_id, jsonb_build_object(
            'complaint', id, 'account', account_id, 'severity', severity,
            'category', category, 'response_due', response_due, 'owner', owner_id)
        FROM {table} WHERE id = ANY(%s) ORDER BY id
        """,  # noqa: S608 - the table name from the model
        [list(ids)],
    )


def plan_approved(plan, actor) -> None:
    payload = {
        "plan": plan.pk,
        "account": plan.account_id,
        "year": plan.year,
        "approved_by": actor.pk,
    }
    emit(EventKind.PLAN_APPROVED, [(plan.account_id, payload)])
