"""Opportunity, stage, product line and contract writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from opportunities import services
from opportunities.choices import ContractStatus, OpportunityType, StageKind
from opportunities.models import Contract, Opportunity, OpportunityStageChange, Stage
from opportunities.selectors import opportunity_stage_history
from tests.factories import ContactFactory, ContractFactory


def _open(world, lines, who="kam_a", account="acme", **fields):
    data = {
        "name": "Line 2 upgrade",
        "type": OpportunityType.UP_SELL,
        "product_line": lines["software"],
        "amount": Decimal("200000"),
        "expected_close_on": timezone.localdate() + timedelta(days=60),
        **fields,
    }
    return services.opportunity_create(
        actor=world.user(who), account=world.accounts[account], **data
    )


def test_create_starts_in_the_first_open_stage_with_its_probability(world, stages, lines):
    opportunity = _open(world, lines)
    assert opportunity.stage == stages["Qualify"]
    assert opportunity.probability == 10
    assert opportunity.owner == world.user("kam_a")
    assert opportunity.currency == "CNY"
    change = OpportunityStageChange.objects.get(opportunity=opportunity)
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        None,
        stages["Qualify"],
        world.user("kam_a"),
    )


def test_probability_given_at_create_wins_over_the_stage_default(world, stages, lines):
    opportunity = _open(world, lines, stage=stages["Proposal"], probability=65)
    assert opportunity.probability == 65
    assert _open(world, lines, stage=stages["Proposal"], probability=None).probability == 50


def test_moving_resets_the_probability_to_the_new_stage_unless_given(world, stages, lines):
    kam = world.user("kam_a")
    opportunity = _open(world, lines, probability=30)
    moved = services.opportunity_move_stage(
        actor=kam, opportunity=opportunity, stage=stages["Negotiation"]
    )
    assert moved.probability == 75
    moved = services.opportunity_move_stage(
        actor=kam, opportunity=moved, stage=stages["Proposal"], probability=60
    )
    assert moved.probability == 60
    history = list(
        OpportunityStageChange.objects.filter(opportunity=opportunity).values_list(
            "from_stage__name", "to_stage__name", "changed_by__username"
        )
    )
    assert history == [
        (None, "Qualify", "kam_a"),
        ("Qualify", "Negotiation", "kam_a"),
        ("Negotiation", "Proposal", "kam_a"),
    ]


@pytest.mark.parametrize("stage_name", ["Won", "Lost"])
def test_closing_requires_a_reason(world, stages, lines, stage_name):
    opportunity = _open(world, lines)
    with pytest.raises(ValidationError) as caught:
        services.opportunity_move_stage(
            actor=world.user("kam_a"), opportunity=opportunity, stage=stages[stage_name], reason=" "
        )
    assert "close_reason" in caught.value.message_dict
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["Qualify"]
    assert OpportunityStageChange.objects.filter(opportunity=opportunity).count() == 1


def test_winning_closes_today_at_100_percent(world, stages, lines):
    opportunity = _open(world, lines)
    won = services.opportunity_move_stage(
        actor=world.user("kam_a"),
        opportunity=opportunity,
        stage=stages["Won"],
        probability=40,
        reason="Best service",
    )
    today = timezone.localdate()
    assert (won.probability, won.closed_on, won.expected_close_on) == (100, today, today)
    assert won.close_reason == "Best service"
    lost = services.opportunity_move_stage(
        actor=world.user("kam_a"), opportunity=won, stage=stages["Lost"], reason="Budget cut"
    )
    assert lost.probability == 0
    reopened = services.opportunity_move_stage(
        actor=world.user("kam_a"), opportunity=lost, stage=stages["Proposal"]
    )
    assert (reopened.probability, reopened.closed_on) == (50, None)


def test_time_in_stage_comes_from_the_recorded_changes(world, stages, lines):
    kam = world.user("kam_a")
    opportunity = _open(world, lines)
    services.opportunity_move_stage(actor=kam, opportunity=opportunity, stage=stages["Proposal"])
    services.opportunity_move_stage(actor=kam, opportunity=opportunity, stage=stages["Negotiation"])
    start = timezone.now() - timedelta(days=10)
    changes = list(OpportunityStageChange.objects.filter(opportunity=opportunity))
    for change, offset in zip(
        changes, (timedelta(0), timedelta(days=3), timedelta(days=7, hours=12)), strict=True
    ):
        OpportunityStageChange.objects.filter(pk=change.pk).update(changed_at=start + offset)
    now = start + timedelta(days=10)
    stints = opportunity_stage_history(opportunity=opportunity, now=now)
    assert [(s.stage.name, s.duration) for s in stints] == [
        ("Qualify", timedelta(days=3)),
        ("Proposal", timedelta(days=4, hours=12)),
        ("Negotiation", timedelta(days=2, hours=12)),  # still there: until now
    ]
    assert [s.days for s in stints] == [3.0, 4.5, 2.5]


def test_contacts_must_belong_to_the_account(world, stages, lines):
    stranger = ContactFactory(account=world.accounts["globex"])
    with pytest.raises(ValidationError) as caught:
        _open(world, lines, contacts=[stranger])
    assert "contacts" in caught.value.message_dict
    assert not Opportunity.objects.exists()


def test_an_account_out_of_view_is_refused(world, stages, lines):
    with pytest.raises(ValidationError) as caught:
        _open(world, lines, who="kam_c", account="acme")
    assert "account" in caught.value.message_dict


def test_executives_change_nothing(world, stages, lines):
    with pytest.raises(PermissionDenied):
        _open(world, lines, who="exec")
    opportunity = _open(world, lines)
    with pytest.raises(PermissionDenied):
        services.opportunity_move_stage(
            actor=world.user("exec"), opportunity=opportunity, stage=stages["Proposal"]
        )


def test_someone_who_cannot_see_it_cannot_move_it(world, stages, lines):
    opportunity = _open(world, lines)
    with pytest.raises(Http404):
        services.opportunity_move_stage(
            actor=world.user("kam_c"), opportunity=opportunity, stage=stages["Proposal"]
        )


def test_update_keeps_the_account_and_checks_the_owner(world, stages, lines):
    opportunity = _open(world, lines)
    with pytest.raises(ValidationError):
        services.opportunity_update(
            actor=world.user("kam_a"), opportunity=opportunity, owner=world.user("kam_c")
        )
    updated = services.opportunity_update(
        actor=world.user("kam_a"), opportunity=opportunity, amount=Decimal("5"), next_step="Demo"
    )
    assert (updated.amount, updated.next_step) == (Decimal("5"), "Demo")


def test_stages_and_product_lines_are_for_admins(world, stages):
    with pytest.raises(PermissionDenied):
        services.stage_create(actor=world.user("sup_east"), name="X", probability=5, kind="open")
    with pytest.raises(PermissionDenied):
        services.product_line_create(actor=world.user("kam_a"), name="X", code="x")
    ops = world.user("ops")
    stage = services.stage_create(actor=ops, name="Pilot", order=35, probability=60, kind="open")
    assert stage.pk
    with pytest.raises(ValidationError) as caught:
        services.stage_create(actor=ops, name="Signed", order=70, probability=90, kind="won")
    assert "probability" in caught.value.message_dict
    services.product_line_create(actor=ops, name="Cloud", code="cloud")
    with pytest.raises(ValidationError) as caught:
        services.product_line_create(actor=ops, name="Cloud again", code="cloud")
    assert "code" in caught.value.message_dict


def test_default_stages_come_from_the_data_migration(db):
    rows = list(Stage.objects.order_by("order").values_list("name", "probability", "kind"))
    assert rows == [
        ("Qualify", 10, StageKind.OPEN),
        ("Needs analysis", 25, StageKind.OPEN),
        ("Proposal", 50, StageKind.OPEN),
        ("Negotiation", 75, StageKind.OPEN),
        ("Won", 100, StageKind.WON),
        ("Lost", 0, StageKind.LOST),
    ]


# --- contracts --------------------------------------------------------------------------


def _contract(world, **fields):
    today = timezone.localdate()
    data = {
        "number": "HT-2026-001",
        "amount": Decimal("1200000"),
        "starts_on": today,
        "ends_on": today + timedelta(days=365),
        **fields,
    }
    return services.contract_create(
        actor=world.user("kam_a"), account=world.accounts["acme"], **data
    )


@pytest.mark.parametrize("days", [0, -1])
def test_a_contract_ends_after_it_starts(world, days):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        _contract(world, starts_on=today, ends_on=today + timedelta(days=days))
    assert "ends_on" in caught.value.message_dict
    assert not Contract.objects.exists()


def test_a_contract_is_signed_only_after_legal_and_finance_review(world):
    kam = world.user("kam_a")
    contract = _contract(world)
    with pytest.raises(ValidationError) as caught:
        services.contract_update(actor=kam, contract=contract, status=ContractStatus.SIGNED)
    assert "status" in caught.value.message_dict
    contract = services.contract_review(actor=kam, contract=contract, check="legal")
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.legal_reviewed_by == kam
    assert contract.legal_reviewed_at
    contract = services.contract_review(actor=kam, contract=contract, check="finance")
    contract = services.contract_update(actor=kam, contract=contract, status=ContractStatus.SIGNED)
    assert contract.status == ContractStatus.SIGNED


def test_a_contract_number_is_unique_and_its_opportunity_of_the_same_account(world, stages, lines):
    _contract(world)
    with pytest.raises(ValidationError) as caught:
        _contract(world)
    assert "number" in caught.value.message_dict
    foreign = _open(world, lines, account="globex")
    with pytest.raises(ValidationError) as caught:
        _contract(world, number="HT-2", opportunity=foreign)
    assert "opportunity" in caught.value.message_dict


def test_renewals_due_finds_live_contracts_ending_on_a_day(world):
    today = timezone.localdate()
    due = ContractFactory(
        account=world.accounts["acme"], status=ContractStatus.ACTIVE,
        ends_on=today + timedelta(days=90),
    )  # fmt: skip
    ContractFactory(
        account=world.accounts["acme"], status=ContractStatus.DRAFT,
        ends_on=today + timedelta(days=90),
    )  # fmt: skip
    found = Contract.objects.renewals_due(on=today + timedelta(days=90))
    assert list(found) == [due]
