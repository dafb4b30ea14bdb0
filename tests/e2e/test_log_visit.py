"""Logging a visit on a phone, the most frequent action in the product."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account, Visit
from kam.models import User
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PASSWORD, ContactFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_a_visit_on_a_phone(phone, world, live_server, sign_in, screenshot):
    acme = world.accounts["acme"]
    # A customer of long standing: its creation is not today's news on the timeline.
    Account.objects.filter(pk=acme.pk).update(
        created_at=timezone.now() - timedelta(days=400),
        tier="B", health_status="amber", health_score=55,
    )  # fmt: skip
    ContactFactory(account=acme, name="Ann An", title="Purchasing director")
    ContactFactory(account=acme, name="Bo Bai", title="Plant manager")
    ContactFactory(account=world.accounts["globex"], name="Other Ou")
    sign_in(phone, "kam_a", PASSWORD)

    # One tap from anywhere: the floating button.
    fab = phone.locator("a.kam-fab")
    expect(fab).to_be_visible()
    fab.tap()
    phone.wait_for_url("**/accounts/visits/new/")
    expect(phone.locator("a.kam-fab")).to_be_hidden()  # it would cover the save button
    expect(phone.locator("#id_kind_0")).to_be_checked()  # on-site visit by default
    expect(phone.locator("#visit-contacts")).to_contain_text("Choose an account")

    # Choosing the account loads its contacts with htmx.
    phone.select_option("#id_account", label="acme")
    contacts = phone.locator("#visit-contacts input[name=contacts]")
    expect(contacts).to_have_count(2)
    expect(phone.locator("#visit-contacts")).not_to_contain_text("Other Ou")
    phone.locator("#visit-contacts label", has_text="Ann An").tap()
    phone.locator("#visit-contacts label", has_text="Bo Bai").tap()
    expect(contacts.nth(0)).to_be_checked()
    expect(contacts.nth(1)).to_be_checked()
    phone.fill("#id_summary", "Walked the new line; they want a quote for spares.")
    phone.locator("label[for=id_sentiment_0]").tap()
    phone.locator("[data-revisit]").first.tap()
    expect(phone.locator("#id_next_visit_on")).not_to_have_value("")

    # The save button stays within reach of the thumb: the bottom of the screen.
    save = phone.locator("[data-submit]")
    expect(save).to_be_in_viewport()
    box = save.bounding_box()
    assert box["width"] > 300
    assert box["height"] >= 44
    screenshot(phone, "visit-form-phone")
    # What the thumb sees: the top of the form, then its end with the save bar.
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=str(SCREENSHOTS / "visit-form-phone-top.png"))
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    phone.screenshot(path=str(SCREENSHOTS / "visit-form-phone-bottom.png"))
    save.tap()

    phone.wait_for_url(f"**{acme.get_absolute_url()}#visit-*")
    confirmation = phone.locator(".alert-success")
    expect(confirmation).to_contain_text("logged")
    first = phone.locator("#timeline .timeline-item").first
    expect(first).to_have_attribute("data-kind", "visit")
    expect(first).to_contain_text("Walked the new line")
    expect(first).to_contain_text("Ann An")
    expect(first).to_contain_text("Bo Bai")
    # The page lands on the new entry: in view, its title below the sticky navbar and
    # section tabs, with the confirmation in the entry.
    landed = phone.locator(f"#visit-{Visit.objects.get().pk}")
    expect(landed).to_be_in_viewport()
    expect(landed.locator(".alert-success")).to_contain_text("logged")
    expect(confirmation).to_be_in_viewport()
    tabs = phone.locator(".kam-section-nav")
    title = landed.locator(".fw-semibold").first.bounding_box()
    assert title["y"] >= tabs.bounding_box()["y"] + tabs.bounding_box()["height"] - 1
    screenshot(phone, "account-timeline-phone")

    # The compact header names the tier, the health and the owner; the section tabs stay
    # under the navbar while the page scrolls and each jumps to its section.
    header = phone.locator(".kam-account-header")
    expect(header.locator("[data-header=health]")).to_contain_text("55")
    expect(header.locator("[data-header=owner]")).to_contain_text(acme.owner.display_name)
    expect(header.locator(".kam-tier")).to_have_text("B")
    for tab, section in (("People", "#contacts-section"), ("Plan", "#plan-card"),
                         ("Service", "#service-card"), ("Overview", "#tier-card"),
                         ("Timeline", "#timeline-section")):  # fmt: skip
        tabs.get_by_role("link", name=tab).tap()
        phone.wait_for_function(
            "s => { const r = document.querySelector(s).getBoundingClientRect();"
            " const t = document.querySelector('.kam-section-nav').getBoundingClientRect();"
            " return r.top >= t.bottom - 1 && r.top < t.bottom + 40; }",
            arg=section,
        )
        expect(tabs).to_be_in_viewport()
        assert phone.evaluate("window.scrollY") > 0 or tab == "Overview"

    visit = Visit.objects.get()
    assert visit.logged_by == world.user("kam_a")
    assert sorted(contact.name for contact in visit.contacts.all()) == ["Ann An", "Bo Bai"]


def test_check_in_is_asked_only_on_tap_and_refusal_does_not_block(
    browser, live_server, world, sign_in
):
    # A phone whose user refuses to share the location: no permission granted.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        acme = world.accounts["acme"]
        sign_in(page, "kam_a", PASSWORD)
        page.goto(f"{live_server.url}/accounts/visits/new/?account={acme.pk}")
        page.fill("#id_summary", "Quick call.")
        page.locator("[data-checkin-button]").tap()
        status = page.locator("[data-checkin-status]")
        expect(status).to_contain_text("You can still save the visit.")
        assert page.input_value("#id_latitude") == ""
        page.locator("[data-submit]").tap()
        page.wait_for_url(f"**{acme.get_absolute_url()}#visit-*")
        assert Visit.objects.get().latitude is None
    finally:
        context.close()


def test_check_in_fills_the_location_when_shared(browser, live_server, world, sign_in):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        geolocation={"latitude": 31.2304165, "longitude": 121.4737012, "accuracy": 18},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        acme = world.accounts["acme"]
        # the account's address is about 110 m north of where the phone is
        Account.objects.filter(pk=acme.pk).update(
            address="1 People's Square, Shanghai", latitude="31.231400", longitude="121.473701"
        )
        sign_in(page, "kam_a", PASSWORD)
        page.goto(f"{live_server.url}/accounts/visits/new/?account={acme.pk}")
        page.fill("#id_summary", "On site, checked in.")
        page.locator("[data-checkin-button]").tap()
        status = page.locator("[data-checkin-status]")
        # what a person understands: how precise, and how far from the account's address
        expect(status).to_have_text("Location recorded (±18 m), 110 m from the account's address.")
        assert "31.23" not in status.inner_text()
        assert "121.47" not in status.inner_text()
        # another account without coordinates: the precision only
        page.select_option("#id_account", label="globex")
        expect(status).to_have_text("Location recorded (±18 m).")
        page.select_option("#id_account", label="acme")
        expect(status).to_contain_text("110 m from the account's address")
        # in Chinese, in its words and units
        User.objects.filter(username="kam_a").update(language="zh-hans")
        page.goto(f"{live_server.url}/accounts/visits/new/?account={acme.pk}")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        page.fill("#id_summary", "On site, checked in.")
        page.locator("[data-checkin-button]").tap()
        expect(status).to_have_text("已签到（误差 ±18 米），距客户地址 110 米。")
        page.locator("[data-submit]").tap()
        page.wait_for_url(f"**{acme.get_absolute_url()}#visit-*")
        visit = Visit.objects.get()
        assert visit.is_checked_in
        assert round(float(visit.latitude), 4) == 31.2304
        assert visit.location_accuracy == 18
    finally:
        context.close()


def test_long_notes_are_counted_on_the_form_and_clamped_on_the_timeline(
    phone, world, live_server, sign_in
):
    acme = world.accounts["acme"]
    long_note = "\n".join(f"Line {n} of the plant tour notes." for n in range(1, 41))
    VisitFactory(account=acme, logged_by=acme.owner, summary=long_note)
    VisitFactory(account=acme, logged_by=acme.owner, summary="Short call.")
    sign_in(phone, "kam_a", PASSWORD)

    phone.goto(f"{live_server.url}{acme.get_absolute_url()}#timeline-section")
    long_entry = phone.locator(".timeline-item", has_text="Line 1 of the plant tour")
    summary = long_entry.locator("[data-clamp]")
    clipped = "el => el.scrollHeight > el.clientHeight + 1"
    assert summary.evaluate(clipped)  # its first lines only
    toggle = long_entry.locator(".kam-clamp-toggle")
    expect(toggle).to_have_text("more")
    expect(phone.locator(".timeline-item", has_text="Short call.").locator("button")).to_have_count(
        0
    )
    toggle.tap()
    assert not summary.evaluate(clipped)  # all of it
    expect(toggle).to_have_text("less")

    phone.goto(f"{live_server.url}/accounts/visits/new/?account={acme.pk}")
    counter = phone.locator("#id_summary + .kam-char-count")
    phone.fill("#id_summary", "A short note.")
    expect(counter).to_be_hidden()  # nothing to count yet
    phone.fill("#id_summary", "x" * 2500)
    expect(counter).to_have_text("2,500 / 4,000 characters")
    phone.fill("#id_summary", "x" * 5000)  # the browser stops at the limit
    expect(counter).to_have_text("4,000 / 4,000 characters")
    assert len(phone.input_value("#id_summary")) == 4000
