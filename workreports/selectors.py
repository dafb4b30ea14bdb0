"""Reads of the reports: the rows behind a report's figures, whose reports a reader
sees on the team page, and the team page itself. Fixed numbers of queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Account, Visit
from accounts.service.models import Complaint
from kam.capabilities import may, roles_with
from kam.models import Team, User
from kam.scoping import leads_team
from opportunities.models import STAGE_MOVES, Opportunity
from workreports.drafts import Period, latest_period, period_of
from workreports.models import FIGURES, ReportKind, WorkReport, WorkReportComment


def figure_labels(kind: str) -> dict:
    """{figure: its label}, in the reader's language."""
    return {
        "visits": _("Visits logged"),
        "contacts_met": _("Contacts met"),
        "revisits_next": _("Revisits due next week")
        if kind == ReportKind.WEEK
        else _("Revisits due next month"),
        "opportunities_new": _("New opportunities"),
        "opportunities_advanced": _("Opportunities advanced"),
        "opportunities_won": _("Opportunities won"),
        "opportunities_lost": _("Opportunities lost"),
        "complaints_opened": _("Complaints opened"),
        "complaints_closed": _("Complaints closed"),
        "turned_red": _("Accounts turned red"),
    }


@dataclass
class Row:
    pk: int
    label: str
    url: str
    detail: str = ""


@dataclass
class FigureRows:
    key: str
    label: str
    count: int
    rows: list = field(default_factory=list)


def _day(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def report_figures(*, user, report: WorkReport) -> list[FigureRows]:
    """Each figure of ``report`` with the rows behind it, as ``user`` may see them (rows
    outside the reader's visibility are counted, not listed). At most 5 queries: the
    visits with their accounts and contacts (2), the opportunities, the complaints and
    the accounts that turned red."""
    labels = figure_labels(report.kind)
    visit_ids = set(report.ids("visits")) | set(report.ids("revisits_next"))
    visits = {
        visit.pk: visit
        for visit in Visit.objects.visible_to(user)
        .filter(pk__in=visit_ids)
        .select_related("account")
        .prefetch_related("contacts")
    }
    opportunity_ids = set().union(*(report.ids(f"opportunities_{m}") for m in STAGE_MOVES))
    opportunities = {
        opportunity.pk: opportunity
        for opportunity in Opportunity.objects.visible_to(user)
        .filter(pk__in=opportunity_ids)
        .select_related("account", "stage")
    }
    complaint_ids = set(report.ids("complaints_opened")) | set(report.ids("complaints_closed"))
    complaints = {
        complaint.pk: complaint
        for complaint in Complaint.objects.visible_to(user)
        .filter(pk__in=complaint_ids)
        .select_related("account")
    }
    accounts = {
        account.pk: account
        for account in Account.objects.visible_to(user).filter(pk__in=report.ids("turned_red"))
    }
    contacts = {}
    for pk in report.ids("visits"):
        for contact in visits[pk].contacts.all() if pk in visits else ():
            contacts[contact.pk] = (contact, visits[pk].account)

    def visit_row(visit):
        met = ", ".join(contact.name for contact in visit.contacts.all())
        detail = f"{visit.get_kind_display()} · {_day(visit.occurred_at)}"
        if met:
            detail += " · " + _("met %(contacts)s") % {"contacts": met}
        return Row(visit.pk, visit.account.name, visit.get_absolute_url(), detail)

    def revisit_row(visit):
        detail = _("planned for %(day)s") % {"day": _day(visit.next_visit_on)}
        return Row(visit.pk, visit.account.name, visit.get_absolute_url(), detail)

    def contact_row(pair):
        contact, account = pair
        return Row(contact.pk, contact.name, contact.get_absolute_url(),
                   " · ".join(part for part in (contact.title, account.name) if part))  # fmt: skip

    def opportunity_row(opportunity):
        detail = (
            f"{opportunity.account.name} · {opportunity.stage.local_name} · "
            f"{formats.number_format(opportunity.amount, 2, force_grouping=True)} "
            f"{opportunity.currency}"
        )
        return Row(opportunity.pk, opportunity.name, opportunity.get_absolute_url(), detail)

    def complaint_row(complaint):
        detail = f"{complaint.get_category_display()} · {_day(complaint.received_at)}"
        if complaint.closed_at:
            detail += " · " + _("closed %(day)s") % {"day": _day(complaint.closed_at)}
        return Row(complaint.pk, complaint.account.name, complaint.get_absolute_url(), detail)

    def account_row(account):
        health = account.get_health_status_display() if account.health_status else ""
        return Row(account.pk, account.name, account.get_absolute_url(), health)

    sources = {
        "visits": (visits, visit_row),
        "contacts_met": (contacts, contact_row),
        "revisits_next": (visits, revisit_row),
        **{f"opportunities_{m}": (opportunities, opportunity_row) for m in STAGE_MOVES},
        "complaints_opened": (complaints, complaint_row),
        "complaints_closed": (complaints, complaint_row),
        "turned_red": (accounts, account_row),
    }
    result = []
    for key in FIGURES:
        found, make = sources[key]
        ids = report.ids(key)
        rows = [make(found[pk]) for pk in ids if pk in found]
        result.append(FigureRows(key, labels[key], len(ids), rows))
    return result


# --- the team page -------------------------------------------------------------------------


def report_teams(user):
    """The teams whose reports ``user`` reads on the team page: the teams a supervisor
    leads, every team for "work_reports.all" (a lazy queryset; none without
    "work_reports.team")."""
    teams = Team.objects.visible_to(user).order_by("name", "pk")
    if not may(user, "work_reports.team"):
        return teams.none()
    if may(user, "work_reports.all"):
        return teams
    return teams.filter(supervisor=user)


def team_writers(user, team):
    """The team's members who write reports, as ``user`` sees them (a lazy queryset)."""
    return (
        User.objects.visible_to(user)
        .filter(team_memberships__team=team, role__in=roles_with("work_reports.write"))
        .order_by("full_name", "username")
    )


def period_from(params, today: date) -> Period:
    """?kind= (week or month) and ?period= (a day of the period, YYYY-MM-DD): the latest
    period whose draft is due by default, or on a wrong value."""
    kind = params.get("kind")
    kind = kind if kind in ReportKind.values else ReportKind.WEEK
    try:
        day = date.fromisoformat(params.get("period") or "")
    except ValueError:
        return latest_period(kind, today)
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        return latest_period(kind, today)
    return period_of(kind, day)


def counts(report: WorkReport, labels: dict) -> list:
    """[(figure, label, count)] of a report, in the order shown."""
    return [(key, labels[key], report.count(key)) for key in FIGURES]


@dataclass
class TeamEntry:
    kam: User
    report: WorkReport | None
    counts: list = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return self.report is not None and not self.report.is_draft


@dataclass
class TeamReports:
    teams: list
    team: Team | None
    period: Period
    entries: list
    may_comment: bool

    @property
    def not_submitted(self) -> list:
        return [entry.kam for entry in self.entries if not entry.submitted]

    @property
    def previous(self) -> Period:
        return period_of(self.period.kind, self.period.first - timedelta(days=1))

    @property
    def following(self) -> Period:
        return period_of(self.period.kind, self.period.next_first)


def team_reports(*, user, params, today: date) -> TeamReports:
    """The team page: the chosen team's writers, each with their report of the period
    (with its comments) or none. 4 queries whatever the size of the team: the teams, the
    members, the reports and their comments."""
    teams = list(report_teams(user))
    wanted = params.get("team", "")
    team = next((t for t in teams if str(t.pk) == wanted), teams[0] if teams else None)
    period = period_from(params, today)
    entries = []
    if team is not None:
        members = list(team_writers(user, team))
        comments = WorkReportComment.objects.select_related("author").order_by("created_at", "pk")
        reports = {
            report.kam_id: report
            for report in WorkReport.objects.visible_to(user)
            .filter(kam__in=[m.pk for m in members], kind=period.kind,
                    period_start=period.first)
            .prefetch_related(Prefetch("comments", queryset=comments))
        }  # fmt: skip
        labels = figure_labels(period.kind)
        entries = [
            TeamEntry(
                kam=member,
                report=reports.get(member.pk),
                counts=counts(reports[member.pk], labels) if member.pk in reports else [],
            )
            for member in members
        ]
    return TeamReports(
        teams=teams, team=team, period=period, entries=entries,
        may_comment=team is not None and may(user, "work_reports.review")
        and leads_team(user, team),
    )  # fmt: skip
