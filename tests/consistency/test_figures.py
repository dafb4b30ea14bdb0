"""Every figure that shows in two places or more, computed on one seeded dataset, agrees.

The dataset is the dashboards' seeded team (tests/dashboards/seed.py: East with skewed
accounts, plans with targets and one without, complaints, deals) plus:

    newco   kam_a  tier A, created 5 days ago, never visited (not due for 9 more days)
    shared  kam_a  tier B, visited 3 days ago by kam_b (a colleague on its account team),
                   who planned a revisit for yesterday
    a survey on acme: recommend 8 (one passive: a Net Promoter Score of 0)
    deals on acme opened and closed through the services: one won, one lost

Each test names the places it compares; a disagreement fails with both figures.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, AccountTeamMember, Visit
from accounts.services import visit_log
from dashboards import selectors
from dashboards.digest import supervisor_digest
from dashboards.reports import REPORTS, filters_from
from opportunities.models import Stage
from opportunities.services import opportunity_create, opportunity_move_stage
from plans.selectors import account_attainment, attainment_by_kam
from reminders.models import Reminder, SubjectType
from reminders.services import reminders_sweep
from tests.dashboards.seed import seed_team
from tests.factories import AccountFactory, ProductLineFactory, SurveyFactory


@pytest.fixture
def data(world):
    seed_team(world)
    kam_a, kam_b = world.user("kam_a"), world.user("kam_b")
    now = timezone.now()
    newco = AccountFactory(name="newco", owner=kam_a)
    Account.objects.filter(pk=newco.pk).update(tier="A", created_at=now - timedelta(days=5))
    shared = AccountFactory(name="shared", owner=kam_a)
    Account.objects.filter(pk=shared.pk).update(tier="B", created_at=now - timedelta(days=200))
    AccountTeamMember.objects.create(account=shared, user=kam_b, role="technical")
    visit_log(
        actor=kam_b, account=Account.objects.get(pk=shared.pk), summary="shared-by-colleague",
        occurred_at=now - timedelta(days=3), next_visit_on=timezone.localdate() - timedelta(days=1),
        kind="onsite",
    )  # fmt: skip
    acme = world.accounts["acme"]
    SurveyFactory(account=acme, nps=8)
    line = ProductLineFactory(name="line-y", code="line-y")
    stages = {stage.kind: stage for stage in Stage.objects.order_by("order")}
    for name, amount, kind in (("deal-won", 30000, "won"), ("deal-lost", 10000, "lost")):
        deal = opportunity_create(
            actor=kam_a, account=acme, name=name, amount=Decimal(amount), product_line=line,
            expected_close_on=timezone.localdate(), type="new_business",
        )  # fmt: skip
        opportunity_move_stage(actor=kam_a, opportunity=deal, stage=stages[kind], reason="x")
    world.accounts.update(newco=newco, shared=shared)
    return world


def _dashboard_rows(world):
    dashboard = selectors.team_dashboard(
        user=world.user("sup_east"), team=world.teams["East"], period=selectors.period_from({})
    )
    return {row.user.username: row for row in dashboard["rows"]}


def _names(client, url):
    """The account names listed on a list page."""
    return set(re.findall(r'href="/accounts/\d+/"[^>]*>([^<]+)<', client.get(url).content.decode()))


# --- visit cadence ------------------------------------------------------------------------


def test_past_cadence_agrees_on_my_day_dashboard_lists_api_and_reminders(client, data):
    kam_a = data.user("kam_a")
    my_day = {account.name for account in selectors.my_day(user=kam_a)["past_cadence"]}
    row = _dashboard_rows(data)["kam_a"]
    client.force_login(data.user("sup_east"))
    drill_down = _names(client, row.links["past_cadence"])
    api = client.get("/api/v1/accounts/", {"past_cadence": "true", "owner": kam_a.pk}).json()
    api_names = {item["name"] for item in api.get("results", api)}
    reminders_sweep()
    reminded = set(
        Account.objects.filter(
            pk__in=Reminder.objects.filter(
                kind__in=["cadence_overdue", "cadence_escalated"], recipient=kam_a
            ).values("subject_id")
        ).values_list("name", flat=True)
    )
    figures = {
        "my day": my_day,
        "dashboard count": row.past_cadence,
        "drill-down list": drill_down,
        "api": api_names,
        "reminder sweep": reminded,
    }
    assert my_day == drill_down == api_names == reminded, figures
    assert row.past_cadence == len(my_day), figures
    assert "newco" not in my_day, "a never-visited account is due a cadence after its creation"


# --- revisit owner ------------------------------------------------------------------------


def test_a_colleagues_revisit_is_the_account_owners_everywhere(client, data):
    visit = Visit.objects.get(summary="shared-by-colleague")
    owner = data.accounts["shared"].owner
    my_day = {v.summary for v in selectors.my_day(user=owner)["revisits"]}
    rows = _dashboard_rows(data)
    overdue = {name: row.overdue_revisits for name, row in rows.items()}
    digest = {
        item.kam.username: item.count
        for item in supervisor_digest(actor=data.user("sup_east")).overdue_revisits
    }
    reminders_sweep()
    recipients = set(
        Reminder.objects.filter(subject_type=SubjectType.VISIT, subject_id=visit.pk).values_list(
            "recipient__username", flat=True
        )
    )
    figures = {"my day": my_day, "dashboard": overdue, "digest": digest, "sweep": recipients}
    assert "shared-by-colleague" in my_day, figures
    assert recipients == {owner.username}, figures
    assert overdue == {name: digest.get(name, 0) for name in overdue}, figures
    client.force_login(data.user("sup_east"))
    listed = client.get(rows["kam_a"].links["overdue_revisits"]).content.decode()
    assert listed.count('href="/accounts/visits/') >= overdue["kam_a"], figures


# --- attainment ---------------------------------------------------------------------------


def test_a_kams_attainment_against_quota_agrees_on_my_day_dashboard_and_report(data):
    kam_a = data.user("kam_a")
    today = timezone.localdate()
    my_day = selectors.my_day(user=kam_a)["attainment"].rate
    dashboard = _dashboard_rows(data)["kam_a"]
    report = next(
        row
        for row in attainment_by_kam(user=data.user("sup_east"), year=today.year, as_of=today)
        if row.key == kam_a.pk
    )
    figures = {"my day": my_day, "dashboard": dashboard.ytd_rate, "report": report.ytd_rate}
    assert my_day == dashboard.ytd_rate == report.ytd_rate, figures


def test_an_accounts_plan_attainment_agrees_on_the_card_report_and_export(client, data):
    from plans.selectors import account_plan_card

    acme = data.accounts["acme"]
    today = timezone.localdate()
    card = account_plan_card(account=acme)["ytd"]
    direct = account_attainment(account=acme, year=today.year, as_of=today)
    sup = data.user("sup_east")
    report = {row["account"]: row for row in REPORTS["plan-actual"].rows(
        user=sup, filters=filters_from({}, sup))}  # fmt: skip
    client.force_login(sup)
    response = client.get(reverse("dashboards:report-plan-actual"), {"export": "csv"})
    exported = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    exported = {row[0]: row for row in exported[1:]}
    figures = {"card": card.rate, "selector": direct.rate, "report": report["acme"]["rate"],
               "csv": exported["acme"]}  # fmt: skip
    assert card.rate == direct.rate == report["acme"]["rate"], figures
    assert str(card.rate) in exported["acme"], figures
    page = client.get(acme.get_absolute_url()).content.decode()
    assert f"{card.rate}%" in page, figures


def test_the_three_attainment_figures_carry_three_labels(client, data):
    client.force_login(data.user("kam_a"))
    my_day = client.get(reverse("dashboards:my-day")).content.decode()
    account = client.get(data.accounts["acme"].get_absolute_url()).content.decode()
    assert "My attainment against quota" in my_day
    assert "Account plan attainment" in account
    assert ">Attainment<" not in account


# --- satisfaction -------------------------------------------------------------------------


def test_a_surveys_score_and_the_net_promoter_score_are_not_both_called_nps(client, data):
    client.force_login(data.user("kam_a"))
    page = client.get(data.accounts["acme"].get_absolute_url()).content.decode()
    chip = re.search(r"data-nps[^>]*>([^<]+)<", page).group(1)
    assert chip.strip() == "Net Promoter Score 0", chip  # one passive (8): 0 % − 0 %
    assert '<th scope="col">NPS</th>' not in page  # the survey's 0–10 score has its own name


# --- pipeline velocity --------------------------------------------------------------------


def test_pipeline_velocity_is_the_product_of_the_figures_beside_it(client, data):
    client.force_login(data.user("kam_a"))
    velocity = client.get(reverse("opportunities:forecast")).context["velocity"]
    assert velocity["cycle_days"], velocity  # a won deal took at least a day
    expected = (
        Decimal(velocity["open_count"]) * velocity["average_won_amount"]
        * Decimal(str(velocity["win_rate"])) / 100 / Decimal(str(velocity["cycle_days"]))
    )  # fmt: skip
    assert abs(velocity["velocity_per_day"] - expected) <= expected * Decimal("0.01"), velocity


# --- health check -------------------------------------------------------------------------


def test_the_health_checks_last_visit_is_the_lists(client, data):
    from accounts.health.services import health_check_run
    from accounts.models import HealthSnapshot

    health_check_run()
    client.force_login(data.user("sup_east"))
    api = client.get("/api/v1/accounts/", {"owner": data.user("kam_a").pk}).json()
    listed = {item["id"]: item["last_visit_at"] for item in api.get("results", api)}
    for snapshot in HealthSnapshot.objects.filter(account_id__in=listed):
        engagement = snapshot.components["engagement"]["inputs"]
        shown = listed[snapshot.account_id]
        local = None
        if shown:
            from django.utils.dateparse import parse_datetime

            local = str(timezone.localdate(parse_datetime(shown)))
        assert engagement["last_visit_on"] == local, (snapshot.account_id, engagement, shown)


# --- drill-downs --------------------------------------------------------------------------


@pytest.mark.parametrize("figure", ["accounts", "past_cadence", "red"])
def test_each_dashboard_count_is_the_row_count_of_its_drill_down_list(client, data, figure):
    client.force_login(data.user("sup_east"))
    for name, row in _dashboard_rows(data).items():
        listed = _names(client, row.links[figure])
        assert getattr(row, figure) == len(listed), (name, figure, getattr(row, figure), listed)


def test_the_team_attainment_chart_is_the_sum_of_the_plan_vs_actual_report(data):
    sup = data.user("sup_east")
    dashboard = selectors.team_dashboard(
        user=sup, team=data.teams["East"], period=selectors.period_from({})
    )
    quarter = (timezone.localdate().month - 1) // 3
    filters = filters_from({"team": data.teams["East"].pk, "quarter": quarter + 1}, sup)
    report = REPORTS["plan-actual"].rows(user=sup, filters=filters)
    chart = dashboard["charts"]["attainment"]
    assert chart["actual"][quarter] == float(sum(row["actual"] for row in report)), (chart, report)
    assert chart["target"][quarter] == float(sum(row["target"] for row in report)), (chart, report)


# --- the KAM scorecard ------------------------------------------------------------------


def test_the_scorecard_reads_the_dashboards_and_service_cards_figures(data):
    """The scorecard's attainment and visit cadence are the team dashboard's, its NPS the
    service card's (kam_a's surveys are all on acme)."""
    from accounts.service.selectors import account_service_card
    from performance.selectors import period_from, scorecards

    rows = _dashboard_rows(data)
    kams = [data.user("kam_a"), data.user("kam_b")]
    cards = scorecards(
        user=data.user("sup_east"), kams=kams, period=period_from({}), team=data.teams["East"]
    )
    for card in cards:
        row = rows[card.kam.username]
        kept = (row.accounts - row.past_cadence) * 100 / Decimal(row.accounts)
        figures = {
            "scorecard attainment": card.figure("attainment").value,
            "dashboard attainment": row.quarter_rate,
            "scorecard cadence": card.figure("cadence").value,
            "dashboard cadence": kept.quantize(Decimal("0.1")),
        }
        assert figures["scorecard attainment"] == figures["dashboard attainment"], figures
        assert figures["scorecard cadence"] == figures["dashboard cadence"], figures
    nps = next(card for card in cards if card.kam.username == "kam_a").figure("nps").value
    assert nps == account_service_card(account=data.accounts["acme"]).nps == 0
