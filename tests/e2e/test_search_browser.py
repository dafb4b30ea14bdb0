"""The navbar search in the browser, in English and in Chinese: typing pinyin initials
shows the grouped results as the user types; the arrow keys move through them, Escape
closes the list and Enter opens the chosen row."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.factories import PASSWORD, AccountFactory, ContactFactory, OpportunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_typing_in_the_navbar_finds_grouped_rows_and_the_keyboard_opens_one(
    desktop, world, live_server, sign_in, screenshot, language
):
    kam_a = world.user("kam_a")
    kam_a.language = language
    kam_a.save(update_fields=["language"])
    huawei = AccountFactory(name="华为技术", legal_name="华为技术有限公司", owner=kam_a)
    ContactFactory(account=huawei, name="何伟", title="采购总监", phone="139 1234 5678")
    OpportunityFactory(account=huawei, name="华为 5G 扩容")
    AccountFactory(name="海王集团", owner=world.user("kam_c"))  # hw too, but not kam_a's
    with translation.override(language):
        accounts_label = gettext("Key accounts")
        contacts_label = gettext("Contacts")

    page = desktop
    sign_in(page, "kam_a", PASSWORD)
    box = page.locator("#kam-search-q")
    expect(box).to_have_attribute("role", "combobox")
    box.click()
    box.press_sequentially("hw", delay=60)

    listbox = page.locator("#kam-search-listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox).to_contain_text(accounts_label)
    expect(listbox).to_contain_text(contacts_label)
    options = listbox.locator("[role=option][data-id]")
    expect(options).to_have_count(3)  # 华为技术, 何伟 (hw), 华为 5G 扩容; not 海王集团
    expect(listbox).not_to_contain_text("海王集团")

    box.press("ArrowDown")
    first = options.nth(0)
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    screenshot(page, f"search-dropdown-{language}")

    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press("ArrowDown")  # opens the list again, on the first row
    expect(listbox).to_be_visible()
    box.press("Enter")
    page.wait_for_url(re.compile(rf"{re.escape(huawei.get_absolute_url())}$"))
    expect(page.locator("h1")).to_contain_text("华为技术")
