"""The pipeline board in the browser: drag a card to the next stage, the totals follow."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity
from tests.factories import PASSWORD, OpportunityFactory, ProductLineFactory, default_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dragging_a_card_to_the_next_stage_changes_the_weighted_total(
    desktop, world, live_server, sign_in, screenshot
):
    stages = default_stages()  # a transactional test starts from an empty table
    line = ProductLineFactory(name="Software", code="software")
    opportunity = OpportunityFactory(
        account=world.accounts["acme"], name="Line upgrade", product_line=line,
        amount=Decimal("200000"), stage=stages["Qualify"], probability=10,
    )  # fmt: skip
    sign_in(desktop, "kam_a", PASSWORD)
    desktop.goto(f"{live_server.url}/opportunities/board/")
    qualify = desktop.locator(f".kam-board-column[data-stage='{stages['Qualify'].pk}']")
    analysis = desktop.locator(f".kam-board-column[data-stage='{stages['Needs analysis'].pk}']")
    expect(qualify.locator("[data-weighted]")).to_have_text("20,000.00")
    expect(analysis.locator("[data-weighted]")).to_have_text("0.00")

    card = qualify.locator(f".kam-board-card[data-id='{opportunity.pk}'] .card-body div").first
    target = analysis.locator(".kam-board-cards")
    box, goal = card.bounding_box(), target.bounding_box()
    desktop.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    desktop.mouse.down()
    for step in range(1, 11):
        desktop.mouse.move(
            box["x"] + (goal["x"] + 40 - box["x"]) * step / 10,
            box["y"] + (goal["y"] + 20 - box["y"]) * step / 10,
        )
    desktop.mouse.up()

    analysis = desktop.locator(f".kam-board-column[data-stage='{stages['Needs analysis'].pk}']")
    expect(analysis.locator("[data-weighted]")).to_have_text("50,000.00")
    expect(
        desktop.locator(f".kam-board-column[data-stage='{stages['Qualify'].pk}'] [data-weighted]")
    ).to_have_text("0.00")
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["Needs analysis"]
    assert opportunity.probability == 25
    assert Opportunity.objects.get(pk=opportunity.pk).stage_changes.count() == 1
    screenshot(desktop, "pipeline-board")
