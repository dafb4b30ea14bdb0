"""A complaint in the browser: recorded, answered, resolved, verified by a follow-up
visit and closed, with the live countdown while it waits for its first response."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from accounts.service.models import Complaint, ComplaintStatus
from tests.factories import PASSWORD, ContactFactory

DEPARTMENTS = importlib.import_module("taskforce.migrations.0002_default_departments")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_respond_resolve_and_verify_a_complaint(
    desktop, world, live_server, sign_in, screenshot
):
    acme = world.accounts["acme"]
    ContactFactory(account=acme, name="Ann An")
    page = desktop
    sign_in(page, "kam_a", PASSWORD)

    # From the account page's service card.
    page.goto(f"{live_server.url}{acme.get_absolute_url()}")
    page.locator("#service-card a", has_text="Record complaint").click()
    page.wait_for_url("**/accounts/complaints/new/?account=*")
    page.select_option("#id_contact", label="acme · Ann An")
    page.select_option("#id_category", "delivery")
    page.select_option("#id_severity", "critical")
    page.fill("#id_description", "Two pallets arrived crushed.")
    page.locator("#complaint-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Complaint recorded")
    complaint = Complaint.objects.get()
    assert complaint.account == acme
    assert complaint.owner == world.user("kam_a")

    # Critical: four hours to answer, counted down live.
    expect(page.locator("#complaint-sla [data-sla]")).to_have_text("Due soon")
    countdown = page.locator("#complaint-sla [data-deadline]")
    expect(countdown).to_have_text("3 h left")  # whole hours, never a stopwatch
    # It keeps current in the same words: under an hour in minutes, then past due.
    page.evaluate(
        """() => { const c = document.querySelector('#complaint-sla [data-deadline]');
        c.dataset.deadline = new Date(Date.now() + 42.5 * 60000).toISOString();
        document.dispatchEvent(new Event('htmx:afterSwap')); }"""
    )
    expect(countdown).to_have_text("42 min left")
    page.evaluate(
        """() => { const c = document.querySelector('#complaint-sla [data-deadline]');
        c.dataset.deadline = new Date(Date.now() - 26.2 * 3600000).toISOString();
        document.dispatchEvent(new Event('htmx:afterSwap')); }"""
    )
    expect(countdown).to_have_text("26 h overdue")
    page.reload()
    screenshot(page, "complaint-open")

    # The first response.
    expect(page.locator("#complaint-step")).to_have_attribute("data-step", "respond")
    page.locator("#complaint-step button[type=submit]").click()  # empty: refused on the field
    expect(page.locator("#complaint-step .invalid-feedback")).to_be_visible()
    page.fill("#id_response", "Called Ann; replacement pallets ship tomorrow.")
    page.locator("#complaint-step button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("First response recorded")
    expect(page.locator("#complaint-sla [data-sla]")).to_have_text("Answered in time")

    # Critical: a task force before it is resolved (the complaint page's panel says so);
    # its one task is done before the complaint closes.
    DEPARTMENTS.seed(apps, None)  # a transactional test before may have flushed them
    expect(page.locator("#task-force-needed")).to_be_visible()
    page.locator("#task-force a", has_text="Set up the task force").click()
    page.wait_for_url("**/task-forces/complaints/*/")
    page.select_option("#id_department", label="Quality")
    page.select_option("#id_assignee", str(world.user("kam_b").pk))
    page.fill("#id_description", "Check the packing of the next shipment.")
    page.fill("#id_due_on", timezone.localdate().isoformat())
    page.locator("#task-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Task given")
    page.locator(".task-done-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Task done")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")

    # Resolved, with the root cause.
    page.fill("#id_resolution", "Replaced both pallets; carrier changed.")
    page.select_option("#id_root_cause", "logistics")
    page.locator("#complaint-step button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Complaint resolved")
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "resolved")

    # No visit since: the page offers to log the follow-up visit.
    page.locator("#complaint-step a", has_text="Log the follow-up visit").click()
    page.wait_for_url("**/accounts/visits/new/?account=*")
    page.fill("#id_summary", "Checked the replacement pallets with Ann: all good.")
    page.locator("[data-submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Visit to acme logged")

    # Back on the complaint: verify with that visit, then close with the satisfaction.
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    options = page.locator("#id_visit option")
    expect(options).to_have_count(2)  # the placeholder and the follow-up visit
    page.select_option("#id_visit", index=1)
    page.locator("#complaint-step button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("verified by the follow-up visit")
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "verified")
    expect(page.locator("[data-verified] a")).to_be_visible()
    page.select_option("#id_satisfaction", "5")
    page.locator("#complaint-step button[type=submit]").click()
    expect(page.locator("#complaint-status")).to_have_attribute("data-status", "closed")
    expect(page.locator("[data-satisfaction]")).to_have_text("5 / 5")
    screenshot(page, "complaint-closed")

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert not complaint.breached
    assert complaint.verification_visit.account == acme

    # The account timeline tells the story.
    page.goto(f"{live_server.url}{acme.get_absolute_url()}")
    timeline = page.locator("#timeline")
    expect(timeline.locator("[data-kind=complaint_received]")).to_contain_text("Delivery")
    expect(timeline.locator("[data-kind=complaint_resolved]")).to_contain_text("Delivery")
    expect(page.locator("#service-complaints")).to_contain_text("None.")
    page.goto(f"{live_server.url}/accounts/complaints/")
    expect(page.locator("#complaints tbody tr")).to_have_count(1)
    screenshot(page, "complaint-list")
    page.goto(f"{live_server.url}/accounts/service/report/")
    expect(page.locator("#root-causes")).to_contain_text("Logistics")
    screenshot(page, "service-report")
