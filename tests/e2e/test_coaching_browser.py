"""Coaching in a real browser: a supervisor on a phone (390 px) tags a strength and a gap
on a visit of their KAM and records a coaching session with a follow-up date; the KAM's
coaching page on a desktop (1280 px) shows them. Both languages, nothing scrolls sideways
at 390 px, the Chinese UI shows no English (the layout suite's measure). Screenshots:
test-artifacts/screenshots/coaching-*.png."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachingSession, CoachingTag, Competence
from kam.models import User
from tests.conftest import add_records
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_layout_browser import _data_words
from tests.e2e.test_scorecard_browser import _measure
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser, live_server, user, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def _tag(page, competence, kind, note):
    count = page.locator("#coaching-record-tags [data-tag]").count()
    page.select_option("#coaching-tag-form select[name=competence]", str(competence.pk))
    page.click(f'#coaching-tag-form label[for="id_kind_{0 if kind == "strength" else 1}"]')
    page.fill("#coaching-tag-form input[name=note]", note)
    page.click("#coaching-tag")
    page.locator("#coaching-record-tags [data-tag]").nth(count).wait_for()  # htmx swapped


@pytest.mark.timeout(300)
def test_a_supervisor_coaches_on_a_phone_and_the_kam_reads_it(
    browser, world, live_server, screenshot
):
    importlib.import_module("coaching.migrations.0002_default_competences").seed(apps, None)
    add_records(world)
    sup, kam = world.user("sup_east"), world.user("kam_a")
    visit = world.visits["visit-acme"]
    negotiation = Competence.objects.get(name="Negotiation")
    relationships = Competence.objects.get(name="Relationship building")
    follow_up = timezone.localdate() + timedelta(days=14)
    coaching_url = live_server.url + reverse("coaching:kam", args=[kam.pk])
    findings = []

    # the supervisor, on a phone: two tags on the visit, then a session
    context, page = _sign_in(browser, live_server, sup, PHONE)
    page.goto(live_server.url + visit.get_absolute_url())
    page.wait_for_selector("#coaching-tag-form")
    _tag(page, negotiation, "strength", "Held the price on the renewal")
    _tag(page, relationships, "gap", "Met no one at the decision level")
    findings += [f"visit @390: {p}" for p in _measure(page, False, set())]
    screenshot(page, "coaching-visit-390-en")
    page.goto(coaching_url)
    page.fill("#session-form input[name=title]", "Negotiation role play")
    page.fill("#session-form textarea[name=notes]", "Walked through the renewal talks")
    page.fill("#session-form input[name=next_step]", "Lead the next price talk alone")
    page.fill("#session-form input[name=follow_up_on]", follow_up.isoformat())
    page.click("#record-session")
    page.wait_for_url(f"{coaching_url}#session-*")
    session = CoachingSession.objects.get()
    assert (session.kam, session.recorded_by, session.follow_up_on) == (kam, sup, follow_up)
    assert sorted(CoachingTag.objects.values_list("competence__name", "kind", "kam")) == [
        ("Negotiation", "strength", kam.pk),
        ("Relationship building", "gap", kam.pk),
    ]
    data_words = _data_words()
    for language in ("en", "zh-hans"):
        User.objects.filter(pk=sup.pk).update(language=language)
        for name, url in (("visit", live_server.url + visit.get_absolute_url()),
                          ("page", coaching_url)):  # fmt: skip
            page.goto(url)
            page.wait_for_selector("#coaching-trend, #coaching-tag-form")
            if name == "visit":
                page.wait_for_selector("#coaching-tag-form")
            findings += [
                f"{name} [{language}] @390: {p}"
                for p in _measure(page, language != "en", data_words)
            ]
            screenshot(page, f"coaching-sup-{name}-390-{language}")
    context.close()

    # the KAM, on a desktop, reads them
    for language in ("en", "zh-hans"):
        User.objects.filter(pk=kam.pk).update(language=language)
        context, page = _sign_in(browser, live_server, kam, DESKTOP)
        page.goto(coaching_url)
        tags = page.locator("#coaching-tags [data-tag]").all_inner_texts()
        assert len(tags) == 2
        expected = {"en": ("Negotiation", "Relationship building"), "zh-hans": ("谈判", "关系建立")}
        assert all(any(word in tag for tag in tags) for word in expected[language])
        sessions = page.locator("#coaching-sessions [data-session]").all_inner_texts()
        assert len(sessions) == 1
        assert "Negotiation role play" in sessions[0]
        assert "Lead the next price talk alone" in sessions[0]
        assert page.locator("#session-form").count() == 0
        this_quarter = page.locator(
            f'tr[data-competence="{negotiation.pk}"] td[data-quarter="4"] [data-strengths]'
        )
        assert this_quarter.get_attribute("data-strengths") == "1"
        findings += [
            f"kam page [{language}] @1280: {p}"
            for p in _measure(page, language != "en", data_words)
        ]
        screenshot(page, f"coaching-kam-1280-{language}")
        context.close()
    assert findings == []
