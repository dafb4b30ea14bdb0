"""Drafting the reports: the figures of every KAM's period, set-based.

A fixed number of statements whatever the number of KAMs: the KAMs, then one grouped
query per source, each reading the one definition of the app that owns the figure —

- visits logged and who was met: the KAM's live visits (``VisitQuerySet.active``) that
  took place in the period (``kam.queries.on_days``), and their contacts;
- revisits due in the next period: the open planned revisits
  (``VisitQuerySet.open_follow_ups``) the KAM owns (``Visit.next_visit_owner``, the
  revisit owner as My day and the reminders read it), planned in the next period;
- pipeline moves: the stage changes of the KAM's opportunities in the period, by kind of
  move (``opportunities.models.stage_move_q``: new, advanced, won, lost);
- complaints opened (received in the period) and closed (closed in the period) on the
  KAM's accounts, as the scorecard counts a KAM's complaints;
- accounts that turned red in the period (``HealthChangeQuerySet.turned_red``, the
  health check's history), by their owner;
- attainment to date: the year to date at the period's end, or today while it runs
  (``plans.selectors.attainment_of_owners``, the definition My day and the attainment
  page read per KAM);

then one INSERT … ON CONFLICT DO NOTHING for the drafts and one for the notifications
of those it created. The figures are unscoped (the KAM's own rows): the pages that list
the rows behind them read them through the reader's visibility.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.health.models import HealthChange
from accounts.models import Visit
from accounts.service.models import Complaint
from kam.capabilities import roles_with
from kam.choices import NotificationKind
from kam.models import User
from kam.queries import on_days
from messaging.notifications import notify_each
from opportunities.models import STAGE_MOVES, OpportunityStageChange, stage_move_q
from plans.selectors import attainment_of_owners
from workreports.models import FIGURES, ReportKind, ReportStatus, WorkReport, period_label


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    @property
    def next_first(self) -> date:
        return self.last + timedelta(days=1)

    @property
    def next_last(self) -> date:
        return period_of(self.kind, self.next_first).last


def period_of(kind: str, day: date) -> Period:
    """The period of ``kind`` containing ``day``: its week, Monday to Sunday, or its
    calendar month."""
    if kind == ReportKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    first = day.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return Period(kind, first, following - timedelta(days=1))


def due_period(kind: str, today: date) -> Period | None:
    """The period whose draft is due ``today``: the week on its Friday (or any later day
    of it), the month on its last day; None for a month on another day."""
    period = period_of(kind, today)
    if kind == ReportKind.MONTH and today != period.last:
        return None
    return period


def latest_period(kind: str, today: date) -> Period:
    """The latest period whose draft day has come: this week from its Friday on (the last
    one before), this month on its last day (the last one before)."""
    if kind == ReportKind.WEEK:
        period = period_of(kind, today)
        return period if today.weekday() >= 4 else period_of(kind, today - timedelta(days=7))
    period = period_of(kind, today)
    return period if today == period.last else period_of(kind, period.first - timedelta(days=1))


def writers():
    """The people who receive reports: the active holders of "work_reports.write"."""
    return User.objects.filter(is_active=True, role__in=roles_with("work_reports.write"))


def _ids(rows, key, **figures) -> dict:
    """{person id: {figure: sorted distinct ids}} from grouped rows of id arrays."""
    out: dict = {}
    for row in rows:
        mine = out.setdefault(row[key], {})
        for figure, column in figures.items():
            mine[figure] = sorted({pk for pk in row[column] or () if pk is not None})
    return out


def figures_for(kam_ids, period: Period, *, today: date | None = None) -> dict:
    """{KAM id: figures} of the period for the KAMs ``kam_ids`` (a list or a subquery):
    8 queries whatever their number."""
    today = today or timezone.localdate()
    days = {"first": period.first, "last": period.last}
    visits = (
        Visit.objects.active()
        .filter(logged_by__in=kam_ids)
        .filter(on_days("occurred_at", **days))
        .values("logged_by_id")
        .annotate(
            visit_ids=ArrayAgg("pk", distinct=True),
            contact_ids=ArrayAgg("contacts", distinct=True),
        )
        .order_by()
    )
    revisits = (
        Visit.objects.open_follow_ups()
        .filter(next_visit_owner__in=kam_ids)
        .filter(next_visit_on__gte=period.next_first, next_visit_on__lte=period.next_last)
        .values("next_visit_owner_id")
        .annotate(revisit_ids=ArrayAgg("pk", distinct=True))
        .order_by()
    )
    moves = (
        OpportunityStageChange.objects.filter(opportunity__owner__in=kam_ids)
        .filter(on_days("changed_at", **days))
        .values("opportunity__owner_id")
        .annotate(
            **{
                move: ArrayAgg("opportunity", distinct=True, filter=stage_move_q(move))
                for move in STAGE_MOVES
            }
        )
        .order_by()
    )
    opened, closed = on_days("received_at", **days), on_days("closed_at", **days)
    complaints = (
        Complaint.objects.filter(account__owner__in=kam_ids)
        .filter(opened | closed)
        .values("account__owner_id")
        .annotate(
            opened=ArrayAgg("pk", distinct=True, filter=opened),
            closed=ArrayAgg("pk", distinct=True, filter=closed),
        )
        .order_by()
    )
    red = (
        HealthChange.objects.turned_red()
        .filter(account__owner__in=kam_ids)
        .filter(on_days("changed_at", **days))
        .values("account__owner_id")
        .annotate(account_ids=ArrayAgg("account_id", distinct=True))
        .order_by()
    )
    as_of = min(today, period.last)
    attainment = attainment_of_owners(owners=kam_ids, year=as_of.year, as_of=as_of)

    found = {}
    for part in (
        _ids(visits, "logged_by_id", visits="visit_ids", contacts_met="contact_ids"),
        _ids(revisits, "next_visit_owner_id", revisits_next="revisit_ids"),
        _ids(moves, "opportunity__owner_id",
             **{f"opportunities_{move}": move for move in STAGE_MOVES}),
        _ids(complaints, "account__owner_id", complaints_opened="opened",
             complaints_closed="closed"),
        _ids(red, "account__owner_id", turned_red="account_ids"),
    ):  # fmt: skip
        for kam_id, figures in part.items():
            found.setdefault(kam_id, {}).update(figures)
    result = {}
    for kam_id in found.keys() | attainment.keys():
        figures = {figure: found.get(kam_id, {}).get(figure, []) for figure in FIGURES}
        figures["attainment"] = _attainment(attainment.get(kam_id), as_of)
        result[kam_id] = figures
    return result


def empty_figures(period: Period, *, today: date | None = None) -> dict:
    as_of = min(today or timezone.localdate(), period.last)
    return {**{figure: [] for figure in FIGURES}, "attainment": _attainment(None, as_of)}


def _attainment(item, as_of: date) -> dict:
    """Year-to-date attainment as stored: the rate (%), the actual and the target, as
    strings (None without a target); and the day it was read at."""
    if item is None:
        return {"rate": None, "actual": None, "target": None, "as_of": as_of.isoformat()}
    target = item.target
    rate = item.rate
    return {
        "rate": None if rate is None else str(rate),
        "actual": str(item.actual),
        "target": str(target),
        "as_of": as_of.isoformat(),
    }


_INSERT = """
INSERT INTO {table} (kam_id, kind, period_start, period_end, status, figures, figures_at,
                     highlights, risks, help_needed, created_at, updated_at)
SELECT d.kam_id, %(kind)s, %(first)s, %(last)s, %(draft)s, d.figures, %(now)s,
       '', '', '', %(now)s, %(now)s
FROM jsonb_to_recordset(%(drafts)s::jsonb) AS d(kam_id bigint, figures jsonb)
ON CONFLICT (kam_id, kind, period_start) DO NOTHING
RETURNING id, kam_id
"""


@transaction.atomic
def work_reports_draft(*, kind: str, today: date | None = None, force: bool = False) -> int:
    """Draft the period's report of every KAM that has none yet; notify each KAM whose
    draft was created. The period: the one due ``today`` (``due_period``); nothing on a
    day no draft is due unless ``force`` (the latest period then). Idempotent per KAM and
    period: a report that exists is left as it is (its text, its figures, its status).
    Returns the number of drafts created. 11 statements with drafts to create, 9 or 10
    without, whatever the number of KAMs."""
    today = today or timezone.localdate()
    period = due_period(kind, today) or (latest_period(kind, today) if force else None)
    if period is None:
        return 0
    kams = {user.pk: user for user in writers()}
    if not kams:
        return 0
    figures = figures_for(list(kams), period, today=today)
    empty = empty_figures(period, today=today)
    drafts = [{"kam_id": pk, "figures": figures.get(pk, empty)} for pk in kams]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(table=connection.ops.quote_name(WorkReport._meta.db_table)),
            {"kind": kind, "first": period.first, "last": period.last,
             "draft": ReportStatus.DRAFT, "drafts": json.dumps(drafts), "now": now},
        )  # fmt: skip
        created = cursor.fetchall()
    if created:
        notify_drafted([(report_id, kams[kam_id]) for report_id, kam_id in created], kind, period)
    return len(created)


def notify_drafted(created, kind: str, period: Period) -> None:
    """One notification per created draft, to its KAM, with its link (one statement)."""
    label = period_label(kind, period.first, period.last)
    notify_each(
        kind=NotificationKind.WORK_REPORT_DRAFTED,
        notes=[
            (kam, reverse("workreports:detail", args=[report_id]),
             {"report": kind, "period": label})
            for report_id, kam in created
        ],
    )  # fmt: skip


def work_report_figures(report: WorkReport, *, today: date | None = None) -> dict:
    """A report's figures built again from the data (one KAM: 8 queries)."""
    period = Period(report.kind, report.period_start, report.period_end)
    return figures_for([report.kam_id], period, today=today).get(report.kam_id) or empty_figures(
        period, today=today
    )
