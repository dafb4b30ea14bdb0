"""The reports: each a page with filters, and the same rows exported to Excel and CSV.

A report is a title, its columns and one function that returns its rows for a user
and the filters; the page, the .xlsx and the .csv all call that one function, so they
carry the same rows and the same visibility. The rows come from the selectors of the
apps that own the data; the files are written by ``kam.exports``.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import VisitKind
from accounts.models import Account, Visit
from accounts.selectors import visit_activity
from accounts.service.models import Complaint, ComplaintCategory, ComplaintStatus, Severity
from accounts.tiering.models import ScoringRun, TierScore
from accounts.tiering.selectors import tier_movements
from kam.exports import DATE, DATETIME, MONEY, NUMBER, PERCENT, Column
from kam.models import Team, TeamMembership
from kam.queries import on_days
from opportunities.filtersets import filter_by_team, quarter_bounds
from opportunities.models import Opportunity
from opportunities.selectors import forecast_by_owner
from plans.selectors import attainment_by_account


@dataclass
class Filters:
    """What every report filters on: a year, a quarter of it (none: the whole year or,
    for the current year, the year to date) and a team."""

    year: int
    quarter: int | None
    team: Team | None
    today: date

    @property
    def start(self) -> date:
        if self.quarter:
            return quarter_bounds(f"{self.year}-Q{self.quarter}")[0]
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        if self.quarter:
            return quarter_bounds(f"{self.year}-Q{self.quarter}")[1]
        return date(self.year, 12, 31)

    def owners(self):
        """The ids of the team's members and supervisor (one query), or None for every team."""
        if self.team is None:
            return None
        members = TeamMembership.objects.filter(team=self.team).values_list("user_id", flat=True)
        return [*members, self.team.supervisor_id]


def _int(value, default, low, high):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


def report_teams(user):
    return Team.objects.visible_to(user).order_by("name", "pk")


def filters_from(params, user, today: date | None = None) -> Filters:
    today = today or timezone.localdate()
    team_id = _int(params.get("team"), None, 1, 2**31 - 1)
    team = report_teams(user).filter(pk=team_id).first() if team_id else None
    return Filters(
        year=_int(params.get("year"), today.year, 2000, 2100),
        quarter=_int(params.get("quarter"), None, 1, 4),
        team=team,
        today=today,
    )


class Report:
    key = ""
    title = ""
    description = ""
    columns: tuple = ()

    def rows(self, *, user, filters: Filters) -> list[dict]:
        raise NotImplementedError


class PlanActualReport(Report):
    key = "plan-actual"
    title = gettext_lazy("Plan vs actual")
    description = gettext_lazy(
        "Actual revenue against the plans' targets per account, for the quarter or the "
        "year to date, with the run-rate forecast."
    )
    columns = (
        Column("account", gettext_lazy("Account")),
        Column("owner", gettext_lazy("Owner")),
        Column("target", gettext_lazy("Target"), MONEY),
        Column("actual", gettext_lazy("Actual"), MONEY),
        Column("rate", gettext_lazy("Attainment %"), PERCENT),
        Column("gross_margin", gettext_lazy("Gross margin %"), PERCENT),
        Column("year_target", gettext_lazy("Year target"), MONEY),
        Column("forecast", gettext_lazy("Run-rate forecast"), MONEY),
    )

    def rows(self, *, user, filters):
        accounts = Account.objects.visible_to(user)
        owners = filters.owners()
        if owners is not None:
            accounts = accounts.filter(owner__in=owners)
        items = attainment_by_account(
            user=user, year=filters.year, quarter=filters.quarter, as_of=filters.today,
            accounts=accounts,
        )  # fmt: skip
        return [
            {
                "account": item.label,
                "owner": item.obj.owner.display_name,
                "target": item.target,
                "actual": item.actual,
                "rate": item.rate,
                "gross_margin": item.gross_margin,
                "year_target": item.year_target,
                "forecast": item.forecast,
                "_url": item.obj.get_absolute_url(),
            }
            for item in items
        ]


class PipelineReport(Report):
    key = "pipeline"
    title = gettext_lazy("Pipeline and forecast")
    description = gettext_lazy(
        "Open pipeline, weighted pipeline, commit (open, probability at least 75), best "
        "case (open, probability at least 50) and won per KAM, for deals expected to close "
        "in the period."
    )
    columns = (
        Column("owner", gettext_lazy("Key account manager")),
        Column("open_count", gettext_lazy("Open deals"), NUMBER),
        Column("pipeline", gettext_lazy("Pipeline"), MONEY),
        Column("weighted", gettext_lazy("Weighted"), MONEY),
        Column("commit", gettext_lazy("Commit"), MONEY),
        Column("best_case", gettext_lazy("Best case"), MONEY),
        Column("won", gettext_lazy("Won"), MONEY),
        Column("won_count", gettext_lazy("Deals won"), NUMBER),
    )

    def rows(self, *, user, filters):
        opportunities = Opportunity.objects.filter(
            expected_close_on__range=(filters.start, filters.end)
        )
        if filters.team is not None:
            opportunities = filter_by_team(opportunities, [filters.team])
        rows = forecast_by_owner(user=user, queryset=opportunities, today=filters.today)
        return [
            {
                "owner": row["owner"].display_name,
                **{column.key: row[column.key] for column in self.columns[1:]},
            }
            for row in rows
        ]


class ActivityReport(Report):
    key = "activity"
    title = gettext_lazy("Activity")
    description = gettext_lazy("Visits logged per week, KAM and type in the period.")
    columns = (
        Column("week", gettext_lazy("Week of"), DATE),
        Column("logged_by", gettext_lazy("Key account manager")),
        Column("kind", gettext_lazy("Type")),
        Column("count", gettext_lazy("Visits"), NUMBER),
    )

    def rows(self, *, user, filters):
        visits = (
            Visit.objects.visible_to(user)
            .active()
            .filter(on_days("occurred_at", filters.start, filters.end))
        )
        owners = filters.owners()
        if owners is not None:
            visits = visits.filter(logged_by__in=owners)
        kinds = dict(VisitKind.choices)
        return [
            {
                "week": row["week"],
                "logged_by": row["logged_by"].display_name,
                "kind": str(kinds.get(row["kind"], row["kind"])),
                "count": row["count"],
            }
            for row in visit_activity(visits)
        ]


class ComplaintSlaReport(Report):
    key = "complaint-sla"
    title = gettext_lazy("Complaint SLA")
    description = gettext_lazy(
        "Complaints received in the period: the first-response deadline, when the first "
        "response came and whether the commitment was breached."
    )
    columns = (
        Column("received_at", gettext_lazy("Received"), DATETIME),
        Column("account", gettext_lazy("Account")),
        Column("category", gettext_lazy("Category")),
        Column("severity", gettext_lazy("Severity")),
        Column("status", gettext_lazy("Status")),
        Column("response_due", gettext_lazy("Response due"), DATETIME),
        Column("hours", gettext_lazy("Hours to first response"), NUMBER),
        Column("breached", gettext_lazy("Breached")),
    )

    def rows(self, *, user, filters):
        complaints = Complaint.objects.visible_to(user).filter(
            on_days("received_at", filters.start, filters.end)
        )
        owners = filters.owners()
        if owners is not None:
            complaints = complaints.filter(account__owner__in=owners)
        breached_ids = set(complaints.breached_effectively().values_list("pk", flat=True))
        categories, severities = dict(ComplaintCategory.choices), dict(Severity.choices)
        statuses = dict(ComplaintStatus.choices)
        rows = []
        for complaint in complaints.select_related("account").order_by("received_at", "pk"):
            elapsed = complaint.time_to_first_response
            rows.append(
                {
                    "received_at": timezone.localtime(complaint.received_at),
                    "account": complaint.account.name,
                    "category": str(categories.get(complaint.category, complaint.category)),
                    "severity": str(severities.get(complaint.severity, complaint.severity)),
                    "status": str(statuses.get(complaint.status, complaint.status)),
                    "response_due": timezone.localtime(complaint.response_due),
                    "hours": None
                    if elapsed is None
                    else round(Decimal(elapsed.total_seconds()) / 3600, 1),
                    "breached": _("Yes") if complaint.pk in breached_ids else _("No"),
                    "_url": complaint.get_absolute_url(),
                }
            )
        return rows


class TierMovementReport(Report):
    key = "tier-movements"
    title = gettext_lazy("Tier movements")
    description = gettext_lazy(
        "Accounts whose computed tier changed between the last two scoring runs."
    )
    columns = (
        Column("account", gettext_lazy("Account")),
        Column("old", gettext_lazy("From tier")),
        Column("new", gettext_lazy("To tier")),
        Column("direction", gettext_lazy("Movement")),
    )

    def rows(self, *, user, filters):
        runs = list(ScoringRun.objects.filter(finished_at__isnull=False)[:2])
        if len(runs) < 2:
            return []
        scores = TierScore.objects.visible_to(user)
        owners = filters.owners()
        if owners is not None:
            scores = scores.filter(account__owner__in=owners)
        moved = tier_movements(scores, new_run=runs[0], old_run=runs[1])
        rows = []
        for direction, label in (("up", _("Up")), ("down", _("Down"))):
            for row in moved[direction]:
                rows.append(
                    {
                        "account": row["account"].name,
                        "old": row["old"],
                        "new": row["new"],
                        "direction": label,
                        "_url": row["account"].get_absolute_url(),
                    }
                )
        return rows


REPORTS = {
    report.key: report
    for report in (
        PlanActualReport(),
        PipelineReport(),
        ActivityReport(),
        ComplaintSlaReport(),
        TierMovementReport(),
    )
}
