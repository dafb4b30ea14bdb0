"""Reads of the lifecycle: the account page's card, the lifetime value report by team.

The lifetime value is ``plans.lifetime.with_lifetime_value`` (its one definition): the
card, the report and the API read it alike.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Subquery, Sum

from accounts.models import Account
from kam.models import Team, User
from lifecycle.models import LifecycleMove, LifecycleOverride
from plans.lifetime import with_lifetime_value

ZERO = Decimal("0")


@dataclass
class LifecycleCard:
    account: Account
    last_move: LifecycleMove | None
    override: LifecycleOverride | None


def last_moves(account_ids) -> dict:
    """{account id: its latest move} (1 query)."""
    rows = (
        LifecycleMove.objects.filter(account_id__in=list(account_ids))
        .order_by("account_id", "-moved_at", "-id")
        .distinct("account_id")
        .select_related("moved_by")
    )
    return {move.account_id: move for move in rows}


MOVE_FIELDS = ("from_stage", "to_stage", "rule", "moved_at")
OVERRIDE_FIELDS = ("stage", "reason", "until", "created_by__full_name", "created_by__username")


def with_lifecycle(accounts, today=None):
    """``accounts`` with their latest move (``move_<field>``) and the override in force
    (``override_<field>``) as columns of the account's row: no query of their own."""
    moves = LifecycleMove.objects.filter(account=OuterRef("pk")).order_by("-moved_at", "-id")
    held = LifecycleOverride.objects.holding(today).filter(account=OuterRef("pk"))
    return accounts.annotate(
        **{f"move_{name}": Subquery(moves.values(name)[:1]) for name in MOVE_FIELDS},
        **{f"override_{name}": Subquery(held.values(name)[:1]) for name in OVERRIDE_FIELDS},
    )


def card_rows(accounts):
    """Accounts with what their lifecycle card shows (a few columns of the same query)."""
    return with_lifecycle(with_lifetime_value(accounts))


def account_lifecycle_card(*, account: Account) -> LifecycleCard:
    """The account page's lifecycle card: the stage, the last move, the override in force
    and the lifetime value; read from ``account`` when the page's own query carried them
    (``card_rows``), else in 1 query."""
    row = account
    if not hasattr(account, "move_to_stage"):
        row = card_rows(Account.objects.filter(pk=account.pk)).get()
    move = override = None
    if row.move_to_stage:
        move = LifecycleMove(**{name: getattr(row, f"move_{name}") for name in MOVE_FIELDS})
    if row.override_stage:
        override = LifecycleOverride(
            stage=row.override_stage,
            reason=row.override_reason,
            until=row.override_until,
            created_by=User(
                full_name=row.override_created_by__full_name,
                username=row.override_created_by__username,
            ),
        )
    return LifecycleCard(account=row, last_move=move, override=override)


@dataclass
class TeamValue:
    team: Team
    accounts: int = 0
    profit_to_date: Decimal = ZERO
    plan_remaining: Decimal = ZERO
    lifetime_value: Decimal = ZERO
    rows: list = field(default_factory=list)


def report_teams(user):
    """The teams a reader of the report may choose (a supervisor the teams they see,
    executives and admins every team)."""
    return Team.objects.visible_to(user).order_by("name")


def report_accounts(*, user, team: Team | None = None):
    """The active accounts the user sees (of ``team``'s members when given), with their
    lifetime value."""
    accounts = Account.objects.visible_to(user).active()
    if team is not None:
        accounts = accounts.filter(owner__team_memberships__team=team)
    return with_lifetime_value(accounts)


def value_by_team(*, user, team: Team | None = None) -> list[TeamValue]:
    """One row per team the user may choose (``team`` only, when given): its members'
    visible accounts and their lifetime value summed (2 queries: teams, sums)."""
    teams = {t.pk: TeamValue(team=t) for t in report_teams(user)}
    if team is not None:
        teams = {team.pk: teams[team.pk]} if team.pk in teams else {}
    sums = (
        report_accounts(user=user)
        .filter(owner__team_memberships__team__in=list(teams))
        .values(team_id=F("owner__team_memberships__team_id"))
        .annotate(
            n=Count("pk"),
            profit=Sum("profit_to_date"),
            remaining=Sum("plan_remaining"),
            value=Sum("lifetime_value"),
        )
        .order_by()
    )
    for row in sums:
        item = teams[row["team_id"]]
        item.accounts = row["n"]
        item.profit_to_date = row["profit"] or ZERO
        item.plan_remaining = row["remaining"] or ZERO
        item.lifetime_value = row["value"] or ZERO
    return list(teams.values())


def top_accounts(*, user, team: Team | None = None, limit: int = 50) -> list[Account]:
    """The visible active accounts by lifetime value, highest first, with their owners
    (1 query)."""
    rows = (
        report_accounts(user=user, team=team)
        .select_related("owner")
        .order_by("-lifetime_value", "name", "pk")[:limit]
    )
    return list(rows)
