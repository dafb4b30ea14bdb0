"""The long lists' paginator: it counts a few pages ahead ("1–50 of 550+"), reads a page's
ids before its rows, and reads a newest-first list's recent rows first."""

from datetime import timedelta

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.urls import reverse
from django.utils import timezone

from accounts.models import Visit
from accounts.views import visits as visit_views
from accounts.views.lists import LOOKAHEAD_PAGES, LookaheadPaginator
from tests.factories import VisitFactory

LIST = reverse("accounts:visit-list")


def _rows(ids):
    return Visit.objects.filter(pk__in=ids)


@pytest.fixture
def history(world):
    """30 visits on acme: 10 this week, 10 some months ago, 10 two years ago."""
    acme = world.accounts["acme"]
    now = timezone.now()
    for age in [*range(10), *range(100, 110), *range(700, 710)]:
        VisitFactory(account=acme, logged_by=world.user("kam_a"), occurred_at=now - timedelta(age))
    return Visit.objects.filter(account=acme).order_by("-occurred_at", "-pk")


def _ids(page):
    return [visit.pk for visit in page.object_list]


def test_counts_only_a_few_pages_ahead(history):
    paginator = LookaheadPaginator(history, 2, number=1, rows=_rows)
    limit = (1 + LOOKAHEAD_PAGES) * 2
    assert paginator.count == limit + 1  # one more than shown says "there are more"
    assert paginator.count_is_capped
    assert paginator.display_count == f"{limit}+"
    assert paginator.display_num_pages == f"{LOOKAHEAD_PAGES + 1}+"


def test_a_short_list_is_counted_exactly(history):
    paginator = LookaheadPaginator(history, 50, number=1, rows=_rows)
    assert paginator.count == 30
    assert not paginator.count_is_capped
    assert paginator.display_count == 30
    assert paginator.display_num_pages == 1


def test_last_counts_everything(history):
    paginator = LookaheadPaginator(history, 2, number=None, rows=_rows)
    assert paginator.count == 30
    assert paginator.display_num_pages == 15


@pytest.mark.parametrize("recent", [None, "occurred_at"])
def test_every_page_holds_what_the_plain_paginator_holds(history, recent):
    """The recent windows (30 and 365 days) and the ids-then-rows read change nothing."""
    plain = Paginator(history, 3)
    for number in plain.page_range:
        paginator = LookaheadPaginator(history, 3, number=number, rows=_rows, recent=recent)
        assert _ids(paginator.page(number)) == _ids(plain.page(number)), number


def test_a_page_past_the_end_is_empty(history):
    paginator = LookaheadPaginator(history, 10, number=5, rows=_rows, recent="occurred_at")
    with pytest.raises(EmptyPage):
        paginator.page(5)


def test_a_page_of_recent_rows_is_one_read(history, django_assert_num_queries):
    paginator = LookaheadPaginator(history, 5, number=1, rows=_rows, recent="occurred_at")
    assert paginator.count == 30
    with django_assert_num_queries(2):  # the ids within 30 days, then the rows
        page = paginator.page(1)
    assert len(page.object_list) == 5


def test_another_order_reads_the_full_history(history):
    by_summary = history.order_by("summary", "pk")
    paginator = LookaheadPaginator(by_summary, 4, number=2, rows=_rows, recent="occurred_at")
    assert paginator.recent is None
    assert _ids(paginator.page(2)) == _ids(Paginator(by_summary, 4).page(2))


# --- the visit list page ---------------------------------------------------------------------


@pytest.fixture
def short_pages(monkeypatch):
    monkeypatch.setattr(visit_views.VisitListView, "paginate_by", 2)


def test_the_list_says_how_many_at_least(client, world, history, short_pages):
    client.force_login(world.user("kam_a"))
    page = client.get(LIST).content.decode()
    limit = (1 + LOOKAHEAD_PAGES) * 2
    assert f"1–2 of {limit}+" in page
    assert f"1 / {LOOKAHEAD_PAGES + 1}+" in page
    assert "?page=2" in page


def test_the_last_page_is_counted_exactly(client, world, history, short_pages):
    client.force_login(world.user("kam_a"))
    response = client.get(LIST, {"page": "last"})
    page = response.content.decode()
    assert response.context["page_obj"].number == 15
    assert "29–30 of 30" in page
    assert "15 / 15" in page
    assert _ids(response.context["page_obj"]) == list(history.values_list("pk", flat=True))[-2:]


def test_a_page_number_past_the_end_is_not_found(client, world, history, short_pages):
    client.force_login(world.user("kam_a"))
    assert client.get(LIST, {"page": 16}).status_code == 404
    assert client.get(LIST, {"page": 15}).status_code == 200


def test_an_unreadable_page_number_is_not_found(client, world, history, short_pages):
    client.force_login(world.user("kam_a"))
    assert client.get(LIST, {"page": "x"}).status_code == 404
