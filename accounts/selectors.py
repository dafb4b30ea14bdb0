"""Reads that combine several models: the account timeline and relationship map.

Each runs a fixed number of queries whatever the number of rows.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db.models import OuterRef
from django.utils import timezone

from accounts.choices import Attitude, ContactLevel
from accounts.health.models import HealthChange
from accounts.models import Account, AccountHandover, Contact, Visit, VisitComment
from accounts.nested import USER_FIELDS, Nested, read_nested_by_pk
from accounts.service.models import Complaint, RiskEvent, Survey
from accounts.tiering.models import TierChange
from kam.queries import on_days

COVERAGE_WINDOW_DAYS = 90


@dataclass
class TimelineEvent:
    when: datetime
    kind: str  # visit | handover | contact_left | tier_change | plan_transition |
    # opportunity_won | complaint_received | complaint_resolved | survey | risk | created
    obj: object = None
    title: str = ""


#: what the apps above accounts add to its timeline, registered when they are ready
#: (plans: a plan's steps; opportunities: won deals): {list name: (the Nested list of
#: the account ``here`` with at most ``limit`` rows, the TimelineEvents of its rows)}
TIMELINE_SOURCES: dict = {}


def timeline_source(name: str, *, nested, events) -> None:
    """Add a list to every account timeline: ``nested(here, limit, user_fields)`` gives
    its ``Nested`` (read in the timeline's one query), ``events(rows)`` its events."""
    TIMELINE_SOURCES[name] = (nested, events)


#: the cards the apps above accounts add to the account page, registered when they are
#: ready (plans: the plan card): {context name: (its template, its context for an account)}
ACCOUNT_CARDS: dict = {}
#: what those cards add to the page's query of the account ({name: queryset -> queryset})
ACCOUNT_CARD_ROWS: dict = {}


def account_card(name: str, *, template: str, build, annotate=None) -> None:
    """Add a card to the account page: ``build(account)`` gives its context (as
    ``name``), ``template`` shows it, in the order the cards were added. ``annotate``
    (a queryset of accounts -> the same with the card's figures), when given, is applied
    to the page's own query of the account, so a card that needs no more than a few
    columns costs the page no query (credit: the exposure)."""
    ACCOUNT_CARDS[name] = (template, build)
    if annotate is not None:
        ACCOUNT_CARD_ROWS[name] = annotate


#: panels the apps above accounts add to the page of a record a supervisor reviews
#: (coaching: the strengths and gaps tagged on a visit or a plan), registered when they are
#: ready; the page loads each from its URL (htmx), so it costs the page no query:
#: {record kind ("visit", "plan"): {name: (label, url of the panel for a record)}}
REVIEW_PANELS: dict = {}


@dataclass(frozen=True)
class ReviewPanel:
    label: str
    url: str


def review_panel(kind: str, name: str, *, label, url) -> None:
    """Add a panel to the page of each record of ``kind``: ``url(record)`` gives its URL,
    ``label`` the link shown until it loads (and without JavaScript)."""
    REVIEW_PANELS.setdefault(kind, {})[name] = (label, url)


def review_panels(kind: str, record) -> list[ReviewPanel]:
    """The panels of ``record``'s page, in the order they were added; no query."""
    return [
        ReviewPanel(str(label), url(record)) for label, url in REVIEW_PANELS.get(kind, {}).values()
    ]


def account_timeline(*, account: Account, limit: int = 100) -> list[TimelineEvent]:
    """Everything that happened to an account, newest first: one query."""
    found = read_nested_by_pk(("timeline", limit), account.pk, partial(_timeline_lists, limit))
    tz = timezone.get_current_timezone()
    events = [TimelineEvent(visit.occurred_at, "visit", visit) for visit in found["visits"]]
    events += [TimelineEvent(item.created_at, "handover", item) for item in found["handovers"]]
    for contact in found["departed"]:
        when = datetime.combine(contact.left_on, datetime.min.time(), tzinfo=tz)
        events.append(TimelineEvent(when, "contact_left", contact))
    events += [TimelineEvent(c.changed_at, "tier_change", c) for c in found["tier_changes"]]
    for name, (_nested, to_events) in TIMELINE_SOURCES.items():
        events += to_events(found[name])
    for complaint in found["complaints"]:
        events.append(TimelineEvent(complaint.received_at, "complaint_received", complaint))
        if complaint.resolved_at:
            events.append(TimelineEvent(complaint.resolved_at, "complaint_resolved", complaint))
    for survey in found["surveys"]:
        when = datetime.combine(survey.taken_on, datetime.min.time(), tzinfo=tz)
        events.append(TimelineEvent(when, "survey", survey))
    events += [TimelineEvent(risk.created_at, "risk", risk) for risk in found["risks"]]
    events += [TimelineEvent(c.changed_at, "health_change", c) for c in found["health"]]
    events.append(TimelineEvent(account.created_at, "created", account))
    events.sort(key=lambda event: event.when, reverse=True)
    return events[:limit]


def _timeline_lists(limit, pk):
    """(rows, lists, extra) of ``account_timeline`` for ``read_nested_by_pk``."""
    from kam.models import User

    here = OuterRef("pk")
    user = USER_FIELDS
    lists = {
        "visits": Nested(
            Visit.objects.active().filter(account=here).order_by("-occurred_at", "-pk")[:limit],
            related={"logged_by": user, "next_visit_owner": user},
            lists={
                "contacts": Nested(ordered(Contact.objects.filter(visits=OuterRef("pk")))),
                "colleagues": Nested(
                    ordered(User.objects.filter(joined_visits=OuterRef("pk"))), fields=user
                ),
                "comments": Nested(
                    ordered(VisitComment.objects.filter(visit=OuterRef("pk"))),
                    related={"author": user},
                ),
            },
        ),
        "handovers": Nested(
            ordered(AccountHandover.objects.filter(account=here)),
            related={"from_user": user, "to_user": user, "performed_by": user},
        ),
        "departed": Nested(
            ordered(Contact.objects.filter(account=here, has_left=True, left_on__isnull=False))
        ),
        "tier_changes": Nested(
            ordered(TierChange.objects.filter(account=here))[:limit],
            related={"changed_by": user},
        ),
        "complaints": Nested(
            ordered(Complaint.objects.filter(account=here))[:limit], related={"owner": user}
        ),
        "surveys": Nested(
            ordered(Survey.objects.filter(account=here))[:limit], related={"contact": None}
        ),
        "risks": Nested(
            ordered(RiskEvent.objects.filter(account=here))[:limit], related={"owner": user}
        ),
        "health": Nested(ordered(HealthChange.objects.filter(account=here))[:limit]),
    }
    for name, (nested, _events) in TIMELINE_SOURCES.items():
        lists[name] = nested(here, limit, user)
    return Account.objects.filter(pk=pk), lists, ()


def ordered(queryset):
    """``queryset`` in its model's default order, said out loud: a subquery keeps only
    an explicit order."""
    return queryset.order_by(*(queryset.query.order_by or queryset.model._meta.ordering), "pk")


def _page_lists() -> dict:
    from accounts.health.selectors import card_snapshots
    from accounts.models import AccountTeamMember
    from accounts.tiering.models import TierOverride, TierScore

    here = OuterRef("pk")
    return {
        "team_members": Nested(
            AccountTeamMember.objects.filter(account=here).order_by(
                "role", "user__full_name", "pk"
            ),
            related={"user": USER_FIELDS},
        ),
        "tier_score": Nested(
            TierScore.objects.filter(account=here).order_by("-id")[:1], related={"run": None}
        ),
        "tier_override": Nested(
            TierOverride.objects.filter(account=here).active().order_by("-created_at", "-id")[:1],
            related={"created_by": USER_FIELDS},
        ),
        "health_snapshots": Nested(card_snapshots(here)),
    }


def with_page_sections(accounts, *, user):
    """The account page's account, read with what hangs off it alone: whether ``user``
    may change and archive it, its team, latest tier score, active tier override and
    health trend (``page_sections`` unpacks them)."""
    from kam.scoping import CHANGE, DELETE, permitted

    lists = {f"page_{name}": nested.expression() for name, nested in _page_lists().items()}
    return accounts.annotate(
        page_can_change=permitted(user, CHANGE), page_can_delete=permitted(user, DELETE), **lists
    )


def page_sections(account) -> dict:
    """What ``with_page_sections`` read with ``account``, as the page shows it."""
    sections = {
        name: nested.build(getattr(account, f"page_{name}"))
        for name, nested in _page_lists().items()
    }
    sections["tier_score"] = next(iter(sections["tier_score"]), None)
    sections["tier_override"] = next(iter(sections["tier_override"]), None)
    sections["can_change"] = account.page_can_change
    sections["can_delete"] = account.page_can_delete
    return sections


@dataclass
class OrgNode:
    contact: Contact
    children: list = field(default_factory=list)
    depth: int = 0


@dataclass
class Coverage:
    levels: list  # (level, label, total, met recently)
    has_executive_supporter: bool
    not_met_recently: list  # current key contacts not met within the window
    departed_key_contacts: list  # executive/decision contacts who left: gaps in the map
    window_days: int = COVERAGE_WINDOW_DAYS


@dataclass
class RelationshipMap:
    roots: list
    coverage: Coverage
    contacts: list


def relationship_map(*, account: Account) -> RelationshipMap:
    """The org chart (from reports-to) and how well we cover it: one query."""
    contacts = list(
        Contact.objects.active()
        .filter(account=account)
        .with_last_contacted()
        .order_by("level", "name")
    )
    by_id = {contact.pk: OrgNode(contact) for contact in contacts}
    level_order = {ContactLevel.EXECUTIVE: 0, ContactLevel.DECISION: 1, ContactLevel.EXECUTION: 2}
    roots = []
    for node in by_id.values():
        boss = by_id.get(node.contact.reports_to_id)
        (boss.children if boss else roots).append(node)

    def sort_and_depth(nodes, depth):
        nodes.sort(key=lambda node: (level_order.get(node.contact.level, 9), node.contact.name))
        for node in nodes:
            node.depth = depth
            sort_and_depth(node.children, depth + 1)

    sort_and_depth(roots, 0)

    since = timezone.now() - timedelta(days=COVERAGE_WINDOW_DAYS)
    current = [contact for contact in contacts if not contact.has_left]

    def met(contact):
        return contact.last_contacted_at is not None and contact.last_contacted_at >= since

    levels = []
    for level, label in ContactLevel.choices:
        at_level = [contact for contact in current if contact.level == level]
        levels.append((level, label, len(at_level), sum(1 for c in at_level if met(c))))
    coverage = Coverage(
        levels=levels,
        has_executive_supporter=any(
            contact.level == ContactLevel.EXECUTIVE and contact.attitude == Attitude.SUPPORTER
            for contact in current
        ),
        not_met_recently=[c for c in current if c.is_key and not met(c)],
        departed_key_contacts=[c for c in contacts if c.has_left and c.is_key],
    )
    return RelationshipMap(roots=roots, coverage=coverage, contacts=contacts)


# --- dashboards: what is due, cadence, activity ----------------------------------------------


def revisits_due(*, user, day=None):
    """The user's planned revisits due by ``day`` (today) and not done yet, oldest first."""
    day = day or timezone.localdate()
    return (
        Visit.objects.visible_to(user)
        .open_follow_ups()
        .filter(next_visit_owner=user, next_visit_on__lte=day)
        .select_related("account")
        .order_by("next_visit_on", "pk")
    )


def overdue_revisits_by_owner(*, user, owners, day=None) -> dict:
    """{user id: planned revisits past their date and not done}, over what ``user``
    sees, for the revisit owners given: one query."""
    from django.db.models import Count

    day = day or timezone.localdate()
    rows = (
        Visit.objects.visible_to(user)
        .open_follow_ups()
        .filter(next_visit_owner__in=owners, next_visit_on__lt=day)
        .values("next_visit_owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["next_visit_owner_id"]: row["n"] for row in rows}


def visits_by_logger(*, user, loggers, since) -> dict:
    """{user id: visits they logged since ``since`` (a datetime)}: one query."""
    from django.db.models import Count

    rows = (
        Visit.objects.visible_to(user)
        .active()
        .filter(logged_by__in=loggers, occurred_at__gte=since)
        .values("logged_by_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["logged_by_id"]: row["n"] for row in rows}


def visits_per_week(*, user, loggers, since) -> list[dict]:
    """[{"week": Monday, "count": n}] of visits logged by ``loggers`` since ``since``
    (a date), every week present, oldest first: one query."""
    from django.db.models import Count
    from django.db.models.functions import TruncWeek

    counts = {
        row["week"].date() if hasattr(row["week"], "date") else row["week"]: row["n"]
        for row in Visit.objects.visible_to(user)
        .active()
        .filter(on_days("occurred_at", since), logged_by__in=loggers)
        .annotate(week=TruncWeek("occurred_at"))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    }
    monday = since - timedelta(days=since.weekday())
    today = timezone.localdate()
    weeks = []
    while monday <= today:
        weeks.append({"week": monday, "count": counts.get(monday, 0)})
        monday += timedelta(days=7)
    return weeks


def visit_activity(visits) -> list[dict]:
    """Visits per logger, kind and week (Monday), from an already visible-to and filtered
    Visit queryset: one query. Rows: logged_by (User), kind, week, count."""
    from django.db.models import Count
    from django.db.models.functions import TruncWeek

    from kam.models import User

    rows = list(
        visits.annotate(week=TruncWeek("occurred_at"))
        .values("logged_by_id", "kind", "week")
        .annotate(n=Count("pk"))
        .order_by("-week", "logged_by_id", "kind")
    )
    users = User.objects.in_bulk({row["logged_by_id"] for row in rows})
    return [
        {
            "logged_by": users[row["logged_by_id"]],
            "kind": row["kind"],
            "week": row["week"].date() if hasattr(row["week"], "date") else row["week"],
            "count": row["n"],
        }
        for row in rows
    ]
