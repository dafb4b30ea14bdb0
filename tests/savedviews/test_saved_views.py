"""Saved views: a list's filters saved from the list page, pinned, shared with a team,
deleted; the rows a view lists are always the opener's; the same over the API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from savedviews.lists import normalized_query
from savedviews.models import SavedView
from tests.browser_forms import page_forms, row_ids, view_tabs
from tests.factories import VisitFactory


@pytest.fixture
def visits(world):
    today = timezone.localdate()
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    return {
        "acme_call": VisitFactory(account=acme, kind="call", summary="a"),
        "acme_overdue": VisitFactory(
            account=acme, kind="onsite", summary="b", next_visit_on=today - datetime.timedelta(1)
        ),
        "globex_call": VisitFactory(account=globex, kind="call", summary="c"),
        "globex_overdue": VisitFactory(
            account=globex, kind="call", summary="d", next_visit_on=today - datetime.timedelta(3)
        ),
    }


def _save_form(html):
    forms = page_forms(html, method="post")
    return next(form for form in forms if "list" in form.names and "query" in form.names)


def _save_from_page(client, url, name, **chosen):
    """Open the list at ``url``, fill the bar's save form as a user does, submit it."""
    page = client.get(url)
    form = _save_form(page.content.decode())
    entries = form.entries(name=name, **chosen)
    return client.post(reverse("savedviews:create"), dict(_merge(entries)))


def _merge(entries):
    merged = {}
    for key, value in entries:
        merged.setdefault(key, []).append(value)
    return merged


def test_a_kam_saves_the_current_filters_and_the_view_is_a_tab(client, world, visits):
    client.force_login(world.user("kam_a"))
    url = reverse("accounts:visit-list") + "?who=all&kind=call&account=&q=&page=1"
    response = _save_from_page(client, url, "My calls")
    view = SavedView.objects.get(name="My calls")
    assert view.owner == world.user("kam_a")
    assert view.pinned is True  # the form pins by default
    assert view.query == "kind=call&who=all"  # no page, no empty field, one order
    assert response.status_code == 302
    assert response["Location"] == view.get_absolute_url()
    page = client.get(response["Location"])
    html = page.content.decode()
    assert set(row_ids(html)) == {
        visits["acme_call"].pk,
        visits["globex_call"].pk,
        visits["globex_overdue"].pk,
    }
    assert 'aria-current="page" data-view-tab' in html  # the tab shows as the current one


def test_a_view_shared_with_the_team_lists_each_openers_own_rows(client, world, visits):
    kam_a, kam_b = world.user("kam_a"), world.user("kam_b")
    east = world.teams["East"]
    client.force_login(kam_a)
    _save_from_page(
        client,
        reverse("accounts:visit-list") + "?who=all&kind=call",
        "Calls",
        team=str(east.pk),
    )
    view = SavedView.objects.get(name="Calls")
    assert view.team == east
    # kam_b (East) finds it in the menu; opening it lists only what kam_b may see
    client.force_login(kam_b)
    html = client.get(reverse("accounts:visit-list")).content.decode()
    assert f'data-saved-view="{view.pk}"' in html
    html = client.get(view.get_absolute_url()).content.decode()
    assert set(row_ids(html)) == {visits["globex_call"].pk, visits["globex_overdue"].pk}
    # kam_b cannot change or delete it
    response = client.post(reverse("savedviews:change", args=[view.pk]), {"action": "delete"})
    assert response.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    # South does not see it at all
    client.force_login(world.user("kam_c"))
    html = client.get(reverse("accounts:visit-list")).content.decode()
    assert f'data-saved-view="{view.pk}"' not in html
    client.force_login(world.user("sup_south"))
    assert client.get(reverse("api:saved-view-detail", args=[view.pk])).status_code == 404


def test_a_shared_view_naming_an_account_the_opener_cannot_see_shows_no_row_of_it(
    client, world, visits
):
    acme = world.accounts["acme"]  # kam_b does not see acme
    view = SavedView.objects.create(
        owner=world.user("kam_a"), list="visits", name="Acme", query=f"account={acme.pk}&who=all",
        team=world.teams["East"],
    )  # fmt: skip
    client.force_login(world.user("kam_b"))
    html = client.get(view.get_absolute_url()).content.decode()
    assert row_ids(html) == []
    assert 'data-filter-error="account"' in html


def test_pin_unpin_unshare_and_delete(client, world, visits):
    kam_a = world.user("kam_a")
    client.force_login(kam_a)
    view = SavedView.objects.create(
        owner=kam_a, list="visits", name="Mine", query="who=mine", team=world.teams["East"]
    )
    change = reverse("savedviews:change", args=[view.pk])
    list_url = reverse("accounts:visit-list")
    client.post(change, {"action": "pin", "next": list_url})
    view.refresh_from_db()
    assert view.pinned
    assert "data-view-tab" in client.get(list_url).content.decode()
    client.post(change, {"action": "unpin"})
    client.post(change, {"action": "unshare"})
    view.refresh_from_db()
    assert (view.pinned, view.team) == (False, None)
    response = client.post(change, {"action": "delete", "next": list_url})
    assert response.status_code == 302
    assert response["Location"] == list_url
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_with_a_filter_the_list_refuses_is_not_saved(client, world, visits):
    client.force_login(world.user("kam_b"))
    response = client.post(
        reverse("savedviews:create"),
        {"list": "visits", "name": "Bad", "query": f"account={world.accounts['acme'].pk}"},
    )
    assert response.status_code == 302
    assert not SavedView.objects.filter(name="Bad").exists()


@pytest.mark.parametrize(
    ("role", "name", "expected"),
    [
        ("kam_a", "My overdue revisits", {"acme_overdue"}),
        ("sup_east", "My team's overdue revisits", {"acme_overdue", "globex_overdue"}),
    ],
)
def test_each_role_starts_with_its_default_views(client, world, visits, role, name, expected):
    client.force_login(world.user(role))
    html = client.get(reverse("accounts:visit-list")).content.decode()
    url = view_tabs(html)[name]
    rows = set(row_ids(client.get(url).content.decode()))
    assert rows == {visits[key].pk for key in expected}


def test_the_list_reads_its_views_in_a_fixed_number_of_queries(
    client, world, visits, django_assert_max_num_queries
):
    kam_a = world.user("kam_a")
    client.force_login(kam_a)
    url = reverse("accounts:visit-list")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(6):
        SavedView.objects.create(owner=kam_a, list="visits", name=f"v{number}", pinned=True,
                                 team=world.teams["East"] if number % 2 else None)  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_api_creates_lists_changes_and_deletes_views(api_client, world, visits):
    kam_a = world.user("kam_a")
    api_client.force_authenticate(kam_a)
    url = reverse("api:saved-view-list")
    response = api_client.post(
        url,
        {"list": "visits", "name": "Calls", "query": "kind=call&who=all&page=2", "pinned": True,
         "team": world.teams["East"].pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["query"] == "kind=call&who=all"
    assert body["url"] == reverse("accounts:visit-list") + "?kind=call&who=all"
    pk = body["id"]
    assert [row["id"] for row in api_client.get(url, {"list": "visits"}).json()["results"]] == [pk]
    assert api_client.get(url, {"list": "accounts"}).json()["results"] == []
    response = api_client.patch(reverse("api:saved-view-detail", args=[pk]), {"pinned": False},
                                format="json")  # fmt: skip
    assert response.status_code == 200
    assert response.json()["pinned"] is False
    # a filter the list refuses, a team that is not the user's: 400 in the error shape
    for bad in ({"query": "kind=nope"}, {"team": world.teams["South"].pk}):
        response = api_client.patch(reverse("api:saved-view-detail", args=[pk]), bad, format="json")
        assert response.status_code == 400, bad
        assert response["Content-Type"].startswith("application/problem+json")
    # a teammate reads it, cannot delete it
    api_client.force_authenticate(world.user("kam_b"))
    assert api_client.get(reverse("api:saved-view-detail", args=[pk])).status_code == 200
    assert api_client.delete(reverse("api:saved-view-detail", args=[pk])).status_code == 403
    api_client.force_authenticate(kam_a)
    assert api_client.delete(reverse("api:saved-view-detail", args=[pk])).status_code == 204
    assert not SavedView.objects.filter(pk=pk).exists()


def test_normalized_query_drops_the_page_and_empty_fields_and_sorts():
    assert normalized_query("q=&page=3&who=all&account=&kind=call&kind=meeting") == (
        "kind=call&kind=meeting&who=all"
    )
