"""The key-account pages: list, 360° page, create/edit, archive/restore, handover."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import URLResolver, include, path, reverse
from django.utils import timezone

from accounts import services
from accounts import urls as account_urls
from accounts.choices import (
    AccountStatus,
    AccountTeamRole,
    Attitude,
    ContactLevel,
    Industry,
    Region,
)
from accounts.models import Account, AccountHandover, AccountTeamMember, Visit, VisitComment
from config import urls as root_urls
from tests.factories import (
    AccountFactory,
    AccountTeamMemberFactory,
    ContactFactory,
    UserFactory,
    VisitFactory,
)

VALID_CODE = "91350100M000100Y43"
BAD_CODE = "91350100M000100Y44"

# --- URLs -------------------------------------------------------------------------------
# The contact and visit pages are built by other engineers. Until they exist, this module
# serves as the URL conf with stand-ins for the names the account pages link to, so these
# tests do not depend on the order the work lands in. Real routes always win.


def _stand_in(request, pk=None):
    return HttpResponse("stand-in")


def _urlpatterns_with_stand_ins():
    present = {pattern.name for pattern in account_urls.urlpatterns}
    stand_ins = [
        path(f"stand-in/{name}/<int:pk>/", _stand_in, name=name)
        for name in ("contact-detail", "visit-detail")
        if name not in present
    ] + [
        path(f"stand-in/{name}/", _stand_in, name=name)
        for name in ("contact-create", "visit-create")
        if name not in present
    ]
    patterns = []
    for pattern in root_urls.urlpatterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "accounts":
            pattern = path(
                "accounts/", include(([*account_urls.urlpatterns, *stand_ins], "accounts"))
            )
        patterns.append(pattern)
    return patterns


urlpatterns = _urlpatterns_with_stand_ins()
handler400 = root_urls.handler400
handler403 = root_urls.handler403
handler404 = root_urls.handler404
handler500 = root_urls.handler500

pytestmark = pytest.mark.urls(__name__)


# --- helpers ----------------------------------------------------------------------------


def _page(response):
    return response.content.decode()


def _listed(response):
    """Account names linked in the results table, in order."""
    results = _page(response).split('<div id="results">', 1)[1]
    return re.findall(r'<a href="/accounts/\d+/">([^<]+)</a>', results)


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _form_data(**overrides):
    data = {
        "name": "Umbrella Steel",
        "legal_name": "Umbrella Steel Co., Ltd.",
        "credit_code": VALID_CODE,
        "external_id": "ERP-77",
        "industry": Industry.MANUFACTURING,
        "region": Region.EAST,
        "parent": "",
        "status": AccountStatus.DEVELOPING,
        "is_industry_leader": "on",
        "cooperation_since": "2019-03-01",
        "credit_rating": "AA",
        "credit_limit": "1200000",
        "estimated_wallet": "5000000.50",
        "description": "Largest steel buyer in Fujian.",
        "tags": "steel, state-owned，export, steel",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _edit_data(account, **overrides):
    """What the edit form posts back for ``account`` unchanged, plus ``overrides``."""
    data = {
        "name": account.name,
        "legal_name": account.legal_name,
        "credit_code": account.credit_code,
        "external_id": account.external_id or "",
        "industry": account.industry,
        "region": account.region,
        "parent": account.parent_id or "",
        "owner": account.owner_id,
        "status": account.status,
        "cooperation_since": account.cooperation_since or "",
        "credit_rating": account.credit_rating,
        "credit_limit": account.credit_limit or "",
        "estimated_wallet": account.estimated_wallet or "",
        "description": account.description,
        "tags": ", ".join(account.tags),
    }
    for role, name in (
        (AccountTeamRole.SUPPORT, "team_support"),
        (AccountTeamRole.TECHNICAL, "team_technical"),
        (AccountTeamRole.EXECUTIVE_SPONSOR, "team_executive_sponsor"),
    ):
        data[name] = [m.user_id for m in account.team_members.all() if m.role == role]
    data.update(overrides)
    return data


# --- list -------------------------------------------------------------------------------


def test_list_shows_the_columns(client, world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(
        legal_name="Acme Holdings Ltd.",
        industry=Industry.AUTOMOTIVE,
        region=Region.SOUTH,
        status=AccountStatus.AT_RISK,
        is_industry_leader=True,
        has_channel_value=True,
    )
    VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(days=400))
    VisitFactory(account=acme, occurred_at=timezone.now() - timedelta(days=3))
    client.force_login(world.user("kam_a"))
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 200
    page = _page(response)
    assert _listed(response) == ["acme", "globex"]
    assert "Acme Holdings Ltd." in page
    assert "kam-status kam-status-at_risk" in page
    assert 'aria-label="Industry leader"' in page
    assert 'aria-label="Channel value"' in page
    assert 'aria-label="Reference customer"' not in page
    assert "Automotive" in page
    assert "South China" in page
    recent = timezone.localdate() - timedelta(days=3)
    assert recent.isoformat() in page  # the latest visit, not the older one
    assert "never" in page  # globex has no visit
    assert 'id="account-q"' in page
    assert 'href="/accounts/new/"' in page


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("Holdings", "legal_name", "Acme Holdings Ltd."),
        ("acm", "name", "acme"),
        (VALID_CODE, "credit_code", VALID_CODE),
        ("erp-42", "external_id", "ERP-42"),
    ],
)
def test_list_search(client, world, query, field, value):
    Account.objects.filter(pk=world.accounts["acme"].pk).update(**{field: value})
    client.force_login(world.user("sup_east"))
    response = client.get(reverse("accounts:list"), {"q": query})
    assert _listed(response) == ["acme"]


def test_list_filters(client, world):
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    Account.objects.filter(pk=acme.pk).update(
        status=AccountStatus.PROSPECT,
        industry=Industry.ENERGY,
        region=Region.NORTH,
        is_reference_customer=True,
        tags=["steel", "export"],
    )
    client.force_login(world.user("ops"))
    url = reverse("accounts:list")

    def listed(**params):
        return set(_listed(client.get(url, params)))

    assert listed() == {"acme", "globex", "initech"}
    assert listed(owner=world.user("kam_b").pk) == {"globex"}
    assert listed(owner=[world.user("kam_a").pk, world.user("kam_c").pk]) == {"acme", "initech"}
    assert listed(team=world.teams["South"].pk) == {"initech"}
    assert listed(team=world.teams["East"].pk) == {"acme", "globex"}
    assert listed(status=AccountStatus.PROSPECT) == {"acme"}
    assert listed(status=[AccountStatus.PROSPECT, AccountStatus.DEVELOPING]) == {
        "acme",
        "globex",
        "initech",
    }
    assert listed(industry=Industry.ENERGY) == {"acme"}
    assert listed(region=Region.NORTH) == {"acme"}
    assert listed(strategic="true") == {"acme"}
    assert listed(strategic="false") == {"globex", "initech"}
    assert listed(tag="steel") == {"acme"}
    assert listed(tag="steel", owner=globex.owner_id) == set()


def test_filter_panel_renders_the_filterset_fields(client, world):
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:list")))
    for name in ("owner", "team", "status", "industry", "region", "strategic", "tag", "archived"):
        assert f'name="{name}"' in page, name
    assert 'id="account-filter-panel" class="collapse"' in page  # closed without filters
    assert 'data-bs-toggle="collapse"' in page
    # Owner choices are scoped: kam_a sees East's people, not South's.
    assert world.user("kam_b").display_name in page
    assert world.user("kam_c").display_name not in page
    filtered = _page(client.get(reverse("accounts:list"), {"status": AccountStatus.DEVELOPING}))
    assert 'id="account-filter-panel" class="collapse show"' in filtered


def test_list_ordering(client, world):
    acme, globex, initech = (world.accounts[name] for name in ("acme", "globex", "initech"))
    Account.objects.filter(pk=acme.pk).update(status=AccountStatus.PROSPECT)
    Account.objects.filter(pk=globex.pk).update(status=AccountStatus.LOST)
    Account.objects.filter(pk=initech.pk).update(status=AccountStatus.DEVELOPING)
    client.force_login(world.user("ops"))
    url = reverse("accounts:list")
    assert _listed(client.get(url)) == ["acme", "globex", "initech"]
    assert _listed(client.get(url, {"ordering": "-name"})) == ["initech", "globex", "acme"]
    assert _listed(client.get(url, {"ordering": "status"})) == ["initech", "globex", "acme"]
    Account.objects.filter(pk=globex.pk).update(updated_at=timezone.now() + timedelta(days=1))
    assert _listed(client.get(url, {"ordering": "-updated"}))[0] == "globex"
    for user, name in ((world.user("kam_c"), "initech"), (world.user("kam_b"), "globex")):
        user.full_name = {"initech": "Aaron", "globex": "Zed"}[name]
        user.save()
    assert _listed(client.get(url, {"ordering": "owner"}))[0] == "initech"

    page = _page(client.get(url, {"ordering": "-name", "q": "e", "page": "1"}))
    assert 'aria-sort="descending"' in page
    assert 'href="?ordering=name&amp;q=e"' in page  # the header flips the direction
    assert 'href="?ordering=owner&amp;q=e"' in page  # and keeps the filters, not the page
    assert '<input type="hidden" name="ordering" value="-name" form="account-filters">' in page


def test_htmx_search_returns_the_results_partial(client, world):
    client.force_login(world.user("sup_east"))
    response = client.get(
        reverse("accounts:list"), {"q": "glob", "ordering": "-name"}, HTTP_HX_REQUEST="true"
    )
    page = _page(response)
    assert page.lstrip().startswith('<div id="results">')
    assert "<html" not in page
    assert _listed(response) == ["globex"]
    assert 'name="ordering" value="-name"' in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "params",
    [
        {"owner": "abc"},
        {"status": "bogus"},
        {"team": "999999"},
        {"ordering": "password"},
        {"strategic": "maybe"},
        {"archived": "sometimes"},
        {"q": "x" * 500},
    ],
)
def test_bad_filters_never_break_the_list(client, world, params):
    client.force_login(world.user("kam_a"))
    response = client.get(reverse("accounts:list"), params)
    assert response.status_code == 200


def test_archived_accounts_leave_the_list_unless_asked_for(client, world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(archived_at=timezone.now())
    client.force_login(world.user("kam_a"))
    url = reverse("accounts:list")
    assert _listed(client.get(url)) == ["globex"]
    archived = client.get(url, {"archived": "true"})
    assert _listed(archived) == ["acme"]
    assert "Archived" in _page(archived)
    assert client.get(reverse("accounts:detail", args=[acme.pk])).status_code == 200


def test_read_only_users_get_no_write_buttons_on_the_list(client, world):
    client.force_login(world.user("exec"))
    page = _page(client.get(reverse("accounts:list")))
    assert 'href="/accounts/new/"' not in page
    assert 'href="/accounts/handover/"' not in page
    client.force_login(world.user("sup_east"))
    assert 'href="/accounts/handover/"' in _page(client.get(reverse("accounts:list")))


# --- the 360° page ----------------------------------------------------------------------


@pytest.fixture
def mapped(world):
    """acme with an org chart: a supporting CEO, an opposing CFO under them and a buyer
    under the CFO; a departed CTO; a recent visit to the CFO and a planned revisit."""
    acme = world.accounts["acme"]
    ceo = ContactFactory(
        account=acme,
        name="Chen CEO",
        title="Chief executive",
        level=ContactLevel.EXECUTIVE,
        attitude=Attitude.SUPPORTER,
        strength=5,
    )
    cfo = ContactFactory(
        account=acme,
        name="Fang CFO",
        title="Finance director",
        level=ContactLevel.DECISION,
        attitude=Attitude.OPPONENT,
        strength=2,
        reports_to=ceo,
    )
    buyer = ContactFactory(
        account=acme,
        name="Bai Buyer",
        level=ContactLevel.EXECUTION,
        attitude=Attitude.NEUTRAL,
        reports_to=cfo,
    )
    cto = ContactFactory(
        account=acme,
        name="Tang CTO",
        level=ContactLevel.EXECUTIVE,
        has_left=True,
        left_on=timezone.localdate() - timedelta(days=10),
        reports_to=ceo,
    )
    visit = VisitFactory(
        account=acme,
        summary="Reviewed the framework agreement",
        purpose="Contract review",
        occurred_at=timezone.now() - timedelta(days=5),
        next_visit_on=timezone.localdate() + timedelta(days=7),
        next_visit_owner=world.user("kam_a"),
    )
    visit.contacts.set([cfo])
    return {"account": acme, "ceo": ceo, "cfo": cfo, "buyer": buyer, "cto": cto, "visit": visit}


def test_detail_shows_the_relationship_map_coverage_and_timeline(client, world, mapped):
    client.force_login(world.user("kam_a"))
    response = client.get(reverse("accounts:detail", args=[mapped["account"].pk]))
    assert response.status_code == 200
    page = _page(response)
    assert 'id="relationship-map"' in page
    # The org chart nests: CEO > CFO > buyer, CEO > departed CTO.
    chart = page.split('class="kam-org', 1)[1].split('id="coverage"', 1)[0]
    assert chart.index("Chen CEO") < chart.index("Fang CFO") < chart.index("Bai Buyer")
    ceo_card = re.search(
        rf'<div class="kam-person ([^"]*)" data-contact="{mapped["ceo"].pk}"', page
    )
    assert ceo_card.group(1) == "kam-person-supporter"
    cfo_card = re.search(
        rf'<div class="kam-person ([^"]*)" data-contact="{mapped["cfo"].pk}"', page
    )
    assert cfo_card.group(1) == "kam-person-opponent"
    cto_card = re.search(
        rf'<div class="kam-person ([^"]*)" data-contact="{mapped["cto"].pk}"', page
    )
    assert "kam-person-left" in cto_card.group(1)
    assert "Relationship strength 5 of 5" in page
    assert page.count('<ul class="list-unstyled">') >= 2  # nested levels
    # Coverage: one executive (met: no), one decision (met), one execution (not met).
    coverage = page.split('id="coverage"', 1)[1]
    executive = re.search(r'data-level="executive">(.*?)</tr>', coverage, re.S).group(1)
    assert re.findall(r"\d+", re.sub(r"<[^>]+>", " ", executive)) == ["1", "0", "1"]
    decision = re.search(r'data-level="decision">(.*?)</tr>', coverage, re.S).group(1)
    assert re.findall(r"\d+", re.sub(r"<[^>]+>", " ", decision)) == ["1", "1", "1"]
    assert "Executive supporter: yes" in page
    not_met = coverage.split("Key contacts not met in 90 days", 1)[1].split("Gaps", 1)[0]
    assert "Chen CEO" in not_met
    assert "Fang CFO" not in not_met
    assert "Gaps: key contacts who left" in page
    assert "Tang CTO" in coverage.split("Gaps", 1)[1]
    # Contacts table and timeline.
    assert 'id="contacts"' in page
    assert '<ol id="timeline"' in page
    assert "Reviewed the framework agreement" in page
    assert "Tang CTO left the company" in page
    assert "Account created" in page


def test_detail_without_contacts_says_so(client, world):
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:detail", args=[world.accounts["acme"].pk])))
    assert "Executive supporter: no" in page
    assert "No contacts yet" in page
    assert '<ol id="timeline"' in page


def test_detail_profile_header_and_money(client, world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(
        legal_name="Acme Holdings Ltd.",
        credit_code=VALID_CODE,
        external_id="ERP-1",
        credit_limit=Decimal("1200000"),
        estimated_wallet=Decimal("98765.4"),
        is_reference_customer=True,
        tags=["steel", "state-owned"],
        status=AccountStatus.AT_RISK,
    )
    AccountTeamMemberFactory(
        account=acme, user=world.user("kam_b"), role=AccountTeamRole.EXECUTIVE_SPONSOR
    )
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:detail", args=[acme.pk])))
    assert "CNY 1,200,000.00" in page
    assert "CNY 98,765.40" in page
    assert VALID_CODE in page
    assert "ERP-1" in page
    assert "kam-status-at_risk" in page
    assert "Reference customer" in page
    assert "?tag=state-owned" in page
    assert world.user("kam_b").display_name in page
    assert "Executive sponsor" in page


def test_detail_group_shows_only_visible_relatives(client, world):
    group = AccountFactory(name="Acme Group", owner=world.user("kam_c"))  # not kam_a's
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(parent=group)
    mine = AccountFactory(name="Acme North", owner=world.user("kam_a"), parent=acme)
    AccountFactory(name="Acme South", owner=world.user("kam_c"), parent=acme)
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:detail", args=[acme.pk])))
    assert f'href="/accounts/{mine.pk}/"' in page
    assert "Acme South" not in page
    assert "Acme Group" not in page
    assert "A group account outside your view" in page
    client.force_login(world.user("ops"))
    page = _page(client.get(reverse("accounts:detail", args=[acme.pk])))
    assert "Acme South" in page
    assert f'href="/accounts/{group.pk}/"' in page


def test_write_buttons_follow_the_rule(client, world):
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:detail", args=[acme.pk])))
    assert f"/accounts/{acme.pk}/edit/" in page
    assert f"/accounts/{acme.pk}/archive/" in page
    visit_create = reverse("accounts:visit-create")
    assert f'href="{visit_create}?account={acme.pk}"' in page
    assert f'href="{reverse("accounts:contact-create")}?account={acme.pk}"' in page
    # On globex's account team: may change, may not archive.
    page = _page(client.get(reverse("accounts:detail", args=[globex.pk])))
    assert f"/accounts/{globex.pk}/edit/" in page
    assert f"/accounts/{globex.pk}/archive/" not in page


def test_executive_sees_no_write_buttons(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("exec"))
    page = _page(client.get(reverse("accounts:detail", args=[acme.pk])))
    assert f"/accounts/{acme.pk}/edit/" not in page
    assert f"/accounts/{acme.pk}/archive/" not in page
    assert f"?account={acme.pk}" not in page


@pytest.mark.parametrize("name", ["accounts:detail", "accounts:edit"])
def test_outsider_gets_404(client, world, name):
    client.force_login(world.user("kam_c"))
    assert client.get(reverse(name, args=[world.accounts["acme"].pk])).status_code == 404


@pytest.mark.parametrize("name", ["accounts:archive", "accounts:restore"])
def test_outsider_cannot_archive_or_restore(client, world, name):
    client.force_login(world.user("kam_c"))
    assert client.post(reverse(name, args=[world.accounts["acme"].pk])).status_code == 404


def test_missing_account_is_404(client, world):
    client.force_login(world.user("ops"))
    assert client.get(reverse("accounts:detail", args=[999999])).status_code == 404


# --- create and edit --------------------------------------------------------------------


def test_executive_cannot_create_or_edit(client, world):
    client.force_login(world.user("exec"))
    acme = world.accounts["acme"]
    assert client.get(reverse("accounts:create")).status_code == 404
    assert client.post(reverse("accounts:create"), _form_data()).status_code == 404
    assert client.get(reverse("accounts:edit", args=[acme.pk])).status_code == 404
    assert client.post(reverse("accounts:edit", args=[acme.pk]), {}).status_code == 404
    assert client.post(reverse("accounts:archive", args=[acme.pk])).status_code == 404
    assert not Account.objects.filter(name="Umbrella Steel").exists()


def test_kam_creates_an_account_through_the_form(client, world):
    client.force_login(world.user("kam_a"))
    form_page = _page(client.get(reverse("accounts:create")))
    assert "form-control-lg" in form_page
    assert 'name="owner"' in form_page
    assert "disabled" in re.search(r'<select name="owner"[^>]*>', form_page).group(0)
    assert "Account team" in form_page
    data = _form_data(
        parent=world.accounts["globex"].pk,
        team_support=[world.user("kam_b").pk],
        team_executive_sponsor=[world.user("sup_east").pk],
    )
    response = client.post(reverse("accounts:create"), data)
    account = Account.objects.get(name="Umbrella Steel")
    assert response.status_code == 302
    assert response["Location"] == account.get_absolute_url()
    assert account.owner == world.user("kam_a")
    assert account.created_by == world.user("kam_a")
    assert account.parent == world.accounts["globex"]
    assert account.tags == ["steel", "state-owned", "export"]
    assert account.credit_limit == Decimal("1200000")
    assert account.is_industry_leader
    assert not account.is_reference_customer
    team = dict(AccountTeamMember.objects.filter(account=account).values_list("user", "role"))
    assert team == {
        world.user("kam_b").pk: AccountTeamRole.SUPPORT,
        world.user("sup_east").pk: AccountTeamRole.EXECUTIVE_SPONSOR,
    }
    assert _messages(client.get(account.get_absolute_url())) == ["Umbrella Steel is created."]


def test_kam_cannot_make_someone_else_the_owner(client, world):
    client.force_login(world.user("kam_a"))
    data = _form_data(owner=world.user("kam_b").pk)
    assert client.post(reverse("accounts:create"), data).status_code == 302
    assert Account.objects.get(name="Umbrella Steel").owner == world.user("kam_a")
    # On globex's team, kam_a may edit it but not move it to themselves.
    globex = world.accounts["globex"]
    data = _edit_data(globex, owner=world.user("kam_a").pk, name="Globex Renamed")
    assert client.post(reverse("accounts:edit", args=[globex.pk]), data).status_code == 302
    globex.refresh_from_db()
    assert globex.name == "Globex Renamed"
    assert globex.owner == world.user("kam_b")


def test_supervisor_picks_an_owner_from_their_teams(client, world):
    client.force_login(world.user("sup_east"))
    page = _page(client.get(reverse("accounts:create")))
    owners = re.search(r'<select name="owner".*?</select>', page, re.S).group(0)
    assert world.user("kam_b").display_name in owners
    assert world.user("kam_c").display_name not in owners
    assert world.user("exec").display_name not in owners
    bad = client.post(reverse("accounts:create"), _form_data(owner=world.user("kam_c").pk))
    assert bad.status_code == 200
    assert "owner" in bad.context["form"].errors
    good = client.post(reverse("accounts:create"), _form_data(owner=world.user("kam_b").pk))
    assert good.status_code == 302
    assert Account.objects.get(name="Umbrella Steel").owner == world.user("kam_b")


def test_invalid_credit_code_is_a_field_error(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("accounts:create"), _form_data(credit_code=BAD_CODE))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["credit_code"]
    assert "check digit" in errors["credit_code"][0]
    page = _page(response)
    assert "is-invalid" in re.search(r'<input type="text" name="credit_code"[^>]*>', page).group(0)
    assert 'id="form-errors"' in page
    assert not Account.objects.filter(name="Umbrella Steel").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"credit_limit": "-5"}, "credit_limit"),
        ({"credit_limit": "lots"}, "credit_limit"),
        ({"cooperation_since": "yesterday"}, "cooperation_since"),
        ({"status": "bogus"}, "status"),
        ({"parent": "999999"}, "parent"),
        ({"tags": ",".join(f"t{i}" for i in range(30))}, "tags"),
        ({"tags": "x" * 41}, "tags"),
        ({"team_support": ["abc"]}, "team_support"),
    ],
)
def test_bad_input_gets_field_errors(client, world, overrides, field):
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("accounts:create"), _form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_duplicate_credit_code_is_a_field_error(client, world):
    Account.objects.filter(pk=world.accounts["initech"].pk).update(credit_code=VALID_CODE)
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("accounts:create"), _form_data())
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors


def test_one_person_one_role_on_the_team(client, world):
    client.force_login(world.user("kam_a"))
    kam_b = world.user("kam_b").pk
    response = client.post(
        reverse("accounts:create"), _form_data(team_support=[kam_b], team_technical=[kam_b])
    )
    assert response.status_code == 200
    assert "team_technical" in response.context["form"].errors


def test_service_errors_land_on_the_form(client, world, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"name": "Name refused.", "team": "Team refused."})

    monkeypatch.setattr(services, "account_create", refuse)
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("accounts:create"), _form_data())
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["Name refused."]
    assert form.non_field_errors() == ["Team refused."]


def test_parent_cycle_is_a_field_error_on_parent(client, world):
    acme = world.accounts["acme"]
    child = AccountFactory(name="Acme Shanghai", owner=world.user("kam_a"), parent=acme)
    grandchild = AccountFactory(name="Acme Pudong", owner=world.user("kam_a"), parent=child)
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:edit", args=[acme.pk])))
    parents = re.search(r'<select name="parent".*?</select>', page, re.S).group(0)
    assert f'value="{acme.pk}"' not in parents  # never its own parent
    assert f'value="{world.accounts["initech"].pk}"' not in parents  # nor one out of view
    response = client.post(
        reverse("accounts:edit", args=[acme.pk]), _edit_data(acme, parent=grandchild.pk)
    )
    assert response.status_code == 200
    assert "loop" in response.context["form"].errors["parent"][0]
    acme.refresh_from_db()
    assert acme.parent is None


def test_add_subsidiary_preselects_the_parent(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    assert f'href="/accounts/new/?parent={acme.pk}"' in _page(client.get(acme.get_absolute_url()))
    page = _page(client.get(reverse("accounts:create"), {"parent": acme.pk}))
    assert f'<option value="{acme.pk}" selected>acme</option>' in page
    foreign = _page(client.get(reverse("accounts:create"), {"parent": "x1"}))
    assert "selected>acme<" not in foreign


def test_a_parent_out_of_view_is_explained_on_the_form(client, world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(parent=world.accounts["initech"])
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:edit", args=[acme.pk])))
    assert "belongs to a group outside your view" in page
    assert "initech" not in page


def test_supervisor_edits_an_account(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("sup_east"))
    page = _page(client.get(reverse("accounts:edit", args=[acme.pk])))
    assert 'value="acme"' in page
    data = _edit_data(
        acme,
        name="Acme Corp",
        status=AccountStatus.AT_RISK,
        tags="steel",
        team_technical=[world.user("kam_b").pk],
    )
    response = client.post(reverse("accounts:edit", args=[acme.pk]), data)
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.name, acme.status, acme.tags) == ("Acme Corp", AccountStatus.AT_RISK, ["steel"])
    assert list(acme.team_members.values_list("user", "role")) == [
        (world.user("kam_b").pk, AccountTeamRole.TECHNICAL)
    ]
    assert _messages(client.get(acme.get_absolute_url())) == ["Acme Corp is saved."]


def test_supervisor_changing_the_owner_records_a_handover(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("sup_east"))
    data = _edit_data(acme, owner=world.user("kam_b").pk)
    assert client.post(reverse("accounts:edit", args=[acme.pk]), data).status_code == 302
    acme.refresh_from_db()
    assert acme.owner == world.user("kam_b")
    assert AccountHandover.objects.filter(account=acme, to_user=world.user("kam_b")).exists()


def test_editing_keeps_a_team_the_form_did_not_touch(client, world):
    globex = world.accounts["globex"]
    client.force_login(world.user("kam_b"))
    data = _edit_data(globex, name="Globex 2")
    assert client.post(reverse("accounts:edit", args=[globex.pk]), data).status_code == 302
    assert list(globex.team_members.values_list("user", "role")) == [
        (world.user("kam_a").pk, AccountTeamRole.TECHNICAL)
    ]


def test_a_stale_form_gets_a_conflict_not_an_overwrite(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:edit", args=[acme.pk])))
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    services.account_update(actor=world.user("sup_east"), account=acme, name="Acme by sup")
    data = _edit_data(acme, name="Acme by kam", version=version)
    response = client.post(reverse("accounts:edit", args=[acme.pk]), data)
    assert response.status_code == 200
    assert "Someone else changed this account" in _page(response)
    acme.refresh_from_db()
    assert acme.name == "Acme by sup"


# --- archive and restore ----------------------------------------------------------------


def test_archive_and_restore(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    assert client.get(reverse("accounts:archive", args=[acme.pk])).status_code == 405
    response = client.post(reverse("accounts:archive", args=[acme.pk]))
    assert response.status_code == 302
    assert response["Location"] == acme.get_absolute_url()
    acme.refresh_from_db()
    assert acme.archived_at is not None
    assert _listed(client.get(reverse("accounts:list"))) == ["globex"]
    page = _page(client.get(acme.get_absolute_url()))
    assert "This account is archived" in page
    assert f"/accounts/{acme.pk}/restore/" in page
    assert f"/accounts/{acme.pk}/archive/" not in page
    assert client.post(reverse("accounts:restore", args=[acme.pk])).status_code == 302
    acme.refresh_from_db()
    assert acme.archived_at is None
    assert _listed(client.get(reverse("accounts:list"))) == ["acme", "globex"]


def test_account_team_member_cannot_archive(client, world):
    globex = world.accounts["globex"]
    client.force_login(world.user("kam_a"))
    assert client.post(reverse("accounts:archive", args=[globex.pk])).status_code == 403
    globex.refresh_from_db()
    assert globex.archived_at is None


# --- handover ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["kam_a", "kam_b", "exec"])
def test_handover_is_for_supervisors_and_admins(client, world, role):
    client.force_login(world.user(role))
    assert client.get(reverse("accounts:handover")).status_code == 404
    assert client.post(reverse("accounts:handover"), {}).status_code == 404


def test_handover_anonymous_goes_to_login(client, world):
    response = client.get(reverse("accounts:handover"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_handover_step_two_lists_the_accounts_and_colleagues(client, world):
    second = AccountFactory(name="Acme Two", owner=world.user("kam_a"))
    VisitFactory(
        account=second,
        next_visit_on=timezone.localdate() + timedelta(days=3),
        next_visit_owner=world.user("kam_a"),
    )
    client.force_login(world.user("sup_east"))
    step_one = _page(client.get(reverse("accounts:handover")))
    picker = re.search(r'<select name="from_user".*?</select>', step_one, re.S).group(0)
    assert world.user("kam_a").display_name in picker
    assert world.user("kam_c").display_name not in picker
    response = client.get(reverse("accounts:handover"), {"from_user": world.user("kam_a").pk})
    page = _page(response)
    assert "acme" in page
    assert "Acme Two" in page
    assert "globex" not in page  # kam_b's
    to_select = re.search(rf'<select name="to_{second.pk}".*?</select>', page, re.S).group(0)
    assert world.user("kam_b").display_name in to_select
    assert world.user("kam_a").display_name not in to_select  # not back to themselves
    assert world.user("kam_c").display_name not in to_select  # outside the team
    assert 'name="assign_all"' in page


@pytest.mark.parametrize("value", ["abc", "999999", ""])
def test_handover_bad_kam_is_an_error_not_a_500(client, world, value):
    client.force_login(world.user("sup_east"))
    response = client.get(reverse("accounts:handover"), {"from_user": value})
    assert response.status_code == 200
    assert response.context["pick_form"].errors
    assert client.post(reverse("accounts:handover"), {"from_user": value}).status_code == 200


def test_handover_of_someone_outside_the_team_is_refused(client, world):
    client.force_login(world.user("sup_east"))
    response = client.get(reverse("accounts:handover"), {"from_user": world.user("kam_c").pk})
    assert "from_user" in response.context["pick_form"].errors
    assert "initech" not in _page(response)


def test_handover_moves_accounts_and_open_revisits(client, world):
    acme = world.accounts["acme"]
    second = AccountFactory(name="Acme Two", owner=world.user("kam_a"))
    kept = AccountFactory(name="Acme Kept", owner=world.user("kam_a"))
    revisit = VisitFactory(
        account=acme,
        next_visit_on=timezone.localdate() + timedelta(days=3),
        next_visit_owner=world.user("kam_a"),
    )
    closed = VisitFactory(
        account=acme,
        next_visit_on=timezone.localdate() - timedelta(days=3),
        next_visit_owner=world.user("kam_a"),
        follow_up_closed_at=timezone.now(),
    )
    client.force_login(world.user("sup_east"))
    response = client.post(
        reverse("accounts:handover"),
        {
            "from_user": world.user("kam_a").pk,
            "accounts": [acme.pk, second.pk],
            f"to_{acme.pk}": "",
            f"to_{second.pk}": world.user("sup_east").pk,
            f"to_{kept.pk}": world.user("kam_b").pk,  # not checked: stays
            "assign_all": world.user("kam_b").pk,
            "note": "Kevin moves to the North team.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:list")
    owners = dict(Account.objects.filter(name__startswith="Acme").values_list("name", "owner"))
    assert owners == {
        "Acme Two": world.user("sup_east").pk,
        "Acme Kept": world.user("kam_a").pk,
    }
    acme.refresh_from_db()
    assert acme.owner == world.user("kam_b")
    assert Visit.objects.get(pk=revisit.pk).next_visit_owner == world.user("kam_b")
    assert Visit.objects.get(pk=closed.pk).next_visit_owner == world.user("kam_a")
    handover = AccountHandover.objects.get(account=acme)
    assert (handover.from_user, handover.to_user, handover.performed_by) == (
        world.user("kam_a"),
        world.user("kam_b"),
        world.user("sup_east"),
    )
    assert handover.note == "Kevin moves to the North team."
    assert handover.follow_ups_moved == 1
    assert AccountHandover.objects.count() == 2
    assert _messages(client.get(reverse("accounts:list"))) == [
        f"2 accounts handed over from {world.user('kam_a').display_name}."
    ]


def test_handover_needs_a_target_for_each_checked_account(client, world):
    acme = world.accounts["acme"]
    client.force_login(world.user("sup_east"))
    url = reverse("accounts:handover")
    response = client.post(url, {"from_user": world.user("kam_a").pk, "accounts": [acme.pk]})
    assert response.status_code == 200
    assert f"to_{acme.pk}" in response.context["form"].errors
    nothing = client.post(url, {"from_user": world.user("kam_a").pk})
    assert "accounts" in nothing.context["form"].errors
    foreign = client.post(
        url,
        {
            "from_user": world.user("kam_a").pk,
            "accounts": [world.accounts["initech"].pk],
            "assign_all": world.user("kam_b").pk,
        },
    )
    assert foreign.status_code == 200
    assert "accounts" in foreign.context["form"].errors
    stranger = client.post(
        url,
        {
            "from_user": world.user("kam_a").pk,
            "accounts": [acme.pk],
            "assign_all": world.user("kam_c").pk,
        },
    )
    assert stranger.status_code == 200
    assert "assign_all" in stranger.context["form"].errors
    acme.refresh_from_db()
    assert acme.owner == world.user("kam_a")
    assert not AccountHandover.objects.exists()


def test_handover_service_errors_are_shown_on_the_page(client, world, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"to_user": "Refused by the service.", "note": "Too rude."})

    monkeypatch.setattr(services, "accounts_handover", refuse)
    client.force_login(world.user("ops"))
    response = client.post(
        reverse("accounts:handover"),
        {
            "from_user": world.user("kam_a").pk,
            "accounts": [world.accounts["acme"].pk],
            "assign_all": world.user("kam_b").pk,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == ["Refused by the service."]
    assert form.errors["note"] == ["Too rude."]
    assert "Refused by the service." in _page(response)


def test_departed_kam_can_still_be_handed_over(client, world):
    kam_a = world.user("kam_a")
    kam_a.is_active = False
    kam_a.save()
    acme = world.accounts["acme"]
    client.force_login(world.user("sup_east"))
    page = _page(client.get(reverse("accounts:handover")))
    assert f"{kam_a.display_name} (inactive)" in page
    response = client.post(
        reverse("accounts:handover"),
        {"from_user": kam_a.pk, "accounts": [acme.pk], "assign_all": world.user("kam_b").pk},
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.owner == world.user("kam_b")


# --- query counts -----------------------------------------------------------------------


def _count_queries(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(50) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


LIST_QUERIES = 10  # session, user, bell, owner and team choices, count, page, filter check,
# saved views, teams (the views bar)
DETAIL_QUERIES = 10  # session, user, bell; the account with its rights, team, tier score,
# override and health trend, and the columns of the cards that register them (credit,
# policy, lifecycle); its group; the relationship map; the timeline (one statement, every
# kind of event); the scoring model; the plan card; the service card


def test_list_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.user("sup_east"))
    url = reverse("accounts:list") + f"?owner={world.user('kam_a').pk}&ordering=-updated"
    counts, created = [], 0
    for rows in (5, 50):
        for index in range(created, rows):
            account = AccountFactory(name=f"bulk {index}", owner=world.user("kam_a"))
            AccountTeamMemberFactory(account=account, user=world.user("kam_b"))
            VisitFactory(account=account)
            VisitFactory(account=account, occurred_at=timezone.now() - timedelta(days=9))
        created = rows
        counts.append(_count_queries(client, url, django_assert_max_num_queries))
    page = client.get(url)
    assert len(_listed(page)) == 50  # acme and the 50 new ones, on two pages
    assert "1 / 2" in _page(page)
    assert counts == [LIST_QUERIES, LIST_QUERIES], counts


def _grow_account(world, account, rows, done):
    """Give ``account`` ``rows`` contacts, visits (with contacts, colleagues and comments),
    subsidiaries, team members and handovers in total."""
    boss = None
    for index in range(done, rows):
        contact = ContactFactory(
            account=account,
            name=f"Contact {index}",
            level=[ContactLevel.EXECUTIVE, ContactLevel.DECISION, ContactLevel.EXECUTION][
                index % 3
            ],
            reports_to=boss,
            has_left=index % 7 == 0,
            left_on=timezone.localdate() if index % 7 == 0 else None,
        )
        boss = contact if index % 2 else boss
        visit = VisitFactory(
            account=account,
            occurred_at=timezone.now() - timedelta(days=index),
            next_visit_on=timezone.localdate() + timedelta(days=index),
            next_visit_owner=account.owner,
        )
        visit.contacts.set([contact])
        visit.colleagues.set([world.user("kam_b")])
        VisitComment.objects.create(visit=visit, author=world.user("sup_east"), body="Good.")
        AccountFactory(name=f"Subsidiary {index}", owner=account.owner, parent=account)
        member = UserFactory(username=f"member{index}")
        AccountTeamMemberFactory(account=account, user=member)
        AccountHandover.objects.create(
            account=account,
            from_user=world.user("kam_b"),
            to_user=account.owner,
            performed_by=world.user("sup_east"),
        )


def test_account_page_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    url = reverse("accounts:detail", args=[acme.pk])
    counts = []
    done = 0
    for rows in (5, 50):
        _grow_account(world, acme, rows, done)
        done = rows
        counts.append(_count_queries(client, url, django_assert_max_num_queries))
    page = _page(client.get(url))
    assert page.count('class="kam-person ') == 50
    assert "Subsidiary 49" in page
    assert counts == [DETAIL_QUERIES, DETAIL_QUERIES], counts
