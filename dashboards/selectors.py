"""What the dashboards show, composed from the selectors of the apps that own the data.

Nothing here decides a business rule: every figure comes from a selector of
accounts, plans or opportunities (which all start from ``visible_to``); this module
only picks the rows for a person or a team and says which list page, with which
filters, lies behind each number (the drill-down URL). Every function runs a fixed
number of queries whatever the number of KAMs, accounts or rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from accounts.health.selectors import health_counts_by_owner, health_distribution
from accounts.models import Account
from accounts.selectors import (
    accounts_past_cadence,
    overdue_revisits_by_owner,
    past_cadence_by_owner,
    revisits_due,
    visits_by_logger,
    visits_per_week,
)
from accounts.service.models import Complaint
from accounts.service.selectors import breached_complaints_by_owner, complaints_to_handle
from accounts.tiering.selectors import revenue_concentration, tier_distribution
from kam.choices import Role
from kam.models import Team, TeamMembership, User
from opportunities.filtersets import filter_by_team
from opportunities.models import Opportunity
from opportunities.selectors import (
    contracts_to_renew,
    forecast_by_owner,
    forecast_by_quarter,
    pipeline_by_stage,
)
from plans.selectors import (
    action_items_due,
    attainment_by_kam,
    quarter_of,
    team_attainment_by_quarter,
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


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


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
    if user.role in (Role.EXECUTIVE, Role.ADMIN):
        return teams
    if user.role == Role.SUPERVISOR:
        return teams.filter(supervisor=user)
    return teams.none()


# --- my day ------------------------------------------------------------------------------


def my_day(*, user, today: date | None = None) -> dict:
    """A KAM's day: what is due and overdue, their accounts, pipeline and attainment."""
    today = today or timezone.localdate()
    mine = Account.objects.visible_to(user).active().filter(owner=user)
    my_opportunities = Opportunity.objects.filter(owner=user)
    quarter = quarter_of(today.month)
    this_quarter = f"{today.year} Q{quarter}"
    forecast = next(
        (
            row
            for row in forecast_by_quarter(user=user, queryset=my_opportunities, today=today)
            if row["label"] == this_quarter
        ),
        None,
    )
    attainment = next(
        (
            row
            for row in attainment_by_kam(user=user, year=today.year, as_of=today)
            if row.key == user.pk
        ),
        None,
    )
    stages = pipeline_by_stage(user=user, queryset=my_opportunities)
    for row in stages:
        row["url"] = link("opportunities:list", owner=user.pk, stage=row["stage"].pk, status="open")
    health = health_distribution(mine)
    for row in health:
        filters = {"health": row["status"]} if row["status"] else {"health_checked": "false"}
        row["url"] = link("accounts:list", owner=user.pk, **filters)
    tiers = tier_distribution(mine)
    for row in tiers:
        filters = {"tier": row["tier"]} if row["tier"] else {"graded": "false"}
        row["url"] = link("accounts:list", owner=user.pk, **filters)
    return {
        "today": today,
        "revisits": list(revisits_due(user=user, day=today)),
        "past_cadence": list(accounts_past_cadence(mine, today=today).select_related("owner")),
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
    the URL of the filtered list behind it."""
    today = period.today
    members = list(
        User.objects.filter(
            pk__in=TeamMembership.objects.filter(team=team).values("user_id")
        ).order_by("full_name", "username")
    )
    member_ids = [member.pk for member in members]
    owners = [*member_ids, team.supervisor_id]
    visible = Account.objects.visible_to(user)
    team_accounts = visible.filter(owner__in=owners)
    opportunities = filter_by_team(Opportunity.objects.all(), [team])
    since = today - timedelta(days=ACTIVITY_DAYS)

    health = health_counts_by_owner(visible.filter(owner__in=member_ids))
    visits = visits_by_logger(user=user, loggers=member_ids, since=_day_start(since))
    overdue = overdue_revisits_by_owner(user=user, owners=member_ids, day=today)
    cadence = past_cadence_by_owner(visible.filter(owner__in=member_ids), today=today)
    weighted = {
        row["owner"].pk: row["weighted"]
        for row in forecast_by_owner(user=user, queryset=opportunities, today=today)
    }
    attainment = attainment_by_kam(
        user=user, year=period.year, quarter=period.quarter, as_of=today, team=team
    )
    quarter_rates = {row.key: row.rate for row in attainment}
    ytd_rates = {row.key: row.ytd_rate for row in attainment}
    breached = breached_complaints_by_owner(Complaint.objects.visible_to(user))

    rows = []
    for member in members:
        pk = member.pk
        rows.append(
            KamRow(
                user=member,
                accounts=health.get(pk, {}).get("accounts", 0),
                visits=visits.get(pk, 0),
                overdue_revisits=overdue.get(pk, 0),
                past_cadence=cadence.get(pk, 0),
                red=health.get(pk, {}).get("red", 0),
                weighted=weighted.get(pk, ZERO),
                quarter_rate=quarter_rates.get(pk),
                ytd_rate=ytd_rates.get(pk),
                breached=breached.get(pk, 0),
                links={
                    "accounts": link("accounts:list", owner=pk),
                    "visits": link("accounts:visit-list", who="all", logged_by=pk,
                                   occurred_after=since.isoformat()),
                    "overdue_revisits": link("accounts:visit-list", who="all",
                                             follow_up="overdue", next_visit_owner=pk),
                    "past_cadence": link("accounts:list", owner=pk, past_cadence="true"),
                    "red": link("accounts:list", owner=pk, health="red"),
                    "weighted": link("opportunities:list", owner=pk, status="open"),
                    "quarter_rate": link("plans:attainment", year=period.year,
                                         quarter=period.quarter, kam=pk),
                    "ytd_rate": link("plans:attainment", year=period.year, kam=pk),
                    "breached": link("accounts:complaint-list", sla="breached", account_owner=pk),
                },
            )
        )  # fmt: skip

    return {
        "rows": rows,
        "charts": team_charts(
            user=user, team=team, period=period, accounts=team_accounts,
            opportunities=opportunities, loggers=owners,
        ),
    }  # fmt: skip


def team_charts(*, user, team, period, accounts, opportunities, loggers) -> dict:
    """The chart data of the team dashboard: labels, values and a drill-down URL per
    segment; the labels are translated here, on the server."""
    from django.utils.translation import gettext as _

    today = period.today
    # attainment by quarter against target (the team's quota, else its plans' targets)
    by_quarter = team_attainment_by_quarter(user=user, team=team, year=period.year, as_of=today)
    quarters = {
        "labels": [f"Q{quarter}" for quarter in (1, 2, 3, 4)],
        "actual": [float(value) for value in by_quarter["actual"]],
        "target": [float(value) for value in by_quarter["target"]],
        "urls": [
            link("plans:attainment", year=period.year, quarter=quarter) for quarter in (1, 2, 3, 4)
        ],
    }

    stages = pipeline_by_stage(user=user, queryset=opportunities)
    pipeline = {
        "labels": [row["stage"].name for row in stages],
        "amount": [float(row["amount"]) for row in stages],
        "weighted": [float(row["weighted"]) for row in stages],
        "urls": [
            link("opportunities:list", team=team.pk, stage=row["stage"].pk, status="open")
            for row in stages
        ],
    }
    by_quarter = forecast_by_quarter(user=user, queryset=opportunities, today=today)
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
    health_rows = health_distribution(accounts)
    health = {
        "labels": [str(row["label"]) for row in health_rows],
        "keys": [row["status"] for row in health_rows],
        "values": [row["count"] for row in health_rows],
        "urls": [
            link("accounts:list", team=team.pk, health=row["status"])
            if row["status"]
            else link("accounts:list", team=team.pk, health_checked="false")
            for row in health_rows
        ],
    }
    tier_rows = tier_distribution(accounts)
    tiers = {
        "labels": [str(row["label"]) for row in tier_rows],
        "values": [row["count"] for row in tier_rows],
        "urls": [
            link("accounts:list", team=team.pk, tier=row["tier"])
            if row["tier"]
            else link("accounts:list", team=team.pk, graded="false")
            for row in tier_rows
        ],
    }
    concentration = revenue_concentration(accounts, limit=CONCENTRATION_ROWS)
    pareto = {
        "labels": [row["account"].name for row in concentration.rows],
        "revenue": [float(row["revenue"]) for row in concentration.rows],
        "cumulative": [float(row["cumulative_percent"]) for row in concentration.rows],
        "urls": [row["account"].get_absolute_url() for row in concentration.rows],
        "carrying": concentration.carrying_count,
        "account_count": concentration.account_count,
    }
    first = today - timedelta(weeks=VISIT_WEEKS - 1)
    weeks = visits_per_week(user=user, loggers=loggers, since=first)
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
