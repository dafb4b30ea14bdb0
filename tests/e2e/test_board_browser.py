"""The pipeline board in the browser: drag a card to the next stage or pick it in the
card's select, the totals follow; a long column loads its next cards as it scrolls."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
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


def test_the_select_on_a_card_moves_it_without_dragging(desktop, world, live_server, sign_in):
    """The keyboard and phone way: pick the stage in the card's select."""
    stages = default_stages()
    line = ProductLineFactory(name="Software", code="software")
    opportunity = OpportunityFactory(
        account=world.accounts["acme"], name="Select move", product_line=line,
        amount=Decimal("100000"), stage=stages["Qualify"], probability=10,
    )  # fmt: skip
    sign_in(desktop, "kam_a", PASSWORD)
    desktop.goto(f"{live_server.url}/opportunities/board/")
    desktop.select_option(f"#move-{opportunity.pk}", str(stages["Proposal"].pk))
    proposal = desktop.locator(f".kam-board-column[data-stage='{stages['Proposal'].pk}']")
    expect(proposal.locator(f".kam-board-card[data-id='{opportunity.pk}']")).to_be_visible()
    expect(proposal.locator("[data-weighted]")).to_have_text("50,000.00")
    expect(proposal.locator("[data-count]")).to_have_text("1")
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["Proposal"]


def test_scrolling_a_column_loads_its_next_cards(desktop, world, live_server, sign_in):
    """A column shows its first 20 cards by close date and its count of all of them;
    scrolled to its end, it loads the next ones, each once, in order, until the last;
    a card loaded by scrolling still moves by its select."""
    stages = default_stages()
    line = ProductLineFactory(name="Software", code="software")
    today = timezone.localdate()
    made = [
        OpportunityFactory(
            account=world.accounts["acme"],
            name=f"Deal {index:02d}",
            product_line=line,
            amount=Decimal("1000"),
            stage=stages["Qualify"],
            probability=10,
            expected_close_on=today + timedelta(days=index % 30),
        )
        for index in range(45)
    ]
    expected = [o.pk for o in sorted(made, key=lambda o: (o.expected_close_on, o.pk))]
    sign_in(desktop, "kam_a", PASSWORD)
    desktop.goto(f"{live_server.url}/opportunities/board/")
    column = desktop.locator(f".kam-board-column[data-stage='{stages['Qualify'].pk}']")
    cards = column.locator(".kam-board-card")
    expect(column.locator("[data-count]")).to_have_text("45")
    expect(cards).to_have_count(20)
    for shown in (40, 45):
        # the user scrolls the column (and the page) down to its last card
        column.locator(".kam-board-more").scroll_into_view_if_needed()
        expect(cards).to_have_count(shown)
    expect(column.locator(".kam-board-more")).to_have_count(0)
    ids = [int(pk) for pk in cards.evaluate_all("items => items.map(i => i.dataset.id)")]
    assert ids == expected
    last = expected[-1]
    desktop.select_option(f"#move-{last}", str(stages["Proposal"].pk))
    proposal = desktop.locator(f".kam-board-column[data-stage='{stages['Proposal'].pk}']")
    expect(proposal.locator(f".kam-board-card[data-id='{last}']")).to_be_visible()
    expect(column.locator("[data-count]")).to_have_text("44")
    assert Opportunity.objects.get(pk=last).stage == stages["Proposal"]
