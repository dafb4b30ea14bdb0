"""Pages and API of opportunities: fixed query counts, visibility, errors."""

from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import Opportunity, OpportunityStageChange
from tests.factories import ContractFactory, OpportunityFactory

ROLES_SEEING = {
    "kam_a": {"acme", "globex"},
    "kam_b": {"globex"},
    "kam_c": {"initech"},
    "sup_east": {"acme", "globex"},
    "sup_south": {"initech"},
    "exec": {"acme", "globex", "initech"},
    "ops": {"acme", "globex", "initech"},
}


@pytest.fixture
def records(world, stages, lines):
    opportunities = {
        name: OpportunityFactory(
            account=account, name=f"opp-{name}", product_line=lines["software"]
        )
        for name, account in world.accounts.items()
    }
    contracts = {
        name: ContractFactory(account=account, number=f"contract-{name}")
        for name, account in world.accounts.items()
    }
    return opportunities, contracts


def _count(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(60) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("opportunities:board", 9),
        ("opportunities:list", 11),  # and the saved views and the teams of the views bar
        ("opportunities:contract-list", 7),
        ("api:opportunity-list", 5),
        ("api:contract-list", 4),
    ],
)
def test_lists_and_board_run_a_fixed_number_of_queries(
    client, world, stages, lines, url_name, expected, django_assert_max_num_queries
):
    client.force_login(world.user("kam_a"))
    acme = world.accounts["acme"]
    counts = []
    for total in (5, 50):
        missing = total - Opportunity.objects.count()
        for index in range(missing):
            stage = list(stages.values())[index % 4]
            opportunity = OpportunityFactory(account=acme, product_line=lines["software"],
                                             stage=stage)  # fmt: skip
            ContractFactory(account=acme, opportunity=opportunity)
        counts.append(_count(client, reverse(url_name), django_assert_max_num_queries))
    assert counts == [expected, expected], counts


@pytest.mark.parametrize("role", list(ROLES_SEEING))
def test_every_endpoint_follows_the_visibility_rule(client, world, records, role):
    opportunities, contracts = records
    client.force_login(world.user(role))
    seen = ROLES_SEEING[role]
    body = client.get(reverse("api:opportunity-list")).json()
    assert {row["name"] for row in body["results"]} == {f"opp-{n}" for n in seen}
    body = client.get(reverse("api:contract-list")).json()
    assert {row["number"] for row in body["results"]} == {f"contract-{n}" for n in seen}
    board = client.get(reverse("opportunities:board")).content.decode()
    listing = client.get(reverse("opportunities:list")).content.decode()
    whitespace = client.get(reverse("opportunities:whitespace")).content.decode()
    for name in world.accounts:
        assert (f">opp-{name}<" in board) == (name in seen)
        assert (f">opp-{name}<" in listing) == (name in seen)
        assert (f">{name}</a></th>" in whitespace) == (name in seen)
    for name, opportunity in opportunities.items():
        status = 200 if name in seen else 404
        assert (
            client.get(reverse("opportunities:detail", args=[opportunity.pk])).status_code == status
        )
        assert (
            client.get(reverse("api:opportunity-detail", args=[opportunity.pk])).status_code
            == status
        )
        assert (
            client.get(
                reverse("opportunities:contract-detail", args=[contracts[name].pk])
            ).status_code
            == status
        )
        moved = client.post(
            reverse("api:opportunity-stage", args=[opportunity.pk]),
            {"stage": opportunity.stage_id + 2},
            content_type="application/json",
        )
        expected = 404 if role == "exec" else (200 if name in seen else 404)
        assert moved.status_code == expected, (role, name)
    assert client.get(reverse("api:stage-list")).json()["count"] == 6
    assert client.get(reverse("api:product-line-list")).status_code == 200
    settings_page = client.get(reverse("opportunities:settings"))
    assert settings_page.status_code == (200 if role == "ops" else 404)


def test_api_bad_input_is_a_400_problem_and_nothing_is_written(client, world, stages, lines):
    client.force_login(world.user("kam_a"))
    acme = world.accounts["acme"]
    response = client.post(
        reverse("api:opportunity-list"),
        {"account": acme.pk, "name": "x", "product_line": lines["software"].pk,
         "amount": "-5", "expected_close_on": "2026-01-01"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "amount" in response.json()["errors"]
    opportunity = OpportunityFactory(account=acme, product_line=lines["software"])
    response = client.post(
        reverse("api:opportunity-stage", args=[opportunity.pk]),
        {"stage": stages["Lost"].pk}, content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "close_reason" in response.json()["errors"]
    response = client.post(
        reverse("api:contract-list"),
        {"account": acme.pk, "number": "C-1", "amount": "1", "starts_on": "2026-02-01",
         "ends_on": "2026-01-01"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "ends_on" in response.json()["errors"]


def test_board_move_returns_the_board_with_new_totals(client, world, stages, lines):
    client.force_login(world.user("kam_a"))
    opportunity = OpportunityFactory(
        account=world.accounts["acme"], product_line=lines["software"], amount=Decimal("1000")
    )
    response = client.post(
        reverse("opportunities:move", args=[opportunity.pk]),
        {"stage": stages["Proposal"].pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="board"' in html
    assert "<html" not in html
    assert OpportunityStageChange.objects.filter(opportunity=opportunity).count() == 1
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.probability) == (stages["Proposal"], 50)
    # closing without a reason: the board says why, nothing moves
    response = client.post(
        reverse("opportunities:move", args=[opportunity.pk]),
        {"stage": stages["Won"].pk},
        headers={"HX-Request": "true"},
    )
    assert "Say why the opportunity was won." in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["Proposal"]


def test_win_shows_on_the_account_timeline(client, world, stages, lines):
    from accounts.selectors import account_timeline
    from opportunities.services import opportunity_move_stage

    opportunity = OpportunityFactory(account=world.accounts["acme"], product_line=lines["software"])
    opportunity_move_stage(
        actor=world.user("kam_a"), opportunity=opportunity, stage=stages["Won"], reason="Price"
    )
    kinds = [event.kind for event in account_timeline(account=world.accounts["acme"])]
    assert "opportunity_won" in kinds


def test_whitespace_cell_prefills_a_cross_sell(client, world, stages, lines):
    client.force_login(world.user("kam_a"))
    html = client.get(reverse("opportunities:whitespace")).content.decode()
    acme, line = world.accounts["acme"], lines["service"]
    link = f"?account={acme.pk}&amp;product_line={line.pk}&amp;type=cross_sell"
    assert link in html
    form = client.get(reverse("opportunities:create") + link.replace("&amp;", "&"))
    assert form.context["form"].initial == {
        "account": acme.pk, "product_line": line.pk, "type": "cross_sell",
    }  # fmt: skip


def test_contracts_filter_by_account_owner(client, world):
    mine = ContractFactory(account=world.accounts["acme"], number="HT-mine")  # kam_a's
    ContractFactory(account=world.accounts["globex"], number="HT-other")  # kam_b's
    client.force_login(world.user("sup_east"))
    page = client.get(reverse("opportunities:contract-list"), {"owner": world.user("kam_a").pk})
    assert page.status_code == 200
    assert [contract.number for contract in page.context["object_list"]] == [mine.number]


def test_each_card_s_stage_select_has_its_own_stage_selected(client, world, stages, lines):
    import re

    client.force_login(world.user("kam_a"))
    acme = world.accounts["acme"]
    placed = {
        OpportunityFactory(account=acme, product_line=lines["software"], stage=stage).pk: stage
        for stage in (stages["Qualify"], stages["Proposal"], stages["Proposal"])
    }
    html = client.get(reverse("opportunities:board")).content.decode()
    for pk, stage in placed.items():
        select = re.search(rf'<select id="move-{pk}"[^>]*>(.*?)</select>', html, re.S).group(1)
        chosen = re.findall(r'<option value="(\d+)"[^>]*\bselected>', select)
        assert chosen == [str(stage.pk)]
        assert select.count("<option") == len([s for s in stages.values() if s.is_active])
