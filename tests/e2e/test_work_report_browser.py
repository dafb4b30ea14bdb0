"""The weekly report in a real browser: the KAM opens the draft on a phone (390 px),
completes the three sections and submits; the supervisor at 1280 px opens the team page
and comments; the KAM sees the comment. Nothing scrolls sideways at 390 px and the
Chinese UI shows no English (the layout suite's measure). Screenshots of the report and
the team page in English and Chinese: test-artifacts/screenshots/work-report-*.png."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.models import User
from kam.queries import day_start
from tests.e2e.test_layout_browser import MEASURE, _data_words, _english
from tests.factories import PASSWORD, ContactFactory, VisitFactory
from workreports.drafts import latest_period, work_reports_draft
from workreports.models import ReportStatus, WorkReport, WorkReportComment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
def test_a_kam_submits_the_weekly_report_and_the_supervisor_comments(
    browser, world, live_server, screenshot
):
    kam, sup = world.user("kam_a"), world.user("sup_east")
    period = latest_period("week", timezone.localdate())
    acme = world.accounts["acme"]
    visit = VisitFactory(
        account=acme, occurred_at=day_start(period.first) + timedelta(hours=10),
        summary="Quarterly review",
    )  # fmt: skip
    visit.contacts.set([ContactFactory(account=acme, name="Wang Lei")])
    work_reports_draft(kind="week", today=period.first + timedelta(days=4))
    report = WorkReport.objects.get(kam=kam)
    report_url = reverse("workreports:detail", args=[report.pk])
    team_url = f"{reverse('workreports:team')}?team={world.teams['East'].pk}"
    data_words = _data_words() | {"wang", "lei"}
    findings = []

    # the KAM, on a phone: My reports -> the draft -> three sections -> submit
    context, page = _sign_in(browser, live_server, kam, 390, 844)
    page.goto(live_server.url + reverse("workreports:mine"))
    page.click(f'[data-current-draft="{report.pk}"]')
    page.wait_for_selector("#report-form")
    assert page.locator('[data-figure="visits"]').inner_text() == "1"
    findings += [f"draft @390: {p}" for p in _measure(page, False, data_words)]
    page.fill("textarea[name=highlights]", "Acme agreed to the pilot")
    page.fill("textarea[name=risks]", "Budget freeze in Q1")
    page.fill("textarea[name=help_needed]", "A technical visit")
    page.click("button[name=action][value=submit]")
    page.wait_for_selector('[data-status="submitted"]')
    findings += [f"submitted @390: {p}" for p in _measure(page, False, data_words)]
    screenshot(page, "work-report-390-en")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert (report.highlights, report.risks, report.help_needed) == (
        "Acme agreed to the pilot", "Budget freeze in Q1", "A technical visit",
    )  # fmt: skip

    # the supervisor, at 1280 px: the team page, then a comment on kam_a's report
    sup_context, sup_page = _sign_in(browser, live_server, sup, 1280, 800)
    sup_page.goto(live_server.url + team_url)
    assert sup_page.locator(f'[data-kam="{kam.pk}"] [data-section="highlights"]').inner_text() == (
        "Acme agreed to the pilot"
    )
    assert sup_page.locator("[data-not-submitted]").all_inner_texts() == [
        world.user("kam_b").display_name
    ]
    findings += [f"team @1280: {p}" for p in _measure(sup_page, False, data_words)]
    screenshot(sup_page, "work-report-team-1280-en")
    sup_page.fill(f"#comment-{report.pk}", "Good start. Let us plan the technical visit.")
    sup_page.click(f'[data-comment-form="{report.pk}"] button[type=submit]')
    sup_page.wait_for_selector(f'[data-comments="{report.pk}"] [data-comment]')
    assert WorkReportComment.objects.get().author == sup

    # the KAM sees the comment on the report (and in the bell)
    page.goto(live_server.url + report_url)
    assert (
        page.locator("[data-comment]")
        .inner_text()
        .endswith("Good start. Let us plan the technical visit.")
    )

    # both pages in Chinese: the KAM's report at 390 px, the team page at 1280 px
    User.objects.filter(pk__in=[kam.pk, sup.pk]).update(language="zh-hans")
    data_words = _data_words() | {"wang", "lei"}  # with what the KAM and supervisor wrote
    page.goto(live_server.url + report_url)
    findings += [f"report zh @390: {p}" for p in _measure(page, True, data_words)]
    screenshot(page, "work-report-390-zh-hans")
    sup_page.goto(live_server.url + team_url)
    findings += [f"team zh @1280: {p}" for p in _measure(sup_page, True, data_words)]
    screenshot(sup_page, "work-report-team-1280-zh-hans")
    sup_page.set_viewport_size({"width": 390, "height": 844})
    findings += [f"team zh @390: {p}" for p in _measure(sup_page, True, data_words)]
    context.close()
    sup_context.close()
    assert findings == []
