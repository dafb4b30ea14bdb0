"""Reads for service and risk: the account card, NPS, the service report.

Each runs a fixed number of queries whatever the number of rows.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Avg, Count, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.service.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    RiskEvent,
    RiskLevel,
    RootCause,
    Severity,
    Survey,
)
from kam.models import Team
from kam.queries import on_days

SURVEY_TREND_LENGTH = 8


def net_promoter_score(promoters, detractors, total) -> int | None:
    """The Net Promoter Score (the one definition): % promoters − % detractors of
    ``total`` answers (groups: ``Survey.PROMOTER_FROM``, ``Survey.DETRACTOR_UP_TO``)."""
    if not total:
        return None
    return round(100 * (promoters - detractors) / total)


def nps(scores) -> int | None:
    """``net_promoter_score`` of 0–10 answers."""
    scores = [score for score in scores if score is not None]
    promoters = sum(1 for score in scores if score >= Survey.PROMOTER_FROM)
    detractors = sum(1 for score in scores if score <= Survey.DETRACTOR_UP_TO)
    return net_promoter_score(promoters, detractors, len(scores))


@dataclass
class ServiceCard:
    open_complaints: list
    risks: list  # open and mitigating, high first
    surveys: list  # newest last, for the trend
    nps: int | None = None
    csat: float | None = None
    open_high_risks: list = field(default_factory=list)


_LEVEL_ORDER = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}


def _service_card_lists(pk):
    """(rows, lists, extra) of ``account_service_card`` for ``read_nested_by_pk``."""
    from accounts.models import Account
    from accounts.nested import USER_FIELDS, Nested

    here = OuterRef("pk")
    lists = {
        "complaints": Nested(
            Complaint.objects.filter(account=here)
            .not_closed()
            .exclude(status__in=[ComplaintStatus.VERIFIED])
            .order_by("response_due", "pk"),
            related={"owner": USER_FIELDS},
        ),
        "risks": Nested(
            RiskEvent.objects.filter(account=here).not_closed().order_by("-created_at", "-id"),
            related={"owner": USER_FIELDS},
        ),
        "surveys": Nested(
            Survey.objects.filter(account=here).order_by("-taken_on", "-id")[:SURVEY_TREND_LENGTH],
            related={"contact": None},
        ),
    }
    return Account.objects.filter(pk=pk), lists, ()


def account_service_card(*, account) -> ServiceCard:
    """The account page's service card: one query."""
    from accounts.nested import read_nested_by_pk

    found = read_nested_by_pk(("service card",), account.pk, _service_card_lists)
    complaints = found["complaints"]
    risks = sorted(
        found["risks"],
        key=lambda risk: (_LEVEL_ORDER.get(risk.level, 9), -risk.created_at.timestamp()),
    )
    surveys = found["surveys"]
    surveys.reverse()
    csats = [survey.csat for survey in surveys if survey.csat is not None]
    return ServiceCard(
        open_complaints=complaints,
        risks=risks,
        surveys=surveys,
        nps=nps(survey.nps for survey in surveys),
        csat=round(sum(csats) / len(csats), 1) if csats else None,
        open_high_risks=[risk for risk in risks if risk.level == RiskLevel.HIGH],
    )


@dataclass
class TeamNps:
    team: Team
    nps: int | None
    promoters: int
    passives: int
    detractors: int
    responses: int


def team_nps(*, actor, since=None) -> list[TeamNps]:
    """NPS per team the actor sees, over the surveys of the accounts its members own
    (the last 12 months by default): one query."""
    since = since or timezone.localdate() - timedelta(days=365)
    path = "memberships__user__owned_accounts__surveys"
    in_window = Q(**{f"{path}__taken_on__gte": since, f"{path}__nps__isnull": False})
    teams = (
        Team.objects.visible_to(actor)
        .annotate(
            responses=Count(f"{path}__pk", filter=in_window),
            promoters=Count(
                f"{path}__pk",
                filter=in_window & Q(**{f"{path}__nps__gte": Survey.PROMOTER_FROM}),
            ),
            detractors=Count(
                f"{path}__pk",
                filter=in_window & Q(**{f"{path}__nps__lte": Survey.DETRACTOR_UP_TO}),
            ),
        )
        .order_by("name")
    )
    return [
        TeamNps(
            team=team,
            nps=net_promoter_score(team.promoters, team.detractors, team.responses),
            promoters=team.promoters,
            passives=team.responses - team.promoters - team.detractors,
            detractors=team.detractors,
            responses=team.responses,
        )
        for team in teams
    ]


@dataclass
class ServiceReport:
    months: list  # first day of each month, oldest first
    categories: list  # (value, label)
    by_month: dict  # month -> {category: count}
    month_rows: list  # (month, [count per category], total), oldest first
    root_causes: list  # (label, count), most frequent first
    response_by_severity: list  # (label, complaints answered, average hours, breached)
    average_response_hours: float | None
    breached: int
    total: int


def _hours(duration) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 1)


def service_report(*, actor, months: int = 12) -> ServiceReport:
    """Complaint categories by month, root causes and time to first response over
    what the actor sees: three queries."""
    today = timezone.localdate()
    start = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    visible = Complaint.objects.visible_to(actor).filter(on_days("received_at", start))
    by_month = {}
    for row in (
        visible.annotate(month=TruncMonth("received_at"))
        .values("month", "category")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        by_month.setdefault(row["month"].date(), {})[row["category"]] = row["count"]
    month_list, cursor = [], start
    while cursor <= today:
        month_list.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    causes = dict(RootCause.choices)
    root_causes = [
        (causes.get(row["root_cause"], row["root_cause"]), row["count"])
        for row in visible.exclude(root_cause="")
        .values("root_cause")
        .annotate(count=Count("pk"))
        .order_by("-count", "root_cause")
    ]
    answered = F("first_response_at") - F("received_at")
    rows = {
        row["severity"]: row
        for row in visible.values("severity")
        .annotate(
            total=Count("pk"),
            answered=Count("pk", filter=Q(first_response_at__isnull=False)),
            average=Avg(answered, filter=Q(first_response_at__isnull=False)),
            breached=Count("pk", filter=Q(breached=True)),
        )
        .order_by()
    }
    response_by_severity = []
    total_answered, weighted = 0, 0.0
    for value, label in Severity.choices:
        row = rows.get(value)
        if row is None:
            response_by_severity.append((label, 0, None, 0))
            continue
        hours = _hours(row["average"])
        response_by_severity.append((label, row["answered"], hours, row["breached"]))
        if hours is not None:
            total_answered += row["answered"]
            weighted += row["average"].total_seconds() / 3600 * row["answered"]
    return ServiceReport(
        months=month_list,
        categories=list(ComplaintCategory.choices),
        by_month=by_month,
        month_rows=[
            (
                month,
                [by_month.get(month, {}).get(value, 0) for value in ComplaintCategory.values],
                sum(by_month.get(month, {}).values()),
            )
            for month in month_list
        ],
        root_causes=root_causes,
        response_by_severity=response_by_severity,
        average_response_hours=round(weighted / total_answered, 1) if total_answered else None,
        breached=sum(row["breached"] for row in rows.values()),
        total=sum(row["total"] for row in rows.values()),
    )


def breached_complaints_by_owner(complaints, *, now=None) -> dict:
    """{account owner id: complaints breached (or past due unanswered)} over an already
    visible-to Complaint queryset: one query."""
    rows = (
        complaints.breached_effectively(now)
        .values("account__owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["account__owner_id"]: row["n"] for row in rows}


def complaints_to_handle(*, user):
    """Complaints not closed yet on the accounts the user owns, the nearest response
    deadline first: one query (the complaint list's ``sla=open&account_owner=<user>``)."""
    return (
        Complaint.objects.visible_to(user)
        .not_closed()
        .filter(account__owner=user)
        .select_related("account", "owner")
        .order_by("response_due", "pk")
    )
