"""The lists a view can be saved for, and the views every role starts with."""

import datetime

from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.capabilities import may

#: list key -> the URL name of its page
URL_NAMES = {
    "accounts": "accounts:list",
    "contacts": "accounts:contact-list",
    "visits": "accounts:visit-list",
    "opportunities": "opportunities:list",
    "contracts": "opportunities:contract-list",
    "complaints": "accounts:complaint-list",
    "plans": "plans:list",
    "action_items": "plans:action-item-list",
}


class ListKey(models.TextChoices):
    ACCOUNTS = "accounts", _("Key accounts")
    CONTACTS = "contacts", _("Contacts")
    VISITS = "visits", _("Visits")
    OPPORTUNITIES = "opportunities", _("Opportunities")
    CONTRACTS = "contracts", _("Contracts")
    COMPLAINTS = "complaints", _("Complaints")
    PLANS = "plans", _("Account plans")
    ACTION_ITEMS = "action_items", _("Action items")

    @staticmethod
    def url_name(key):
        return URL_NAMES[key]


#: parameters a saved view never keeps: the page number, and what htmx adds
UNSAVED = {"page", "csrfmiddlewaretoken"}


def normalized_query(data) -> str:
    """A list's query string as a view keeps it: no page number, no empty field, the
    fields in a fixed order, so one set of filters is one query."""
    if isinstance(data, str):
        data = QueryDict(data)
    kept = QueryDict(mutable=True)
    for name in sorted(data):
        if name in UNSAVED:
            continue
        values = [value for value in data.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def _quarter(today):
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def default_views(user, key, led=()):
    """(slug, name, query) of the views a role starts with on a list: never stored, they
    follow the user (the teams they lead, ``led``; today's quarter)."""
    today = timezone.localdate()
    supervisor = may(user, "teams.lead")
    kam = may(user, "accounts.own") and not supervisor
    led = list(led)
    views = []
    if key == ListKey.ACCOUNTS:
        if kam:
            views.append(("my-a", _("My A accounts"), {"owner": [user.pk], "tier": ["A"]}))
        elif supervisor and led:
            views.append(("team-a", _("My team's A accounts"), {"team": led, "tier": ["A"]}))
        views.append(("red", _("Red health"), {"health": ["red"]}))
    elif key == ListKey.VISITS:
        if kam:
            views.append(
                (
                    "my-overdue",
                    _("My overdue revisits"),
                    {"who": ["mine"], "follow_up": ["overdue"]},
                )
            )
        elif supervisor:
            views.append(
                (
                    "team-overdue",
                    _("My team's overdue revisits"),
                    {"who": ["team"], "follow_up": ["overdue"]},
                )
            )
    elif key == ListKey.OPPORTUNITIES:
        views.append(("quarter", _("Closing this quarter"), {"quarter": [_quarter(today)]}))
    elif key == ListKey.CONTRACTS:
        soon = (today + datetime.timedelta(days=90)).isoformat()
        views.append(
            (
                "ending",
                _("Active, ending within 90 days"),
                {"status": ["active"], "ends_before": [soon]},
            )
        )
    elif key == ListKey.COMPLAINTS:
        views.append(("breached", _("Breached"), {"sla": ["breached"]}))
    result = []
    for slug, name, params in views:
        query = QueryDict(mutable=True)
        for param, values in params.items():
            query.setlist(param, [str(value) for value in values])
        result.append((slug, name, normalized_query(query)))
    return result
