from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.choices import Attitude, ContactLevel
from accounts.selectors import account_timeline, relationship_map
from tests.factories import ContactFactory, VisitFactory


def test_timeline_is_newest_first_and_mixes_event_kinds(world):
    acme = world.accounts["acme"]
    old = VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(days=30))
    new = VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(hours=1))
    services.accounts_handover(
        actor=world.user("sup_east"),
        from_user=world.user("kam_a"),
        assignments={acme.pk: world.user("kam_b")},
    )
    events = account_timeline(account=acme)
    kinds = [event.kind for event in events]
    assert kinds[0] == "handover"
    assert [event.obj for event in events if event.kind == "visit"] == [new, old]
    assert kinds.count("created") == 1


def test_timeline_shows_contacts_who_left(world):
    acme = world.accounts["acme"]
    leaver = ContactFactory(account=acme, name="Wang", level=ContactLevel.EXECUTIVE)
    services.contact_mark_left(actor=world.user("kam_a"), contact=leaver)
    assert any(
        event.kind == "contact_left" and event.obj == leaver
        for event in account_timeline(account=acme)
    )


def test_timeline_excludes_other_accounts(world):
    VisitFactory(account=world.accounts["globex"])
    assert [event.kind for event in account_timeline(account=world.accounts["acme"])] == ["created"]


@pytest.mark.parametrize("rows", [5, 50])
def test_timeline_runs_a_fixed_number_of_queries(world, rows, django_assert_num_queries):
    acme = world.accounts["acme"]
    contacts = ContactFactory.create_batch(3, account=acme)
    for _ in range(rows):
        visit = VisitFactory(account=acme)
        visit.contacts.set(contacts)
        visit.colleagues.set([world.user("kam_b")])
    # visits with their contacts, colleagues and comments, handovers, departed contacts,
    # tier changes, opportunities won, plan transitions, complaints, surveys, risk events
    # and health changes: one statement, each list an array subquery of the account's row
    with django_assert_num_queries(1):
        events = account_timeline(account=acme)
        for event in events:
            if event.kind == "visit":
                list(event.obj.contacts.all())
                list(event.obj.comments.all())
    assert len(events) == rows + 1


def test_relationship_map_builds_the_org_chart(world):
    acme = world.accounts["acme"]
    ceo = ContactFactory(account=acme, name="CEO", level=ContactLevel.EXECUTIVE)
    cfo = ContactFactory(account=acme, name="CFO", level=ContactLevel.DECISION, reports_to=ceo)
    buyer = ContactFactory(account=acme, name="Buyer", level=ContactLevel.EXECUTION, reports_to=cfo)
    loner = ContactFactory(account=acme, name="Loner", level=ContactLevel.EXECUTION)
    chart = relationship_map(account=acme)
    assert [node.contact for node in chart.roots] == [ceo, loner]
    assert chart.roots[0].children[0].contact == cfo
    assert chart.roots[0].children[0].children[0].contact == buyer
    assert chart.roots[0].children[0].children[0].depth == 2


def test_coverage_counts_levels_met_recently_and_gaps(world):
    acme = world.accounts["acme"]
    supporter = ContactFactory(
        account=acme, level=ContactLevel.EXECUTIVE, attitude=Attitude.SUPPORTER
    )
    decision_met = ContactFactory(account=acme, level=ContactLevel.DECISION)
    decision_not_met = ContactFactory(account=acme, level=ContactLevel.DECISION)
    gone = ContactFactory(account=acme, level=ContactLevel.DECISION, has_left=True)
    VisitFactory(account=acme).contacts.set([decision_met, supporter])
    VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(days=200)).contacts.set(
        [decision_not_met]
    )
    coverage = relationship_map(account=acme).coverage
    levels = {level: (total, met) for level, _label, total, met in coverage.levels}
    assert levels[ContactLevel.EXECUTIVE] == (1, 1)
    assert levels[ContactLevel.DECISION] == (2, 1)
    assert levels[ContactLevel.EXECUTION] == (0, 0)
    assert coverage.has_executive_supporter
    assert coverage.not_met_recently == [decision_not_met]
    assert coverage.departed_key_contacts == [gone]


def test_no_executive_supporter_is_reported(world):
    ContactFactory(
        account=world.accounts["acme"], level=ContactLevel.EXECUTIVE, attitude=Attitude.OPPONENT
    )
    assert not relationship_map(account=world.accounts["acme"]).coverage.has_executive_supporter


@pytest.mark.parametrize("rows", [5, 50])
def test_relationship_map_is_one_query(world, rows, django_assert_num_queries):
    acme = world.accounts["acme"]
    boss = ContactFactory(account=acme)
    ContactFactory.create_batch(rows, account=acme, reports_to=boss)
    with django_assert_num_queries(1):
        chart = relationship_map(account=acme)
    assert len(chart.roots[0].children) == rows
