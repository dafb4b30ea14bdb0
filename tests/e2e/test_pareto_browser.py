"""The revenue-concentration (Pareto) chart with long account names: the labels are cut
with an ellipsis, the tooltip names the account in full, and the plot keeps its height
at every width, in both languages; screenshots of each."""

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from kam.models import User
from tests.dashboards.seed import seed_team
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_CHINESE = "中国东方国际钢铁集团华东区域重点客户股份有限公司"  # 24 characters
LONG_ASCII = (
    "Consolidated Amalgamated International Heavy Industries Holding Group Limited "
    "Company East Region 01"
)
MIN_PLOT_HEIGHT = 140

PLOT = """(element) => {
  const chart = window.echarts.getInstanceByDom(element);
  const rect = chart.getModel().getComponent("grid").coordinateSystem.getRect();
  return {height: rect.height, width: rect.width, element: element.clientHeight};
}"""


def _plot(page):
    chart = page.locator('[data-chart="pareto"]')
    expect(chart).to_have_attribute("data-ready", "true")
    return chart.evaluate(PLOT)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pareto_chart_survives_long_names(desktop, world, live_server, sign_in, screenshot, language):  # fmt: skip  # noqa: E501
    assert len(LONG_CHINESE) == 24
    assert len(LONG_ASCII) == 100
    seed_team(world)
    Account.objects.filter(pk=world.accounts["acme"].pk).update(name=LONG_CHINESE)
    Account.objects.filter(pk=world.accounts["globex"].pk).update(name=LONG_ASCII)
    User.objects.filter(username="sup_east").update(language=language)
    page = desktop
    sign_in(page, "sup_east", PASSWORD)
    page.goto(f"{live_server.url}/dashboards/team/")
    for width, height in ((390, 844), (1280, 800), (1440, 900), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        plot = _plot(page)
        assert plot["height"] >= MIN_PLOT_HEIGHT, (width, plot)
        chart = page.locator('[data-chart="pareto"]')
        labels = chart.locator("svg text").all_text_contents()
        assert LONG_ASCII not in labels
        assert LONG_CHINESE not in labels
        if width > 576:  # a phone shows no axis labels at all
            assert any(label.endswith("\u2026") for label in labels), labels
        chart.scroll_into_view_if_needed()
        screenshot(page, f"pareto-long-names-{language}-{width}")
    # the tooltip names the account in full
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    chart = page.locator('[data-chart="pareto"]')
    expect(chart).to_have_attribute("data-ready", "true")
    chart.evaluate(
        """(element) => window.echarts.getInstanceByDom(element).dispatchAction(
            {type: "showTip", seriesIndex: 0, dataIndex: 0})"""
    )
    tooltip = chart.locator("div").filter(has_text=LONG_ASCII)
    expect(tooltip.first).to_be_visible()
