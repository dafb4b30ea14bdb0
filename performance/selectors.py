"""The KAM scorecard and the incentive preview, read from the apps that own the rows.

Nothing here defines a figure: each measure reads the one definition of its app —
attainment and gross margin ``plans.selectors.Attainment`` (through ``team_attainment``,
the team dashboard's, or ``attainment_by_kam``), the collection rate
``plans.selectors.collection_rate`` over ``ActualQuerySet.collections_by``, receivables
overdue ``collections_by_account`` (``Collections.total``), the visit cadence
``AccountQuerySet.with_cadence_due``, the first-response rule
``answered_in_time_q``/``breached_effectively_q`` (accounts.service.models), the Net
Promoter Score ``net_promoter_score``. This module picks the rows for a period and a set
of KAMs, scores them against the targets admins set, and says which rows lie behind
each figure (the drill-down). A fixed number of queries whatever the number of KAMs.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Visit
from accounts.service.models import (
    Complaint,
    Survey,
    answered_in_time_q,
    breached_effectively_q,
)
from accounts.service.selectors import net_promoter_score
from accounts.tiering.models import Tier
from kam.capabilities import may
from kam.models import Team, TeamMembership, User
from kam.queries import day_start, on_days
from performance.models import IN_MONEY, LOWER_IS_BETTER, Measure, ScorecardMeasure
from plans.choices import PlanEvent
from plans.models import AccountPlan, Actual
from plans.selectors import (
    attainment_by_kam,
    collection_rate,
    collections_by_account,
    period_months,
    quarter_of,
    team_attainment,
)

ZERO, HUNDRED = Decimal("0"), Decimal("100")
TENTH = Decimal("0.1")
#: a plan is approved on time when its first approval comes by the end of this month
#: of the plan's year
PLAN_APPROVAL_MONTH = 1


def _pct(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


# --- the period --------------------------------------------------------------------------


@dataclass
class Period:
    """A quarter of a year, or the whole year (``quarter`` None)."""

    year: int
    quarter: int | None
    today: date

    @property
    def first(self) -> date:
        return date(self.year, (self.quarter - 1) * 3 + 1 if self.quarter else 1, 1)

    @property
    def last(self) -> date:
        month = self.quarter * 3 if self.quarter else 12
        following = date(self.year + (month == 12), month % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def months(self) -> tuple:
        """The months its money figures count (``plans.selectors.period_months``)."""
        return period_months(self.year, self.quarter, self.today)

    @property
    def until(self) -> date:
        """The day its point-in-time figures are read at: today in a current or future
        period, the last day of a past one."""
        return min(self.today, self.last)

    @property
    def reported(self) -> tuple:
        """(year, month) of the latest actuals its receivables read."""
        return (self.until.year, self.until.month)

    @property
    def is_past(self) -> bool:
        return self.last < self.today

    @property
    def quarters(self) -> int:
        return 1 if self.quarter else 4

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)

    def query(self, **extra) -> str:
        params = {"year": self.year, "quarter": self.quarter or "", **extra}
        return urlencode(params)


def period_from(params, today: date | None = None) -> Period:
    """Read ?year= and ?quarter= (1–4, empty for the whole year); the current quarter
    by default. The pages fall back to the default on a wrong value; the API checks
    with ``period_errors`` first."""
    today = today or timezone.localdate()
    try:
        year = int(params.get("year", ""))
    except (TypeError, ValueError):
        year = today.year
    if not 2000 <= year <= 2100:
        year = today.year
    raw = params.get("quarter")
    if raw is None:
        quarter = quarter_of(today.month) if year == today.year else None
    else:
        try:
            quarter = int(raw) if raw != "" else None
        except (TypeError, ValueError):
            quarter = quarter_of(today.month)
        if quarter is not None and not 1 <= quarter <= 4:
            quarter = quarter_of(today.month)
    return Period(year=year, quarter=quarter, today=today)


def period_errors(params) -> dict:
    """Field errors of ?year= and ?quarter= (the API answers them with a 400)."""
    errors = {}
    year = params.get("year")
    if year not in (None, "") and not (
        year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100
    ):
        errors["year"] = [_("Enter a year from 2000 to 2100.")]
    quarter = params.get("quarter")
    if quarter not in (None, "") and quarter not in ("1", "2", "3", "4"):
        errors["quarter"] = [_("Enter a quarter from 1 to 4, or nothing for the whole year.")]
    return errors


# --- whose scorecards ----------------------------------------------------------------------


def scorecard_teams(user):
    """The teams whose KAMs a user compares: the teams a supervisor leads, every team
    for executives and admins, none for KAMs (a lazy queryset)."""
    teams = Team.objects.visible_to(user).order_by("name", "pk")
    if not may(user, "scorecard.team"):
        return teams.none()
    if may(user, "scorecard.all"):
        return teams
    return teams.filter(supervisor=user)


def scorecard_kams(user):
    """The people whose scorecard ``user`` may read, within what ``kam.scoping`` lets
    them see: their own (a KAM); the members of the teams they lead (a supervisor);
    every team member (executives and admins). A lazy queryset."""
    people = User.objects.visible_to(user)
    if may(user, "scorecard.all"):
        return people.filter(pk__in=TeamMembership.objects.values("user_id"))
    if may(user, "scorecard.team"):
        led = TeamMembership.objects.filter(team__in=scorecard_teams(user))
        return people.filter(pk__in=led.values("user_id"))
    return people.filter(pk=user.pk)


# --- scoring -----------------------------------------------------------------------------


def score(key, value, target) -> Decimal | None:
    """A measure's score from 0 to 100: value ÷ target, at most 100 (a measure where
    less is better: full at or under the target, target ÷ value above it). None without
    a value (the measure does not count that period)."""
    if value is None:
        return None
    value, target = Decimal(value), Decimal(target)
    if key in LOWER_IS_BETTER:
        if value <= target:
            return HUNDRED
        ratio = ZERO if target <= 0 else target * 100 / value
    elif target <= 0:
        return HUNDRED if value >= target else ZERO
    else:
        ratio = value * 100 / target
    return max(ZERO, min(HUNDRED, ratio)).quantize(TENTH, ROUND_HALF_UP)


def weighted_total(figures) -> Decimal | None:
    """Σ score × weight ÷ Σ weight over the figures that have a score."""
    counted = [figure for figure in figures if figure.score is not None and figure.weight]
    weights = sum(figure.weight for figure in counted)
    if not weights:
        return None
    total = sum(figure.score * figure.weight for figure in counted) / weights
    return total.quantize(TENTH, ROUND_HALF_UP)


@dataclass
class Figure:
    key: str
    label: str
    value: Decimal | int | None
    target: Decimal
    weight: int
    score: Decimal | None
    url: str
    basis: str = ""  # the counts behind a rate, in words ("3 of 4")

    @property
    def unit(self) -> str:
        if self.key in IN_MONEY:
            return "money"
        return "number" if self.key == Measure.NPS else "percent"


@dataclass
class Scorecard:
    kam: User
    figures: list = field(default_factory=list)
    total: Decimal | None = None
    rank: int | None = None
    attainment: object = None  # plans.selectors.Attainment, or None
    collection_rate: Decimal | None = None

    def figure(self, key):
        return next((figure for figure in self.figures if figure.key == key), None)

    @property
    def attainment_rate(self):
        return self.attainment.rate if self.attainment else None


def measures():
    """The active measures with their targets and weights, in the fixed order (1 query)."""
    order = {key: index for index, key in enumerate(Measure.values)}
    rows = ScorecardMeasure.objects.filter(active=True)
    return sorted(rows, key=lambda measure: order.get(measure.key, 99))


def kam_url(kam_id, period, measure=None) -> str:
    extra = {"measure": measure} if measure else {}
    return f"{reverse('performance:kam', args=[kam_id])}?{period.query(**extra)}"


def _plan_due(year):
    month = PLAN_APPROVAL_MONTH
    return day_start(date(year + (month == 12), month % 12 + 1, 1))


def scorecards(*, user, kams, period: Period, team=None, configured=None) -> list[Scorecard]:
    """The scorecards of ``kams`` (users the caller may read, ``scorecard_kams``) for
    ``period``, ranked among them when ``team`` is given (their team). 9 queries with the
    measures, 8 when ``configured`` measures are passed, whatever the number of KAMs:
    attainment (3 with a team, as the team dashboard reads it; 4 without), actuals,
    receivables, accounts, complaints, surveys, plans and executive meetings."""
    kams = list(kams)
    ids = [kam.pk for kam in kams]
    configured = measures() if configured is None else configured
    if not kams:
        return []
    if team is not None:
        attainment, _quarters = team_attainment(
            user=user, team=team, members=kams, year=period.year, quarter=period.quarter,
            as_of=period.today,
        )  # fmt: skip
    else:
        rows = attainment_by_kam(
            user=user, year=period.year, quarter=period.quarter, as_of=period.today,
            kam=ids[0] if len(ids) == 1 else None,
        )  # fmt: skip
        attainment = {row.key: row for row in rows if row.key in set(ids)}

    visible = Account.objects.visible_to(user).filter(owner__in=ids)
    collected = {
        row["account__owner_id"]: row
        for row in Actual.objects.filter(
            account__in=visible.values("pk"), year=period.year, month__in=period.months
        ).collections_by("account__owner_id")
    }
    receivables = collections_by_account(accounts=visible, until=period.reported)
    accounts = _accounts(visible, period)
    owner_of = {row["pk"]: row["owner_id"] for row in accounts}
    per = {pk: {"accounts": 0, "past": 0, "a_accounts": 0, "overdue": ZERO} for pk in ids}
    for row in accounts:
        if row["archived_at"] is not None:
            continue
        mine = per[row["owner_id"]]
        mine["accounts"] += 1
        mine["past"] += row["past_cadence"]
        mine["a_accounts"] += row["tier"] == Tier.A
    for account_id, collections in receivables.items():
        per[owner_of[account_id]]["overdue"] += collections.total
    has_actuals = {owner_of[account_id] for account_id in receivables}

    now = timezone.now()
    complaints = {
        row["account__owner_id"]: row
        for row in Complaint.objects.visible_to(user)
        .filter(account__owner__in=ids)
        .filter(on_days("received_at", period.first, period.last))
        .values("account__owner_id")
        .annotate(
            kept=Count("pk", filter=answered_in_time_q()),
            missed=Count("pk", filter=breached_effectively_q(now)),
        )
        .order_by()
    }
    surveys = {
        row["account__owner_id"]: row
        for row in _surveys(user, ids, period)
        .values("account__owner_id")
        .annotate(
            total=Count("pk"),
            promoters=Count("pk", filter=Q(nps__gte=Survey.PROMOTER_FROM)),
            detractors=Count("pk", filter=Q(nps__lte=Survey.DETRACTOR_UP_TO)),
        )
        .order_by()
    }
    plans = {}
    due = _plan_due(period.year)
    for row in _plans(user, ids, period).values("account__owner_id", "first_approved"):
        mine = plans.setdefault(row["account__owner_id"], {"total": 0, "on_time": 0})
        mine["total"] += 1
        mine["on_time"] += row["first_approved"] is not None and row["first_approved"] < due
    meetings = {
        row["account__owner_id"]: row["met"]
        for row in _executive_meetings(user, ids, period)
        .values("account__owner_id")
        .annotate(met=Count("account", distinct=True))
        .order_by()
    }

    cards = []
    for kam in kams:
        pk = kam.pk
        mine = per[pk]
        found = attainment.get(pk)
        money = collected.get(pk, {})
        rate = collection_rate(money.get("collected"), money.get("invoiced"))
        complaint = complaints.get(pk, {"kept": 0, "missed": 0})
        survey = surveys.get(pk)
        plan = plans.get(pk, {"total": 0, "on_time": 0})
        decided = complaint["kept"] + complaint["missed"]
        values = {
            Measure.ATTAINMENT: (found.rate if found else None, ""),
            Measure.GROSS_MARGIN: (found.gross_margin if found else None, ""),
            Measure.COLLECTION_RATE: (rate, ""),
            Measure.RECEIVABLES_OVERDUE: (mine["overdue"] if pk in has_actuals else None, ""),
            Measure.CADENCE: (
                _pct(mine["accounts"] - mine["past"], mine["accounts"]),
                _("%(kept)s of %(total)s accounts")
                % {"kept": mine["accounts"] - mine["past"], "total": mine["accounts"]},
            ),
            Measure.COMPLAINT_RESPONSE: (
                _pct(complaint["kept"], decided),
                _("%(kept)s of %(total)s complaints")
                % {"kept": complaint["kept"], "total": decided},
            ),
            Measure.NPS: (
                net_promoter_score(survey["promoters"], survey["detractors"], survey["total"])
                if survey else None,
                _("%(count)s answers") % {"count": survey["total"] if survey else 0},
            ),
            Measure.PLAN_ON_TIME: (
                _pct(plan["on_time"], plan["total"]),
                _("%(kept)s of %(total)s plans")
                % {"kept": plan["on_time"], "total": plan["total"]},
            ),
            Measure.EXECUTIVE_MEETINGS: (
                _pct(meetings.get(pk, 0), mine["a_accounts"]),
                _("%(kept)s of %(total)s A accounts")
                % {"kept": meetings.get(pk, 0), "total": mine["a_accounts"]},
            ),
        }  # fmt: skip
        figures = []
        for measure in configured:
            value, basis = values[measure.key]
            url = (
                f"{reverse('plans:attainment')}?"
                + urlencode({"year": period.year, "quarter": period.quarter or "", "kam": pk})
                if measure.key == Measure.ATTAINMENT
                else kam_url(pk, period, measure.key)
            )
            figures.append(
                Figure(
                    key=measure.key, label=str(Measure(measure.key).label), value=value,
                    target=measure.target, weight=measure.weight,
                    score=score(measure.key, value, measure.target), url=url, basis=basis,
                )
            )  # fmt: skip
        cards.append(
            Scorecard(kam=kam, figures=figures, total=weighted_total(figures),
                      attainment=found, collection_rate=rate)
        )  # fmt: skip
    if team is not None:
        rank(cards)
    return cards


def rank(cards) -> None:
    """Rank by total, highest first; equal totals share a rank (1, 1, 3); no total, no
    rank."""
    totals = sorted((card.total for card in cards if card.total is not None), reverse=True)
    for card in cards:
        card.rank = None if card.total is None else totals.index(card.total) + 1


def rank_in_team(*, reader, kam, period, configured) -> tuple:
    """(rank, team, team size) of ``kam`` in their first team (by name): the team's
    scorecards as the reader reads them when the reader compares that team, else as the
    team's supervisor does (the KAM learns their place, not their colleagues' figures).
    9 queries; (None, None, 0) outside any team."""
    team = (
        Team.objects.filter(memberships__user=kam)
        .select_related("supervisor")
        .order_by("name", "pk")
        .first()
    )
    if team is None:
        return None, None, 0
    judge = reader if scorecard_teams(reader).filter(pk=team.pk).exists() else team.supervisor
    members = list(
        User.objects.filter(team_memberships__team=team).order_by("full_name", "username")
    )
    cards = scorecards(user=judge, kams=members, period=period, team=team, configured=configured)
    mine = next((card for card in cards if card.kam.pk == kam.pk), None)
    return (mine.rank if mine else None), team, len(cards)


# --- the rows behind each figure -----------------------------------------------------------


def _accounts(visible, period):
    """The KAMs' accounts with the cadence rule at the period's day (archived ones too,
    for their receivables): one query."""
    as_of = None if not period.is_past else day_start(period.until + timedelta(days=1))
    return list(
        visible.with_cadence_due(today=period.until, as_of=as_of)
        .values("pk", "name", "owner_id", "archived_at", "tier", "past_cadence",
                "cadence_due_on", "last_visit_at")
        .order_by()
    )  # fmt: skip


def _surveys(user, ids, period):
    return Survey.objects.visible_to(user).filter(
        account__owner__in=ids, taken_on__gte=period.first, taken_on__lte=period.last,
        nps__isnull=False,
    )  # fmt: skip


def _plans(user, ids, period):
    return (
        AccountPlan.objects.visible_to(user)
        .filter(account__owner__in=ids, account__archived_at__isnull=True, year=period.year)
        .annotate(
            first_approved=Min(
                "transitions__created_at", filter=Q(transitions__event=PlanEvent.APPROVED)
            )
        )
    )


def _executive_meetings(user, ids, period):
    """The executive meetings of the period on the KAMs' tier-A accounts: the one
    definition (``VisitQuerySet.executive_meetings``: with the account's executive
    sponsor taking part), as the team dashboard and the tier service policy count them."""
    return (
        Visit.objects.visible_to(user)
        .executive_meetings(first=period.first, last=period.last)
        .filter(
            account__owner__in=ids, account__tier=Tier.A, account__archived_at__isnull=True,
        )
    )  # fmt: skip


@dataclass
class DrillDown:
    columns: list  # kam.exports.Column
    rows: list  # dicts, each with "_url"


def drill_down(*, user, kam, period: Period, key: str) -> DrillDown | None:
    """The rows behind one figure of ``kam``'s scorecard (the caller has checked the
    KAM is readable): one or two queries. None for a measure without rows here
    (attainment: its figure links to the attainment page)."""
    from kam.exports import DATE, DATETIME, MONEY, NUMBER, TEXT, Column

    ids = [kam.pk]
    visible = Account.objects.visible_to(user).filter(owner=kam)
    account = Column("account", _("Account"), TEXT)
    if key in (Measure.GROSS_MARGIN, Measure.COLLECTION_RATE):
        rows = (
            Actual.objects.filter(account__in=visible.values("pk"), year=period.year,
                                  month__in=period.months)
            .select_related("account").order_by("account__name", "month")
        )  # fmt: skip
        columns = [account, Column("month", _("Month"), NUMBER),
                   Column("revenue", _("Revenue"), MONEY),
                   Column("gross_profit", _("Gross profit"), MONEY),
                   Column("invoiced", _("Invoiced"), MONEY),
                   Column("collected", _("Collected"), MONEY)]  # fmt: skip
        return DrillDown(columns, [
            {"account": row.account.name, "month": row.month, "revenue": row.revenue,
             "gross_profit": row.gross_profit, "invoiced": row.invoiced,
             "collected": row.collected, "_url": row.account.get_absolute_url()}
            for row in rows
        ])  # fmt: skip
    if key == Measure.RECEIVABLES_OVERDUE:
        names = dict(visible.values_list("pk", "name"))
        found = collections_by_account(accounts=visible, until=period.reported)
        columns = [account, Column("period", _("Reported"), TEXT),
                   Column("overdue_1_30", _("Overdue 1–30 days"), MONEY),
                   Column("overdue_31_60", _("Overdue 31–60 days"), MONEY),
                   Column("overdue_61_90", _("Overdue 61–90 days"), MONEY),
                   Column("overdue_over_90", _("Overdue over 90 days"), MONEY),
                   Column("total", _("Receivables overdue"), MONEY)]  # fmt: skip
        rows = [
            {"account": names[pk], "period": f"{item.year}-{item.month:02d}",
             "overdue_1_30": item.overdue_1_30, "overdue_31_60": item.overdue_31_60,
             "overdue_61_90": item.overdue_61_90, "overdue_over_90": item.overdue_over_90,
             "total": item.total, "_url": reverse("accounts:detail", args=[pk])}
            for pk, item in found.items()
        ]  # fmt: skip
        return DrillDown(columns, sorted(rows, key=lambda row: row["account"]))
    if key == Measure.CADENCE:
        rows = sorted(
            (row for row in _accounts(visible, period) if row["archived_at"] is None),
            key=lambda row: (not row["past_cadence"], row["name"]),
        )
        columns = [account, Column("tier", _("Tier"), TEXT),
                   Column("last_visit_at", _("Last visit"), DATETIME),
                   Column("cadence_due_on", _("Visit due"), DATE),
                   Column("past_cadence", _("Past cadence"), TEXT)]  # fmt: skip
        return DrillDown(columns, [
            {**row, "account": row["name"],
             "past_cadence": _("Yes") if row["past_cadence"] else _("No"),
             "_url": reverse("accounts:detail", args=[row["pk"]])}
            for row in rows
        ])  # fmt: skip
    if key == Measure.COMPLAINT_RESPONSE:
        now = timezone.now()
        rows = (
            Complaint.objects.visible_to(user).filter(account__owner__in=ids)
            .filter(on_days("received_at", period.first, period.last))
            .select_related("account").order_by("received_at", "pk")
        )  # fmt: skip
        columns = [account, Column("received_at", _("Received at"), DATETIME),
                   Column("response_due", _("Response due"), DATETIME),
                   Column("first_response_at", _("First response at"), DATETIME),
                   Column("state", _("First response"), TEXT)]  # fmt: skip
        out = []
        for row in rows:
            state = row.sla_state(now)
            label = {"met": _("In time"), "breached": _("Late")}.get(state, _("Not due yet"))
            out.append({"account": row.account.name, "received_at": row.received_at,
                        "response_due": row.response_due,
                        "first_response_at": row.first_response_at, "state": label,
                        "_url": row.get_absolute_url()})  # fmt: skip
        return DrillDown(columns, out)
    if key == Measure.NPS:
        rows = _surveys(user, ids, period).select_related("account").order_by("taken_on", "pk")
        columns = [account, Column("taken_on", _("Date"), DATE),
                   Column("nps", _("Recommend (0–10)"), NUMBER)]  # fmt: skip
        return DrillDown(columns, [
            {"account": row.account.name, "taken_on": row.taken_on, "nps": row.nps,
             "_url": row.account.get_absolute_url()}
            for row in rows
        ])  # fmt: skip
    if key == Measure.PLAN_ON_TIME:
        due = _plan_due(period.year)
        rows = _plans(user, ids, period).select_related("account").order_by("account__name")
        columns = [account, Column("status", _("Status"), TEXT),
                   Column("first_approved", _("First approved at"), DATETIME),
                   Column("on_time", _("On time"), TEXT)]  # fmt: skip
        return DrillDown(columns, [
            {"account": row.account.name, "status": row.get_status_display(),
             "first_approved": row.first_approved,
             "on_time": _("Yes") if row.first_approved and row.first_approved < due else _("No"),
             "_url": row.get_absolute_url()}
            for row in rows
        ])  # fmt: skip
    if key == Measure.EXECUTIVE_MEETINGS:
        met = Count(
            "visits", filter=Q(visits__in=_executive_meetings(user, ids, period).values("pk"))
        )
        rows = (
            visible.active().filter(tier=Tier.A).annotate(meetings=met).order_by("name")
        )  # fmt: skip
        columns = [account, Column("meetings", _("Executive meetings"), NUMBER)]
        return DrillDown(columns, [
            {"account": row.name, "meetings": row.meetings, "_url": row.get_absolute_url()}
            for row in rows
        ])  # fmt: skip
    return None
