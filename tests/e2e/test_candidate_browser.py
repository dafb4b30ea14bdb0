"""The candidate pool in a real browser: the supervisor at 1280 px opens the pool and
promotes the proposed candidate with an owner; the new owner at 390 px opens the account
and reads where it came from on its timeline, in both languages. Nothing scrolls sideways,
and the pool's and the candidate's pages in Chinese show no English (the layout suite's
measure, tests/e2e/test_layout_browser.py).
Screenshots: test-artifacts/screenshots/candidate-*.png."""

from decimal import Decimal

import pytest

from accounts.models import Account
from candidates.engine import candidates_score
from candidates.models import Candidate
from kam.models import User
from tests.e2e.test_layout_browser import MEASURE, _data_words, _english
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _problems(page, zh, data_words):
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    result = page.evaluate(MEASURE, zh)
    problems = list(result["findings"])
    english = _english(result["texts"], data_words) if zh else set()
    if english:
        problems.append("English in the Chinese UI: " + ", ".join(sorted(english)))
    return problems


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


@pytest.mark.timeout(300)
def test_the_supervisor_promotes_the_proposed_candidate_and_the_owner_sees_its_origin(
    browser, world, live_server, screenshot
):
    east = world.teams["East"]
    # three candidates: 3 × 5 % rounds up to 1, the largest gross profit is proposed
    for name, profit in (("苏州精工机械有限公司", 900_000), ("Lumen Optics", 40_000),
                         ("华南物流集团", 20_000)):  # fmt: skip
        Candidate.objects.create(
            name=name, team=east, revenue=Decimal(profit * 5), gross_profit=Decimal(profit)
        )
    assert candidates_score()["proposed"] == 1
    sup, kam_a = world.user("sup_east"), world.user("kam_a")
    data_words = _data_words()
    findings = []

    context, page = _sign_in(browser, live_server, sup, 1280, 800)
    for language in ("en", "zh-hans"):
        User.objects.filter(pk=sup.pk).update(language=language)
        page.goto(f"{live_server.url}/candidates/")
        proposed = page.locator('#candidate-table td[data-status="proposed"]')
        assert proposed.count() == 1
        findings += [
            f"pool [{language}]: {p}" for p in _problems(page, language != "en", data_words)
        ]
        screenshot(page, f"candidate-pool-1280-{language}")
    page.click('#candidate-table tr:has(td[data-status="proposed"]) th a')
    page.wait_for_selector("#promote-form")
    findings += [f"candidate [zh]: {p}" for p in _problems(page, True, data_words)]
    screenshot(page, "candidate-detail-1280-zh-hans")
    page.select_option("#promote-form select[name=owner]", str(kam_a.pk))
    page.click("#promote-form button[type=submit]")
    account = Account.objects.get(name="苏州精工机械有限公司")
    page.wait_for_url(f"{live_server.url}{account.get_absolute_url()}")
    context.close()
    assert (account.owner_id, Candidate.objects.get(account=account).status) == (
        kam_a.pk, "promoted",
    )  # fmt: skip

    context, page = _sign_in(browser, live_server, kam_a, 390, 844)
    expected = {"en": "Promoted from the candidate pool", "zh-hans": "由潜在大客户转入"}
    for language, text in expected.items():
        User.objects.filter(pk=kam_a.pk).update(language=language)
        page.goto(f"{live_server.url}{account.get_absolute_url()}")
        origin = page.locator('#timeline li[data-kind="candidate_promoted"]')
        assert text in origin.inner_text()
        # the account page: nothing scrolls sideways (its other cards' words are their apps')
        findings += [f"account [{language}] @390: {p}" for p in _problems(page, False, data_words)]
        screenshot(page, f"candidate-account-390-{language}")
    context.close()
    assert findings == []
