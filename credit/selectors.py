"""Reads of credit: the account page's card, the exposure report by team, the review due.

Every figure comes from ``credit.levels.with_levels`` (over ``plans.credit``'s exposure),
so the page, the report, the exports and the API show the same numbers.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.models import Account
from credit.levels import status_of, with_levels
from credit.models import CreditReview
from kam.models import Team

ZERO = Decimal("0")


def with_review(accounts):
    """``accounts`` with ``credit_next_review_on`` and ``credit_reviewed_on``: those of the
    latest credit review (None before the first)."""
    latest = CreditReview.objects.filter(account=OuterRef("pk")).order_by("-reviewed_on", "-pk")
    return accounts.annotate(
        credit_next_review_on=Subquery(latest.values("next_review_on")[:1]),
        credit_reviewed_on=Subquery(latest.values("reviewed_on")[:1]),
    )


def review_due(next_review_on: date | None, today: date | None = None) -> bool:
    """A review is due on its date and after; an account never reviewed is due now."""
    today = today or timezone.localdate()
    return next_review_on is None or next_review_on <= today


@dataclass
class CreditCard:
    account: Account
    status: str
    due: bool


def with_credit_card(accounts):
    """``accounts`` with what the credit card shows (``with_levels`` and ``with_review``):
    the account page reads it in its own query of the account."""
    return with_review(with_levels(accounts))


def account_credit_card(*, account: Account) -> CreditCard:
    """The account page's credit card: the exposure, the share of the limit, the amount
    overdue more than 90 days, the badge and the next review. No query when ``account``
    was read through ``with_credit_card`` (the account page), else one."""
    row = account
    if not hasattr(account, "credit_next_review_on"):
        row = with_credit_card(Account.objects.filter(pk=account.pk)).get()
    return CreditCard(account=row, status=status_of(row), due=review_due(row.credit_next_review_on))


@dataclass
class TeamExposure:
    team: Team
    accounts: int = 0
    exposure: Decimal = ZERO
    credit_limit: Decimal = ZERO
    over_limit: int = 0
    overdue_90: Decimal = ZERO
    rows: list = field(default_factory=list)


def report_teams(user):
    """The teams a reader of the report may choose: those they see (a supervisor the
    teams they lead or belong to, executives and admins every team)."""
    return Team.objects.visible_to(user).order_by("name")


def report_accounts(*, user, team: Team | None = None):
    """The active accounts the user sees (of ``team``'s members when given), with their
    exposure and levels."""
    accounts = Account.objects.visible_to(user).active()
    if team is not None:
        accounts = accounts.filter(owner__team_memberships__team=team)
    return with_levels(accounts)


def exposure_by_team(*, user, team: Team | None = None) -> list[TeamExposure]:
    """One row per team the user may choose (``team`` only, when given): its members'
    visible accounts, their exposure and credit limits summed, how many are over the limit
    and the amount overdue more than 90 days (2 queries: teams, sums)."""
    teams = {t.pk: TeamExposure(team=t) for t in report_teams(user)}
    if team is not None:
        teams = {team.pk: teams[team.pk]} if team.pk in teams else {}
    sums = (
        report_accounts(user=user)
        .filter(owner__team_memberships__team__in=list(teams))
        .values(team_id=F("owner__team_memberships__team_id"))
        .annotate(
            n=Count("pk"),
            exposure=Sum("credit_exposure"),
            credit_limit_sum=Sum("credit_limit"),
            over=Count("pk", filter=Q(credit_at_limit=True)),
            overdue=Sum("credit_overdue_90"),
        )
        .order_by()
    )
    for row in sums:
        item = teams[row["team_id"]]
        item.accounts = row["n"]
        item.exposure = row["exposure"] or ZERO
        item.credit_limit = row["credit_limit_sum"] or ZERO
        item.over_limit = row["over"]
        item.overdue_90 = row["overdue"] or ZERO
    return list(teams.values())


def accounts_over_limit(*, user, team: Team | None = None) -> list[Account]:
    """The visible active accounts over their credit limit (the ``over_limit`` level), most
    exposed first, each with its owner (1 query)."""
    rows = (
        report_accounts(user=user, team=team)
        .filter(credit_at_limit=True)
        .select_related("owner")
        .order_by("-credit_share", "name", "pk")
    )
    return list(rows)
