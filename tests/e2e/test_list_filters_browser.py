"""The filter bars of the visit, contact and opportunity lists and of the board, used in
the browser as people use them: type in the search box, then pick two filters; the
rows shown are exactly the ones chosen here by hand (by id, not by a word that the
search box itself echoes)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    ContactFactory,
    OpportunityFactory,
    ProductLineFactory,
    VisitFactory,
    default_stages,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shown(page, rows):
    return sorted(int(value) for value in page.locator(rows).evaluate_all(
        "nodes => nodes.map(node => node.dataset.rowId || node.dataset.id)"
    ))  # fmt: skip


def _expect_rows(page, rows, ids):
    """Wait until the page shows exactly ``ids`` (htmx swaps the rows in)."""
    expect(page.locator(rows)).to_have_count(len(ids))
    page.wait_for_function(
        "([selector, wanted]) => { const got = [...document.querySelectorAll(selector)]"
        ".map(n => Number(n.dataset.rowId || n.dataset.id)).sort((a, b) => a - b);"
        " return JSON.stringify(got) === JSON.stringify(wanted); }",
        arg=[rows, sorted(ids)],
    )
    assert _shown(page, rows) == sorted(ids)


@pytest.fixture
def records(world):
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    now = timezone.now()
    world.v = {
        "acme_call": VisitFactory(
            account=acme, kind="call", summary="pricing call", occurred_at=now
        ),
        "acme_site": VisitFactory(
            account=acme,
            kind="onsite",
            summary="pricing workshop",
            occurred_at=now - datetime.timedelta(days=1),
        ),
        "globex_call": VisitFactory(
            account=globex,
            kind="call",
            summary="pricing review",
            occurred_at=now - datetime.timedelta(days=2),
        ),
        "globex_site": VisitFactory(
            account=globex,
            kind="onsite",
            summary="plant tour",
            occurred_at=now - datetime.timedelta(days=3),
        ),
    }
    world.c = {
        "acme_boss": ContactFactory(
            account=acme, name="Li Wei", level="executive", attitude="supporter"
        ),
        "acme_buyer": ContactFactory(
            account=acme, name="Li Na", level="execution", attitude="neutral"
        ),
        "globex_boss": ContactFactory(
            account=globex, name="Li Ming", level="executive", attitude="opponent"
        ),
        "globex_buyer": ContactFactory(
            account=globex, name="Zhang San", level="execution", attitude="supporter"
        ),
    }
    stages = default_stages()
    lines = {
        "tur": ProductLineFactory(name="Turbines", code="tur"),
        "grd": ProductLineFactory(name="Grid", code="grd"),
    }
    world.o = {
        "acme_tur": OpportunityFactory(
            account=acme, name="Retrofit A", product_line=lines["tur"], stage=stages["Qualify"]
        ),
        "acme_grd": OpportunityFactory(
            account=acme, name="Retrofit B", product_line=lines["grd"], stage=stages["Proposal"]
        ),
        "globex_tur": OpportunityFactory(
            account=globex, name="Retrofit C", product_line=lines["tur"], stage=stages["Proposal"]
        ),
        "globex_grd": OpportunityFactory(
            account=globex, name="Expansion", product_line=lines["grd"], stage=stages["Qualify"]
        ),
    }
    world.lines = lines
    world.stages = stages
    return world


def _ids(objects, *keys):
    return [objects[key].pk for key in keys]


def test_visit_list_search_then_two_filters(desktop, records, live_server, sign_in):
    world = records
    sign_in(desktop, "sup_east", PASSWORD)
    desktop.goto(f"{live_server.url}/accounts/visits/?who=all")
    rows = "#results [data-row-id]"
    everything = _ids(world.v, "acme_call", "acme_site", "globex_call", "globex_site")
    _expect_rows(desktop, rows, everything)
    desktop.fill("#visit-q", "pricing")
    _expect_rows(desktop, rows, _ids(world.v, "acme_call", "acme_site", "globex_call"))
    desktop.select_option("#visit-kind", "call")
    _expect_rows(desktop, rows, _ids(world.v, "acme_call", "globex_call"))
    desktop.select_option("#visit-account", str(world.accounts["globex"].pk))
    _expect_rows(desktop, rows, _ids(world.v, "globex_call"))
    # back to any type: the account and the search still hold
    desktop.select_option("#visit-kind", "")
    _expect_rows(desktop, rows, _ids(world.v, "globex_call"))
    desktop.fill("#visit-q", "")
    _expect_rows(desktop, rows, _ids(world.v, "globex_call", "globex_site"))
    assert "account=" in desktop.url  # the address keeps the filters (back, reload, share)
    desktop.reload()
    _expect_rows(desktop, rows, _ids(world.v, "globex_call", "globex_site"))


def test_contact_list_search_then_two_filters(desktop, records, live_server, sign_in):
    world = records
    sign_in(desktop, "sup_east", PASSWORD)
    desktop.goto(f"{live_server.url}/accounts/contacts/")
    rows = "#results [data-row-id]"
    desktop.fill("#contact-q", "Li ")
    _expect_rows(desktop, rows, _ids(world.c, "acme_boss", "acme_buyer", "globex_boss"))
    desktop.select_option("#contact-level", "executive")
    _expect_rows(desktop, rows, _ids(world.c, "acme_boss", "globex_boss"))
    desktop.select_option("#contact-attitude", "opponent")
    _expect_rows(desktop, rows, _ids(world.c, "globex_boss"))


@pytest.mark.parametrize("path", ["/opportunities/", "/opportunities/board/"])
def test_opportunities_search_then_two_filters(desktop, records, live_server, sign_in, path):
    world = records
    sign_in(desktop, "sup_east", PASSWORD)
    desktop.goto(f"{live_server.url}{path}")
    rows = "#results [data-row-id]" if path == "/opportunities/" else ".kam-board-card[data-id]"
    _expect_rows(desktop, rows, [o.pk for o in world.o.values()])
    desktop.fill("#opp-q", "retrofit")
    _expect_rows(desktop, rows, _ids(world.o, "acme_tur", "acme_grd", "globex_tur"))
    desktop.select_option("#opp-line", str(world.lines["tur"].pk))
    _expect_rows(desktop, rows, _ids(world.o, "acme_tur", "globex_tur"))
    desktop.select_option("#opp-owner", str(world.user("kam_b").pk))
    _expect_rows(desktop, rows, _ids(world.o, "globex_tur"))
