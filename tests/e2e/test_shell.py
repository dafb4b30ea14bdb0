"""The shell of the product in a real browser: sign in, switch language, phone layout."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_switch_language_and_screenshots(desktop, phone, world, sign_in, screenshot):
    sign_in(desktop, "kam_a", PASSWORD)
    expect(desktop.locator("h1")).to_contain_text("My day")  # a KAM's home page
    desktop.click(".navbar-toggler")  # below 1400 px the menu is behind the toggler
    desktop.click("nav.kam-navbar >> text=Key accounts")
    expect(desktop.locator("#main")).to_contain_text("acme")
    expect(desktop.locator("#main")).not_to_contain_text("initech")
    screenshot(desktop, "home-en-desktop")

    desktop.click("button[name=language][value=zh-hans]")
    expect(desktop.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(desktop.locator("nav.kam-navbar")).to_contain_text("大客户")
    screenshot(desktop, "home-zh-desktop")

    # The choice follows the user to another device: the phone opens in Chinese.
    sign_in(phone, "kam_a", PASSWORD)
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    toggler = phone.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(phone.locator("#kam-nav")).to_be_hidden()
    screenshot(phone, "home-zh-phone")
    toggler.tap()
    expect(phone.locator("#kam-nav.show")).to_be_visible()  # after the collapse transition
    expect(phone.locator("#kam-nav")).to_contain_text("团队")
    screenshot(phone, "home-zh-phone-menu")

    phone.click("button[name=language][value=en]")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    screenshot(phone, "home-en-phone")


def test_login_page_and_bad_password(desktop, world, live_server, screenshot):
    desktop.goto(f"{live_server.url}/login/")
    screenshot(desktop, "login-en-desktop")
    desktop.fill("input[name=username]", "kam_a")
    desktop.fill("input[name=password]", "wrong")
    desktop.click("button[type=submit]")
    expect(desktop.locator(".alert-danger")).to_be_visible()


def test_account_search_updates_with_htmx(desktop, world, live_server, sign_in):
    sign_in(desktop, "sup_east", PASSWORD)
    desktop.goto(f"{live_server.url}/accounts/")
    expect(desktop.locator("#results")).to_contain_text("globex")
    desktop.fill("#account-q", "acm")
    expect(desktop.locator("#results")).not_to_contain_text("globex")
    expect(desktop.locator("#results")).to_contain_text("acme")
    assert "q=acm" in desktop.url  # the filter lives in the URL, so it can be shared


def test_the_browser_enforces_the_content_security_policy(desktop, world, live_server, sign_in):
    sign_in(desktop, "kam_a", PASSWORD)
    header = desktop.request.get(f"{live_server.url}/").headers["content-security-policy"]
    assert "script-src 'self'" in header
    # An injected inline script is refused and never runs: what a stored XSS would try.
    desktop.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true"; document.head.appendChild(s); }"""
    )
    desktop.wait_for_timeout(200)
    assert desktop.evaluate("() => window.injected === true") is False
    assert any("script-src" in text for text in desktop.csp_violations)
    desktop.csp_violations.clear()  # the fixture's own check covers the product's pages
