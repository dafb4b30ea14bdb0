"""Tiering in the browser: why an account is in its tier, and a supervisor's override."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from accounts.tiering.services import accounts_score
from tests.factories import PASSWORD, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scored_world(world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(
        annual_revenue_estimate=Decimal("80000000"),
        gross_margin_estimate=Decimal("30"),
        growth_potential=5,
        is_industry_leader=True,
        is_reference_customer=True,
    )
    Account.objects.filter(pk=world.accounts["globex"].pk).update(
        annual_revenue_estimate=Decimal("5000000"), growth_potential=2
    )
    ContactFactory(account=acme, name="Ann An", level="executive", strength=5)
    accounts_score()
    acme.refresh_from_db()
    return acme


def test_the_account_page_explains_the_tier_and_a_supervisor_overrides_it(
    desktop, phone, world, live_server, sign_in, screenshot
):
    acme = _scored_world(world)
    url = f"{live_server.url}{acme.get_absolute_url()}"

    # The KAM sees the tier, the score and why, and no override form.
    sign_in(desktop, "kam_a", PASSWORD)
    desktop.goto(url)
    card = desktop.locator("#tier-card")
    expect(card.locator("[data-tier]")).to_have_text(acme.tier)
    expect(card).to_contain_text(f"Score {acme.tier_score} of 100")
    expect(card.locator("#tier-breakdown [data-criterion]")).to_have_count(6)
    expect(card.locator("[data-criterion=strategic_significance]")).to_contain_text(
        "industry leader (40), reference customer (35)"
    )
    expect(card.locator("#tier-override-form")).to_have_count(0)
    screenshot(desktop, "account-tier-card")

    # The supervisor moves it to D with a reason, on a phone.
    sign_in(phone, "sup_east", PASSWORD)
    phone.goto(url)
    phone.locator("#tier-card summary").tap()
    phone.select_option("#tier-override-form select[name=tier]", "D")
    phone.fill("#tier-override-form textarea[name=reason]", "Moving production abroad next year.")
    phone.locator("#tier-override-form button[type=submit]").tap()
    expect(phone.locator(".alert-success")).to_contain_text("is now tier D")
    expect(phone.locator("#tier-card [data-tier]")).to_have_text("D")
    expect(phone.locator("#tier-override")).to_contain_text("Moving production abroad next year.")
    expect(phone.locator("#timeline")).to_contain_text(f"Tier changed from {acme.tier} to D")
    screenshot(phone, "account-tier-override-phone")

    # In Chinese, the KAM reads the override beside the computed tier.
    desktop.reload()
    desktop.click("button[name=language][value=zh-hans]")
    expect(desktop.locator("html")).to_have_attribute("lang", "zh-hans")
    desktop.goto(url)
    expect(desktop.locator("#tier-card")).to_contain_text("维持客户")
    expect(desktop.locator("#tier-card")).to_contain_text("定级依据")
    expect(desktop.locator("#tier-override")).to_contain_text("调整为 D 级")
    screenshot(desktop, "account-tier-card-zh")


def test_the_tiering_overview_shows_concentration_and_distribution(
    desktop, world, live_server, sign_in, screenshot
):
    _scored_world(world)
    sign_in(desktop, "ops", PASSWORD)
    desktop.goto(f"{live_server.url}/accounts/tiering/")
    expect(desktop.locator("#pareto-summary")).to_contain_text("1 of 2 accounts (50.0%)")
    expect(desktop.locator("#pareto tbody tr")).to_have_count(2)
    expect(desktop.locator("#scoring-runs li")).to_have_count(1)
    screenshot(desktop, "tiering-overview")
