"""Domain events, published by the services that make a change (inside their
transaction) and handled by the apps that subscribe when they are ready: the webhooks'
outbox (integrations) and the complaint escalations (reminders). A publisher names no
subscriber and the core names neither, so the domain apps need not import the apps
above them."""

from collections.abc import Callable

#: the events published: each name, what its handlers receive
EVENTS = {
    "tier_changed": "changes: dicts with id, name, old, new",
    "health_turned_red": "alerts: dicts with id, name, old_score, new_score",
    "opportunity_closed": "opportunity, stage (its new stage)",
    "complaints_escalated": "ids: the complaints just marked breached",
    "complaints_escalate": "ids=, now=: breached complaints whose people are reminded",
    "plan_approved": "plan, actor",
    "actuals_loaded": "actor=, rows=: how many monthly actuals were written (import or API)",
}

_handlers: dict[str, list[Callable]] = {}


def subscribe(name: str, handler: Callable) -> None:
    if name not in EVENTS:
        raise ValueError(f"no such event: {name}")
    handlers = _handlers.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


def publish(name: str, *args, **kwargs) -> None:
    if name not in EVENTS:
        raise ValueError(f"no such event: {name}")
    for handler in _handlers.get(name, ()):
        handler(*args, **kwargs)
