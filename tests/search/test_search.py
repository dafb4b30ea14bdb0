"""Search: one definition of "matches" for the navbar, the lists' q and the API's search,
by a fragment of a Chinese name, pinyin initials, full pinyin, a credit-code fragment and
a phone fragment; scoped, for every role, to exactly the rows the role may see."""

import re

import pytest
from django.urls import reverse

from accounts.bulk import accounts_upsert, contacts_upsert
from accounts.models import Account, Contact
from accounts.services import account_update
from kam.textsearch import pinyin_keys, search_terms
from search.selectors import search_everything
from tests.conftest import ROLES
from tests.factories import (
    AccountFactory,
    ComplaintFactory,
    ContactFactory,
    ContractFactory,
    OpportunityFactory,
)

#: which owners' accounts each role sees (tests/conftest.py's world)
SEES = {
    "kam_a": {"kam_a"},
    "kam_b": {"kam_b"},
    "kam_c": {"kam_c"},
    "sup_east": {"kam_a", "kam_b"},
    "sup_south": {"kam_c"},
    "exec": {"kam_a", "kam_b", "kam_c"},
    "ops": {"kam_a", "kam_b", "kam_c"},
}
HUAWEI_CODE = "91440300192203821X"

#: the rows each query finds, by kind, named as `china` names them
MATCHES = {
    "华": {
        "accounts": {"华为技术", "中华制药"},
        "contacts": {"王华"},
        "opportunities": {"华为 5G 扩容"},
        "contracts": {"HT-2026-001"},
        "complaints": {"华为设备交付延迟"},
    },
    "华为": {
        "accounts": {"华为技术"},
        "opportunities": {"华为 5G 扩容"},
        "contracts": {"HT-2026-001"},
        "complaints": {"华为设备交付延迟"},
    },
    "hw": {
        "accounts": {"华为技术"},
        "opportunities": {"华为 5G 扩容"},
        "contracts": {"HT-2026-001"},
    },
    "huawei": {
        "accounts": {"华为技术"},
        "opportunities": {"华为 5G 扩容"},
        "contracts": {"HT-2026-001"},
    },
    "HuaWei": {
        "accounts": {"华为技术"},
        "opportunities": {"华为 5G 扩容"},
        "contracts": {"HT-2026-001"},
    },
    "电力": {"accounts": {"南方电力"}},
    "电": {"accounts": {"南方电力", "国家电网"}, "complaints": {"电表计量不准"}},
    "gjdw": {"accounts": {"国家电网"}},
    "0300192": {"accounts": {"华为技术"}},  # a credit-code fragment
    "0013 8000": {"contacts": {"王华"}},  # a phone fragment, typed with a space
    "13912": {"contacts": {"李伟"}},
    "采购": {"contacts": {"李伟"}},  # a title
    "ww@sgcc": {"contacts": {"王华"}},  # an e-mail fragment
    "acme": {"accounts": {"acme"}, "contacts": {"contact-acme"}, "opportunities": {"opp-acme"}},
    "nothing-like-this": {},
}


@pytest.fixture
def china(world):
    """Chinese accounts beside the world's: 华为技术 (kam_a), 南方电力 (kam_b), 国家电网 and
    中华制药 (kam_c), with contacts, an opportunity, a contract and complaints."""
    users = world.users
    accounts = {
        "华为技术": AccountFactory(name="华为技术", legal_name="华为技术有限公司",
                               credit_code=HUAWEI_CODE, owner=users["kam_a"]),
        "南方电力": AccountFactory(name="南方电力", owner=users["kam_b"]),
        "国家电网": AccountFactory(name="国家电网", legal_name="国家电网有限公司",
                               owner=users["kam_c"]),
        "中华制药": AccountFactory(name="中华制药", owner=users["kam_c"]),
    }  # fmt: skip
    rows = {
        "accounts": {**accounts, "acme": world.accounts["acme"]},
        "contacts": {
            "王华": ContactFactory(account=accounts["国家电网"], name="王华", title="总工程师",
                                 phone="138-0013-8000", email="ww@sgcc.example.com"),
            "李伟": ContactFactory(account=accounts["华为技术"], name="李伟", title="采购总监",
                                 phone="139 1234 5678", email="li.wei@example.com"),
            "Anna Berg": ContactFactory(account=accounts["南方电力"], name="Anna Berg",
                                        title="CFO", phone="+86 21 5555 0101"),
        },
        "opportunities": {
            "华为 5G 扩容": OpportunityFactory(account=accounts["华为技术"], name="华为 5G 扩容"),
            "Grid upgrade": OpportunityFactory(account=accounts["国家电网"], name="Grid upgrade"),
        },
        "contracts": {
            "HT-2026-001": ContractFactory(account=accounts["华为技术"], number="HT-2026-001",
                                           title="华为框架协议"),
        },
        "complaints": {
            "华为设备交付延迟": ComplaintFactory(account=accounts["华为技术"],
                                          description="华为设备交付延迟"),
            "电表计量不准": ComplaintFactory(account=accounts["国家电网"],
                                         description="电表计量不准"),
        },
    }  # fmt: skip
    # every account of the world has a contact and an opportunity in English
    for name, account in world.accounts.items():
        rows["contacts"][f"contact-{name}"] = ContactFactory(
            account=account, name=f"contact-{name}", title="Buyer"
        )
        rows["opportunities"][f"opp-{name}"] = OpportunityFactory(
            account=account, name=f"opp-{name}"
        )
    return rows


def _expected_ids(china, query, role):
    expected = {}
    for kind, names in MATCHES[query].items():
        ids = set()
        for name in names:
            row = china[kind][name]
            account = row if kind == "accounts" else row.account
            if account.owner.username in SEES[role]:
                ids.add(row.pk)
        if ids:
            expected[kind] = ids
    return expected


def _list_expected_ids(china, query, role, kind):
    """What a list's ``q`` finds: the rows the kind's search finds, and the rows of the
    accounts the account search finds (a list finds people and deals by their account)."""
    expected = _expected_ids(china, query, role)
    own = expected.get(kind, set())
    if kind == "accounts":
        return own
    accounts = expected.get("accounts", set())
    return own | {row.pk for row in china[kind].values() if row.account_id in accounts}


def _found_ids(groups):
    return {group.kind.key: {row.pk for row in group.rows} for group in groups}


@pytest.mark.parametrize("query", list(MATCHES))
def test_each_query_finds_exactly_the_rows_each_role_may_see(world, china, query):
    for role in ROLES:
        groups = search_everything(world.user(role), query, limit=50)
        assert _found_ids(groups) == _expected_ids(china, query, role), role


def test_pinyin_of_names():
    assert pinyin_keys("华为技术") == ("huaweijishu", "hwjs")
    assert pinyin_keys("重庆银行") == ("chongqingyinhang", "cqyh")
    assert pinyin_keys("华为 P60") == ("huaweip60", "hwp60")
    assert pinyin_keys("Acme Ltd") == ("", "")


def test_query_terms():
    assert search_terms("  HuaWei  ") == ["huawei"]
    assert search_terms("华为 ｈｗ") == ["华为", "hw"]  # full-width letters from an IME
    assert search_terms("138-0013 8000") == ["13800138000"]
    assert search_terms("") == []


def test_too_short_a_query_finds_nothing(world, china):
    assert search_everything(world.user("ops"), "h") == []
    assert search_everything(world.user("ops"), "  ") == []


def _dropdown_ids(response):
    html = response.content.decode()
    found = {}
    for kind, pk in re.findall(r'role="option"[^>]*data-kind="(\w+)" data-id="(\d+)"', html):
        found.setdefault(kind, set()).add(int(pk))
    return found


@pytest.mark.parametrize("query", ["华", "hw", "0013 8000"])
def test_the_navbar_dropdown_lists_the_same_rows(client, world, china, query):
    for role in ("kam_a", "sup_south", "exec"):
        client.force_login(world.user(role))
        response = client.get(reverse("search:results"), {"q": query}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "HX-Request" in response["Vary"]
        assert "<html" not in response.content.decode()  # the partial, not the page
        assert _dropdown_ids(response) == _expected_ids(china, query, role), role


def test_the_dropdown_asks_a_fixed_number_of_queries(
    client, world, china, django_assert_num_queries
):
    # the session, the user, then one query per kind: whatever the user and the query
    for role, query in (("kam_a", "华"), ("exec", "华"), ("exec", "huawei"), ("sup_east", "x1")):
        client.force_login(world.user(role))
        with django_assert_num_queries(7):
            client.get(reverse("search:results"), {"q": query}, HTTP_HX_REQUEST="true")


def test_the_results_page(client, world, china):
    client.force_login(world.user("sup_east"))
    response = client.get(reverse("search:results"), {"q": "电"})
    assert response.status_code == 200
    html = response.content.decode()
    found = set(map(int, re.findall(r'<li class="list-group-item" data-id="(\d+)"', html)))
    assert found == {china["accounts"]["南方电力"].pk}
    assert f'href="{reverse("accounts:list")}?q=%E7%94%B5"' in html


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("search:results"), {"q": "华"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("url_name", "kind"),
    [
        ("accounts:list", "accounts"),
        ("accounts:contact-list", "contacts"),
        ("opportunities:list", "opportunities"),
        ("opportunities:contract-list", "contracts"),
        ("accounts:complaint-list", "complaints"),
    ],
)
def test_each_list_q_is_the_same_search(client, world, china, url_name, kind):
    from search.selectors import KINDS

    [spec] = [k for k in KINDS if k.key == kind]
    client.force_login(world.user("exec"))
    for query in ("华", "hw", "huawei"):
        response = client.get(reverse(url_name), {"q": query})
        assert response.status_code == 200
        rows = response.context["object_list"]
        expected = _list_expected_ids(china, query, "exec", kind)
        assert {row.pk for row in rows} == expected, (kind, query)
        assert spec.model.objects.search(query).count() == len(
            _expected_ids(china, query, "exec").get(kind, set())
        )


@pytest.mark.parametrize("param", ["search", "q"])
def test_the_api_searches_the_same_way(client, world, china, param):
    client.force_login(world.user("kam_a"))
    for url, kind in (("/api/v1/accounts/", "accounts"), ("/api/v1/contacts/", "contacts")):
        for query in ("华", "hw", "13912"):
            response = client.get(url, {param: query})
            assert response.status_code == 200
            ids = {row["id"] for row in response.json()["results"]}
            assert ids == _list_expected_ids(china, query, "kam_a", kind), (url, query)


def test_services_keep_the_pinyin(world):
    account = AccountFactory(name="华为技术", owner=world.user("kam_a"))
    assert (account.name_pinyin, account.name_initials) == ("huaweijishu", "hwjs")
    account_update(actor=world.user("kam_a"), account=account, name="国家电网")
    account.refresh_from_db()
    assert (account.name_pinyin, account.name_initials) == ("guojiadianwang", "gjdw")
    assert Account.objects.search("gjdw").get() == account
    assert not Account.objects.search("hwjs").exists()


def test_the_bulk_upsert_keeps_the_pinyin(world):
    kam_a = world.user("kam_a")
    accounts_upsert(actor=kam_a, rows=[{"external_id": "ERP-1", "name": "华为技术"}])
    account = Account.objects.get(external_id="ERP-1")
    assert (account.name_pinyin, account.name_initials) == ("huaweijishu", "hwjs")
    accounts_upsert(actor=kam_a, rows=[{"external_id": "ERP-1", "name": "南方电力"}])
    assert Account.objects.search("nfdl").get() == account
    assert Account.objects.search("erp-1").get() == account  # the ERP id
    contacts_upsert(
        actor=kam_a,
        rows=[{"account_external_id": "ERP-1", "external_id": "C-1", "name": "王华"}],
    )
    assert Contact.objects.search("wanghua").get().name == "王华"
