"""The KAM scorecard on the dashboards' seeded team, figures computed by hand.

On top of tests/dashboards/seed.py (East: kam_a owns acme (A) and hooli, kam_b owns
globex; plans of 300 a quarter on acme and globex; this month's revenue acme 150,
globex 600; acme's complaint breached):

    acme this month: gross profit 30, invoiced 200, collected 150, overdue 1–30 days 50
    surveys on acme this quarter: recommend 10, 9 and 5 (2 promoters, 1 detractor)
    acme's plan approved on 15 January (on time); hooli's plan never approved
    an executive meeting on acme (tier A) an hour ago, kam_a alone: no executive sponsor
    took part, so it is not an executive-to-executive meeting (VisitQuerySet.
    executive_meetings) and does not count

kam_a by hand, current quarter, default measures (target, weight):
    attainment 150 / 300 = 50.0 %        (100, 30) -> 50.0
    gross margin 30 / 150 = 20.0 %       (25, 10)  -> 80.0
    collection 150 / 200 = 75.0 %        (90, 15)  -> 83.3
    receivables overdue 50               (0, 10)   -> 0.0
    cadence: hooli past -> 1 of 2 = 50.0 (90, 10)  -> 55.6
    complaints in time: 0 of 1 = 0.0     (95, 10)  -> 0.0
    NPS (2 - 1) / 3 = 33                 (30, 5)   -> 100.0
    plans on time: 1 of 2 = 50.0         (100, 5)  -> 50.0
    executive meetings: 0 of 1 A = 0.0   (50, 5)   -> 0.0
    total = 4855.5 / 100 = 48.6
"""

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.service.selectors import account_service_card, nps
from dashboards import selectors as dashboards
from kam.models import ExportRecord
from performance import selectors
from plans.models import AccountPlan, Actual, PlanTransition
from plans.selectors import collections_by_account
from tests.dashboards.seed import seed_team
from tests.factories import (
    AccountFactory,
    ActualFactory,
    ComplaintFactory,
    PlanFactory,
    SurveyFactory,
    TeamMembershipFactory,
    UserFactory,
    VisitFactory,
)

D = Decimal


@pytest.fixture
def team(world):
    seed_team(world)
    today = timezone.localdate()
    acme, hooli = world.accounts["acme"], world.accounts["hooli"]
    Actual.objects.filter(account=acme, year=today.year, month=today.month).update(
        gross_profit=30, invoiced=200, collected=150, overdue_1_30=50
    )
    for score in (10, 9, 5):
        SurveyFactory(account=acme, nps=score, taken_on=today)
    plan = AccountPlan.objects.get(account=acme, year=today.year)
    transition = PlanTransition.objects.create(
        plan=plan, event="approved", to_status="approved", revision=1,
        actor=world.user("sup_east"),
    )  # fmt: skip
    january = datetime(today.year, 1, 15, 10, tzinfo=timezone.get_current_timezone())
    PlanTransition.objects.filter(pk=transition.pk).update(created_at=january)
    assert AccountPlan.objects.filter(account=hooli, year=today.year).exists()
    VisitFactory(
        account=acme, logged_by=world.user("kam_a"), kind="executive_meeting",
        occurred_at=timezone.now() - timedelta(hours=1), summary="acme-executive",
    )  # fmt: skip
    return world


def _cards(world, viewer="sup_east"):
    period = selectors.period_from({})
    east = world.teams["East"]
    kams = [world.user("kam_a"), world.user("kam_b")]
    cards = selectors.scorecards(user=world.user(viewer), kams=kams, period=period, team=east)
    return {card.kam.username: card for card in cards}, period


def _values(card):
    return {figure.key: (figure.value, figure.score) for figure in card.figures}


def test_kam_as_scorecard_is_the_hand_computed_one(team):
    cards, _period = _cards(team)
    assert _values(cards["kam_a"]) == {
        "attainment": (D("50.0"), D("50.0")),
        "gross_margin": (D("20.0"), D("80.0")),
        "collection_rate": (D("75.0"), D("83.3")),
        "receivables_overdue": (D("50.00"), D("0.0")),
        "cadence": (D("50.0"), D("55.6")),
        "complaint_response": (D("0.0"), D("0.0")),
        "nps": (33, D("100.0")),
        "plan_on_time": (D("50.0"), D("50.0")),
        "executive_meetings": (D("0.0"), D("0.0")),
    }
    assert cards["kam_a"].total == D("48.6")
    # kam_b: globex 600 / 300 = 200 % (score 100); answered its complaint in time; no A
    # account (the measure has no value and does not count); no survey, no actual money
    kam_b = _values(cards["kam_b"])
    assert kam_b["attainment"] == (D("200.0"), D("100.0"))
    assert kam_b["complaint_response"] == (D("100.0"), D("100.0"))
    assert kam_b["executive_meetings"] == (None, None)
    assert kam_b["nps"] == (None, None)
    assert cards["kam_b"].rank == 1
    assert cards["kam_a"].rank == 2


def test_each_figure_equals_the_same_figure_elsewhere(team):
    cards, _period = _cards(team)
    card = cards["kam_a"]
    dashboard = dashboards.team_dashboard(
        user=team.user("sup_east"), team=team.teams["East"], period=dashboards.period_from({})
    )
    row = next(row for row in dashboard["rows"] if row.user.username == "kam_a")
    # attainment: the team dashboard's quarter attainment
    assert card.figure("attainment").value == row.quarter_rate
    # cadence: the dashboard's accounts and past-cadence counts
    kept = (row.accounts - row.past_cadence) * 100 / D(row.accounts)
    assert card.figure("cadence").value == kept.quantize(D("0.1"))
    # complaints: the breached ones are the dashboard's breached count
    assert card.figure("complaint_response").basis == f"0 of {row.breached} complaints"
    # NPS: the service card's (all of kam_a's surveys are on acme) and the one definition
    acme = team.accounts["acme"]
    assert card.figure("nps").value == account_service_card(account=acme).nps == nps([10, 9, 5])
    # collection rate and receivables: the account's collections (its latest month)
    latest = collections_by_account(accounts=acme.__class__.objects.filter(pk=acme.pk))[acme.pk]
    assert card.figure("collection_rate").value == latest.collection_rate
    assert card.figure("receivables_overdue").value == latest.total


def test_every_figure_drills_down_to_its_rows(client, team):
    client.force_login(team.user("sup_east"))
    cards, _period = _cards(team)
    card = cards["kam_a"]
    expected_rows = {
        "gross_margin": {"acme"}, "collection_rate": {"acme"}, "receivables_overdue": {"acme"},
        "cadence": {"acme", "hooli"}, "complaint_response": {"acme"}, "nps": {"acme"},
        "plan_on_time": {"acme", "hooli"}, "executive_meetings": {"acme"},
    }  # fmt: skip
    for figure in card.figures:
        response = client.get(figure.url)
        assert response.status_code == 200, figure.key
        if figure.key == "attainment":
            assert figure.url.startswith(reverse("plans:attainment"))
            continue
        drill = response.context["drill"]
        assert {row["account"] for row in drill.rows} == expected_rows[figure.key], figure.key
    nps_rows = client.get(card.figure("nps").url).context["drill"].rows
    assert sorted(row["nps"] for row in nps_rows) == [5, 9, 10]


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("kam_a", "kam_a", 200),
        ("kam_a", "kam_b", 404),  # a colleague's scorecard is not the KAM's to read
        ("kam_a", "kam_c", 404),
        ("sup_east", "kam_b", 200),
        ("sup_east", "kam_c", 404),  # another team's KAM
        ("sup_south", "kam_a", 404),
        ("exec", "kam_c", 200),
    ],
)
def test_a_scorecard_is_read_by_its_kam_their_supervisor_and_executives(
    client, team, viewer, target, status
):
    client.force_login(team.user(viewer))
    url = reverse("performance:kam", args=[team.user(target).pk])
    assert client.get(url).status_code == status
    api = client.get(reverse("api:scorecard-detail", args=[team.user(target).pk]))
    assert api.status_code == status


def test_the_kam_sees_their_rank_but_not_their_colleagues(client, team):
    client.force_login(team.user("kam_a"))
    page = client.get(reverse("performance:scorecard"))
    assert [card.kam.username for card in page.context["cards"]] == ["kam_a"]
    mine = client.get(reverse("performance:kam", args=[team.user("kam_a").pk]))
    assert mine.context["card"].rank == 2
    assert mine.context["team_size"] == 2
    assert mine.context["card"].total == D("48.6")


def test_the_comparison_shows_the_teams_kams_ranked(client, team):
    client.force_login(team.user("sup_east"))
    response = client.get(reverse("performance:scorecard"), {"team": team.teams["East"].pk})
    ranks = {card.kam.username: card.rank for card in response.context["cards"]}
    assert ranks == {"kam_a": 2, "kam_b": 1}
    html = response.content.decode()
    assert 'data-kam="kam_c"' not in html
    # another team is not offered to a supervisor: the first of theirs is shown
    other = client.get(reverse("performance:scorecard"), {"team": team.teams["South"].pk})
    assert {card.kam.username for card in other.context["cards"]} == {"kam_a", "kam_b"}


def test_the_excel_export_holds_the_comparison(client, team):
    client.force_login(team.user("sup_east"))
    response = client.get(
        reverse("performance:scorecard"), {"team": team.teams["East"].pk, "export": "xlsx"}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                    if response.streaming else response.content))  # fmt: skip
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    rows = {row[0]: dict(zip(header, row, strict=True))
            for row in sheet.iter_rows(min_row=2, values_only=True)}  # fmt: skip
    kam_a = team.user("kam_a").display_name
    assert rows[kam_a]["Total score"] == 48.6
    assert rows[kam_a]["Rank"] == 2
    assert rows[kam_a]["Attainment against quota"] == 50
    assert rows[kam_a]["Collection rate score"] == 83.3
    assert ExportRecord.objects.filter(what="performance:scorecard", row_count=2).exists()


def test_the_api_lists_scorecards_and_refuses_bad_input(client, team):
    client.force_login(team.user("sup_east"))
    body = client.get(reverse("api:scorecard-list"), {"team": team.teams["East"].pk}).json()
    by_name = {row["username"]: row for row in body["results"]}
    assert set(by_name) == {"kam_a", "kam_b"}
    assert by_name["kam_a"]["total"] == "48.6"
    assert by_name["kam_a"]["rank"] == 2
    measures = {m["key"]: m for m in by_name["kam_a"]["measures"]}
    assert measures["collection_rate"]["value"] == "75.0"
    for params in ({"year": "abc"}, {"quarter": "5"}, {"team": team.teams["South"].pk}):
        response = client.get(reverse("api:scorecard-list"), params)
        assert response.status_code == 400, params
        assert set(response.json()["errors"]) == set(params)


# --- a fixed number of queries -------------------------------------------------------------


def _grow(world, size):
    east = world.teams["East"]
    today = timezone.localdate()
    for index in range(east.memberships.count(), size):
        kam = UserFactory(username=f"kam_{index}", role="account_manager")
        TeamMembershipFactory(team=east, user=kam)
        account = AccountFactory(name=f"account-{index}", owner=kam, tier="A")
        VisitFactory(account=account, logged_by=kam, kind="executive_meeting")
        ActualFactory(account=account, year=today.year, month=today.month, revenue=10,
                      invoiced=10, collected=5)  # fmt: skip
        ComplaintFactory(account=account, breached=True)
        SurveyFactory(account=account, nps=9)
        PlanFactory(account=account, year=today.year)


def _count(client, url, **params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def test_the_pages_run_a_fixed_number_of_queries_for_3_and_30_kams(client, team):
    east = team.teams["East"].pk
    pages = {
        "comparison": (reverse("performance:scorecard"), {"team": east}),
        "kam": (reverse("performance:kam", args=[team.user("kam_a").pk]), {}),
        "drill-down": (reverse("performance:kam", args=[team.user("kam_a").pk]),
                       {"measure": "cadence"}),
        "incentives": (reverse("performance:incentives"), {"team": east}),
        "api": (reverse("api:scorecard-list"), {"team": east}),
    }  # fmt: skip
    client.force_login(team.user("sup_east"))
    _grow(team, 3)
    small = {name: _count(client, url, **params) for name, (url, params) in pages.items()}
    _grow(team, 30)
    assert team.teams["East"].memberships.count() == 30
    large = {name: _count(client, url, **params) for name, (url, params) in pages.items()}
    assert small == large
    # measured: the comparison 16, a KAM's page 29 (their card and their team's ranking),
    # a drill-down 30, the incentive preview 18, the API list 16
    assert small == {"comparison": 16, "kam": 29, "drill-down": 30, "incentives": 18, "api": 16}


def test_a_drill_down_exports_its_rows(client, team):
    client.force_login(team.user("sup_east"))
    url = reverse("performance:kam", args=[team.user("kam_a").pk])
    response = client.get(url, {"measure": "nps", "export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sorted(row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)) == [5, 9, 10]
    assert ExportRecord.objects.filter(what="performance:nps", row_count=3).exists()


def test_a_past_year_and_a_wrong_period_still_answer(client, team):
    client.force_login(team.user("sup_east"))
    last_year = timezone.localdate().year - 1
    response = client.get(reverse("performance:scorecard"), {"year": last_year, "quarter": ""})
    assert response.status_code == 200
    card = next(c for c in response.context["cards"] if c.kam.username == "kam_a")
    assert card.figure("attainment").value is None  # no target nor actual that year
    assert response.context["period"].label == str(last_year)
    # a page falls back to the current quarter on a wrong value (the API answers 400)
    wrong = client.get(reverse("performance:scorecard"), {"year": "x", "quarter": "9"})
    assert wrong.status_code == 200
    assert wrong.context["period"] == selectors.period_from({})
