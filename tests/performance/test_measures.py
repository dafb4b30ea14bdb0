"""Admins set the scorecard's measures through the form the page renders."""

import pytest
from django.urls import reverse

from audit.models import ScorecardMeasureEvent
from performance.models import ScorecardMeasure
from performance.selectors import period_from, scorecards
from tests.browser_forms import page_forms
from tests.dashboards.seed import seed_team

URL = "performance:measures"


@pytest.fixture
def team(world):
    return seed_team(world)


def _form(client):
    html = client.get(reverse(URL)).content.decode()
    return next(form for form in page_forms(html, method="post") if form.id == "measures-form")


def _field(form, key, name):
    """The formset field ``name`` of the row of measure ``key`` (rows in the page's order)."""
    index = list(ScorecardMeasure.objects.order_by("pk").values_list("key", flat=True)).index(key)
    return f"form-{index}-{name}"


def test_a_measure_left_out_leaves_every_scorecard_and_the_change_is_kept(client, team):
    client.force_login(team.user("ops"))
    form = _form(client)
    chosen = {_field(form, "nps", "active"): [], _field(form, "attainment", "weight"): "60"}
    response = client.post(reverse(URL), dict(form.entries(**chosen)))
    assert response.status_code == 302
    assert not ScorecardMeasure.objects.get(key="nps").active
    assert ScorecardMeasure.objects.get(key="attainment").weight == 60
    card = scorecards(
        user=team.user("sup_east"), kams=[team.user("kam_a")], period=period_from({})
    )[0]
    assert card.figure("nps") is None
    assert card.figure("attainment").weight == 60
    assert ScorecardMeasureEvent.objects.filter(pgh_label="update", key="nps").exists()


def test_a_weight_out_of_range_is_a_field_error(client, team):
    client.force_login(team.user("ops"))
    form = _form(client)
    field = _field(form, "attainment", "weight")
    response = client.post(reverse(URL), dict(form.entries(**{field: "500"})))
    assert response.status_code == 400
    assert ScorecardMeasure.objects.get(key="attainment").weight == 30
    errors = [form_errors for form_errors in response.context["formset"].errors if form_errors]
    assert list(errors[0]) == ["weight"]
    assert "invalid-feedback" in response.content.decode()
