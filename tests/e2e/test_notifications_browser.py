"""The bell in the browser, in English and in Chinese: the unread count in the header,
the list, opening one (it is marked read and leads to its account), mark all read."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from kam.choices import NotificationKind
from kam.models import Notification
from messaging.notifications import notify, render_message
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_bell_count_list_mark_read_and_follow(
    desktop, world, live_server, sign_in, screenshot, language
):
    kam_a = world.user("kam_a")
    kam_a.language = language
    kam_a.save(update_fields=["language"])
    Notification.objects.filter(recipient=kam_a).update(read_at="2026-01-01T00:00:00Z")
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    [first] = notify(
        recipients=[kam_a], kind=NotificationKind.TIER_CHANGED, about=acme,
        url=acme.get_absolute_url(), account="acme", old="B", new="A",
    )  # fmt: skip
    notify(
        recipients=[kam_a], kind=NotificationKind.HEALTH_RED, about=globex,
        url=globex.get_absolute_url(), account="globex", old=62, new=35,
    )  # fmt: skip
    with translation.override(language):
        expected_text = render_message(first)
        mark_all = gettext("Mark all as read")
        caught_up = gettext("You are all caught up.")
        bell_label = gettext("Notifications")
    if language != "en":
        assert mark_all != "Mark all as read"  # the page really is in Chinese

    page = desktop
    sign_in(page, "kam_a", PASSWORD)
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", bell_label)
    expect(bell.locator("[data-unread-count]")).to_have_text("2")

    bell.click()
    page.wait_for_url("**/notifications/")
    unread = page.locator("li.kam-unread")
    expect(unread).to_have_count(2)
    item = page.locator("li", has_text=expected_text)
    expect(item).to_be_visible()
    screenshot(page, f"notifications-{language}")

    item.locator("button[type=submit]").click()  # open: marked read, then to the account
    page.wait_for_url(re.compile(rf"{re.escape(acme.get_absolute_url())}$"))
    expect(page.locator("h1")).to_contain_text("acme")
    expect(bell.locator("[data-unread-count]")).to_have_text("1")

    bell.click()
    page.wait_for_url("**/notifications/")
    expect(page.locator("li.kam-unread")).to_have_count(1)
    page.get_by_role("button", name=mark_all).click()
    page.wait_for_url("**/notifications/")
    expect(page.locator("li.kam-unread")).to_have_count(0)
    expect(bell.locator("[data-unread-count]")).to_have_count(0)
    expect(page.get_by_role("button", name=mark_all)).to_have_count(0)
    assert not Notification.objects.filter(recipient=kam_a, read_at__isnull=True).exists()
    assert caught_up not in page.content()  # read ones stay listed, only unmarked
