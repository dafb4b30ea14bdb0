"""Forecast, whitespace and stage statistics, checked against sums worked out by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from opportunities import selectors
from opportunities.models import Opportunity, OpportunityStageChange
from tests.factories import OpportunityFactory

TODAY = date(2026, 5, 15)
D = Decimal


@pytest.fixture
def deals(world, stages, lines):
    acme, globex, initech = (world.accounts[n] for n in ("acme", "globex", "initech"))

    def deal(account, line, amount, stage, close, probability=None, **extra):
        stage = stages[stage]
        return OpportunityFactory(
            account=account, product_line=lines[line], amount=D(amount), stage=stage,
            probability=stage.probability if probability is None else probability,
            expected_close_on=close, **extra,
        )  # fmt: skip

    return {
        # acme, owned by kam_a
        "A1": deal(acme, "software", "100000", "Qualify", date(2026, 5, 20)),  # 10%: 10,000
        "A2": deal(acme, "service", "300000", "Negotiation", date(2026, 6, 30)),  # 75%: 225,000
        "A3": deal(acme, "hardware", "50000.50", "Proposal", date(2026, 8, 1), 60),  # 30,000.30
        "A4": deal(
            acme, "software", "80000", "Won", date(2026, 4, 10), closed_on=date(2026, 4, 10)
        ),
        "A5": deal(acme, "service", "999999", "Lost", date(2026, 4, 1), closed_on=date(2026, 4, 1)),
        # globex, owned by kam_b
        "B1": deal(globex, "software", "200000", "Proposal", date(2026, 9, 30)),  # 50%: 100,000
        # initech, owned by kam_c
        "C1": deal(initech, "software", "1000000", "Needs analysis", date(2026, 5, 1)),  # 250,000
    }


def _money(row):
    return {k: row[k] for k in ("pipeline", "weighted", "commit", "best_case", "won")}


def test_forecast_totals_for_everyone_and_for_a_kam(world, deals):
    assert _money(selectors.forecast_totals(user=world.user("ops"), today=TODAY)) == {
        "pipeline": D("1650000.50"),
        "weighted": D("615000.30"),
        "commit": D("300000.00"),
        "best_case": D("550000.50"),
        "won": D("80000.00"),
    }
    assert _money(selectors.forecast_totals(user=world.user("kam_a"), today=TODAY)) == {
        "pipeline": D("650000.50"),  # acme 450,000.50 + globex (account team) 200,000
        "weighted": D("365000.30"),
        "commit": D("300000.00"),
        "best_case": D("550000.50"),
        "won": D("80000.00"),
    }
    assert _money(selectors.forecast_totals(user=world.user("kam_c"), today=TODAY))["won"] == 0


def test_won_to_date_leaves_out_deals_closed_after_the_day(world, deals):
    totals = selectors.forecast_totals(user=world.user("ops"), today=date(2026, 4, 9))
    assert totals["won"] == 0


def test_forecast_by_quarter(world, deals):
    rows = selectors.forecast_by_quarter(user=world.user("ops"), today=TODAY)
    assert [(row["label"], _money(row)) for row in rows] == [
        ("2026 Q2", {"pipeline": D("1400000.00"), "weighted": D("485000.00"),
                     "commit": D("300000.00"), "best_case": D("300000.00"),
                     "won": D("80000.00")}),
        ("2026 Q3", {"pipeline": D("250000.50"), "weighted": D("130000.30"),
                     "commit": D("0.00"), "best_case": D("250000.50"), "won": D("0.00")}),
    ]  # fmt: skip


def test_forecast_by_owner_and_team(world, deals, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = selectors.forecast_by_owner(user=world.user("ops"), today=TODAY)
    assert [(r["owner"].username, r["pipeline"], r["weighted"], r["won"]) for r in rows] == [
        ("kam_a", D("450000.50"), D("265000.30"), D("80000.00")),
        ("kam_c", D("1000000.00"), D("250000.00"), D("0.00")),
        ("kam_b", D("200000.00"), D("100000.00"), D("0.00")),
    ]
    with django_assert_num_queries(4):
        teams = selectors.forecast_by_team(user=world.user("ops"), today=TODAY)
    assert [(r["team"].name, r["weighted"], r["commit"], r["open_count"]) for r in teams] == [
        ("East", D("365000.30"), D("300000.00"), 4),
        ("South", D("250000.00"), D("0.00"), 1),
    ]
    # a supervisor's rollup covers their team only
    teams = selectors.forecast_by_team(user=world.user("sup_south"), today=TODAY)
    assert [(r["team"].name, r["weighted"]) for r in teams] == [("South", D("250000.00"))]


def test_whitespace_states(world, stages, lines, django_assert_num_queries):
    today = timezone.localdate()
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    won = stages["Won"]
    # acme: software won 100 days ago (bought) and an open up-sell there too: still bought
    OpportunityFactory(account=acme, product_line=lines["software"], stage=won,
                       closed_on=today - timedelta(days=100))  # fmt: skip
    OpportunityFactory(account=acme, product_line=lines["software"], stage=stages["Proposal"])
    # acme: service only in the pipeline
    OpportunityFactory(account=acme, product_line=lines["service"], stage=stages["Qualify"])
    # globex: hardware won 400 days ago (too old: open again); service lost (open)
    OpportunityFactory(account=globex, product_line=lines["hardware"], stage=won,
                       closed_on=today - timedelta(days=400))  # fmt: skip
    OpportunityFactory(account=globex, product_line=lines["service"], stage=stages["Lost"],
                       closed_on=today)  # fmt: skip
    with django_assert_num_queries(3):
        rows, columns = selectors.whitespace_matrix(user=world.user("kam_a"))
    assert [line.code for line in columns] == ["software", "service", "hardware"]
    assert {row.account.name: [state for _, state in row.cells] for row in rows} == {
        "acme": ["bought", "pipeline", "open"],
        "globex": ["open", "open", "open"],
    }


def test_stage_stats_conversion_and_time_in_stage(world, stages, lines):
    from opportunities import services

    kam = world.user("kam_a")
    base = timezone.now() - timedelta(days=30)

    def run(path, gaps):
        opportunity = services.opportunity_create(
            actor=kam, account=world.accounts["acme"], name="x", product_line=lines["software"],
            amount=D("100"), expected_close_on=timezone.localdate(),
        )  # fmt: skip
        for name in path:
            services.opportunity_move_stage(
                actor=kam, opportunity=opportunity, stage=stages[name], reason="why"
            )
        changes = OpportunityStageChange.objects.filter(opportunity=opportunity).order_by("pk")
        when = base
        for change, gap in zip(changes, [0, *gaps], strict=True):
            when += timedelta(days=gap)
            OpportunityStageChange.objects.filter(pk=change.pk).update(changed_at=when)
        return opportunity

    run(["Proposal", "Won"], [2, 4])  # 2 days in Qualify, 4 in Proposal
    run(["Proposal", "Lost"], [4, 6])  # 4 days in Qualify, 6 in Proposal
    run([], [])  # still in Qualify
    stats = {s.stage.name: s for s in selectors.pipeline_stage_stats(user=kam)}
    assert (stats["Qualify"].entered, stats["Qualify"].advanced) == (3, 2)
    assert stats["Qualify"].conversion == pytest.approx(66.7)
    assert stats["Qualify"].average_days == 3.0
    assert (stats["Proposal"].entered, stats["Proposal"].advanced) == (2, 1)
    assert stats["Proposal"].average_days == 5.0
    velocity = selectors.pipeline_velocity(user=kam)
    assert velocity["win_rate"] == 50.0
    assert velocity["cycle_days"] == 6.0
    assert velocity["open_count"] == 1
    # 1 open deal × 100 average won × 50% ÷ 6 days
    assert velocity["velocity_per_day"] == D("8.33")
    assert selectors.pipeline_stage_stats(user=world.user("kam_c"))[0].entered == 0


def test_forecast_ignores_archived_deals(world, deals):
    Opportunity.objects.filter(pk=deals["C1"].pk).update(archived_at=timezone.now())
    totals = selectors.forecast_totals(user=world.user("ops"), today=TODAY)
    assert totals["pipeline"] == D("650000.50")
