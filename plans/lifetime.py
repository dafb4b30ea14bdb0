"""Customer lifetime value (客户生命周期价值), the one definition: read by the account page's
lifecycle card, the lifetime value report and the API.

lifetime value = profit to date + plan remaining, where

- profit to date: the gross profit of every ERP actual of the account (all months loaded);
- plan remaining: what this year's *approved* plan still expects: for each quarter target,
  its revenue × its planned gross margin % for the months of the quarter after the
  current month (a quarter is spread evenly over its three months, as ``spread_sql``
  spreads it; a quarter without a planned margin counts no profit). Plans hold one year
  each, so the value looks ahead to the end of the current year and no further.

Both are subqueries of the account row: one query for any number of accounts.
"""

from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, Round
from django.utils import timezone

from plans.choices import PlanStatus
from plans.models import Actual, PlanTarget

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


def remaining_months(quarter, month: int):
    """The months of ``quarter`` (an expression, 1–4) after ``month`` (1–12): 0–3."""
    return Least(Greatest(Value(3) * quarter - Value(month), Value(0)), Value(3))


def with_lifetime_value(accounts, today: date | None = None):
    """``accounts`` with ``profit_to_date``, ``plan_remaining`` and ``lifetime_value``
    (their sum), each rounded to the cent."""
    today = today or timezone.localdate()
    profit = (
        Actual.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("gross_profit"))
        .values("total")
    )
    remaining = (
        PlanTarget.objects.filter(
            plan__account=OuterRef("pk"), plan__year=today.year, plan__status=PlanStatus.APPROVED
        )
        .order_by()
        .values("plan__account")
        .annotate(
            total=Sum(
                ExpressionWrapper(
                    F("revenue")
                    * Coalesce(F("gross_margin"), Value(Decimal("0")))
                    / Value(Decimal("100"))
                    * remaining_months(F("quarter"), today.month)
                    / Value(Decimal("3")),
                    output_field=MONEY,
                )
            )
        )
        .values("total")
    )
    return accounts.annotate(
        profit_to_date=Coalesce(Subquery(profit, output_field=MONEY), ZERO),
        plan_remaining=Round(Coalesce(Subquery(remaining, output_field=MONEY), ZERO), 2),
    ).annotate(
        lifetime_value=ExpressionWrapper(
            F("profit_to_date") + F("plan_remaining"), output_field=models.DecimalField()
        )
    )
