"""Tiering reads the ERP actuals when they exist, the estimates until then."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.tiering.engine import actuals_window
from accounts.tiering.models import TierScore
from accounts.tiering.services import accounts_score
from plans.models import Actual


def _actual(account, year, month, revenue, profit):
    return Actual.objects.create(
        account=account,
        year=year,
        month=month,
        revenue=Decimal(revenue),
        gross_profit=Decimal(profit),
    )


def test_the_window_is_the_last_twelve_complete_months():
    first, end = actuals_window(date(2026, 11, 23))
    assert (divmod(first, 12), divmod(end, 12)) == ((2025, 10), (2026, 10))  # Nov 2025–Oct 2026


def test_actuals_of_the_last_twelve_months_replace_the_estimate(world, client):
    acme, globex, initech = (world.accounts[name] for name in ("acme", "globex", "initech"))
    Account.objects.filter(pk=acme.pk).update(
        annual_revenue_estimate=Decimal("100"), gross_margin_estimate=Decimal("50")
    )
    Account.objects.filter(pk=globex.pk).update(annual_revenue_estimate=Decimal("300"))
    Account.objects.filter(pk=initech.pk).update(annual_revenue_estimate=Decimal("200"))
    today = timezone.localdate()
    this_year, this_month = today.year, today.month
    last = (this_year, this_month - 1) if this_month > 1 else (this_year - 1, 12)
    # acme: two months inside the window (1,000 revenue) and one outside: too old.
    _actual(acme, *last, "600", "60")
    first_year, first_month = divmod(actuals_window(today)[0], 12)
    _actual(acme, first_year, first_month + 1, "400", "40")  # 11 months before: still inside
    _actual(acme, last[0] - 1, last[1], "9000", "900")  # 12 months before: outside
    _actual(acme, this_year, this_month, "5000", "500")  # the month under way: outside

    run = accounts_score()

    scores = {s.account_id: s for s in TierScore.objects.filter(run=run)}
    purchase = scores[acme.pk].breakdown["annual_purchase"]
    assert purchase["inputs"]["revenue_source"] == "actuals"
    assert Decimal(str(purchase["inputs"]["actual_revenue_12m"])) == 1000
    assert purchase["inputs"]["actual_months"] == 2
    assert Decimal(str(purchase["score"])) == 100  # 1,000 beats 300 and 200
    profit = scores[acme.pk].breakdown["profit_contribution"]["inputs"]
    assert Decimal(str(profit["gross_profit"])) == 100  # actual gross profit, not 1,000 × 50%
    share = scores[acme.pk].breakdown["revenue_share"]["inputs"]
    assert Decimal(str(share["total_revenue"])) == 1500  # 1,000 + 300 + 200
    assert scores[globex.pk].breakdown["annual_purchase"]["inputs"]["revenue_source"] == "estimate"

    # The account page and the Pareto view say where the figure came from.
    client.force_login(world.user("ops"))
    page = client.get(reverse("accounts:detail", args=[acme.pk])).content.decode()
    assert "Revenue of the last 12 months CNY 1,000 (ERP actuals, 2 months)" in page
    overview = client.get(reverse("accounts:tiering")).content.decode()
    assert "2 of 3 accounts (66.7%) carry 80% of the revenue" in overview
