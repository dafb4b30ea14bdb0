"""``with_nested``: lists read inside their rows' statement, in place of prefetch_related."""

import pytest
from django.db.models import F, OuterRef

from accounts.models import Contact, Visit, VisitComment
from accounts.nested import USER_FIELDS, Nested, read_nested_by_pk, with_nested
from kam.models import User
from tests.factories import ContactFactory, VisitFactory


def _nested_visits():
    return with_nested(
        Visit.objects.order_by("pk"),
        contacts=Nested(Contact.objects.filter(visits=OuterRef("pk")).order_by("name", "pk")),
        colleagues=Nested(
            User.objects.filter(joined_visits=OuterRef("pk")).order_by("username", "pk"),
            fields=USER_FIELDS,
        ),
        comments=Nested(
            VisitComment.objects.filter(visit=OuterRef("pk")).order_by("created_at", "pk"),
            related={"author": USER_FIELDS},
        ),
    )


def test_the_lists_are_those_prefetch_related_reads(world, django_assert_num_queries):
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    people = [ContactFactory(account=acme, name=name) for name in ("Zhao", "Li", "Wang")]
    busy = VisitFactory(account=acme)
    busy.contacts.set(people)
    busy.colleagues.set([world.user("kam_b"), world.user("sup_east")])
    VisitComment.objects.create(visit=busy, author=world.user("sup_east"), body="Good.")
    VisitComment.objects.create(visit=busy, author=world.user("kam_a"), body="Thanks.")
    quiet = VisitFactory(account=globex)

    expected = {
        visit.pk: (
            [c.name for c in visit.contacts.all()],
            [u.username for u in visit.colleagues.all()],
            [(c.author.username, c.body) for c in visit.comments.all()],
        )
        for visit in Visit.objects.prefetch_related("contacts", "colleagues", "comments__author")
    }
    with django_assert_num_queries(1):
        visits = list(_nested_visits())
        found = {
            visit.pk: (
                [c.name for c in visit.contacts.all()],
                [u.username for u in visit.colleagues.all()],
                [(c.author.username, c.body) for c in visit.comments.all()],
            )
            for visit in visits
        }
    assert found == expected
    assert found[busy.pk][0] == ["Li", "Wang", "Zhao"]
    assert found[quiet.pk] == ([], [], [])


def test_a_filter_on_a_nested_list_asks_about_its_own_row(world):
    acme = world.accounts["acme"]
    mine, other = VisitFactory(account=acme), VisitFactory(account=acme)
    mine.contacts.set([ContactFactory(account=acme, name="Li Mei")])
    other.contacts.set([ContactFactory(account=acme, name="Li Lei")])
    visit = next(v for v in _nested_visits() if v.pk == mine.pk)
    assert [c.name for c in visit.contacts.filter(name__startswith="Li")] == ["Li Mei"]
    assert visit.contacts.count() == 1


def _visits_of(pk):
    from accounts.models import Account

    lists = {
        "visits": Nested(
            Visit.objects.filter(account=OuterRef("pk")).order_by("summary", "pk"),
            lists={
                "contacts": Nested(
                    Contact.objects.filter(visits=OuterRef("pk")).order_by("name", "pk")
                )
            },
        )
    }
    rows = Account.objects.filter(pk=pk).annotate(twice=F("pk") * 2)
    return rows, lists, ["twice"]


def test_a_compiled_statement_answers_for_each_row_it_is_run_for(world, django_assert_num_queries):
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    for account, summaries in ((acme, ["a1", "a2"]), (globex, ["g1"])):
        for summary in summaries:
            visit = VisitFactory(account=account, summary=summary)
            visit.contacts.set([ContactFactory(account=account, name=f"of {summary}")])
    key = ("test visits", id(world))  # compiled in this test, not by an earlier one
    for account, summaries in ((acme, ["a1", "a2"]), (globex, ["g1"]), (acme, ["a1", "a2"])):
        with django_assert_num_queries(1):
            found = read_nested_by_pk(key, account.pk, _visits_of)
        assert [visit.summary for visit in found["visits"]] == summaries
        assert [[c.name for c in visit.contacts.all()] for visit in found["visits"]] == [
            [f"of {summary}"] for summary in summaries
        ]
        assert found["extra"] == {"twice": account.pk * 2}
    missing = read_nested_by_pk(key, -1, _visits_of)
    assert missing == {"visits": [], "extra": {"twice": None}}


def test_a_statement_must_depend_on_its_row():
    from accounts.models import Account

    def everyone(pk):
        return Account.objects.all(), {}, ()

    with pytest.raises(ValueError, match="does not depend"):
        read_nested_by_pk(("test everyone",), 1, everyone)
