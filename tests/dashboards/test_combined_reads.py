"""The dashboards' combined reads give what the selectors they stand for give, one by one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.health.selectors import health_distribution
from accounts.models import Account
from accounts.tiering.selectors import revenue_concentration, tier_distribution
from dashboards import selectors
from kam.queries import day_start
from opportunities.filtersets import filter_by_team
from opportunities.models import Opportunity
from opportunities.selectors import (
    cube_by,
    forecast_by_owner,
    forecast_by_quarter,
    forecast_by_quarter_from_cube,
    forecast_cube,
    pipeline_by_stage,
    pipeline_from_cube,
)
from plans.selectors import (
    attainment_by_kam,
    kam_attainment,
    team_attainment,
    team_attainment_by_quarter,
)
from tests.dashboards.seed import seed_team


@pytest.fixture
def team(world):
    return seed_team(world)


VIEWERS = ["sup_east", "exec", "kam_a"]


def _figures(row):
    if row is None:
        return None
    return (row.actual, row.gross_profit, row.ytd_actual, row.target, row.rate, row.ytd_rate)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("quarter", [None, 1, 4])
def test_attainment_reads_match_the_selectors_they_combine(team, viewer, quarter):
    user, east = team.user(viewer), team.teams["East"]
    today, year = timezone.localdate(), timezone.localdate().year
    members = list(east.memberships.values_list("user", flat=True))
    people = [team.user(name) for name in ("kam_a", "kam_b")]
    assert sorted(members) == sorted(person.pk for person in people)
    by_kam, by_quarter = team_attainment(
        user=user, team=east, members=people, year=year, quarter=quarter, as_of=today
    )
    expected = {
        row.key: row
        for row in attainment_by_kam(user=user, year=year, quarter=quarter, as_of=today, team=east)
    }
    for person in people:
        if person.pk in expected:
            assert _figures(by_kam[person.pk]) == _figures(expected[person.pk])
        else:
            assert by_kam[person.pk].rate is None
    assert by_quarter == team_attainment_by_quarter(user=user, team=east, year=year, as_of=today)
    for person in people:
        mine = [
            row
            for row in attainment_by_kam(
                user=user, year=year, quarter=quarter, as_of=today, kam=person.pk
            )
            if row.key == person.pk
        ]
        single = kam_attainment(user=user, kam=person, year=year, quarter=quarter, as_of=today)
        assert _figures(single) == _figures(mine[0] if mine else None)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_forecast_cube_sums_to_the_forecast_selectors(team, viewer):
    user, east = team.user(viewer), team.teams["East"]
    opportunities = filter_by_team(Opportunity.objects.all(), [east])
    cube = forecast_cube(user=user, queryset=opportunities)
    assert forecast_by_quarter_from_cube(cube) == forecast_by_quarter(
        user=user, queryset=opportunities
    )
    assert pipeline_from_cube(cube) == pipeline_by_stage(user=user, queryset=opportunities)
    by_owner = cube_by(cube, "owner")
    for row in forecast_by_owner(user=user, queryset=opportunities):
        assert by_owner[row["owner"].pk]["weighted"] == row["weighted"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_account_and_visit_reads_match_the_selectors_they_combine(team, viewer):
    user, east = team.user(viewer), team.teams["East"]
    today = timezone.localdate()
    owners = [*east.memberships.values_list("user", flat=True), east.supervisor_id]
    accounts = selectors.team_accounts(user=user, owners=owners, today=today)
    visible = Account.objects.visible_to(user).filter(owner__in=owners)
    assert selectors.health_rows(accounts.health) == health_distribution(visible)
    assert selectors.tier_rows(accounts.tiers) == tier_distribution(visible)
    expected = revenue_concentration(visible, limit=selectors.CONCENTRATION_ROWS)
    got = accounts.concentration
    assert (got.total_revenue, got.account_count, got.carrying_count, got.carrying_percent) == (
        expected.total_revenue,
        expected.account_count,
        expected.carrying_count,
        expected.carrying_percent,
    )
    strip = ("rank", "revenue", "share", "cumulative_percent", "within")
    assert [(row["account"].pk, *(row[key] for key in strip)) for row in got.rows] == [
        (row["account"].pk, *(row[key] for key in strip)) for row in expected.rows
    ]
    shown = [(row["account"].name, row["account"].get_absolute_url()) for row in got.rows]
    assert shown == [
        (row["account"].name, row["account"].get_absolute_url()) for row in expected.rows
    ]
    first = today - timedelta(weeks=selectors.VISIT_WEEKS - 1)
    visits = selectors.team_visits(
        user=user,
        loggers=owners,
        revisit_owners=owners,
        since=day_start(today - timedelta(days=selectors.ACTIVITY_DAYS)),
        first=first,
        today=today,
    )
    from accounts.selectors import overdue_revisits_by_owner, visits_by_logger, visits_per_week

    assert visits.weeks == visits_per_week(user=user, loggers=owners, since=first)
    assert visits.recent == visits_by_logger(
        user=user,
        loggers=owners,
        since=day_start(today - timedelta(days=selectors.ACTIVITY_DAYS)),
    )
    assert visits.overdue == overdue_revisits_by_owner(user=user, owners=owners, day=today)
