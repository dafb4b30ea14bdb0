"""What the dashboards show, composed from the selectors of the apps that own the data.

Nothing here decides a business rule: every figure comes from a selector of
accounts, plans or opportunities (which all start from ``visible_to``); this module
only picks the rows for a person or a team and says which list page, with which
filters, lies behind each number (the drill-down URL). Every function runs a fixed
number of queries whatever the number of KAMs, accounts or rows.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import urlencode

from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.urls import reverse
from django.utils import timezone

from accounts.health.models import HealthStatus
from accounts.health.selectors import health_rows
from accounts.models import Account, Visit
from accounts.selectors import revisits_due
from accounts.service.models import Complaint
from accounts.service.selectors import complaints_to_handle
from accounts.tiering.selectors import (
    annual_revenue,
    concentration_from,
    tier_rows,
)
from kam.capabilities import may
from kam.models import Team, TeamMembership, User
from kam.queries import day_start
from kam.scoping import led_teams
from opportunities.filtersets import filter_by_team
from opportunities.models import Opportunity
from opportunities.selectors import (
    contracts_to_renew,
    cube_by,
    forecast_by_quarter_from_cube,
    forecast_cube,
    pipeline_from_cube,
)
from plans.selectors import (
    action_items_due,
    attainment_by_team,
    kam_attainment,
    quarter_of,
    team_attainment,
)

ZERO = Decimal("0")
ACTIVITY_DAYS = 30
VISIT_WEEKS = 12
CONCENTRATION_ROWS = 20


def link(name: str, **query) -> str:
    """A list page's URL with its filters set (lists repeat a key for several values)."""
    url = reverse(name)
    pairs = []
    for key, value in query.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, item))
    return f"{url}?{urlencode(pairs)}" if pairs else url


@dataclass
class Period:
    """The period a dashboard shows: a year and a quarter of it."""

    year: int
    quarter: int
    today: date

    @property
    def quarter_label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def quarter_param(self) -> str:
        return f"{self.year}-Q{self.quarter}"


def period_from(params, today: date | None = None) -> Period:
    """Read ?year= and ?quarter= (1–4), defaulting to the current quarter."""
    today = today or timezone.localdate()

    def number(key, default, low, high):
        try:
            value = int(params.get(key, ""))
        except (TypeError, ValueError):
            return default
        return value if low <= value <= high else default

    year = number("year", today.year, 2000, 2100)
    default_quarter = quarter_of(today.month) if year == today.year else 4
    return Period(year=year, quarter=number("quarter", default_quarter, 1, 4), today=today)


# --- whose teams -------------------------------------------------------------------------


def dashboard_teams(user):
    """The teams whose dashboard the user may open: the teams a supervisor leads; every
    team for executives and admins; none for KAMs. 0 queries (a lazy queryset)."""
    teams = Team.objects.visible_to(user).order_by("name", "pk")
    if not may(user, "dashboard.team"):
        return teams.none()
    if may(user, "teams.lead"):
        return teams.filter(pk__in=led_teams(user).values("pk"))
    return teams


# --- my day ------------------------------------------------------------------------------


def my_day(*, user, today: date | None = None) -> dict:
    """A KAM's day: what is due and overdue, their accounts, pipeline and attainment.
    12 queries with the session, the user and the bell."""
    today = today or timezone.localdate()
    my_opportunities = Opportunity.objects.filter(owner=user)
    quarter = quarter_of(today.month)
    this_quarter = f"{today.year} Q{quarter}"
    cube = forecast_cube(user=user, queryset=my_opportunities, today=today)
    forecast = next(
        (row for row in forecast_by_quarter_from_cube(cube) if row["label"] == this_quarter),
        None,
    )
    attainment = kam_attainment(user=user, kam=user, year=today.year, as_of=today)
    stages = pipeline_from_cube(cube)
    for row in stages:
        row["url"] = link("opportunities:list", owner=user.pk, stage=row["stage"].pk, status="open")
    accounts = my_accounts(user=user, today=today)
    health = health_rows(accounts.health)
    for row in health:
        filters = {"health": row["status"]} if row["status"] else {"health_checked": "false"}
        row["url"] = link("accounts:list", owner=user.pk, **filters)
    tiers = tier_rows(accounts.tiers)
    for row in tiers:
        filters = {"tier": row["tier"]} if row["tier"] else {"graded": "false"}
        row["url"] = link("accounts:list", owner=user.pk, **filters)
    return {
        "today": today,
        "revisits": list(revisits_due(user=user, day=today)),
        "past_cadence": accounts.past_cadence,
        "policy_shortfalls": accounts.shortfalls,
        "complaints": list(complaints_to_handle(user=user)),
        "action_items": list(action_items_due(user=user, day=today)),
        "renewals": list(contracts_to_renew(user=user, owner=user, today=today)),
        "health": health,
        "tiers": tiers,
        "stages": stages,
        "forecast": forecast,
        "forecast_label": this_quarter,
        "forecast_url": link(
            "opportunities:list", owner=user.pk, quarter=f"{today.year}-Q{quarter}"
        ),
        "attainment": attainment,
        "links": {
            "revisits": link("accounts:visit-list", who="all", follow_up="due",
                             next_visit_owner=user.pk),
            "past_cadence": link("accounts:list", owner=user.pk, past_cadence="true"),
            "policy_shortfalls": link("accounts:policy-shortfalls", owner=user.pk),
            "complaints": link("accounts:complaint-list", sla="open", account_owner=user.pk),
            "action_items": link("plans:action-item-list", who="mine", open="true",
                                 due_before=today.isoformat()),
            "renewals": link("opportunities:contract-list", status=["signed", "active"],
                             owner=user.pk,
                             ends_after=today.isoformat(),
                             ends_before=(today + timedelta(days=90)).isoformat()),
            "attainment": link("plans:attainment", year=today.year, kam=user.pk),
            "pipeline": link("opportunities:list", owner=user.pk, status="open"),
        },
    }  # fmt: skip


@dataclass
class MyAccounts:
    health: dict  # health status -> active accounts ("" not checked)
    tiers: dict  # tier -> active accounts ("" not graded)
    past_cadence: list  # accounts past their visit cadence, most overdue first
    shortfalls: int = 0  # the tier service policy's shortfalls over the accounts


def my_accounts(*, user, today: date) -> MyAccounts:
    """The user's own active accounts read once: their health and tier counts
    (``health_distribution``, ``tier_distribution``) and those past their visit cadence
    (``AccountQuerySet.past_cadence``, in its order). One query."""
    rows = (
        Account.objects.visible_to(user)
        .active()
        .filter(owner=user)
        .with_cadence_due(today=today)
        .with_policy_shortfalls(today=today)
        .order_by("cadence_due_on", "name", "pk")
    )
    health, tiers, past, shortfalls = {}, {}, [], 0
    for account in rows:
        account.owner = user
        health[account.health_status] = health.get(account.health_status, 0) + 1
        tiers[account.tier] = tiers.get(account.tier, 0) + 1
        shortfalls += account.policy_shortfalls
        if account.past_cadence:
            past.append(account)
    return MyAccounts(health=health, tiers=tiers, past_cadence=past, shortfalls=shortfalls)


# --- team dashboard ----------------------------------------------------------------------


@dataclass
class KamRow:
    user: User
    accounts: int = 0
    visits: int = 0
    overdue_revisits: int = 0
    past_cadence: int = 0
    red: int = 0
    weighted: Decimal = ZERO
    quarter_rate: Decimal | None = None
    ytd_rate: Decimal | None = None
    breached: int = 0
    links: dict = field(default_factory=dict)


def team_dashboard(*, user, team: Team, period: Period) -> dict:
    """The team dashboard: a row per KAM of the team and the charts, every figure with
    the URL of the filtered list behind it. 8 queries whatever the team's size: the
    members, the team's accounts (one row each), its visits, its opportunities (one
    forecast cube), the open stages, and attainment's actuals, targets and quotas."""
    today = period.today
    members = list(
        User.objects.filter(
            pk__in=TeamMembership.objects.filter(team=team).values("user_id")
        ).order_by("full_name", "username")
    )
    member_ids = [member.pk for member in members]
    owners = [*member_ids, team.supervisor_id]
    since = today - timedelta(days=ACTIVITY_DAYS)
    first = today - timedelta(weeks=VISIT_WEEKS - 1)

    accounts = team_accounts(user=user, owners=owners, today=today)
    activity = team_visits(user=user, loggers=owners, revisit_owners=member_ids,
                           since=day_start(since), first=first, today=today)  # fmt: skip
    cube = forecast_cube(
        user=user, queryset=filter_by_team(Opportunity.objects.all(), [team]), today=today
    )
    weighted = {owner: row["weighted"] for owner, row in cube_by(cube, "owner").items()}
    by_kam, by_quarter = team_attainment(
        user=user, team=team, members=members, year=period.year, quarter=period.quarter,
        as_of=today,
    )  # fmt: skip

    rows = []
    for member in members:
        pk = member.pk
        attainment = by_kam.get(pk)
        rows.append(
            KamRow(
                user=member,
                **kam_figures(pk, accounts=accounts, activity=activity, weighted=weighted),
                quarter_rate=attainment.rate if attainment else None,
                ytd_rate=attainment.ytd_rate if attainment else None,
                links={
                    **figure_links(owners=[pk], since=since),
                    "quarter_rate": link("plans:attainment", year=period.year,
                                         quarter=period.quarter, kam=pk),
                    "ytd_rate": link("plans:attainment", year=period.year, kam=pk),
                },
            )
        )  # fmt: skip

    return {
        "rows": rows,
        "policy": {
            "shortfalls": accounts.shortfalls,
            "no_meeting": accounts.no_meeting,
            "links": {
                "shortfalls": link("accounts:policy-shortfalls", team=team.pk),
                "no_meeting": link("accounts:policy-shortfalls", team=team.pk, no_meeting=1),
            },
        },
        "charts": team_charts(
            team=team, period=period, accounts=accounts, cube=cube, by_quarter=by_quarter,
            weeks=activity.weeks, loggers=owners,
        ),
    }  # fmt: skip


#: the figures of a KAM row that add up over a team's KAMs
SUMMED = ("accounts", "visits", "overdue_revisits", "past_cadence", "red", "weighted", "breached")


def kam_figures(pk, *, accounts, activity, weighted) -> dict:
    """A KAM row's counts and weighted pipeline, from the team's accounts, visits and
    forecast cube read once (``team_accounts``, ``team_visits``, ``cube_by``)."""
    mine = accounts.by_owner.get(pk, {})
    return {
        "accounts": mine.get("accounts", 0),
        "visits": activity.recent.get(pk, 0),
        "overdue_revisits": activity.overdue.get(pk, 0),
        "past_cadence": mine.get("past_cadence", 0),
        "red": mine.get("red", 0),
        "weighted": weighted.get(pk, ZERO),
        "breached": mine.get("breached", 0),
    }


def figure_links(*, owners: list, since: date) -> dict:
    """The lists behind a row's counts and pipeline: a KAM's (one owner) or a team's
    KAMs' (their ids)."""
    return {
        "accounts": link("accounts:list", owner=owners),
        "visits": link("accounts:visit-list", who="all", logged_by=owners,
                       occurred_after=since.isoformat()),
        "overdue_revisits": link("accounts:visit-list", who="all", follow_up="overdue",
                                 next_visit_owner=owners),
        "past_cadence": link("accounts:list", owner=owners, past_cadence="true"),
        "red": link("accounts:list", owner=owners, health="red"),
        "weighted": link("opportunities:list", owner=owners, status="open"),
        "breached": link("accounts:complaint-list", sla="breached", account_owner=owners),
    }  # fmt: skip


# --- all teams ---------------------------------------------------------------------------


@dataclass
class TeamRow:
    """A team on the "All teams" dashboard: the sums of its KAM rows (``team_dashboard``'s
    figures), and the team's attainment (``attainment_by_team``, the attainment page's)."""

    team: Team
    kams: int = 0
    accounts: int = 0
    visits: int = 0
    overdue_revisits: int = 0
    past_cadence: int = 0
    red: int = 0
    weighted: Decimal = ZERO
    quarter_rate: Decimal | None = None
    ytd_rate: Decimal | None = None
    breached: int = 0
    url: str = ""  # the team's own dashboard: its KAMs
    links: dict = field(default_factory=dict)


def all_teams_dashboard(*, user, teams, period: Period) -> dict:
    """A row per team with the figures of its KAM rows summed: what ``team_dashboard``
    shows each team, read for every team at once (a KAM in two teams counts in both,
    as on each team's dashboard). 10 queries whatever the number of teams and KAMs: the
    teams and their members, the accounts, visits and forecast cube of all their people,
    and the teams' attainment."""
    today = period.today
    teams = list(teams)
    members = {team.pk: [] for team in teams}
    for team_id, user_id in (
        TeamMembership.objects.filter(team__in=[team.pk for team in teams])
        .order_by("user_id")
        .values_list("team_id", "user_id")
    ):
        members[team_id].append(user_id)
    member_ids = sorted({pk for ids in members.values() for pk in ids})
    owners = sorted({*member_ids, *(team.supervisor_id for team in teams)})
    since = today - timedelta(days=ACTIVITY_DAYS)

    accounts = team_accounts(user=user, owners=owners, today=today, ranked=False)
    activity = team_visits(user=user, loggers=owners, revisit_owners=member_ids,
                           since=day_start(since), first=since, today=today)  # fmt: skip
    cube = forecast_cube(
        user=user, queryset=filter_by_team(Opportunity.objects.all(), teams), today=today
    )
    weighted = {owner: row["weighted"] for owner, row in cube_by(cube, "owner").items()}
    attainment = {
        row.key: row
        for row in attainment_by_team(
            user=user, year=period.year, quarter=period.quarter, as_of=today
        )
    }

    rows = []
    for team in teams:
        row = TeamRow(team=team, kams=len(members[team.pk]))
        for pk in members[team.pk]:
            figures = kam_figures(pk, accounts=accounts, activity=activity, weighted=weighted)
            for name in SUMMED:
                setattr(row, name, getattr(row, name) + figures[name])
        reached = attainment.get(team.pk)
        row.quarter_rate = reached.rate if reached else None
        row.ytd_rate = reached.ytd_rate if reached else None
        row.url = link("dashboards:team", team=team.pk, year=period.year, quarter=period.quarter)
        row.links = {
            **figure_links(owners=members[team.pk], since=since),
            "quarter_rate": link("plans:attainment", year=period.year, quarter=period.quarter),
            "ytd_rate": link("plans:attainment", year=period.year),
        }
        rows.append(row)
    return {"team_rows": rows}


# --- the team's accounts and visits, one read each -------------------------------------------


@dataclass
class TeamAccounts:
    by_owner: dict  # owner id -> {"accounts", "red", "past_cadence", "breached"}
    health: dict  # health status -> active accounts ("" not checked)
    tiers: dict  # tier -> active accounts ("" not graded)
    concentration: object  # accounts.tiering.selectors.Concentration
    shortfalls: int = 0  # the tier service policy's shortfalls over the active accounts
    no_meeting: int = 0  # active tier-A accounts without an executive meeting this year


def team_accounts(*, user, owners, today: date, ranked: bool = True) -> TeamAccounts:
    """The visible accounts of ``owners``, archived ones included, read once with what
    the dashboard counts of each: health, tier, whether it is past its visit cadence
    (``AccountQuerySet.with_cadence_due``), its breached complaints
    (``breached_complaints_by_owner``) and its annual revenue (``revenue_concentration``;
    not read when ``ranked`` is false). One query; the counts are summed here. The last
    visit is read per account
    from the (account, occurred_at) index, which costs one index entry per account where
    a join read every visit."""
    now = timezone.now()
    breached = (
        Complaint.objects.visible_to(user)
        .breached_effectively(now)
        .filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Account.objects.visible_to(user)
        .filter(owner__in=owners)
        .with_cadence_due(today=today)
        .with_policy_shortfalls(today=today)
        .annotate(
            breached=Coalesce(Subquery(breached), 0),
            revenue=annual_revenue(today) if ranked else Value(None, output_field=IntegerField()),
        )
        .values("pk", "name", "owner_id", "archived_at", "health_status", "tier",
                "past_cadence", "breached", "revenue", "policy_shortfalls",
                "executive_meetings_this_year")
        .order_by()
    )  # fmt: skip
    by_owner, health, tiers, revenues = {}, {}, {}, []
    shortfalls = no_meeting = 0
    for row in rows:
        mine = by_owner.setdefault(
            row["owner_id"], {"accounts": 0, "red": 0, "past_cadence": 0, "breached": 0}
        )
        mine["breached"] += row["breached"]
        if row["archived_at"] is not None:
            continue
        mine["accounts"] += 1
        mine["red"] += row["health_status"] == HealthStatus.RED
        mine["past_cadence"] += row["past_cadence"]
        shortfalls += row["policy_shortfalls"]
        no_meeting += row["tier"] == "A" and row["executive_meetings_this_year"] == 0
        health[row["health_status"]] = health.get(row["health_status"], 0) + 1
        tiers[row["tier"]] = tiers.get(row["tier"], 0) + 1
        if ranked:
            revenues.append((_Ranked(row["pk"], row["name"]), row["revenue"]))
    concentration = None
    if ranked:
        concentration = concentration_from(revenues, limit=CONCENTRATION_ROWS)
        for shown in concentration.rows:  # an account object only for the rows shown
            shown["account"] = Account(pk=shown["account"].pk, name=shown["account"].name)
    return TeamAccounts(
        by_owner=by_owner, health=health, tiers=tiers, concentration=concentration,
        shortfalls=shortfalls, no_meeting=no_meeting,
    )  # fmt: skip


class _Ranked(NamedTuple):
    """An account as the revenue ranking needs it: building a model instance for each of
    a team's thousand accounts took a third of the dashboard's time."""

    pk: int
    name: str


@dataclass
class TeamVisits:
    recent: dict  # logger id -> visits since the activity window's start
    overdue: dict  # revisit owner id -> planned revisits past their date, not done
    weeks: list  # [{"week": Monday, "count": n}], every week present, oldest first


def team_visits(*, user, loggers, revisit_owners, since, first: date, today: date):
    """``visits_by_logger`` (since ``since``, a datetime), ``overdue_revisits_by_owner``
    and ``visits_per_week`` (since ``first``, a date) in one statement: the visits of the
    loggers counted per logger and week, and the open follow-ups past their date counted
    per revisit owner (UNION ALL). Each part reads its own index range."""
    start = day_start(first)
    visible = Visit.objects.visible_to(user)
    logged = (
        visible.active()
        .filter(logged_by__in=loggers, occurred_at__gte=min(start, since))
        .annotate(key=F("logged_by_id"), week=TruncWeek("occurred_at"))
        .values("key", "week")
        .annotate(
            weekly=Count("pk", filter=Q(occurred_at__gte=start)),
            recent=Count("pk", filter=Q(occurred_at__gte=since)),
            overdue=Value(0),
        )
        .order_by()
    )
    overdue = (
        visible.open_follow_ups()
        .filter(next_visit_owner__in=revisit_owners, next_visit_on__lt=today)
        .annotate(key=F("next_visit_owner_id"), week=Value(None, output_field=DateTimeField()))
        .values("key", "week")
        .annotate(weekly=Value(0), recent=Value(0), overdue=Count("pk"))
        .order_by()
    )
    recent, late, weekly = {}, {}, {}
    for row in logged.union(overdue, all=True):
        key = row["key"]
        if row["overdue"]:
            late[key] = late.get(key, 0) + row["overdue"]
            continue
        if row["recent"]:
            recent[key] = recent.get(key, 0) + row["recent"]
        if row["weekly"]:
            week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
            weekly[week] = weekly.get(week, 0) + row["weekly"]
    weeks, monday = [], first - timedelta(days=first.weekday())
    while monday <= today:
        weeks.append({"week": monday, "count": weekly.get(monday, 0)})
        monday += timedelta(days=7)
    return TeamVisits(recent=recent, overdue=late, weeks=weeks)


def team_charts(*, team, period, accounts, cube, by_quarter, weeks, loggers) -> dict:
    """The chart data of the team dashboard: labels, values and a drill-down URL per
    segment; the labels are translated here, on the server. 1 query (the stages)."""
    from django.utils.translation import gettext as _

    # attainment by quarter against target (the team's quota, else its plans' targets)
    quarters = {
        "labels": [f"Q{quarter}" for quarter in (1, 2, 3, 4)],
        "actual": [float(value) for value in by_quarter["actual"]],
        "target": [float(value) for value in by_quarter["target"]],
        "urls": [
            link("plans:attainment", year=period.year, quarter=quarter) for quarter in (1, 2, 3, 4)
        ],
    }

    stages = pipeline_from_cube(cube)
    pipeline = {
        "labels": [str(row["stage"]) for row in stages],
        "amount": [float(row["amount"]) for row in stages],
        "weighted": [float(row["weighted"]) for row in stages],
        "urls": [
            link("opportunities:list", team=team.pk, stage=row["stage"].pk, status="open")
            for row in stages
        ],
    }
    by_quarter = forecast_by_quarter_from_cube(cube)
    forecast = {
        "labels": [row["label"] for row in by_quarter],
        "commit": [float(row["commit"]) for row in by_quarter],
        "best_case": [float(row["best_case"]) for row in by_quarter],
        "won": [float(row["won"]) for row in by_quarter],
        "urls": [
            link("opportunities:list", team=team.pk,
                 quarter=row["label"].replace(" ", "-"))
            for row in by_quarter
        ],
    }  # fmt: skip
    health_rows_ = health_rows(accounts.health)
    health = {
        "labels": [str(row["label"]) for row in health_rows_],
        "keys": [row["status"] for row in health_rows_],
        "values": [row["count"] for row in health_rows_],
        "urls": [
            link("accounts:list", team=team.pk, health=row["status"])
            if row["status"]
            else link("accounts:list", team=team.pk, health_checked="false")
            for row in health_rows_
        ],
    }
    tier_rows_ = tier_rows(accounts.tiers)
    tiers = {
        "labels": [str(row["label"]) for row in tier_rows_],
        "values": [row["count"] for row in tier_rows_],
        "urls": [
            link("accounts:list", team=team.pk, tier=row["tier"])
            if row["tier"]
            else link("accounts:list", team=team.pk, graded="false")
            for row in tier_rows_
        ],
    }
    concentration = accounts.concentration
    pareto = {
        "labels": [row["account"].name for row in concentration.rows],
        "revenue": [float(row["revenue"]) for row in concentration.rows],
        "cumulative": [float(row["cumulative_percent"]) for row in concentration.rows],
        "urls": [row["account"].get_absolute_url() for row in concentration.rows],
        "carrying": concentration.carrying_count,
        "account_count": concentration.account_count,
    }
    visits = {
        "labels": [row["week"].strftime("%m-%d") for row in weeks],
        "values": [row["count"] for row in weeks],
        "urls": [
            link("accounts:visit-list", who="all", logged_by=loggers,
                 occurred_after=row["week"].isoformat(),
                 occurred_before=(row["week"] + timedelta(days=6)).isoformat())
            for row in weeks
        ],
    }  # fmt: skip
    return {
        "attainment": {
            **quarters,
            "title": _("Attainment by quarter against target"),
            "names": {"actual": _("Actual"), "target": _("Target")},
        },
        "pipeline": {
            **pipeline,
            "title": _("Pipeline by stage"),
            "names": {"amount": _("Amount"), "weighted": _("Weighted")},
        },
        "forecast": {
            **forecast,
            "title": _("Forecast by quarter"),
            "names": {"commit": _("Commit"), "best_case": _("Best case"), "won": _("Won")},
        },
        "health": {**health, "title": _("Health distribution")},
        "tiers": {**tiers, "title": _("Tier distribution")},
        "pareto": {
            **pareto,
            "title": _("Revenue concentration"),
            "names": {"revenue": _("Annual revenue"), "cumulative": _("Cumulative share %")},
        },
        "visits": {**visits, "title": _("Visits per week"), "names": {"values": _("Visits")}},
    }
