"""Account plans in the browser: a KAM drafts a plan with quarterly targets and an
action item and submits it; the supervisor approves it."""

import pytest
from playwright.sync_api import expect

from plans.models import AccountPlan
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kam_drafts_and_submits_a_plan_and_the_supervisor_approves_it(
    desktop, phone, world, live_server, sign_in, screenshot
):
    acme = world.accounts["acme"]
    sign_in(desktop, "kam_a", PASSWORD)
    desktop.goto(f"{live_server.url}/plans/")
    desktop.click("#new-plan")
    desktop.select_option("#plan-form select[name=account]", str(acme.pk))
    desktop.fill("input[name=year]", "2026")
    desktop.fill("textarea[name=objectives]", "Become the main supplier of line 3.")
    desktop.fill("textarea[name=strengths]", "Fast service\nLocal plant")
    desktop.fill("textarea[name=competitors]", "Rival Co | 40 | leader")
    desktop.fill("input[name=revenue_target]", "1000000")
    for quarter, revenue in zip(
        (1, 2, 3, 4), ("200000", "250000", "250000", "200000"), strict=True
    ):
        desktop.fill(f"input[name=q{quarter}_revenue]", revenue)
    desktop.click("#plan-form button[type=submit]")
    # the quarters miss the year by 100,000: refused, with the difference shown
    expect(desktop.locator("#plan-form")).to_contain_text("a difference of -100,000.00")
    desktop.fill("input[name=q4_revenue]", "300000")
    desktop.click("#plan-form button[type=submit]")
    expect(desktop.locator(".alert-success")).to_contain_text("The plan is drafted.")
    expect(desktop.locator("#quarters [data-quarter='4']")).to_contain_text("300,000.00")

    desktop.click("#add-action-item")
    desktop.fill("#action-item-form input[name=title]", "Line 3 trial with their engineers")
    desktop.fill("#action-item-form input[name=due_on]", "2026-03-15")
    desktop.select_option("#action-item-form select[name=department]", "technical")
    desktop.click("#action-item-form button[type=submit]")
    expect(desktop.locator("#plan-actions")).to_contain_text("Line 3 trial with their engineers")
    screenshot(desktop, "plan-draft")

    desktop.click("#submit-plan")
    expect(desktop.locator(".alert-success")).to_contain_text("submitted for approval")
    expect(desktop.locator("[data-status=submitted]").first).to_be_visible()
    expect(desktop.locator("#submit-plan")).to_have_count(0)
    plan = AccountPlan.objects.get()

    sign_in(phone, "sup_east", PASSWORD)
    phone.goto(f"{live_server.url}/notifications/")
    expect(phone.locator("body")).to_contain_text("submitted the 2026 plan of acme")
    phone.goto(f"{live_server.url}{plan.get_absolute_url()}")
    phone.fill("#plan-decision-form textarea[name=comment]", "Good plan.")
    phone.locator("#approve-plan").tap()
    expect(phone.locator(".alert-success")).to_contain_text("The plan is approved.")
    expect(phone.locator("#plan-history")).to_contain_text("Good plan.")
    screenshot(phone, "plan-approved")
    phone.goto(f"{live_server.url}{acme.get_absolute_url()}")
    expect(phone.locator("#plan-card [data-status=approved]")).to_be_visible()
    expect(phone.locator("#timeline")).to_contain_text("Plan 2026: Approved")
    plan.refresh_from_db()
    assert plan.status == "approved"
