"""The browser harness: Playwright driving Debian's Chromium, headless.

Playwright's own browser download is not used; ``CHROMIUM_PATH`` (default
/usr/bin/chromium) names the binary. A missing browser fails the tests: they
never skip. Screenshots go to test-artifacts/screenshots/.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. `make test` installs Debian's chromium; "
            "or set CHROMIUM_PATH."
        )
    # Playwright's sync API runs an event loop in the test thread; Django's guard
    # against ORM calls from async code would otherwise trip on the test's own setup.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _context(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, locale="en-US", **options)
    context.set_default_timeout(15_000)
    return context


def _watched_page(context):
    """A page that records what the Content-Security-Policy refused: every journey
    must run with none (our pages need no inline script or style element)."""
    page = context.new_page()
    page.csp_violations = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            page.csp_violations.append(message.text)

    page.on("console", on_console)
    return page


@pytest.fixture
def desktop(browser, live_server):
    context = _context(browser, DESKTOP)
    page = _watched_page(context)
    yield page
    context.close()
    assert page.csp_violations == []


@pytest.fixture
def phone(browser, live_server):
    context = _context(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = _watched_page(context)
    yield page
    context.close()
    assert page.csp_violations == []


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000  # a real rendering, not a blank page
        return path

    return take


@pytest.fixture
def sign_in(live_server):
    def go(page, username, password):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return go
