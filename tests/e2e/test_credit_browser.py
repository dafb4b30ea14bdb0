"""The credit warning in a real browser: the owner of an account over its credit limit
sees the warning on the account page at 390 px, the supervisor opens the exposure report
at 1280 px, in English and Chinese; nothing scrolls sideways and the credit words are in
Chinese in the Chinese UI (the layout suite's measure, tests/e2e/test_layout_browser.py).
Screenshots: test-artifacts/screenshots/credit-*.png."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from credit.engine import credit_check
from kam.models import User
from tests.e2e.test_layout_browser import MEASURE, _data_words, _english
from tests.factories import PASSWORD, ActualFactory, PlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BADGES = {"en": "Over the credit limit", "zh-hans": "超出信用额度"}


def _sign_in(browser, live_server, user, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def _findings(page, zh, data_words, selector=None):
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    result = page.evaluate(MEASURE, zh)
    problems = list(result["findings"])
    if zh:
        texts = [page.inner_text(selector)] if selector else result["texts"]
        english = _english(texts, data_words)
        if english:
            problems.append("English in the Chinese UI: " + ", ".join(sorted(english)))
    return problems


@pytest.mark.timeout(300)
def test_the_owner_sees_the_warning_and_the_supervisor_the_report(
    browser, world, live_server, screenshot
):
    year = timezone.localdate().year
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(credit_limit=Decimal(1_000_000), tier="A")
    PlanFactory(account=acme, year=year)
    ActualFactory(account=acme, year=year, month=1, invoiced=1_050_000, overdue_over_90=5_000)
    credit_check()
    kam, sup = world.user("kam_a"), world.user("sup_east")
    data_words = _data_words()
    findings = []
    for language in ("en", "zh-hans"):
        User.objects.filter(pk__in=[kam.pk, sup.pk]).update(language=language)
        zh = language != "en"
        context, page = _sign_in(browser, live_server, kam, 390, 844)
        page.goto(live_server.url + reverse("accounts:detail", args=[acme.pk]))
        card = page.locator("#credit-card")
        card.scroll_into_view_if_needed()
        assert card.get_attribute("data-status") == "over_limit"
        assert BADGES[language] in card.inner_text()
        exposure = page.locator("#credit-card [data-credit-exposure]").inner_text()
        assert Decimal(exposure.replace(",", "")) == Decimal("1050000")
        assert page.locator("#credit-card [data-credit-share]").inner_text() == "105.0%"
        box = card.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        for problem in _findings(page, zh, data_words, "#credit-card"):
            findings.append(f"account [{language}] @390: {problem}")
        screenshot(page, f"credit-account-390-{language}")
        context.close()

        context, page = _sign_in(browser, live_server, sup, 1280, 800)
        page.goto(live_server.url + reverse("credit:report"))
        rows = page.locator("#over-table tbody tr[data-account]")
        assert rows.count() == 1
        assert rows.first.get_attribute("data-account") == str(acme.pk)
        for problem in _findings(page, zh, data_words):
            findings.append(f"report [{language}] @1280: {problem}")
        screenshot(page, f"credit-report-1280-{language}")
        page.set_viewport_size({"width": 390, "height": 844})
        for problem in _findings(page, zh, data_words):
            findings.append(f"report [{language}] @390: {problem}")
        context.close()
    assert findings == []
