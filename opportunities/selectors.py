"""Reads over opportunities: the board, the weighted forecast, the whitespace matrix,
stage history with time in stage, conversion and velocity.

Every function starts from what the user may see (``visible_to``) and runs a
fixed number of queries whatever the number of rows. The forecast functions are
what the dashboards reuse: pass ``queryset`` to narrow (a FilterSet's ``qs``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncQuarter
from django.utils import timezone

from accounts.models import Account
from kam.models import Team, TeamMembership, User
from opportunities.choices import (
    BEST_CASE_MIN_PROBABILITY,
    COMMIT_MIN_PROBABILITY,
    StageKind,
)
from opportunities.models import Opportunity, OpportunityStageChange, ProductLine, Stage

ZERO = Decimal("0.00")
CENTS = Decimal("0.01")
MONEY = DecimalField(max_digits=20, decimal_places=2)
WHITESPACE_WINDOW_DAYS = 365

# --- forecast ---------------------------------------------------------------------------


def _weighted():
    return ExpressionWrapper(F("amount") * F("probability") / Value(Decimal(100)), MONEY)


def _forecast_aggregates(today: date):
    open_ = Q(stage__kind=StageKind.OPEN)
    won = Q(stage__kind=StageKind.WON)
    return {
        "pipeline": Coalesce(Sum("amount", filter=open_), ZERO, output_field=MONEY),
        "weighted": Coalesce(Sum(_weighted(), filter=open_), ZERO, output_field=MONEY),
        "commit": Coalesce(
            Sum("amount", filter=open_ & Q(probability__gte=COMMIT_MIN_PROBABILITY)),
            ZERO,
            output_field=MONEY,
        ),
        "best_case": Coalesce(
            Sum("amount", filter=open_ & Q(probability__gte=BEST_CASE_MIN_PROBABILITY)),
            ZERO,
            output_field=MONEY,
        ),
        "won": Coalesce(
            Sum("amount", filter=won & Q(closed_on__lte=today)), ZERO, output_field=MONEY
        ),
        "open_count": Count("pk", filter=open_),
        "won_count": Count("pk", filter=won & Q(closed_on__lte=today)),
    }


def _round(row: dict) -> dict:
    for key in ("pipeline", "weighted", "commit", "best_case", "won"):
        row[key] = (row.get(key) or ZERO).quantize(CENTS)
    return row


def _base(user, queryset=None):
    queryset = Opportunity.objects.all() if queryset is None else queryset
    return queryset.visible_to(user).active().exclude(stage__kind=StageKind.LOST)


def quarter_label(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def forecast_totals(*, user, queryset=None, today: date | None = None) -> dict:
    """Pipeline, weighted pipeline (amount × probability), commit (open at ≥ 75%),
    best case (open at ≥ 50%) and won to date over the user's opportunities. 1 query."""
    today = today or timezone.localdate()
    return _round(_base(user, queryset).aggregate(**_forecast_aggregates(today)))


def forecast_by_quarter(*, user, queryset=None, today: date | None = None) -> list[dict]:
    """The forecast per expected close quarter (won deals count in the quarter they
    closed: winning sets the expected close date to the day). 1 query."""
    today = today or timezone.localdate()
    rows = (
        _base(user, queryset)
        .annotate(quarter=TruncQuarter("expected_close_on"))
        .values("quarter")
        .annotate(**_forecast_aggregates(today))
        .order_by("quarter")
    )
    return [_round({**row, "label": quarter_label(row["quarter"])}) for row in rows]


def forecast_by_owner(*, user, queryset=None, today: date | None = None) -> list[dict]:
    """The forecast per KAM (the opportunity's owner). 2 queries."""
    today = today or timezone.localdate()
    rows = list(
        _base(user, queryset)
        .values("owner")
        .annotate(**_forecast_aggregates(today))
        .order_by("owner")
    )
    owners = User.objects.in_bulk([row["owner"] for row in rows])
    result = [_round({**row, "owner": owners[row["owner"]]}) for row in rows]
    result.sort(key=lambda row: (-row["weighted"], row["owner"].display_name))
    return result


def forecast_by_team(*, user, queryset=None, today: date | None = None) -> list[dict]:
    """The forecast per team: its members' and its supervisor's opportunities. A person
    in two teams counts in both. 3 queries."""
    today = today or timezone.localdate()
    by_owner = {row["owner"].pk: row for row in forecast_by_owner(user=user, queryset=queryset,
                                                                   today=today)}  # fmt: skip
    teams = Team.objects.filter(
        Q(supervisor__in=list(by_owner)) | Q(memberships__user__in=list(by_owner))
    ).distinct()
    members = defaultdict(set)
    for team_id, user_id in TeamMembership.objects.filter(team__in=teams).values_list(
        "team_id", "user_id"
    ):
        members[team_id].add(user_id)
    result = []
    for team in teams.select_related("supervisor").order_by("name"):
        owner_ids = (members[team.pk] | {team.supervisor_id}) & set(by_owner)
        row = {"team": team, "open_count": 0, "won_count": 0}
        for key in ("pipeline", "weighted", "commit", "best_case", "won"):
            row[key] = sum((by_owner[pk][key] for pk in owner_ids), ZERO)
        row["open_count"] = sum(by_owner[pk]["open_count"] for pk in owner_ids)
        row["won_count"] = sum(by_owner[pk]["won_count"] for pk in owner_ids)
        result.append(row)
    return result


def forecast_cube(*, user, queryset=None, today: date | None = None) -> list[dict]:
    """The forecast aggregates per owner, stage and expected close quarter, in one query:
    every figure is a sum or a count, so ``forecast_by_quarter``, ``forecast_by_owner``
    and ``pipeline_by_stage`` are sums of these rows (``cube_by``, ``pipeline_from_cube``)
    and a dashboard reads the three at the cost of one."""
    today = today or timezone.localdate()
    return list(
        _base(user, queryset)
        .annotate(quarter=TruncQuarter("expected_close_on"))
        .values("owner", "stage", "quarter")
        .annotate(**_forecast_aggregates(today))
        .order_by()
    )


FORECAST_SUMS = ("pipeline", "weighted", "commit", "best_case", "won", "open_count", "won_count")


def cube_by(rows: list[dict], key: str) -> dict:
    """{key value: the forecast of the cube's rows with that value}, rounded."""
    result = {}
    for row in rows:
        total = result.setdefault(row[key], dict.fromkeys(FORECAST_SUMS, 0))
        for name in FORECAST_SUMS:
            total[name] += row[name] or 0
    return {value: _round(total) for value, total in result.items()}


def forecast_by_quarter_from_cube(rows: list[dict]) -> list[dict]:
    """``forecast_by_quarter`` from ``forecast_cube`` rows."""
    by_quarter = cube_by(rows, "quarter")
    return [
        {**by_quarter[quarter], "quarter": quarter, "label": quarter_label(quarter)}
        for quarter in sorted(by_quarter)
    ]


def pipeline_from_cube(rows: list[dict]) -> list[dict]:
    """``pipeline_by_stage`` from ``forecast_cube`` rows (the open stages' pipeline and
    weighted pipeline are the cube's open sums). 1 query: the stages."""
    by_stage = cube_by(rows, "stage")
    result = []
    for stage in Stage.objects.filter(kind=StageKind.OPEN).order_by("order", "pk"):
        row = by_stage.get(stage.pk)
        if row is None and not stage.is_active:
            continue
        result.append(
            {
                "stage": stage,
                "count": row["open_count"] if row else 0,
                "amount": row["pipeline"] if row else ZERO,
                "weighted": row["weighted"] if row else ZERO,
            }
        )
    return result


# --- board ------------------------------------------------------------------------------

#: cards per column on the board, and per "load more" page
BOARD_PAGE = 20
#: a card's place in its column: (expected close date, id)
BOARD_ORDER = ("expected_close_on", "pk")


@dataclass
class BoardColumn:
    """One stage of the board: the count and totals of all its cards (the filters'),
    and the first of them by expected close date."""

    stage: Stage
    cards: list = field(default_factory=list)
    count: int = 0
    total: Decimal = ZERO
    weighted: Decimal = ZERO

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)

    @property
    def cursor(self) -> str:
        return board_cursor(self.cards[-1]) if self.cards else ""


def board_cursor(card) -> str:
    """Where the next page of a column starts: after this card."""
    return f"{card.expected_close_on.isoformat()}.{card.pk}"


def board_cursor_parse(value: str) -> tuple[date, int] | None:
    """ "2026-04-30.123" → (2026-04-30, 123); None when it is not a cursor."""
    day, _sep, pk = (value or "").strip().partition(".")
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return None
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


#: what a card shows, and no other column (an account row is 30-odd columns)
BOARD_CARD_FIELDS = (
    "name", "amount", "currency", "probability", "expected_close_on", "stage_id",
    "account__name", "product_line__name", "product_line__name_zh",
    "owner__full_name", "owner__first_name", "owner__last_name", "owner__username",
)  # fmt: skip


def _board_cards(queryset):
    return (
        queryset.select_related("account", "owner", "product_line")
        .only(*BOARD_CARD_FIELDS)
        .order_by(*BOARD_ORDER)
    )


def board_columns(
    *, queryset, per_column: int = BOARD_PAGE
) -> tuple[list[BoardColumn], list[Stage]]:
    """The board: one column per active stage with the count, total and weighted total
    of its cards (one aggregate), and its first ``per_column`` cards by expected close
    date (one statement, ``_board_first_cards``). ``queryset`` is already visible-to and
    filtered. 3 queries, whatever the number of cards."""
    stages = list(Stage.objects.active().order_by("order", "pk"))
    columns = {stage.pk: BoardColumn(stage) for stage in stages}
    if not stages:
        return [], stages
    sums = (
        queryset.values("stage")
        .annotate(
            count=Count("pk"),
            total=Coalesce(Sum("amount"), ZERO, output_field=MONEY),
            weighted=Coalesce(Sum(_weighted()), ZERO, output_field=MONEY),
        )
        .order_by()
    )
    for row in sums:
        column = columns.get(row["stage"])
        if column is None:  # a deactivated stage keeps its deals off the board
            continue
        column.count = row["count"]
        column.total = row["total"].quantize(CENTS)
        column.weighted = row["weighted"].quantize(CENTS)
    counted = [column for column in columns.values() if column.count]
    if counted:
        first = _board_first_cards(queryset, counted, per_column)
        for card in _board_cards(Opportunity.objects.filter(pk__in=first)):
            columns[card.stage_id].cards.append(card)
    for column in columns.values():
        column.cards.sort(key=lambda card: (card.expected_close_on, card.pk))
    return list(columns.values()), stages


#: up to this many cards on a board, its columns' first cards come from one pass over them
BOARD_ONE_PASS_MAX = 10_000


def _board_first_cards(queryset, columns, per_column):
    """The ids of each column's first ``per_column`` cards, as a subquery. The aggregate
    told how many cards there are: up to ``BOARD_ONE_PASS_MAX`` (a KAM's, a supervisor's
    board), one pass numbers each stage's cards (a window); beyond (an executive's
    100,000), one part per stage reads its first cards from the (stage, expected close
    date) index, where the cards are dense. Measured at the large seed on a loaded
    2-CPU machine: a supervisor's 5,000 cards 65 ms in one pass against 160 ms by
    parts; an executive's 100,000 cards 11 ms by parts against 300 ms in one pass."""
    if sum(column.count for column in columns) <= BOARD_ONE_PASS_MAX:
        numbered = queryset.annotate(
            place=Window(
                RowNumber(),
                partition_by=F("stage"),
                order_by=[F(name).asc() for name in BOARD_ORDER],
            )
        )
        return numbered.filter(place__lte=per_column).values("pk")
    parts = [
        queryset.filter(stage=column.stage).order_by(*BOARD_ORDER).values("pk")[:per_column]
        for column in columns
    ]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def board_column_page(
    *, queryset, stage: Stage, after: tuple[date, int] | None, limit: int = BOARD_PAGE
) -> tuple[list, bool]:
    """The next ``limit`` cards of a column after the cursor ``after`` (the column's
    order, keyset: no card twice, none skipped, whatever moved before it), and whether
    more follow. 1 query."""
    cards = _board_cards(queryset.filter(stage=stage))
    if after is not None:
        day, pk = after
        cards = cards.filter(Q(expected_close_on__gt=day) | Q(expected_close_on=day, pk__gt=pk))
    cards = list(cards[: limit + 1])
    return cards[:limit], len(cards) > limit


# --- stage history, time in stage, conversion, velocity ----------------------------------


@dataclass
class StageStint:
    stage: Stage
    entered_at: datetime
    left_at: datetime | None
    changed_by: User | None
    duration: timedelta

    @property
    def days(self):
        return round(self.duration.total_seconds() / 86400, 1)


def opportunity_stage_history(*, opportunity, now: datetime | None = None) -> list[StageStint]:
    """Each stage the opportunity went through, with how long it stayed: until the
    next change, or until now for the current stage. 1 query."""
    now = now or timezone.now()
    changes = list(
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .select_related("to_stage", "changed_by")
        .order_by("changed_at", "pk")
    )
    stints = []
    for index, change in enumerate(changes):
        following = changes[index + 1] if index + 1 < len(changes) else None
        left_at = following.changed_at if following else None
        end = left_at or (now if change.to_stage.is_open else change.changed_at)
        stints.append(
            StageStint(change.to_stage, change.changed_at, left_at, change.changed_by,
                       end - change.changed_at)
        )  # fmt: skip
    return stints


@dataclass
class StageStats:
    stage: Stage
    entered: int = 0  # opportunities that ever entered the stage
    advanced: int = 0  # of those, how many later reached a further stage (not lost)
    average_days: float | None = None  # average completed time in the stage

    @property
    def conversion(self):
        return round(100 * self.advanced / self.entered, 1) if self.entered else None


def pipeline_stage_stats(*, user, queryset=None) -> list[StageStats]:
    """Per stage: conversion to a later stage and the average time spent in it, over
    the user's opportunities. 2 queries, set-based."""
    opportunities = (Opportunity.objects.all() if queryset is None else queryset).visible_to(user)
    changes = OpportunityStageChange.objects.filter(opportunity__in=opportunities.values("pk"))
    next_change = (
        OpportunityStageChange.objects.filter(
            opportunity=OuterRef("opportunity"), changed_at__gt=OuterRef("changed_at")
        )
        .order_by("changed_at", "pk")
        .values("changed_at")[:1]
    )
    later = OpportunityStageChange.objects.filter(
        opportunity=OuterRef("opportunity"),
        changed_at__gte=OuterRef("changed_at"),
        to_stage__order__gt=OuterRef("to_stage__order"),
    ).exclude(to_stage__kind=StageKind.LOST)
    rows = (
        changes.annotate(left_at=Subquery(next_change), moved_on=Exists(later))
        .values("to_stage")
        .annotate(
            entered=Count("opportunity", distinct=True),
            advanced=Count("opportunity", distinct=True, filter=Q(moved_on=True)),
            average=Avg(
                ExpressionWrapper(F("left_at") - F("changed_at"), DurationField()),
                filter=Q(left_at__isnull=False),
            ),
        )
        .order_by()
    )
    by_stage = {row["to_stage"]: row for row in rows}
    result = []
    for stage in Stage.objects.order_by("order", "pk"):
        row = by_stage.get(stage.pk)
        stats = StageStats(stage)
        if row:
            stats.entered, stats.advanced = row["entered"], row["advanced"]
            if row["average"] is not None:
                stats.average_days = round(row["average"].total_seconds() / 86400, 1)
        if stage.is_open or row:
            result.append(stats)
    return result


def pipeline_velocity(*, user, queryset=None, today: date | None = None) -> dict:
    """Sales velocity over the user's opportunities: open deals, average won amount,
    win rate (won ÷ closed), average sales cycle (``with_sales_cycle``'s whole days,
    averaged over the won deals, to 0.1 day) and their product, the value the pipeline
    yields per day: open × average won amount × win rate ÷ the average cycle shown.
    1 query."""
    opportunities = (
        (Opportunity.objects.all() if queryset is None else queryset)
        .visible_to(user)
        .active()
        .with_sales_cycle()
    )
    totals = opportunities.aggregate(
        open_count=Count("pk", filter=Q(stage__kind=StageKind.OPEN)),
        won_count=Count("pk", filter=Q(stage__kind=StageKind.WON)),
        lost_count=Count("pk", filter=Q(stage__kind=StageKind.LOST)),
        won_amount=Avg("amount", filter=Q(stage__kind=StageKind.WON)),
        cycle=Avg("cycle_days", filter=Q(stage__kind=StageKind.WON, won_on__isnull=False)),
    )
    closed = totals["won_count"] + totals["lost_count"]
    win_rate = Decimal(totals["won_count"]) / closed if closed else None
    cycle_days = None
    if totals["cycle"] is not None:
        cycle_days = Decimal(totals["cycle"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
    average = (totals["won_amount"] or ZERO).quantize(CENTS)
    velocity = None
    if win_rate is not None and cycle_days:
        velocity = (totals["open_count"] * average * win_rate / cycle_days).quantize(CENTS)
    return {
        "open_count": totals["open_count"],
        "average_won_amount": average,
        "win_rate": round(win_rate * 100, 1) if win_rate is not None else None,
        "cycle_days": cycle_days,
        "velocity_per_day": velocity,
    }


# --- whitespace -------------------------------------------------------------------------

BOUGHT, IN_PIPELINE, OPEN = "bought", "pipeline", "open"


@dataclass
class WhitespaceRow:
    account: Account
    cells: list  # (product line, state) in column order


def whitespace_matrix(*, user, accounts=None, today: date | None = None):
    """Accounts × active product lines. A cell is *bought* when the account won a deal
    in that line in the last 12 months, *in pipeline* when it has an open deal there,
    else *open* (whitespace). Actuals from the ERP join the *bought* rule when the
    plans app brings them. ``accounts``: a queryset (by name) or a page of accounts
    already read. 3 queries (2 given a page)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=WHITESPACE_WINDOW_DAYS)
    accounts = Account.objects.visible_to(user).active() if accounts is None else accounts
    if hasattr(accounts, "order_by"):
        accounts = accounts.order_by("name", "pk")
    accounts = list(accounts)  # a page of them (in its order) or a queryset
    lines = list(ProductLine.objects.active().order_by("order", "name"))
    pairs = (
        Opportunity.objects.visible_to(user)
        .active()
        .filter(account__in=[account.pk for account in accounts])
        .filter(
            Q(stage__kind=StageKind.OPEN)
            | Q(stage__kind=StageKind.WON, closed_on__gte=since, closed_on__lte=today)
        )
        .values_list("account_id", "product_line_id", "stage__kind")
        .distinct()
    )
    state = {}
    for account_id, line_id, kind in pairs:
        key = (account_id, line_id)
        if kind == StageKind.WON:
            state[key] = BOUGHT
        elif state.get(key) != BOUGHT:
            state[key] = IN_PIPELINE
    rows = [
        WhitespaceRow(account, [(line, state.get((account.pk, line.pk), OPEN)) for line in lines])
        for account in accounts
    ]
    return rows, lines


def pipeline_by_stage(*, user, queryset=None) -> list[dict]:
    """Open pipeline per active open stage, in stage order: count, amount and weighted
    amount. 2 queries."""
    rows = {
        row["stage"]: row
        for row in _base(user, queryset)
        .filter(stage__kind=StageKind.OPEN)
        .values("stage")
        .annotate(
            count=Count("pk"),
            total=Coalesce(Sum("amount"), ZERO, output_field=MONEY),
            weighted_total=Coalesce(Sum(_weighted()), ZERO, output_field=MONEY),
        )
        .order_by()
    }
    result = []
    for stage in Stage.objects.filter(kind=StageKind.OPEN).order_by("order", "pk"):
        row = rows.get(stage.pk)
        if row is None and not stage.is_active:
            continue
        result.append(
            {
                "stage": stage,
                "count": row["count"] if row else 0,
                "amount": (row["total"] if row else ZERO).quantize(CENTS),
                "weighted": (row["weighted_total"] if row else ZERO).quantize(CENTS),
            }
        )
    return result


RENEWAL_WINDOW_DAYS = 90


def contracts_to_renew(*, user, owner=None, today: date | None = None, days=RENEWAL_WINDOW_DAYS):
    """Live contracts (signed or active) ending within ``days`` days, soonest first,
    over what the user sees (and, given ``owner``, that owner's accounts). 1 query."""
    from opportunities.choices import ContractStatus
    from opportunities.models import Contract

    today = today or timezone.localdate()
    contracts = Contract.objects.visible_to(user).filter(
        archived_at__isnull=True,
        status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE],
        ends_on__gte=today,
        ends_on__lte=today + timedelta(days=days),
    )
    if owner is not None:
        contracts = contracts.filter(account__owner=owner)
    return contracts.select_related("account").order_by("ends_on", "pk")
