"""Configured names (stages, product lines) in both languages: an admin types an English
and a Chinese name, and every page shows the reader's one."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from kam.models import User
from opportunities.choices import StageKind
from opportunities.models import ProductLine, Stage
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world, stages):
    stage = Stage.objects.create(
        name="Site survey", name_zh="现场勘查", order=15, probability=20, kind=StageKind.OPEN
    )
    line = ProductLine.objects.create(
        name="Precision machining", name_zh="精密加工", code="machining", order=1
    )
    OpportunityFactory(account=world.accounts["acme"], stage=stage, product_line=line)
    return stage, line


def _pages(client, world, language):
    User.objects.filter(username__in=["kam_a", "sup_east"]).update(language=language)
    client.force_login(world.user("kam_a"))
    pages = {
        "board": client.get(reverse("opportunities:board")),
        "list": client.get(reverse("opportunities:list")),
        "my day": client.get(reverse("dashboards:my-day")),
    }
    client.force_login(world.user("sup_east"))
    team = world.teams["East"].pk
    pages["team dashboard"] = client.get(reverse("dashboards:team"), {"team": team})
    pages["whitespace"] = client.get(reverse("opportunities:whitespace"))
    for name, response in pages.items():
        assert response.status_code == 200, name
    # the team dashboard's chart data is JSON (json_script): non-ASCII text escaped
    return {name: _unescaped(response.content.decode()) for name, response in pages.items()}


def _unescaped(html):
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), html)


def test_a_chinese_reader_sees_the_chinese_names(client, world, survey):
    for name, html in _pages(client, world, "zh-hans").items():
        if name not in ("whitespace",):
            assert "现场勘查" in html, name
        assert "Site survey" not in html, name
        assert "Precision machining" not in html, name
    assert "精密加工" in _pages(client, world, "zh-hans")["board"]


def test_an_english_reader_sees_the_english_names(client, world, survey):
    for name, html in _pages(client, world, "en").items():
        if name not in ("whitespace",):
            assert "Site survey" in html, name
        assert "现场勘查" not in html, name
        assert "精密加工" not in html, name


def test_a_name_without_its_chinese_form_falls_back_to_the_catalog(stages):
    Stage.objects.filter(pk=stages["Proposal"].pk).update(name_zh="")
    proposal = Stage.objects.get(pk=stages["Proposal"].pk)
    with translation.override("zh-hans"):
        assert str(proposal) == translation.pgettext("pipeline stage", "Proposal") != "Proposal"
    with translation.override("en"):
        assert str(proposal) == "Proposal"
