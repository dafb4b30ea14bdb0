"""The incentive preview on its boundaries, through its pages.

The seeded team (tests/dashboards/seed.py): kam_b owns globex, whose plan targets 300 a
quarter; this quarter's revenue is set per test. The rule is the seeded first version:
target bonus 10,000 a quarter, bands 0:0, 80:0.5, 100:1, 120:1.5, no bonus above 100 %
while the collection rate is under 80 %, a cap of 20,000 a period.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import IncentiveRuleEvent
from performance.models import IncentiveRule
from plans.models import Actual
from tests.browser_forms import page_forms
from tests.dashboards.seed import seed_team

D = Decimal


@pytest.fixture
def team(world):
    return seed_team(world)


def _rule_form(html):
    return next(
        form for form in page_forms(html, method="post") if form.id == "incentive-rule-form"
    )


def _month(world, *, revenue, invoiced, collected):
    today = timezone.localdate()
    Actual.objects.filter(
        account=world.accounts["globex"], year=today.year, month=today.month
    ).update(revenue=revenue, invoiced=invoiced, collected=collected)


def _preview(client, world, viewer="sup_east"):
    client.force_login(world.user(viewer))
    response = client.get(reverse("performance:incentives"), {"team": world.teams["East"].pk})
    assert response.status_code == 200
    return {item.card.kam.username: item for item in response.context["previews"]}


@pytest.mark.parametrize(
    ("revenue", "multiplier", "bonus"),
    [
        (239, D("0"), D("0.00")),  # 79.7 %: under the 80 % band
        (240, D("0.5"), D("5000.00")),  # exactly 80 %: that band
        (300, D("1"), D("10000.00")),  # exactly 100 %
        (360, D("1.5"), D("15000.00")),  # exactly 120 %
    ],
)
def test_a_band_edge_belongs_to_the_band_it_starts(client, team, revenue, multiplier, bonus):
    _month(team, revenue=revenue, invoiced=100, collected=100)
    item = _preview(client, team)["kam_b"]
    assert item.multiplier == multiplier
    assert item.bonus == bonus


def test_the_collection_gate_holds_attainment_at_100(client, team):
    # 130 % attainment, collected 300 of 390 invoiced: 76.9 %, under 80 %
    _month(team, revenue=390, invoiced=390, collected=300)
    item = _preview(client, team)["kam_b"]
    assert item.card.attainment_rate == D("130.0")
    assert item.card.collection_rate == D("76.9")
    assert item.counted_attainment == D("100")
    assert item.bonus == D("10000.00")
    assert any("76.9 % is under 80.0 %" in reason for reason in item.reasons), item.reasons
    # exactly at the minimum the gate passes: 312 of 390 is 80.0 %
    _month(team, revenue=390, invoiced=390, collected=312)
    item = _preview(client, team)["kam_b"]
    assert item.counted_attainment == D("130.0")
    assert item.bonus == D("15000.00")


def test_a_rule_change_is_a_new_version_and_the_cap_applies(client, team):
    _month(team, revenue=390, invoiced=390, collected=390)
    assert _preview(client, team)["kam_b"].bonus == D("15000.00")
    client.force_login(team.user("ops"))
    url = reverse("performance:incentive-rule")
    form = _rule_form(client.get(url).content.decode())
    response = client.post(url, dict(form.entries(cap="12000", note="cap lowered")))
    assert response.status_code == 302
    versions = list(IncentiveRule.objects.order_by("version").values_list("version", "cap"))
    assert versions == [(1, D("20000.00")), (2, D("12000.00"))]  # the old version is kept
    events = IncentiveRuleEvent.objects.filter(pgh_obj__version=2)
    assert [event.pgh_label for event in events] == ["insert"]
    assert events[0].created_by_id == team.user("ops").pk
    item = _preview(client, team)["kam_b"]
    assert item.bonus == D("12000.00")
    assert any("above the cap" in reason for reason in item.reasons), item.reasons
    page = client.get(reverse("performance:incentives")).content.decode()
    assert 'data-version="1"' in page
    assert 'data-version="2"' in page


def test_a_wrong_band_is_a_field_error_and_no_version(client, team):
    client.force_login(team.user("ops"))
    url = reverse("performance:incentive-rule")
    form = _rule_form(client.get(url).content.decode())
    response = client.post(url, dict(form.entries(bands="80 percent", note="x")))
    assert response.status_code == 400
    assert response.context["form"].errors["bands"]
    assert IncentiveRule.objects.count() == 1


def test_only_admins_change_the_rule(client, team):
    for role in ("sup_east", "exec", "kam_a"):
        client.force_login(team.user(role))
        response = client.post(reverse("performance:incentive-rule"), {"bands": "0:9"})
        assert response.status_code == 404
    assert IncentiveRule.objects.count() == 1


def test_the_reasons_read_in_chinese(client, team):
    _month(team, revenue=390, invoiced=390, collected=300)
    sup = team.user("sup_east")
    sup.language = "zh-hans"
    sup.save(update_fields=["language"])
    item = _preview(client, team)["kam_b"]
    assert any("回款率" in reason for reason in item.reasons), item.reasons
