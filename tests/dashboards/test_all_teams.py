"""The team dashboard's "All teams": a row per team whose figures are the sums of the
KAM rows of that team's own dashboard, each row leading to them; offered to executives
and admins (and to a supervisor of several teams, over those), in a fixed number of
queries."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import selectors
from dashboards.views import ALL_TEAMS
from tests.dashboards.seed import seed_team
from tests.factories import (
    AccountFactory,
    ComplaintFactory,
    OpportunityFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
    VisitFactory,
)


@pytest.fixture
def team(world):
    return seed_team(world)


def _team_rows(html: str) -> dict:
    """{team id: {figure: (text, href)}} read from the "All teams" table."""
    rows = {}
    for pk, body in re.findall(r'<tr data-team="(\d+)">(.*?)</tr>', html, re.S):
        links = re.findall(r'<a data-figure="(\w+)" href="([^"]*)"[^>]*>([^<]*)</a>', body)
        rows[int(pk)] = {figure: (text.strip(), unescape(href)) for figure, href, text in links}
    return rows


def _kam_rows(html: str) -> dict:
    rows = {}
    for username, body in re.findall(r'<tr data-kam="([^"]+)">(.*?)</tr>', html, re.S):
        rows[username] = {
            figure: text.strip()
            for figure, text in re.findall(r'<a data-figure="(\w+)" href="[^"]*">([^<]*)</a>', body)
        }
    return rows


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").rstrip("%") or "0")


SUMMED = ("accounts", "visits", "overdue_revisits", "past_cadence", "red", "weighted", "breached")


@pytest.mark.parametrize("viewer", ["exec", "ops"])
def test_each_team_row_is_the_sum_of_its_own_dashboard_s_kam_rows(client, team, viewer):
    client.force_login(team.user(viewer))
    page = client.get(reverse("dashboards:team"), {"team": ALL_TEAMS})
    assert page.status_code == 200
    rows = _team_rows(page.content.decode())
    assert set(rows) == {t.pk for t in team.teams.values()}
    for each in team.teams.values():
        row = rows[each.pk]
        own = client.get(row["team"][1])  # the drill-down: the team's own dashboard
        kams = _kam_rows(own.content.decode())
        assert len(kams) == int(row["kams"][0]) == each.memberships.count()
        for figure in SUMMED:
            total = sum((_number(kam[figure]) for kam in kams.values()), Decimal(0))
            assert _number(row[figure][0]) == total, (each.name, figure)
    # the hand-computed seed: East is kam_a + kam_b, South kam_c
    east, south = rows[team.teams["East"].pk], rows[team.teams["South"].pk]
    assert [east[name][0] for name in SUMMED] == ["3", "1", "1", "2", "1", "70,000.00", "1"]
    assert [south[name][0] for name in SUMMED] == ["1", "1", "1", "0", "1", "749,250.00", "1"]


def test_team_rows_match_the_teams_attainment_and_its_lists(client, team):
    """The attainment figures are the team's (the attainment page's), and each count is
    the size of the list behind it."""
    from plans.selectors import attainment_by_team

    client.force_login(team.user("exec"))
    period = selectors.period_from({})
    rows = selectors.all_teams_dashboard(
        user=team.user("exec"), teams=selectors.dashboard_teams(team.user("exec")), period=period
    )["team_rows"]
    expected = {
        row.key: row
        for row in attainment_by_team(
            user=team.user("exec"), year=period.year, quarter=period.quarter, as_of=period.today
        )
    }
    assert expected  # the seed gives East plans and actuals
    for row in rows:
        reached = expected.get(row.team.pk)
        assert row.quarter_rate == (reached.rate if reached else None)
        assert row.ytd_rate == (reached.ytd_rate if reached else None)
        for figure in ("accounts", "visits", "overdue_revisits", "past_cadence", "red"):
            listed = client.get(row.links[figure]).context["paginator"].count
            assert listed == getattr(row, figure), (row.team.name, figure)
        listed = client.get(row.links["breached"]).context["paginator"].count
        assert listed == row.breached
        deals = client.get(row.links["weighted"]).context["paginator"].object_list
        assert sum(deal.weighted_amount for deal in deals) == row.weighted


def test_who_is_offered_all_teams(client, team):
    # a supervisor of one team sees their team, with no "All teams"
    client.force_login(team.user("sup_east"))
    html = client.get(reverse("dashboards:team"), {"team": ALL_TEAMS}).content.decode()
    assert f'value="{ALL_TEAMS}"' not in html
    assert 'data-kam="kam_a"' in html
    assert "data-team=" not in html
    # an executive is offered it, lands on the first team and may pick any
    client.force_login(team.user("exec"))
    html = client.get(reverse("dashboards:team")).content.decode()
    assert f'value="{ALL_TEAMS}"' in html
    assert 'data-kam="kam_a"' in html
    html = client.get(reverse("dashboards:team"), {"team": team.teams["South"].pk})
    assert 'data-kam="kam_c"' in html.content.decode()
    assert "data-team=" not in html.content.decode()
    # a supervisor of two teams: their first team by default, "All teams" over the two
    west = TeamFactory(name="West", supervisor=team.user("sup_east"))
    TeamMembershipFactory(team=west, user=UserFactory(username="kam_w", role="account_manager"))
    client.force_login(team.user("sup_east"))
    html = client.get(reverse("dashboards:team")).content.decode()
    assert 'data-kam="kam_a"' in html
    html = client.get(reverse("dashboards:team"), {"team": ALL_TEAMS}).content.decode()
    assert set(_team_rows(html)) == {team.teams["East"].pk, west.pk}
    # KAMs are refused
    client.force_login(team.user("kam_a"))
    assert client.get(reverse("dashboards:team"), {"team": ALL_TEAMS}).status_code == 404


def _grow(world, teams: int):
    """``teams`` more teams of two KAMs, each KAM with an account, a visit due, an
    opportunity and a breached complaint."""
    have = len(world.teams)
    for index in range(have, have + teams):
        supervisor = UserFactory(username=f"sup_{index}", role="supervisor")
        made = TeamFactory(name=f"team-{index}", supervisor=supervisor)
        world.teams[made.name] = made
        for number in range(2):
            kam = UserFactory(username=f"kam_{index}_{number}", role="account_manager")
            TeamMembershipFactory(team=made, user=kam)
            account = AccountFactory(owner=kam, tier="B", health_status="red")
            VisitFactory(account=account, logged_by=kam, next_visit_owner=kam)
            OpportunityFactory(account=account)
            ComplaintFactory(account=account, breached=True)


def test_all_teams_runs_a_fixed_number_of_queries(client, team):
    client.force_login(team.user("exec"))
    counts = []
    for more in (0, 10):
        _grow(team, more)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("dashboards:team"), {"team": ALL_TEAMS})
        assert response.status_code == 200
        assert len(_team_rows(response.content.decode())) == len(team.teams)
        counts.append(len(captured))
    assert counts == [12, 12]  # with the session, the user and the bell
