"""The team dashboard in the browser: a supervisor lands on it, clicks a number and a
chart segment and arrives at the matching filtered list; screenshots in both languages."""

import pytest
from playwright.sync_api import expect

from kam.models import User
from tests.dashboards.seed import seed_team
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_drills_down_from_the_team_dashboard(
    desktop, world, live_server, sign_in, screenshot
):
    seed_team(world)
    page = desktop
    sign_in(page, "sup_east", PASSWORD)  # a supervisor's home is the team dashboard
    expect(page.locator("#kam-table tr[data-kam=kam_a]")).to_be_visible()
    for chart in ("attainment", "pipeline", "forecast", "visits", "health", "tiers", "pareto"):
        expect(page.locator(f'[data-chart="{chart}"]')).to_have_attribute("data-ready", "true")
    expect(page.locator('[data-chart="pipeline"] svg')).to_be_visible()
    screenshot(page, "team-dashboard-en")
    _nav_fits_one_line(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    # the table sorts by a column
    page.locator("#kam-table th", has_text="Weighted pipeline").locator("button").click()
    expect(page.locator("#kam-table tbody tr").first).to_have_attribute("data-kam", "kam_b")

    # a number: kam_a's red accounts -> the account list filtered by owner and health
    page.locator('#kam-table tr[data-kam=kam_a] a[data-figure="red"]').click()
    page.wait_for_url("**/accounts/?owner=*&health=red")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("acme")

    # a chart segment: the red slice of the health pie -> the team's red accounts
    page.go_back()
    health = page.locator('[data-chart="health"]')
    expect(health).to_have_attribute("data-ready", "true")
    health.locator('path[fill="#b42318"]').first.click()
    page.wait_for_url(f"**/accounts/?team={world.teams['East'].pk}&health=red")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr").first).to_contain_text("acme")

    # the same dashboard in Chinese
    User.objects.filter(username="sup_east").update(language="zh-hans")
    page.goto(f"{live_server.url}/dashboards/team/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#dashboard-filters label[for=team]")).to_have_text("团队")
    expect(page.locator('[data-chart="tiers"]')).to_have_attribute("data-ready", "true")
    screenshot(page, "team-dashboard-zh-hans")
    _nav_fits_one_line(page)

    # readable on a phone: the charts redraw to the narrow screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator('[data-chart="pareto"]')).to_have_attribute("data-ready", "true")
    width = page.locator('[data-chart="pipeline"] svg').bounding_box()["width"]
    assert 300 < width <= 390
    screenshot(page, "team-dashboard-phone-zh-hans")


def _nav_fits_one_line(page):
    # the navigation (with its new Reports entry) still fits on one line where it is
    # expanded without icons: 1200 px to 1400 px
    for width in (1200, 1399):
        page.set_viewport_size({"width": width, "height": 800})
        box = page.locator("nav.kam-navbar").bounding_box()
        assert box["height"] < 80, (width, box)


def test_kam_phone_my_day(phone, world, live_server, sign_in, screenshot):
    seed_team(world)
    page = phone
    sign_in(page, "kam_a", PASSWORD)
    expect(page.locator("h1")).to_have_text("My day")
    page.locator("[data-revisit] a", has_text="Log the visit").click()
    page.wait_for_url("**/accounts/visits/new/?account=*")
    page.go_back()
    screenshot(page, "my-day-phone-en")
