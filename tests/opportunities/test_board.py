"""The pipeline board at any size: each column's count and totals come from the filtered
opportunities (the same rows as the list), its first cards by expected close date, the
rest page by page with no card twice and none skipped, in a fixed number of queries."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities.models import Opportunity, Stage
from opportunities.selectors import BOARD_PAGE
from tests.conftest import ROLES
from tests.factories import OpportunityFactory

OPEN_STAGES = ("Qualify", "Needs analysis", "Proposal")


def _columns(html: str) -> dict:
    """{stage id: {"count", "total", "weighted", "ids", "more"}} read from the board's HTML."""
    columns = {}
    for section in re.findall(r'<section class="kam-board-column.*?</section>', html, re.S):
        stage = int(re.search(r'data-stage="(\d+)"', section).group(1))
        more = re.search(r'hx-get="([^"]+)"', section)
        columns[stage] = {
            "count": int(re.search(r"data-count>(\d+)<", section).group(1)),
            "total": re.search(r"data-total>([^<]*)<", section).group(1),
            "weighted": re.search(r"data-weighted>([^<]*)<", section).group(1),
            "ids": [
                int(pk) for pk in re.findall(r'kam-board-card card mb-2" data-id="(\d+)"', section)
            ],
            "more": unescape(more.group(1)) if more else None,
        }
    return columns


def _page(html: str) -> tuple[list[int], str | None]:
    """The card ids and the next page's URL of a column page."""
    ids = [int(pk) for pk in re.findall(r'kam-board-card card mb-2" data-id="(\d+)"', html)]
    more = re.search(r'hx-get="([^"]+)"', html)
    return ids, unescape(more.group(1)) if more else None


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


@pytest.fixture
def pipeline(world, stages, lines):
    """45 open deals on acme (kam_a), 30 on globex (kam_b), 25 on initech (kam_c), over
    three stages, two product lines and a year of close dates, amounts in whole hundreds
    so that every weighted amount is exact."""
    today = timezone.localdate()
    made = []
    plan = [("acme", 45), ("globex", 30), ("initech", 25)]
    for name, total in plan:
        account = world.accounts[name]
        for index in range(total):
            stage = stages[OPEN_STAGES[index % 3]]
            made.append(
                Opportunity(
                    account=account,
                    owner=account.owner,
                    name=f"{name}-{index}",
                    product_line=lines["software"] if index % 4 else lines["service"],
                    amount=Decimal(1000 + 100 * (index * 7 % 13)),
                    stage=stage,
                    probability=stage.probability,
                    expected_close_on=today + timedelta(days=(index * 37) % 365),
                )
            )
    Opportunity.objects.bulk_create(made)
    return made


@pytest.fixture(params=["one pass", "by parts"])
def first_cards(request, monkeypatch):
    """Both ways of reading each column's first cards (a small board reads them in one
    pass, a large one by parts): the same cards."""
    if request.param == "by parts":
        monkeypatch.setattr("opportunities.selectors.BOARD_ONE_PASS_MAX", 0)
    return request.param


def _filters(world, lines):
    today = timezone.localdate()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    return [
        {},
        {"owner": world.user("kam_b").pk},
        {"team": world.teams["East"].pk},
        {"product_line": lines["service"].pk},
        {"quarter": quarter},
        {"team": world.teams["East"].pk, "product_line": lines["software"].pk, "quarter": ""},
    ]


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "sup_south", "exec", "ops"])
def test_columns_match_the_filtered_list(client, world, stages, lines, pipeline, first_cards, role):
    """Each column's count, total and weighted total are the list's for the same filters
    and that stage; its cards are the list's first ones by expected close date."""
    client.force_login(world.user(role))
    for filters in _filters(world, lines):
        board = client.get(reverse("opportunities:board"), filters)
        assert board.status_code == 200
        columns = _columns(board.content.decode())
        for stage in Stage.objects.active():
            listing = client.get(reverse("opportunities:list"), {**filters, "stage": stage.pk})
            rows = list(
                listing.context["paginator"].object_list.order_by("expected_close_on", "pk")
            )
            column = columns[stage.pk]
            assert column["count"] == len(rows), (role, filters, stage.name)
            assert column["total"] == _money(sum((row.amount for row in rows), Decimal(0)))
            weighted = sum((row.weighted_amount for row in rows), Decimal(0))
            assert column["weighted"] == _money(weighted)
            assert column["ids"] == [row.pk for row in rows[:BOARD_PAGE]], (role, filters)
            assert (column["more"] is not None) == (len(rows) > BOARD_PAGE)


@pytest.mark.parametrize("role", ROLES)
def test_paging_a_column_returns_every_card_once_in_order(
    client, world, stages, lines, pipeline, first_cards, role
):
    client.force_login(world.user(role))
    visible = Opportunity.objects.visible_to(world.user(role)).active()
    for stage_name in OPEN_STAGES:
        stage = stages[stage_name]
        expected = list(
            visible.filter(stage=stage)
            .order_by("expected_close_on", "pk")
            .values_list("pk", flat=True)
        )
        column = _columns(client.get(reverse("opportunities:board")).content.decode())[stage.pk]
        seen, url, pages = list(column["ids"]), column["more"], 1
        while url:
            response = client.get(url, headers={"HX-Request": "true"})
            assert response.status_code == 200
            assert "<html" not in response.content.decode()
            ids, url = _page(response.content.decode())
            assert ids, "a next page is never empty"
            assert len(ids) <= BOARD_PAGE
            seen += ids
            pages += 1
        assert seen == expected, (role, stage_name)  # no repeat, no gap, in order
        assert pages == max(1, -(-len(expected) // BOARD_PAGE))


def test_a_page_keeps_the_board_s_filters_and_starts_after_its_cursor(
    client, world, stages, lines, pipeline
):
    """The next page is a keyset: a deal added before the cursor does not push a card
    shown already onto the next page again."""
    client.force_login(world.user("sup_east"))
    stage = stages["Qualify"]
    filters = {"team": world.teams["East"].pk, "product_line": ""}
    column = _columns(client.get(reverse("opportunities:board"), filters).content.decode())[
        stage.pk
    ]
    assert f"team={world.teams['East'].pk}" in column["more"]
    assert "product_line=" in column["more"]
    OpportunityFactory(
        account=world.accounts["acme"], product_line=lines["software"], stage=stage,
        expected_close_on=timezone.localdate() - timedelta(days=400),
    )  # fmt: skip
    ids, _more = _page(client.get(column["more"]).content.decode())
    expected = list(
        Opportunity.objects.filter(stage=stage, account__name__in=["acme", "globex"])
        .order_by("expected_close_on", "pk")
        .values_list("pk", flat=True)
    )
    first = expected.index(column["ids"][-1]) + 1
    assert ids == expected[first : first + BOARD_PAGE]
    assert not set(ids) & set(column["ids"])


def test_a_column_page_follows_the_visibility_rule(client, world, stages, lines, pipeline):
    client.force_login(world.user("kam_c"))  # initech only
    stage = stages["Qualify"]
    url = reverse("opportunities:board-column", args=[stage.pk])
    ids, _more = _page(client.get(url).content.decode())
    owners = set(Opportunity.objects.filter(pk__in=ids).values_list("account__name", flat=True))
    assert owners == {"initech"}


def test_a_bad_cursor_or_stage_is_an_error_not_a_500(client, world, stages, lines, pipeline):
    client.force_login(world.user("kam_a"))
    url = reverse("opportunities:board-column", args=[stages["Qualify"].pk])
    for cursor in ("x", "2026-13-01.5", "2026-01-01.", "2026-01-01.¹", "2026-01-01.9" * 20):
        assert client.get(url, {"cursor": cursor}).status_code == 400, cursor
    assert client.get(url, {"cursor": "2026-01-01.5"}).status_code == 200
    missing = Stage.objects.order_by("-pk").first().pk + 1
    assert client.get(reverse("opportunities:board-column", args=[missing])).status_code == 404
    Stage.objects.filter(pk=stages["Proposal"].pk).update(is_active=False)
    inactive = reverse("opportunities:board-column", args=[stages["Proposal"].pk])
    assert client.get(inactive).status_code == 404


def test_board_and_a_column_page_run_a_fixed_number_of_queries(
    client, world, stages, lines, first_cards, django_assert_num_queries
):
    """One row or a hundred and fifty, for a KAM and an executive: the same count (with
    the product line filter, which reads the chosen line)."""
    acme = world.accounts["acme"]
    stage = stages["Qualify"]
    today = timezone.localdate()
    for role in ("kam_a", "exec"):
        client.force_login(world.user(role))
        Opportunity.objects.all().delete()
        for total in (1, 150):
            Opportunity.objects.bulk_create(
                Opportunity(
                    account=acme,
                    owner=acme.owner,
                    name=f"deal-{index}",
                    product_line=lines["software"],
                    amount=Decimal(100),
                    stage=list(stages.values())[index % 4],
                    probability=10,
                    expected_close_on=today + timedelta(days=index),
                )
                for index in range(Opportunity.objects.count(), total)
            )
            with django_assert_num_queries(10):
                client.get(reverse("opportunities:board"), {"product_line": lines["software"].pk})
            page = reverse("opportunities:board-column", args=[stage.pk])
            with django_assert_num_queries(5):
                client.get(page, {"cursor": f"{today.isoformat()}.0"})
            with django_assert_num_queries(6):
                client.get(page, {"product_line": lines["software"].pk})


def test_moving_a_card_returns_the_board_with_its_filters(client, world, stages, lines, pipeline):
    client.force_login(world.user("sup_east"))
    card = Opportunity.objects.filter(owner=world.user("kam_b"), stage=stages["Qualify"]).first()
    url = reverse("opportunities:move", args=[card.pk]) + f"?owner={world.user('kam_b').pk}"
    response = client.post(url, {"stage": stages["Proposal"].pk}, headers={"HX-Request": "true"})
    columns = _columns(response.content.decode())
    board = _columns(
        client.get(
            reverse("opportunities:board"), {"owner": world.user("kam_b").pk}
        ).content.decode()
    )
    assert columns == board
    assert (
        card.pk in columns[stages["Proposal"].pk]["ids"]
        or columns[stages["Proposal"].pk]["count"] > BOARD_PAGE
    )
    assert sum(column["count"] for column in columns.values()) == 30


# --- the whitespace matrix, a page of accounts at a time -------------------------------


def _whitespace_accounts(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', html)


def test_whitespace_pages_its_accounts(client, world, stages, lines, django_assert_num_queries):
    from accounts.models import Account
    from tests.factories import AccountFactory

    client.force_login(world.user("sup_east"))
    url = reverse("opportunities:whitespace")
    for total in (3, 62):
        for index in range(Account.objects.count(), total):
            AccountFactory(name=f"account-{index:03d}", owner=world.user("kam_b"))
        with django_assert_num_queries(8):
            first = client.get(url)
    visible = list(
        Account.objects.visible_to(world.user("sup_east"))
        .active()
        .order_by("name", "pk")
        .values_list("name", flat=True)
    )
    assert len(visible) == 61  # East: acme, globex and 59 more; initech is South's
    shown = _whitespace_accounts(first.content.decode())
    second = client.get(url, {"page": 2}).content.decode()
    assert shown + _whitespace_accounts(second) == visible
    assert len(shown) == 50
    assert "51–61 of 61" in second
    only_b = client.get(url, {"owner": world.user("kam_b").pk, "page": 2}).content.decode()
    assert _whitespace_accounts(only_b) == [name for name in visible if name != "acme"][50:]
    assert client.get(url, {"page": "x", "owner": "¹"}).status_code == 200
