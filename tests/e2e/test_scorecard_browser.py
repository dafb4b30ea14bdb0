"""The scorecard, a KAM's scorecard with a drill-down and the incentive preview in a real
browser, at 390 and 1280 px in English and Chinese: nothing scrolls sideways, tables
scroll inside their card, the Chinese UI shows no English (the layout suite's measure,
tests/e2e/test_layout_browser.py), and the supervisor follows a figure to its rows.
Screenshots: test-artifacts/screenshots/scorecard-*.png."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from kam.models import User
from tests.dashboards.seed import seed_team
from tests.e2e.test_layout_browser import MEASURE, _data_words, _english
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {390: 844, 1280: 800}


def _measure(page, zh, data_words):
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    result = page.evaluate(MEASURE, zh)
    problems = list(result["findings"])
    english = _english(result["texts"], data_words) if zh else set()
    if english:
        problems.append("English in the Chinese UI: " + ", ".join(sorted(english)))
    return problems


@pytest.mark.timeout(600)
def test_the_scorecard_pages_fit_a_phone_and_a_desktop_in_both_languages(
    browser, world, live_server, screenshot
):
    # a transactional test before this one may have flushed the measures and the rule that
    # the migration seeds: seed them again as the migration does
    defaults = importlib.import_module("performance.migrations.0002_default_measures_and_rule")
    defaults.seed(apps, None)
    seed_team(world)
    sup = world.user("sup_east")
    kam_a = world.user("kam_a")
    pages = {
        "scorecard": reverse("performance:scorecard"),
        "kam": reverse("performance:kam", args=[kam_a.pk]) + "?measure=cadence",
        "incentives": reverse("performance:incentives"),
    }
    data_words = _data_words()
    findings = []
    for language in ("en", "zh-hans"):
        User.objects.filter(pk=sup.pk).update(language=language)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", sup.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        for name, url in pages.items():
            assert page.goto(live_server.url + url).status == 200
            for width, height in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                for problem in _measure(page, language != "en", data_words):
                    findings.append(f"{name} [{language}] @{width}: {problem}")
                screenshot(page, f"scorecard-{name}-{width}-{language}")
        # the supervisor follows kam_a's visit-cadence figure to the accounts behind it
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(live_server.url + pages["scorecard"])
        page.click(f'tr[data-kam="{kam_a.username}"] td[data-figure="cadence"] a')
        page.wait_for_selector("#drill-table")
        rows = page.locator("#drill-table tbody tr").all_inner_texts()
        assert sorted(row.split("\t")[0] for row in rows) == ["acme", "hooli"]
        context.close()
    assert findings == []
