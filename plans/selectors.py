"""Reads of plans and actuals: attainment, collections, action items due.

Every function starts from ``visible_to(user)`` and runs a fixed number of
queries whatever the number of accounts, KAMs or teams (figures are summed by
PostgreSQL with GROUP BY, never in a loop of queries). The dashboards and the
health check read these.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db import connection
from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.models import Account
from kam.models import Team, User
from plans.choices import QUARTERS, PlanStatus
from plans.models import AccountPlan, ActionItem, Actual, KamQuota, PlanTarget, TeamQuota

ZERO = Decimal("0")
CENT = Decimal("0.01")
#: how each level groups actuals and plan targets
GROUPS = {
    "account": ("account_id", "plan__account_id"),
    "kam": ("account__owner_id", "plan__account__owner_id"),
    "team": (
        "account__owner__team_memberships__team_id",
        "plan__account__owner__team_memberships__team_id",
    ),
}


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def elapsed_months(year: int, as_of: date) -> int:
    """Months of ``year`` elapsed at ``as_of``, the current month included."""
    if year < as_of.year:
        return 12
    if year > as_of.year:
        return 0
    return as_of.month


def _spread(quarters: list, months: int) -> Decimal:
    """The target for the first ``months`` months: each quarter spread evenly over
    its three months (the plan-target spread; ``spread_sql`` is the same rule in SQL)."""
    total = ZERO
    for index, value in enumerate(quarters):
        first = index * 3
        inside = max(0, min(3, months - first))
        total += Decimal(value or 0) * inside / 3
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def spread_sql(target: str, quarter: str, months: str) -> str:
    """``_spread`` for one quarter's row in SQL: ``target`` (of quarter ``quarter``, 1-4)
    counted for its months within the first ``months`` (SQL expressions, all three)."""
    return f"{target} * LEAST(GREATEST({months} - 3 * ({quarter} - 1), 0), 3) / 3.0"


_HEALTH_TARGET_SQL = """
    SELECT p.account_id, SUM({spread}) AS target
    FROM {plan} p
    JOIN {target} t ON t.plan_id = p.id
    WHERE p.year = %(year)s AND p.status = %(plan_approved)s
    GROUP BY p.account_id"""

_HEALTH_ACTUAL_SQL = """
    SELECT act.account_id,
           SUM(act.revenue) FILTER (WHERE act.year = %(year)s) AS revenue,
           SUM(act.revenue) FILTER (WHERE act.year = %(year)s - 1) AS last_year
    FROM {actual} act
    WHERE act.year IN (%(year)s, %(year)s - 1) AND act.month <= %(months)s
    GROUP BY act.account_id"""


def health_commercial_sql() -> tuple[str, str, dict]:
    """The health check's commercial inputs (accounts.health.engine), for its
    statement's ``%(year)s`` and ``%(months)s`` (the year's complete months): the SQL of
    each account's target to date (``account_id, target``: the quarters of the year's
    approved plan spread by ``spread_sql``, the rule the plan card reads) and of its
    revenue to date this year and last (``account_id, revenue, last_year``: the ERP
    actuals of months 1…months), with their own parameters."""
    quote = connection.ops.quote_name
    tables = {
        "plan": quote(AccountPlan._meta.db_table),
        "target": quote(PlanTarget._meta.db_table),
        "actual": quote(Actual._meta.db_table),
    }
    spread = spread_sql("t.revenue", "t.quarter", "%(months)s")
    target = _HEALTH_TARGET_SQL.format(**tables, spread=spread)
    actual = _HEALTH_ACTUAL_SQL.format(**tables)
    return target, actual, {"plan_approved": PlanStatus.APPROVED.value}


def collection_rate(collected, invoiced):
    """The collection rate (回款率), the one definition: collected ÷ invoiced in %, one
    decimal; None when nothing was invoiced. Read by the account's collections card and
    the KAM scorecard (over ``ActualQuerySet.collections_by``)."""
    return _rate(collected or ZERO, invoiced)


def period_months(year: int, quarter=None, as_of=None) -> tuple:
    """The months a period counts: a quarter's three, or the year's elapsed months at
    ``as_of`` (the current month included), as attainment counts them."""
    return _period(year, quarter, as_of)[0]


def _rate(actual, target):
    if not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Attainment:
    """Actual against target for one account, KAM or team, for a period (a quarter,
    or the year to date) with the year's run-rate forecast."""

    key: int
    label: str = ""
    obj: object = None
    quarters: list = field(default_factory=lambda: [ZERO] * 4)  # plan targets by quarter
    quota_quarters: list | None = None  # the quota by quarter (KAMs and teams)
    actual: Decimal = ZERO  # in the period
    gross_profit: Decimal = ZERO  # in the period
    ytd_actual: Decimal = ZERO
    period_months: tuple = ()
    elapsed: int = 0
    quarter: int | None = None

    @property
    def plan_year_target(self) -> Decimal:
        return sum(self.quarters, ZERO)

    @property
    def year_target(self) -> Decimal:
        if self.quota_quarters is not None:
            return sum(self.quota_quarters, ZERO)
        return self.plan_year_target

    @property
    def target_quarters(self) -> list:
        return self.quota_quarters if self.quota_quarters is not None else self.quarters

    @property
    def target(self) -> Decimal:
        """The period's target: the quarter's, or the year to date's (spread by month)."""
        if self.quarter:
            return Decimal(self.target_quarters[self.quarter - 1])
        return _spread(self.target_quarters, self.elapsed)

    @property
    def rate(self):
        return _rate(self.actual, self.target)

    @property
    def ytd_rate(self):
        """Year-to-date attainment whatever the period: the year-to-date actual against
        the target spread over the elapsed months."""
        return _rate(self.ytd_actual, _spread(self.target_quarters, self.elapsed))

    @property
    def forecast(self):
        """Run rate: the year-to-date actual over the elapsed months, times 12."""
        if not self.elapsed:
            return None
        return (self.ytd_actual * 12 / self.elapsed).quantize(CENT, ROUND_HALF_UP)

    @property
    def forecast_rate(self):
        forecast = self.forecast
        return None if forecast is None else _rate(forecast, self.year_target)

    @property
    def gross_margin(self):
        return _rate(self.gross_profit, self.actual)


def _figures(level: str, accounts, year: int, months, elapsed: int) -> dict:
    """{key: Attainment} with actuals and plan targets summed per key (2 queries)."""
    actual_key, target_key = GROUPS[level]
    rows = {}
    actuals = (
        Actual.objects.filter(account__in=accounts.values("pk"), year=year)
        .values(actual_key)
        .annotate(
            actual=Sum("revenue", filter=Q(month__in=months)),
            gross_profit=Sum("gross_profit", filter=Q(month__in=months)),
            ytd=Sum("revenue", filter=Q(month__lte=elapsed)),
        )
        .order_by()
    )
    for row in actuals:
        key = row[actual_key]
        if key is None:
            continue
        item = rows.setdefault(key, Attainment(key=key))
        item.actual = row["actual"] or ZERO
        item.gross_profit = row["gross_profit"] or ZERO
        item.ytd_actual = row["ytd"] or ZERO
    targets = (
        PlanTarget.objects.filter(plan__account__in=accounts.values("pk"), plan__year=year)
        .values(target_key)
        .annotate(**{f"q{q}": Sum("revenue", filter=Q(quarter=q)) for q in QUARTERS})
        .order_by()
    )
    for row in targets:
        key = row[target_key]
        if key is None:
            continue
        item = rows.setdefault(key, Attainment(key=key))
        item.quarters = [row[f"q{q}"] or ZERO for q in QUARTERS]
    return rows


def _period(year, quarter, as_of):
    as_of = as_of or timezone.localdate()
    elapsed = elapsed_months(year, as_of)
    if quarter:
        months = tuple(range(quarter * 3 - 2, quarter * 3 + 1))
    else:
        months = tuple(range(1, elapsed + 1))
    return months, elapsed


def _finish(rows: dict, months, elapsed, quarter) -> None:
    for item in rows.values():
        item.period_months, item.elapsed, item.quarter = months, elapsed, quarter


def attainment_by_account(*, user, year: int, quarter=None, as_of=None, accounts=None) -> list:
    """One row per visible account with a target or an actual (3 queries)."""
    months, elapsed = _period(year, quarter, as_of)
    visible = Account.objects.visible_to(user)
    if accounts is not None:
        visible = visible.filter(pk__in=accounts.values("pk"))
    rows = _figures("account", visible, year, months, elapsed)
    for account in visible.filter(pk__in=list(rows)).select_related("owner"):
        rows[account.pk].obj, rows[account.pk].label = account, account.name
    _finish(rows, months, elapsed, quarter)
    return sorted((r for r in rows.values() if r.obj), key=lambda r: r.label.lower())


def attainment_by_kam(*, user, year: int, quarter=None, as_of=None, team=None, kam=None) -> list:
    """One row per KAM owning visible accounts (or holding a quota), with the quota
    as target when one is set and the sum of the plans' targets otherwise (4 queries).
    ``kam`` (a user id) keeps that KAM's row only."""
    visible = Account.objects.visible_to(user)
    quotas = KamQuota.objects.visible_to(user).filter(quota__year=year)
    if team is not None:
        visible = visible.filter(owner__team_memberships__team=team)
        quotas = quotas.filter(quota__team=team)
    if kam is not None:
        visible = visible.filter(owner_id=kam)
        quotas = quotas.filter(user_id=kam)
    rows = _kam_rows(visible, quotas, year, quarter, as_of)
    for person in User.objects.filter(pk__in=list(rows)):
        rows[person.pk].obj, rows[person.pk].label = person, person.display_name
    return sorted((r for r in rows.values() if r.obj), key=lambda r: r.label.lower())


def _kam_rows(accounts, quotas, year, quarter, as_of) -> dict:
    """{owner id: Attainment} over ``accounts`` (by their owner) against the quota splits
    ``quotas`` of the year, or the plans' targets without one (3 queries)."""
    months, elapsed = _period(year, quarter, as_of)
    rows = _figures("kam", accounts, year, months, elapsed)
    for split in quotas.order_by():
        item = rows.setdefault(split.user_id, Attainment(key=split.user_id))
        previous = item.quota_quarters or [ZERO] * 4
        item.quota_quarters = [a + b for a, b in zip(previous, split.quarters, strict=True)]
    _finish(rows, months, elapsed, quarter)
    return rows


def attainment_of_owners(*, owners, year: int, quarter=None, as_of=None) -> dict:
    """{user id: Attainment} of ``owners`` (user ids, or a subquery of them) over every
    account they own and their quota splits of the year: ``attainment_by_kam`` read for
    the whole company, unscoped, for the set-based engines (the weekly reports draft
    every KAM's at once). A KAM with no actual, target or quota has no row. 3 queries."""
    accounts = Account.objects.filter(owner__in=owners)
    quotas = KamQuota.objects.filter(user__in=owners, quota__year=year)
    return _kam_rows(accounts, quotas, year, quarter, as_of)


def attainment_by_team(*, user, year: int, quarter=None, as_of=None) -> list:
    """One row per visible team: its members' accounts against the team quota, or
    the plans' targets when no quota is set (4 queries)."""
    months, elapsed = _period(year, quarter, as_of)
    teams = {team.pk: team for team in Team.objects.visible_to(user)}
    rows = _figures("team", Account.objects.visible_to(user), year, months, elapsed)
    rows = {key: row for key, row in rows.items() if key in teams}
    for quota in TeamQuota.objects.visible_to(user).filter(year=year, team__in=list(teams)):
        item = rows.setdefault(quota.team_id, Attainment(key=quota.team_id))
        item.quota_quarters = quota.quarters
    for key, item in rows.items():
        item.obj, item.label = teams[key], teams[key].name
    _finish(rows, months, elapsed, quarter)
    return sorted(rows.values(), key=lambda r: r.label.lower())


def account_attainment(*, account: Account, year: int, quarter=None, as_of=None) -> Attainment:
    """The figures of one account (the caller has checked it is visible): 2 queries."""
    months, elapsed = _period(year, quarter, as_of)
    rows = _figures("account", Account.objects.filter(pk=account.pk), year, months, elapsed)
    item = rows.get(account.pk) or Attainment(key=account.pk)
    item.obj, item.label = account, account.name
    _finish({account.pk: item}, months, elapsed, quarter)
    return item


# --- collections ------------------------------------------------------------------------

AGING_BUCKETS = ("overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90")


@dataclass
class Collections:
    """Overdue receivables of an account at the latest month the ERP reported."""

    year: int
    month: int
    overdue_1_30: Decimal
    overdue_31_60: Decimal
    overdue_61_90: Decimal
    overdue_over_90: Decimal
    invoiced: Decimal
    collected: Decimal

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, name) for name in AGING_BUCKETS), ZERO)

    @property
    def collection_rate(self):
        """The latest month's ``collection_rate``."""
        return collection_rate(self.collected, self.invoiced)

    @property
    def risk(self) -> str:
        """The collections badge of the plan card: high (anything over 60 days), medium
        (31–60 days), low (within 30 days) or none. The health check does not read it: its
        risk component reads the credit exposure and levels (``plans.credit``,
        ``credit.levels``)."""
        if self.overdue_61_90 or self.overdue_over_90:
            return "high"
        if self.overdue_31_60:
            return "medium"
        if self.overdue_1_30:
            return "low"
        return "none"


def collections_by_account(*, accounts, until=None) -> dict:
    """{account id: Collections} from each account's latest actual (one query);
    ``accounts`` is a queryset the caller has already scoped. ``until`` (year, month)
    reads the latest actual up to that month (a past period's receivables)."""
    latest = Actual.objects.filter(account__in=accounts.values("pk"))
    if until is not None:
        year, month = until
        latest = latest.filter(Q(year__lt=year) | Q(year=year, month__lte=month))
    latest = (
        latest.order_by("account_id", "-year", "-month")
        .distinct("account_id")
        .values("account_id", "year", "month", "invoiced", "collected", *AGING_BUCKETS)
    )
    return {row.pop("account_id"): Collections(**row) for row in latest}


# --- plans and action items -------------------------------------------------------------


def action_items_due(*, user, day=None):
    """The user's own open action items due by ``day`` (today): one query when listed."""
    day = day or timezone.localdate()
    return (
        ActionItem.objects.visible_to(user)
        .filter(owner=user)
        .due_by(day)
        .select_related("plan__account")
        .order_by("due_on", "pk")
    )


def _plan_card_lists(year, months, elapsed, pk):
    """(rows, lists, extra) of ``account_plan_card`` for ``read_nested_by_pk``."""
    from accounts.nested import Nested

    here = OuterRef("pk")
    actuals = Actual.objects.filter(account=here, year=year).order_by().values("account_id")
    targets = PlanTarget.objects.filter(plan__account=here, plan__year=year).order_by()
    targets = targets.values("plan__account_id")

    def total(rows, column, **where):
        return Subquery(rows.annotate(n=Sum(column, filter=Q(**where) if where else None))
                        .values("n"))  # fmt: skip

    sums = {
        "actual": total(actuals, "revenue", month__in=months),
        "gross_profit": total(actuals, "gross_profit", month__in=months),
        "ytd": total(actuals, "revenue", month__lte=elapsed),
        **{f"q{q}": total(targets, "revenue", quarter=q) for q in QUARTERS},
    }
    latest = Actual.objects.filter(account=here).order_by("-year", "-month")[:1]
    rows = Account.objects.filter(pk=pk).annotate(
        **{f"card_{name}": value for name, value in sums.items()}
    )
    lists = {
        "plan": Nested(AccountPlan.objects.filter(account=here, year=year).order_by("pk")),
        "latest": Nested(latest, fields=("id", "year", "month", "invoiced", "collected",
                                         *AGING_BUCKETS)),
    }  # fmt: skip
    return rows, lists, [f"card_{name}" for name in sums]


def account_plan_card(*, account: Account, as_of=None) -> dict:
    """The current year's plan, its attainment and the collections of one account,
    for the account page: one query (the figures of ``account_attainment`` and
    ``collections_by_account`` as subqueries of the account's row)."""
    from accounts.nested import read_nested_by_pk

    as_of = as_of or timezone.localdate()
    year, quarter = as_of.year, quarter_of(as_of.month)
    months, elapsed = _period(year, None, as_of)
    found = read_nested_by_pk(
        ("plan card", year, months, elapsed),
        account.pk,
        partial(_plan_card_lists, year, months, elapsed),
    )
    figures = found["extra"]
    item = Attainment(
        key=account.pk,
        obj=account,
        label=account.name,
        actual=figures["card_actual"] or ZERO,
        gross_profit=figures["card_gross_profit"] or ZERO,
        ytd_actual=figures["card_ytd"] or ZERO,
        quarters=[figures[f"card_q{q}"] or ZERO for q in QUARTERS],
    )
    _finish({account.pk: item}, months, elapsed, None)
    last = found["latest"][0] if found["latest"] else None
    collections = None
    if last is not None:
        names = ("year", "month", "invoiced", "collected", *AGING_BUCKETS)
        collections = Collections(**{name: getattr(last, name) for name in names})
    return {
        "plan": found["plan"][0] if found["plan"] else None,
        "year": year,
        "quarter": quarter,
        "ytd": item,
        "collections": collections,
    }


def team_attainment_by_quarter(*, user, team: Team, year: int, as_of=None) -> dict:
    """A team's actual and target for each quarter of ``year`` (the quota's quarters when
    one is set, else its accounts' plans'), as ``attainment_by_team`` counts them, in
    5 queries instead of 4 calls of 4: {"actual": [q1..q4], "target": [q1..q4]}."""
    rows = attainment_by_team(user=user, year=year, as_of=as_of)
    year_row = next((row for row in rows if row.key == team.pk), None)
    actual_key = GROUPS["team"][0]
    sums = (
        Actual.objects.filter(account__in=Account.objects.visible_to(user).values("pk"), year=year)
        .filter(**{actual_key: team.pk})
        .aggregate(**{f"q{q}": Sum("revenue", filter=Q(month__in=range(q * 3 - 2, q * 3 + 1)))
                      for q in QUARTERS})
    )  # fmt: skip
    return {
        "actual": [sums[f"q{q}"] or ZERO for q in QUARTERS],
        "target": [Decimal(v) for v in year_row.target_quarters] if year_row else [ZERO] * 4,
    }


def team_attainment(*, user, team: Team, members, year: int, quarter=None, as_of=None):
    """The team dashboard's attainment in 3 queries instead of two calls of 4 and 5:
    ``({member id: Attainment}, {"actual": [q1..q4], "target": [q1..q4]})``.

    The first is ``attainment_by_kam(team=team)`` for the members given (the team's);
    the second is ``team_attainment_by_quarter``. Both read the same actuals (summed per
    KAM and month), plan targets (per KAM and quarter) and quotas (the team's with its
    splits), so they are read once over the visible accounts of the team's members."""
    months, elapsed = _period(year, quarter, as_of)
    member_ids = [member.pk for member in members]
    accounts = Account.objects.visible_to(user).filter(owner__in=member_ids).values("pk")
    rows = {member.pk: Attainment(key=member.pk, obj=member, label=member.display_name)
            for member in members}  # fmt: skip
    team_actual = [ZERO] * 4
    actuals = (
        Actual.objects.filter(account__in=accounts, year=year)
        .values("account__owner_id", "month")
        .annotate(revenue=Sum("revenue"), gross_profit=Sum("gross_profit"))
        .order_by()
    )
    for row in actuals:
        item, month = rows[row["account__owner_id"]], row["month"]
        revenue, gross_profit = row["revenue"] or ZERO, row["gross_profit"] or ZERO
        team_actual[quarter_of(month) - 1] += revenue
        if month in months:
            item.actual += revenue
            item.gross_profit += gross_profit
        if month <= elapsed:
            item.ytd_actual += revenue
    plan_quarters = [ZERO] * 4
    targets = (
        PlanTarget.objects.filter(plan__account__in=accounts, plan__year=year)
        .values("plan__account__owner_id", "quarter")
        .annotate(revenue=Sum("revenue"))
        .order_by()
    )
    for row in targets:
        index, revenue = row["quarter"] - 1, row["revenue"] or ZERO
        rows[row["plan__account__owner_id"]].quarters[index] += revenue
        plan_quarters[index] += revenue
    team_quarters = None
    # A split is visible when its team quota is (KamQuota.objects.visible_to).
    quotas = TeamQuota.objects.visible_to(user).filter(team=team, year=year).values(
        *(f"q{q}" for q in QUARTERS), "splits__user_id",
        *(f"splits__q{q}" for q in QUARTERS),
    )  # fmt: skip
    for row in quotas:
        team_quarters = [row[f"q{q}"] for q in QUARTERS]
        item = rows.get(row["splits__user_id"])
        if item is not None:
            previous = item.quota_quarters or [ZERO] * 4
            split = [row[f"splits__q{q}"] for q in QUARTERS]
            item.quota_quarters = [a + b for a, b in zip(previous, split, strict=True)]
    _finish(rows, months, elapsed, quarter)
    target = team_quarters if team_quarters is not None else plan_quarters
    return rows, {"actual": team_actual, "target": [Decimal(v) for v in target]}


def kam_attainment(*, user, kam: User, year: int, quarter=None, as_of=None):
    """``attainment_by_kam(kam=kam.pk)``'s row for one KAM in 2 queries instead of 4: the
    actuals per month and the plan targets per quarter of the visible accounts they own
    in one statement (UNION ALL), then their quota splits. None, as there is no row
    there, when the KAM has no actual, target or quota that year."""
    from django.db.models import CharField, DecimalField, F, Value

    months, elapsed = _period(year, quarter, as_of)
    accounts = Account.objects.visible_to(user).filter(owner=kam).values("pk")
    money = DecimalField(max_digits=20, decimal_places=2)
    actuals = (
        Actual.objects.filter(account__in=accounts, year=year)
        .annotate(kind=Value("actual", output_field=CharField()), period=F("month"))
        .values("kind", "period")
        .annotate(revenue=Sum("revenue"), gross_profit=Sum("gross_profit"))
        .order_by()
    )
    targets = (
        PlanTarget.objects.filter(plan__account__in=accounts, plan__year=year)
        .annotate(kind=Value("target", output_field=CharField()), period=F("quarter"))
        .values("kind", "period")
        .annotate(revenue=Sum("revenue"), gross_profit=Value(ZERO, output_field=money))
        .order_by()
    )
    item = Attainment(key=kam.pk, obj=kam, label=kam.display_name)
    found = False
    for row in actuals.union(targets, all=True):
        found = True
        revenue = row["revenue"] or ZERO
        if row["kind"] == "target":
            item.quarters[row["period"] - 1] += revenue
            continue
        if row["period"] in months:
            item.actual += revenue
            item.gross_profit += row["gross_profit"] or ZERO
        if row["period"] <= elapsed:
            item.ytd_actual += revenue
    for split in KamQuota.objects.visible_to(user).filter(quota__year=year, user=kam):
        found = True
        previous = item.quota_quarters or [ZERO] * 4
        item.quota_quarters = [a + b for a, b in zip(previous, split.quarters, strict=True)]
    if not found:
        return None
    _finish({kam.pk: item}, months, elapsed, quarter)
    return item
