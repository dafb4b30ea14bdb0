"""My day, the team dashboard and the reports: figures against hand-computed values on
a small seeded team (tests/dashboards/seed.py), visibility (pages, exports and
drill-down URLs), and a fixed number of queries whatever the team size."""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import selectors
from dashboards.reports import REPORTS
from tests.dashboards.seed import seed_team
from tests.factories import (
    AccountFactory,
    ActualFactory,
    ComplaintFactory,
    OpportunityFactory,
    TeamMembershipFactory,
    UserFactory,
    VisitFactory,
)

REPORT_NAMES = [f"dashboards:report-{key}" for key in REPORTS]


@pytest.fixture
def team(world):
    return seed_team(world)


def _ytd_rate(actual):
    # plans' targets are 300 a quarter: 100 a month, so the year to date's is 100 × months
    target = Decimal(100 * timezone.localdate().month)
    return (Decimal(actual) * 100 / target).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _dashboard(world, viewer="sup_east", team_name="East"):
    period = selectors.period_from({})
    return selectors.team_dashboard(
        user=world.user(viewer), team=world.teams[team_name], period=period
    )


# --- figures -----------------------------------------------------------------------------


def test_team_rows_match_hand_computed_values(team):
    rows = {row.user.username: row for row in _dashboard(team)["rows"]}
    assert set(rows) == {"kam_a", "kam_b"}
    a, b = rows["kam_a"], rows["kam_b"]
    assert (a.accounts, a.visits, a.overdue_revisits, a.past_cadence, a.red, a.breached) == (
        2, 1, 1, 1, 1, 1,
    )  # fmt: skip
    assert (b.accounts, b.visits, b.overdue_revisits, b.past_cadence, b.red, b.breached) == (
        1, 0, 0, 1, 0, 0,
    )  # fmt: skip
    assert a.weighted == Decimal("50000.00")
    assert b.weighted == Decimal("20000.00")
    assert a.quarter_rate == Decimal("50.0")  # 150 of 300
    assert b.quarter_rate == Decimal("200.0")  # 600 of 300
    assert a.ytd_rate == _ytd_rate(150)
    assert b.ytd_rate == _ytd_rate(600)


def test_team_charts_match_hand_computed_values(team):
    charts = _dashboard(team)["charts"]
    health = dict(zip(charts["health"]["keys"], charts["health"]["values"], strict=True))
    assert health == {"green": 1, "amber": 1, "red": 1, "": 0}
    assert charts["tiers"]["values"] == [1, 1, 0, 0, 1]  # A, B, C, D, not graded
    pipeline = dict(zip(charts["pipeline"]["labels"], charts["pipeline"]["amount"], strict=True))
    assert pipeline == {
        "Qualify": 200000.0,
        "Needs analysis": 0.0,
        "Proposal": 100000.0,
        "Negotiation": 0.0,  # initech's 999,000 is South's
    }
    assert charts["pipeline"]["weighted"] == [20000.0, 0.0, 50000.0, 0.0]
    today = timezone.localdate()
    quarter = f"{today.year} Q{(today.month - 1) // 3 + 1}"
    forecast = charts["forecast"]
    assert forecast["labels"] == [quarter]
    assert (forecast["commit"], forecast["best_case"], forecast["won"]) == (
        [0.0], [100000.0], [40000.0],
    )  # fmt: skip
    this_quarter = (today.month - 1) // 3
    assert charts["attainment"]["actual"][this_quarter] == 750.0  # 150 + 600
    assert charts["attainment"]["target"] == [600.0] * 4  # two plans of 300 a quarter
    assert sum(charts["visits"]["values"]) == 3  # acme 5 and 40 days ago, globex 35
    assert len(charts["visits"]["values"]) in (12, 13)
    assert charts["pareto"]["labels"] == ["globex", "acme"]


def test_my_day_matches_hand_computed_values(team):
    day = selectors.my_day(user=team.user("kam_a"))
    assert [visit.summary for visit in day["revisits"]] == ["acme-recent"]
    assert [account.name for account in day["past_cadence"]] == ["hooli"]
    assert [complaint.description for complaint in day["complaints"]] == ["acme-breached"]
    assert [item.title for item in day["action_items"]] == ["hooli-action"]
    assert [contract.number for contract in day["renewals"]] == ["HT-acme"]
    assert {row["status"]: row["count"] for row in day["health"]} == {
        "green": 0, "amber": 1, "red": 1, "": 0,
    }  # fmt: skip
    assert day["forecast"]["weighted"] == Decimal("50000.00")
    assert day["attainment"].rate == _ytd_rate(150)
    stages = {row["stage"].name: row["weighted"] for row in day["stages"]}
    assert stages["Proposal"] == Decimal("50000.00")
    assert stages["Qualify"] == Decimal("0.00")  # globex is kam_b's


def test_my_day_is_a_kams_home_page_with_one_tap_actions(client, team):
    client.force_login(team.user("kam_a"))
    page = client.get(reverse("home")).content.decode()
    assert 'data-figure="revisits">1<' in page
    assert f"{reverse('accounts:visit-create')}?account={team.accounts['acme'].pk}" in page
    complaint = team.accounts["acme"].complaints.get()
    assert complaint.get_absolute_url() in page
    assert "initech" not in page
    assert "globex" not in page


def test_supervisors_home_is_the_team_dashboard(client, team):
    client.force_login(team.user("sup_east"))
    page = client.get(reverse("home")).content.decode()
    assert 'id="kam-table"' in page
    assert 'data-kam="kam_a"' in page


def test_report_rows_match_hand_computed_values(team):
    sup = team.user("sup_east")
    filters = selectors_filters(sup, {})
    plan = REPORTS["plan-actual"].rows(user=sup, filters=filters)
    assert [(row["account"], row["actual"]) for row in plan] == [
        ("acme", Decimal(150)), ("globex", Decimal(600)),
    ]  # fmt: skip
    pipeline = {
        row["owner"]: row["weighted"]
        for row in REPORTS["pipeline"].rows(user=sup, filters=selectors_filters(sup, {}))
    }
    assert pipeline == {
        team.user("kam_a").display_name: Decimal("50000.00"),
        team.user("kam_b").display_name: Decimal("20000.00"),
    }
    activity = REPORTS["activity"].rows(user=sup, filters=filters)
    assert sum(row["count"] for row in activity) in (2, 3)  # the 40-day-old one may be last year
    sla = {row["account"]: row["breached"] for row in REPORTS["complaint-sla"].rows(
        user=sup, filters=filters)}  # fmt: skip
    assert sla == {"acme": "Yes", "globex": "No"}


def selectors_filters(user, params):
    from dashboards.reports import filters_from

    return filters_from(params, user)


# --- visibility --------------------------------------------------------------------------


def test_kams_cannot_open_the_team_dashboard(client, team):
    client.force_login(team.user("kam_c"))
    assert client.get(reverse("dashboards:team")).status_code == 404


def test_another_supervisor_cannot_pick_a_team_not_theirs(client, team):
    client.force_login(team.user("sup_south"))
    east = team.teams["East"]
    page = client.get(reverse("dashboards:team"), {"team": east.pk}).content.decode()
    assert 'data-kam="kam_c"' in page  # their own team instead
    assert 'data-kam="kam_a"' not in page
    assert "acme" not in page
    assert "globex" not in page


def test_executives_pick_any_team(client, team):
    client.force_login(team.user("exec"))
    page = client.get(reverse("dashboards:team"), {"team": team.teams["East"].pk})
    assert 'data-kam="kam_a"' in page.content.decode()
    page = client.get(reverse("dashboards:team"), {"team": team.teams["South"].pk})
    assert 'data-kam="kam_c"' in page.content.decode()


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_exports_carry_the_page_rows_and_only_visible_ones(client, team, name):
    client.force_login(team.user("kam_c"))
    page = client.get(reverse(name))
    assert page.status_code == 200
    text = page.content.decode()
    csv_response = client.get(reverse(name), {"export": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    raw = b"".join(csv_response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    csv_rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    xlsx = client.get(reverse(name), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    xlsx_rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    from dashboards.reports import filters_from
    from kam.exports import header_label

    report = REPORTS[name.removeprefix("dashboards:report-")]
    expected = report.rows(user=team.user("kam_c"), filters=filters_from({}, team.user("kam_c")))
    assert len(csv_rows) == len(xlsx_rows) == len(expected) + 1  # the header
    first = [row[0] for row in xlsx_rows]
    first = [v.strftime("%Y-%m-%d %H:%M") if hasattr(v, "hour") else str(v) for v in first]
    if report.columns[0].kind == "date":
        first = [v.removesuffix(" 00:00") for v in first]
    assert [row[0] for row in csv_rows] == first
    assert csv_rows[0] == [header_label(column) for column in report.columns]
    for content in (raw.decode("utf-8-sig"), str(xlsx_rows), text):
        for foreign in ("acme", "globex", "hooli", "kam_a", "kam_b"):
            assert foreign not in content, (name, foreign)


def test_drill_down_urls_show_nothing_to_a_kam_of_another_team(client, team):
    rows = _dashboard(team)["rows"]
    client.force_login(team.user("kam_c"))
    for row in rows:
        for key, url in row.links.items():
            response = client.get(url)
            assert response.status_code == 200, (key, url)
            body = response.content.decode()
            for foreign in ("acme-", "hooli", ">acme<", ">globex<"):
                assert foreign not in body, (key, url, foreign)


def test_drill_down_lists_hold_the_rows_behind_the_figures(client, team):
    client.force_login(team.user("sup_east"))
    rows = {row.user.username: row for row in _dashboard(team)["rows"]}
    a = rows["kam_a"]
    past = client.get(a.links["past_cadence"]).content.decode()
    assert ">hooli<" in past
    assert ">acme<" not in past
    red = client.get(a.links["red"]).content.decode()
    assert ">acme<" in red
    assert ">hooli<" not in red
    overdue = client.get(a.links["overdue_revisits"]).content.decode()
    assert "acme-recent" in overdue
    assert "globex-visit" not in overdue
    breached = client.get(a.links["breached"]).content.decode()
    assert "acme-breached" in breached
    assert "globex-ok" not in breached
    weighted = client.get(a.links["weighted"]).content.decode()
    assert "acme-proposal" in weighted
    assert "acme-won" not in weighted
    assert "globex-qualify" not in weighted


# --- a fixed number of queries -------------------------------------------------------------


def _grow(world, size):
    """Make the East team ``size`` KAMs, each with an account, a visit with an overdue
    revisit, an opportunity, an actual and a breached complaint."""
    east = world.teams["East"]
    today = timezone.localdate()
    have = east.memberships.count()
    for index in range(have, size):
        kam = UserFactory(username=f"kam_{index}", role="account_manager")
        TeamMembershipFactory(team=east, user=kam)
        account = AccountFactory(name=f"account-{index}", owner=kam, tier="B",
                                 health_status="red")  # fmt: skip
        VisitFactory(account=account, logged_by=kam, next_visit_on=today.replace(day=1),
                     next_visit_owner=kam)  # fmt: skip
        OpportunityFactory(account=account)
        ActualFactory(account=account, year=today.year, month=today.month, revenue=10)
        ComplaintFactory(account=account, breached=True)


def _count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


PAGES = ["home", "dashboards:my-day", "dashboards:team", "dashboards:reports", *REPORT_NAMES]


def _pages(viewer):
    return [name for name in PAGES if viewer != "kam_a" or name != "dashboards:team"]


def test_each_page_runs_a_fixed_number_of_queries_for_3_and_30_kams(client, team):
    _grow(team, 3)
    counts = {}
    for viewer in ("sup_east", "kam_a", "exec"):
        client.force_login(team.user(viewer))
        for name in _pages(viewer):
            counts[(viewer, name)] = [_count(client, reverse(name))]
    _grow(team, 30)
    assert team.teams["East"].memberships.count() == 30
    for viewer in ("sup_east", "kam_a", "exec"):
        client.force_login(team.user(viewer))
        for name in _pages(viewer):
            counts[(viewer, name)].append(_count(client, reverse(name)))
    varying = {key: value for key, value in counts.items() if value[0] != value[1]}
    assert varying == {}
    expected = {(viewer, name): EXPECTED_QUERIES[name] for viewer, name in counts}
    expected[("kam_a", "home")] = EXPECTED_QUERIES["dashboards:my-day"]  # a KAM's home is My day
    assert {key: value[0] for key, value in counts.items()} == expected


# queries per page, the session, the user and the unread count of the bell included
EXPECTED_QUERIES = {
    "home": 12,  # a supervisor's or an executive's home is the team dashboard
    "dashboards:my-day": 12,
    "dashboards:team": 12,
    "dashboards:reports": 3,
    "dashboards:report-plan-actual": 7,
    "dashboards:report-pipeline": 6,
    "dashboards:report-activity": 6,
    "dashboards:report-complaint-sla": 6,
    "dashboards:report-tier-movements": 5,
}


def _rows_behind(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["paginator"].object_list)


def test_every_number_and_segment_is_the_size_of_the_list_behind_it(client, team):
    """Each figure of the KAM rows and each segment of the health, tier, pipeline and
    visits charts equals what its drill-down list holds."""
    client.force_login(team.user("sup_east"))
    dashboard = _dashboard(team)
    for row in dashboard["rows"]:
        for key in ("accounts", "visits", "overdue_revisits", "past_cadence", "red", "breached"):
            assert len(_rows_behind(client, row.links[key])) == getattr(row, key), (
                row.user.username, key,
            )  # fmt: skip
        opportunities = _rows_behind(client, row.links["weighted"])
        assert sum(o.weighted_amount for o in opportunities) == row.weighted
    charts = dashboard["charts"]
    for name in ("health", "tiers", "visits"):
        for value, url in zip(charts[name]["values"], charts[name]["urls"], strict=True):
            assert len(_rows_behind(client, url)) == value, (name, url)
    for amount, url in zip(charts["pipeline"]["amount"], charts["pipeline"]["urls"], strict=True):
        assert float(sum(o.amount for o in _rows_behind(client, url))) == amount, url
    for won, url in zip(charts["forecast"]["won"], charts["forecast"]["urls"], strict=True):
        deals = _rows_behind(client, url)
        assert float(sum(o.amount for o in deals if o.stage.kind == "won")) == won, url


def test_my_day_lists_match_their_drill_down_lists(client, team):
    kam = team.user("kam_a")
    client.force_login(kam)
    day = selectors.my_day(user=kam)
    for key in ("revisits", "past_cadence", "complaints", "action_items"):
        behind = _rows_behind(client, day["links"][key])
        assert {row.pk for row in behind} == {row.pk for row in day[key]}, key
    for row in [*day["health"], *day["tiers"]]:
        assert len(_rows_behind(client, row["url"])) == row["count"], row["url"]
