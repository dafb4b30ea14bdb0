"""The tiering pages: the tier card on the account page, overrides through it, the
tiering overview (distribution, Pareto, movements, model changes), the scoring-model
editor, "score now", the tier review pages and the tier filter and sort of the list.

The rules themselves (the engine, the services) are tested in test_tiering.py; here
the pages call them, show what they say and refuse who they should.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Account
from accounts.tiering import services
from accounts.tiering.models import (
    DEFAULT_WEIGHTS,
    Criterion,
    ReviewStatus,
    ScoringModel,
    ScoringModelChange,
    TierChange,
    TierChangeSource,
    TierOverride,
    TierReview,
    TierReviewLine,
)
from tests.conftest import VISIBLE_ACCOUNTS
from tests.factories import AccountFactory, ContactFactory

# --- helpers ----------------------------------------------------------------------------


def _only(criterion):
    """Weights where one criterion counts for everything."""
    return {**dict.fromkeys(Criterion.values, 0), criterion: 100}


#: the total is the strategic flags' points: 40 + 35 + 25
STRATEGIC_ONLY = _only("strategic_significance")
#: the total is the percent rank of the annual revenue among the active accounts
PURCHASE_ONLY = _only("annual_purchase")
#: strategic points → (industry leader, reference customer, channel value)
FLAGS = {100: (True, True, True), 75: (True, True, False), 0: (False, False, False)}


def _page(response):
    return response.content.decode()


def _text(html):
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _element(page, element_id):
    """The inside of the element with ``id="element_id"``, whatever its tag, nesting
    included."""
    opening = re.search(rf'<([a-z0-9]+)\b[^>]*\bid="{element_id}"[^>]*>', page)
    assert opening, f"no #{element_id} on the page"
    tag = opening.group(1)
    depth, position = 1, opening.end()
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", page[position:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return page[position : position + match.start()]
    raise AssertionError(f"#{element_id} is not closed")


def _criteria(breakdown):
    """The breakdown's lines: criterion key → the line's text, in the page's order."""
    parts = re.split(r'<[a-z]+\b[^>]*\bdata-criterion="([a-z_]+)"[^>]*>', breakdown)
    return {key: _text(html) for key, html in zip(parts[1::2], parts[2::2], strict=True)}


def _points(line):
    """The weighted points a breakdown line shows after its label."""
    return Decimal(re.search(r"^\D*?(\d+(?:\.\d+)?) Score", line).group(1))


def _linked_accounts(html):
    return re.findall(r'<a href="/accounts/\d+/">([^<]+)</a>', html)


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _fresh(world, name):
    return Account.objects.get(pk=world.accounts[name].pk)


def _set_points(world, **points):
    for name, value in points.items():
        leader, reference, channel = FLAGS[value]
        Account.objects.filter(pk=world.accounts[name].pk).update(
            is_industry_leader=leader, is_reference_customer=reference, has_channel_value=channel
        )


def _graded(world, **points):
    """Strategic-only weights, the given points, one scoring run (thresholds 80/60/40)."""
    services.scoring_model_update(actor=world.user("ops"), weights=STRATEGIC_ONLY)
    _set_points(world, **points)
    return services.accounts_score()


def _revenues(world, **revenues):
    for name, value in revenues.items():
        Account.objects.filter(pk=world.accounts[name].pk).update(
            annual_revenue_estimate=Decimal(value)
        )


def _count_queries(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(60) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# --- the tier card on the account page --------------------------------------------------


@pytest.fixture
def scored(world):
    """One run with the default model. acme: revenue 80M at 30 % margin, growth 5,
    industry leader and reference customer, one executive contact of strength 5;
    globex: 5M, no margin, growth 2; initech: nothing.

    acme's criteria (n = 3): annual purchase rank 3 → 100; profit 24M, the others 0 → 100;
    revenue share 100 × (1 − 0 / 85M) = 100; strategic 40 + 35 = 75; growth 5 → 100;
    relationship 0 years + executive 35 + (5 − 1) / 4 × 25 = 60.
    Total (100×25 + 100×15 + 100×15 + 75×15 + 100×15 + 60×15) / 100 = 90.25 → A."""
    Account.objects.filter(pk=world.accounts["acme"].pk).update(
        annual_revenue_estimate=Decimal("80000000"),
        gross_margin_estimate=Decimal("30"),
        growth_potential=5,
        is_industry_leader=True,
        is_reference_customer=True,
    )
    Account.objects.filter(pk=world.accounts["globex"].pk).update(
        annual_revenue_estimate=Decimal("5000000"), growth_potential=2
    )
    ContactFactory(account=world.accounts["acme"], name="Ann An", level="executive", strength=5)
    return services.accounts_score()


def test_account_page_explains_the_tier(client, world, scored):
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:detail", args=[world.accounts["acme"].pk])))
    card = _element(page, "tier-card")
    assert re.search(r'<span class="badge kam-tier kam-tier-lg kam-tier-a" data-tier="A">A<', card)
    assert "A · Strategic" in card
    assert "Score 90.25 of 100" in card
    assert "computed tier" not in card  # no override: effective = computed
    assert "Visit at least every 14 days" in card  # the default cadence of tier A
    # The header badge of the page.
    assert 'class="badge kam-tier kam-tier-a" title="A · Strategic">A</span>' in page

    breakdown = _element(card, "tier-breakdown")
    lines = _criteria(breakdown)
    assert list(lines) == Criterion.values  # one line per criterion, in order
    # Each line: its label, score × weight, the points and the sentence that explains it.
    assert "Annual purchase amount" in lines["annual_purchase"]
    assert "Score 100 × weight 25%" in lines["annual_purchase"]
    assert _points(lines["annual_purchase"]) == 25
    assert "Annual revenue CNY 80,000,000;" in lines["annual_purchase"]
    assert "Gross profit CNY 24,000,000 (revenue × 30.0% margin)" in lines["profit_contribution"]
    assert "CNY 80,000,000 of CNY 85,000,000 company revenue" in lines["revenue_share"]
    strategic = lines["strategic_significance"]
    assert "Flags: industry leader (40), reference customer (35)." in strategic
    assert "Score 75 × weight 15%" in strategic
    assert _points(strategic) == Decimal("11.25")
    assert "Growth potential 5 of 5." in lines["growth_potential"]
    relationship = lines["relationship_depth"]
    assert "highest contact level executive; 1 current contacts" in relationship
    assert "Score 60 × weight 15%" in relationship
    assert _points(relationship) == 9
    assert "Why: the breakdown of the run of" in card
    assert _text(breakdown).endswith("Total 90.25")
    # A KAM reads the card but gets no override form.
    assert 'id="tier-override-form"' not in page


def test_account_page_explains_the_tier_in_chinese(client, world, scored):
    client.force_login(world.user("kam_a"))
    url = reverse("accounts:detail", args=[world.accounts["acme"].pk])
    page = _page(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert 'lang="zh-hans"' in page
    card = _element(page, "tier-card")
    assert "客户等级" in card
    assert "A · 战略客户" in card
    assert "得分 90.25 / 100" in card
    assert "定级依据" in card
    breakdown = _element(card, "tier-breakdown")
    assert "年采购额" in breakdown
    assert "战略标记：行业龙头（40）, 标杆客户（35）。" in breakdown
    assert "增长潜力 5 / 5。" in breakdown
    assert "合计" in breakdown
    for english in ("Score 90.25 of 100", "Why: the breakdown", "Flags:", "A · Strategic"):
        assert english not in page, english
    # globex scores 17.13 in this run: D.
    globex = _page(
        client.get(
            reverse("accounts:detail", args=[world.accounts["globex"].pk]),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    )
    assert _fresh(world, "globex").tier == "D"
    assert "D · 维持客户" in _element(globex, "tier-card")


def test_every_breakdown_line_is_chinese(client, world, scored):
    client.force_login(world.user("kam_a"))
    url = reverse("accounts:detail", args=[world.accounts["acme"].pk])
    page = _page(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    lines = _criteria(_element(_element(page, "tier-card"), "tier-breakdown"))
    assert "年销售额 CNY 80,000,000" in lines["annual_purchase"]
    for key, line in lines.items():
        assert not re.search(r"[A-Za-z]{3,}", line.replace("CNY", "")), (key, line)


def test_an_ungraded_account_says_so(client, world):
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:detail", args=[world.accounts["acme"].pk])))
    card = _element(page, "tier-card")
    assert "Not graded yet: the next scoring run grades this account." in card
    assert 'id="tier-breakdown"' not in card
    assert "data-tier=" not in card


# --- overrides through the page ---------------------------------------------------------


def test_supervisor_overrides_and_removes_through_the_page(client, world):
    _graded(world, acme=100, globex=75, initech=0)
    acme = world.accounts["acme"]
    sup = world.user("sup_east")
    client.force_login(sup)
    url = acme.get_absolute_url()
    assert 'id="tier-override-form"' in _page(client.get(url))

    response = client.post(
        reverse("accounts:tier-override", args=[acme.pk]),
        {"tier": "D", "reason": "  Moving production abroad.  "},
    )
    assert response.status_code == 302
    assert response["Location"] == url
    assert (_fresh(world, "acme").tier, _fresh(world, "acme").computed_tier) == ("D", "A")
    shown = client.get(url)
    assert _messages(shown) == ["acme is now tier D."]
    page = _page(shown)
    card = _element(page, "tier-card")
    assert 'data-tier="D">D<' in card
    assert "Score 100.00 of 100 · computed tier A" in _text(card)
    override = _text(_element(card, "tier-override"))
    assert f"Overridden to tier D by {sup.display_name}" in override
    assert "Moving production abroad." in override
    assert "Remove override" in override
    timeline = _text(_element(page, "timeline"))
    assert f"Tier changed from A to D Override · {sup.display_name}: Moving production" in timeline
    assert "First graded as tier A Scoring run" in timeline

    response = client.post(reverse("accounts:tier-override-remove", args=[acme.pk]))
    assert response.status_code == 302
    assert response["Location"] == url
    assert _fresh(world, "acme").tier == "A"
    assert not TierOverride.objects.active().exists()
    shown = client.get(url)
    assert _messages(shown) == ["The override is removed: acme follows its score again."]
    page = _page(shown)
    assert 'id="tier-override"' not in page
    assert "Tier changed from D to A Override removed" in _text(_element(page, "timeline"))

    # Nothing left to remove: the service's error, as a message.
    client.post(reverse("accounts:tier-override-remove", args=[acme.pk]))
    assert _messages(client.get(url)) == ["This account has no tier override."]


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_changes_nothing(client, world, reason):
    _graded(world, acme=100, globex=75, initech=0)
    acme = world.accounts["acme"]
    client.force_login(world.user("sup_east"))
    response = client.post(
        reverse("accounts:tier-override", args=[acme.pk]), {"tier": "D", "reason": reason}
    )
    assert response.status_code == 302
    page = client.get(acme.get_absolute_url())
    shown = list(get_messages(page.wsgi_request))
    assert [message.level_tag for message in shown] == ["error"]
    # Today the form's generic "This field is required." (it names no field); the
    # service's "Say why this account belongs in another tier." would be clearer.
    assert re.search(
        rf'class="alert alert-danger[^"]*"[^>]*>\s*{re.escape(str(shown[0]))}', _page(page)
    )
    assert _fresh(world, "acme").tier == "A"
    assert not TierOverride.objects.exists()
    assert not TierChange.objects.filter(source=TierChangeSource.OVERRIDE).exists()


def test_an_override_with_a_bad_tier_changes_nothing(client, world):
    _graded(world, acme=100, globex=75, initech=0)
    acme = world.accounts["acme"]
    client.force_login(world.user("ops"))
    client.post(reverse("accounts:tier-override", args=[acme.pk]), {"tier": "E", "reason": "x"})
    assert _messages(client.get(acme.get_absolute_url())) == [
        "Select a valid choice. E is not one of the available choices."
    ]
    assert _fresh(world, "acme").tier == "A"


@pytest.mark.parametrize(
    ("role", "status"), [("kam_a", 404), ("kam_b", 404), ("sup_south", 404), ("exec", 404)]
)
@pytest.mark.parametrize("name", ["accounts:tier-override", "accounts:tier-override-remove"])
def test_only_the_owners_supervisor_or_an_admin_overrides(client, world, role, status, name):
    _graded(world, acme=100, globex=75, initech=0)
    services.tier_override_set(
        actor=world.user("ops"), account=world.accounts["acme"], tier="B", reason="Set by ops"
    )
    client.force_login(world.user(role))
    url = reverse(name, args=[world.accounts["acme"].pk])
    assert client.post(url, {"tier": "D", "reason": "Mine"}).status_code == status
    assert _fresh(world, "acme").tier == "B"
    assert TierOverride.objects.get().is_active


def test_override_pages_take_a_signed_in_post(client, world):
    url = reverse("accounts:tier-override", args=[world.accounts["acme"].pk])
    response = client.post(url, {"tier": "D", "reason": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(world.user("sup_east"))
    assert client.get(url).status_code == 405
    assert not TierOverride.objects.exists()


def test_admin_sees_the_override_form_and_executive_does_not(client, world):
    _graded(world, acme=100, globex=75, initech=0)
    url = world.accounts["acme"].get_absolute_url()
    client.force_login(world.user("ops"))
    form = _element(_page(client.get(url)), "tier-override-form")
    assert '<option value="A" selected>' in form  # starts at the current tier
    client.force_login(world.user("exec"))
    assert 'id="tier-override-form"' not in _page(client.get(url))


# --- the tiering overview ---------------------------------------------------------------


@pytest.fixture
def ranked(world):
    """Purchase-only weights; delta (kam_a's) and echo (kam_c's) join the world; revenues
    acme 50, globex 30, initech 10, delta 5, echo 5; one run.

    The score is the percent rank of the revenue, (rank − 1) / (n − 1) × 100 with n = 5:
    delta and echo tie at rank 1 → 0 (D), initech 50 (C), globex 75 (B), acme 100 (A)."""
    services.scoring_model_update(actor=world.user("ops"), weights=PURCHASE_ONLY)
    world.accounts["delta"] = AccountFactory(name="delta", owner=world.user("kam_a"))
    world.accounts["echo"] = AccountFactory(name="echo", owner=world.user("kam_c"))
    _revenues(world, acme=50, globex=30, initech=10, delta=5, echo=5)
    services.accounts_score()
    return world


def _tier_counts(page):
    distribution = _element(page, "tier-distribution")
    return dict(re.findall(r'data-tier-count="([A-D]?)">(\d+)<', distribution))


def _overview(client, role, world, **headers):
    client.force_login(world.user(role))
    response = client.get(reverse("accounts:tiering"), **headers)
    assert response.status_code == 200
    return _page(response)


def test_overview_shows_distribution_pareto_and_no_movements_after_one_run(client, ranked):
    world = ranked
    page = _overview(client, "ops", world)
    assert _tier_counts(page) == {"A": "1", "B": "1", "C": "1", "D": "2"}
    # Total 100: the top two (50 + 30) reach 80 %; 2 of 5 = 40 %.
    assert _text(_element(page, "pareto-summary")) == (
        "2 of 5 accounts (40.0%) carry 80% of the revenue."
    )
    pareto = _element(page, "pareto")
    assert _linked_accounts(pareto) == ["acme", "globex", "initech", "delta", "echo"]
    # The dashed line is under the last account that carries the 80 %.
    line = re.search(r'<tr class="kam-pareto-line">(.*?)</tr>', pareto, re.S).group(1)
    assert _linked_accounts(line) == ["globex"]
    assert pareto.count("kam-pareto-line") == 1
    assert "80.0%" in _text(line)  # cumulative
    assert "Movements show once two scoring runs have finished." in page
    assert 'id="moved-up"' not in page
    assert len(re.findall(r"<li\b", _element(page, "scoring-runs"))) == 1
    # The model in force: purchase only, and the change that made it so.
    changes = _text(_element(page, "model-changes"))
    assert "Annual purchase amount: 25 → 100" in changes
    assert "Relationship depth: 15 → 0" in changes
    assert "Tier A from score" not in changes  # thresholds did not change


def test_overview_is_scoped_to_what_the_reader_sees(client, ranked):
    world = ranked
    # kam_a: acme 50, globex 30, delta 5; total 85, 80 % = 68: acme and globex.
    page = _overview(client, "kam_a", world)
    assert _tier_counts(page) == {"A": "1", "B": "1", "C": "0", "D": "1"}
    assert _linked_accounts(_element(page, "pareto")) == ["acme", "globex", "delta"]
    assert _text(_element(page, "pareto-summary")).startswith("2 of 3 accounts (66.7%)")
    # kam_c: initech 10, echo 5; total 15, 80 % = 12: both.
    page = _overview(client, "kam_c", world)
    assert _tier_counts(page) == {"A": "0", "B": "0", "C": "1", "D": "1"}
    assert _linked_accounts(_element(page, "pareto")) == ["initech", "echo"]
    assert _text(_element(page, "pareto-summary")).startswith("2 of 2 accounts (100.0%)")
    for name in ("acme", "globex", "delta"):
        assert f">{name}<" not in page
    # The admin buttons are for admins.
    assert reverse("accounts:tiering-model") not in page
    assert reverse("accounts:tiering-score") not in page
    page = _overview(client, "ops", world)
    assert f'href="{reverse("accounts:tiering-model")}"' in page
    assert f'action="{reverse("accounts:tiering-score")}"' in page


def test_overview_shows_movements_between_the_last_two_runs(client, ranked):
    world = ranked
    # initech grows to 60: initech 100 (A), acme 75 (B), globex 50 (C); delta, echo stay D.
    _revenues(world, initech=60)
    services.accounts_score()
    page = _overview(client, "ops", world)
    assert _text(_element(page, "moved-up")) == "initech C → A"
    assert _text(_element(page, "moved-down")) == "acme A → B globex B → C"
    assert _tier_counts(page) == {"A": "1", "B": "1", "C": "1", "D": "2"}
    # Total 150, 80 % = 120: 60 + 50 = 110 is short, + 30 reaches it: 3 of 5.
    assert _text(_element(page, "pareto-summary")).startswith("3 of 5 accounts (60.0%)")
    assert _linked_accounts(_element(page, "pareto"))[:3] == ["initech", "acme", "globex"]
    assert len(re.findall(r"<li\b", _element(page, "scoring-runs"))) == 2
    # A KAM sees only the movements of their accounts.
    page = _overview(client, "kam_a", world)
    assert _text(_element(page, "moved-up")) == "None"
    assert _text(_element(page, "moved-down")) == "acme A → B globex B → C"
    page = _overview(client, "kam_c", world)
    assert _text(_element(page, "moved-up")) == "initech C → A"
    assert _text(_element(page, "moved-down")) == "None"


def test_overview_in_chinese(client, ranked):
    world = ranked
    client.force_login(world.user("ops"))
    client.post(reverse("set-language"), {"language": "zh-hans", "next": "/"})
    page = _overview(client, "ops", world)
    assert 'lang="zh-hans"' in page
    assert "等级分布" in page
    assert "模型变更记录" in page
    summary = _text(_element(page, "pareto-summary"))
    assert summary == "5 个客户中的 2 个（40.0%）贡献了 80% 的营收。"
    assert "年采购额: 25 → 100" in _text(_element(page, "model-changes"))
    assert "Tier distribution" not in page


def test_overview_without_any_revenue_or_run(client, world):
    page = _overview(client, "kam_a", world)
    assert "No account has a revenue figure yet." in page
    assert 'id="pareto"' not in page
    assert "No scoring run yet." in page
    assert 'id="model-changes"' not in page
    # Nobody graded yet: the "not graded" row counts them.
    assert _tier_counts(page) == {"A": "0", "B": "0", "C": "0", "D": "0", "": "2"}


#: session, user, runs, movements, model, model changes, distribution, revenue total,
#: Pareto line, Pareto rows, nightly schedule, bell: whoever reads, however many accounts
OVERVIEW_QUERIES = 12


def _bulk_revenues(names, *, descending):
    for index, name in enumerate(names):
        value = (len(names) - index if descending else index + 1) * 1000
        Account.objects.filter(name=name).update(annual_revenue_estimate=value)


def test_overview_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    services.scoring_model_update(actor=world.user("ops"), weights=PURCHASE_ONLY)
    names, counts = [], {"ops": [], "kam_a": []}
    for rows in (5, 50):
        for index in range(len(names), rows):
            names.append(f"bulk {index:02d}")
            AccountFactory(name=names[-1], owner=world.user("kam_a"))
        # Two runs with the revenues turned around: the top moves to the bottom.
        _bulk_revenues(names, descending=False)
        services.accounts_score()
        _bulk_revenues(names, descending=True)
        services.accounts_score()
        for role in counts:
            client.force_login(world.user(role))
            url = reverse("accounts:tiering")
            counts[role].append(_count_queries(client, url, django_assert_max_num_queries))
    page = _overview(client, "kam_a", world)
    assert len(_linked_accounts(_element(page, "pareto"))) == 50
    assert len(_linked_accounts(_element(page, "moved-up"))) >= 20
    assert len(_linked_accounts(_element(page, "moved-down"))) >= 20
    assert len(re.findall(r"<li\b", _element(page, "scoring-runs"))) == 4
    assert counts == {role: [OVERVIEW_QUERIES] * 2 for role in counts}, counts


# --- the scoring-model page -------------------------------------------------------------


def _model_data(**overrides):
    """What the model form posts back for the default model, plus ``overrides``."""
    data = {f"weight_{key}": value for key, value in DEFAULT_WEIGHTS.items()}
    data.update(threshold_a=80, threshold_b=60, threshold_c=40)
    data.update(cadence_a=14, cadence_b=30, cadence_c=60, cadence_d=90)
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
def test_only_admins_open_the_scoring_model_page(client, world, role):
    client.force_login(world.user(role))
    url = reverse("accounts:tiering-model")
    assert client.get(url).status_code == 404
    assert client.post(url, _model_data()).status_code == 404
    assert not ScoringModel.objects.exists()
    assert not ScoringModelChange.objects.exists()


def test_scoring_model_page_shows_the_current_model(client, world):
    services.scoring_model_update(actor=world.user("ops"), thresholds={"a": 85})
    client.force_login(world.user("ops"))
    response = client.get(reverse("accounts:tiering-model"))
    assert response.status_code == 200
    form = _element(_page(response), "scoring-model-form")
    for key, value in DEFAULT_WEIGHTS.items():
        assert re.search(rf'<input type="number" name="weight_{key}" value="{value}"', form), key
    assert re.search(r'name="threshold_a" value="85"', form)
    assert re.search(r'name="cadence_d" value="90"', form)


def test_scoring_model_page_anonymous_goes_to_login(client, world):
    response = client.get(reverse("accounts:tiering-model"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_weights_that_do_not_add_up_are_refused(client, world):
    client.force_login(world.user("ops"))
    response = client.post(
        reverse("accounts:tiering-model"), _model_data(weight_annual_purchase=15)
    )
    assert response.status_code == 200
    page = _page(response)
    assert "The weights must add up to 100; they add up to 90." in page
    assert 'name="weight_annual_purchase" value="15"' in page  # the input is kept
    assert not ScoringModelChange.objects.exists()
    assert ScoringModel.current().weights == DEFAULT_WEIGHTS


@pytest.mark.parametrize(
    "thresholds", [{"threshold_b": 85}, {"threshold_b": 40}, {"threshold_c": 0}]
)
def test_overlapping_thresholds_are_refused(client, world, thresholds):
    client.force_login(world.user("ops"))
    response = client.post(reverse("accounts:tiering-model"), _model_data(**thresholds))
    assert response.status_code == 200
    assert "Overlapping thresholds: they must satisfy 100 ≥ A &gt; B &gt; C &gt; 0." in _page(
        response
    )
    assert ScoringModel.current().thresholds == {"a": 80, "b": 60, "c": 40}
    assert not ScoringModelChange.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"threshold_a": 101}, "threshold_a"),
        ({"weight_growth_potential": -5}, "weight_growth_potential"),
        ({"cadence_b": "often"}, "cadence_b"),
        ({"cadence_c": 0}, None),  # the service's rule: shown above the form
    ],
)
def test_bad_model_input_is_a_form_error(client, world, overrides, field):
    client.force_login(world.user("ops"))
    response = client.post(reverse("accounts:tiering-model"), _model_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field or "__all__"]
    assert not ScoringModelChange.objects.exists()


def test_a_saved_model_is_listed_with_its_changes(client, world):
    ops = world.user("ops")
    client.force_login(ops)
    data = _model_data(weight_annual_purchase=35, weight_growth_potential=5, threshold_a=85)
    response = client.post(reverse("accounts:tiering-model"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:tiering")
    model = ScoringModel.current()
    assert model.weights == {**DEFAULT_WEIGHTS, "annual_purchase": 35, "growth_potential": 5}
    assert model.thresholds == {"a": 85, "b": 60, "c": 40}
    assert model.updated_by == ops
    overview = client.get(reverse("accounts:tiering"))
    assert _messages(overview) == ["The scoring model is saved. The next scoring run uses it."]
    changes = _element(_page(overview), "model-changes")
    assert ops.display_name in changes
    assert _text(changes).endswith(
        "Annual purchase amount: 25 → 35 Growth potential: 15 → 5 Tier A from score: 80 → 85"
    )
    assert "cadence" not in changes
    # Saving it again unchanged records nothing more.
    assert client.post(reverse("accounts:tiering-model"), data).status_code == 302
    assert ScoringModelChange.objects.count() == 1


# --- score now --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
def test_only_admins_score_now(client, world, role, django_capture_on_commit_callbacks):
    client.force_login(world.user(role))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(reverse("accounts:tiering-score")).status_code == 404
    assert callbacks == []


def test_admin_scores_now_through_the_worker(client, world, monkeypatch):
    ops = world.user("ops")
    client.force_login(ops)
    url = reverse("accounts:tiering-score")
    assert client.get(url).status_code == 405
    # The request publishes the task for the admin, by keyword; nothing runs in it.
    queued = []
    monkeypatch.setattr(
        "kam.queue._send", lambda task, args, kwargs: queued.append((task.name, args, kwargs))
    )
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:tiering")
    assert queued == [("accounts.tasks.accounts_score", (), {"actor_id": ops.pk})]
    overview = client.get(reverse("accounts:tiering"))
    assert _messages(overview) == ["Scoring started: the new tiers appear here in a moment."]
    assert "No scoring run yet." in _page(overview)


def test_score_now_says_so_when_the_broker_refuses(client, world, monkeypatch):
    from kombu.exceptions import OperationalError

    def refuse(task, args, kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("kam.queue._send", refuse)
    monkeypatch.setattr("kam.queue._down_until", 0.0)
    client.force_login(world.user("ops"))
    client.post(reverse("accounts:tiering-score"))
    overview = client.get(reverse("accounts:tiering"))
    [message] = _messages(overview)
    assert message.startswith("Scoring could not be started")


# --- tier reviews -----------------------------------------------------------------------


def _open_review(client, world, role="sup_east", team="East", period="2027"):
    client.force_login(world.user(role))
    return client.post(
        reverse("accounts:tier-review-list"), {"team": world.teams[team].pk, "period": period}
    )


@pytest.fixture
def review(client, world):
    """East's 2027 review, opened through the page by sup_east, over a run where acme is
    A (100), globex B (75) and initech D (0)."""
    _graded(world, acme=100, globex=75, initech=0)
    response = _open_review(client, world)
    assert response.status_code == 302
    review = TierReview.objects.get()
    assert response["Location"] == reverse("accounts:tier-review-detail", args=[review.pk])
    client.logout()
    return review


def _line(review, world, name):
    return TierReviewLine.objects.get(review=review, account=world.accounts[name])


def _propose(client, review, world, name, tier, reason):
    line = _line(review, world, name)
    prefix = f"line-{line.pk}"
    return client.post(
        reverse("accounts:tier-review-line", args=[line.pk]),
        {f"{prefix}-tier": tier, f"{prefix}-reason": reason},
    )


def _detail(client, review, role, world):
    client.force_login(world.user(role))
    return client.get(reverse("accounts:tier-review-detail", args=[review.pk]))


def _review_lines(page):
    """Account name → proposed tier, as the lines table shows them."""
    table = _element(page, "review-lines")
    rows = re.findall(
        r'<tr data-account="\d+".*?<a href="/accounts/\d+/">([^<]+)</a>.*?data-proposed="([A-D])"',
        table,
        re.S,
    )
    return dict(rows)


def test_opening_a_review_needs_a_scoring_run(client, world):
    response = _open_review(client, world)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "period": ["No account has been scored yet: run the scoring first."]
    }
    form = _element(_page(response), "review-open-form")
    assert "No account has been scored yet: run the scoring first." in form
    assert 'value="2027"' in form  # what was typed stays
    assert not TierReview.objects.exists()


def test_supervisor_opens_a_review_through_the_page(client, world):
    _graded(world, acme=100, globex=75, initech=0)
    client.force_login(world.user("sup_east"))
    form = _element(_page(client.get(reverse("accounts:tier-review-list"))), "review-open-form")
    assert re.findall(r'<option value="\d+">([^<]+)</option>', form) == ["East"]  # led teams
    response = _open_review(client, world)
    review = TierReview.objects.get()
    assert (review.team, review.period, review.created_by) == (
        world.teams["East"],
        "2027",
        world.user("sup_east"),
    )
    detail = client.get(response["Location"])
    assert detail.wsgi_request.path == reverse("accounts:tier-review-detail", args=[review.pk])
    assert _messages(detail) == ["The tier review is open."]
    page = _page(detail)
    assert _review_lines(page) == {"acme": "A", "globex": "B"}  # East's accounts only
    assert "Tier review 2027 · East" in page
    assert "Draft" in _text(page)
    assert "0 accounts change tier with this review." in page
    listed = _element(_page(client.get(reverse("accounts:tier-review-list"))), "reviews")
    assert f'<a href="{review.get_absolute_url()}">2027</a>' in listed
    # The same team and period again: the service's field error.
    again = _open_review(client, world)
    assert again.status_code == 200
    assert "This team already has a review for 2027." in _page(again)
    assert TierReview.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "status"), [("kam_a", 404), ("kam_b", 404), ("exec", 404), ("sup_south", 200)]
)
def test_only_a_teams_supervisor_or_an_admin_opens_a_review(client, world, role, status):
    services.accounts_score()
    response = _open_review(client, world, role=role)
    assert response.status_code == status
    if status == 200:  # East is not among sup_south's teams
        assert list(response.context["form"].errors) == ["team"]
    assert not TierReview.objects.exists()
    page = _page(client.get(reverse("accounts:tier-review-list")))
    assert ('id="review-open-form"' in page) == (role == "sup_south")


@pytest.mark.parametrize(
    ("role", "visible", "editable"),
    [
        ("kam_a", {"acme", "globex"}, {"acme"}),  # on globex's team, but not its owner
        ("kam_b", {"globex"}, {"globex"}),
        ("sup_east", {"acme", "globex"}, {"acme", "globex"}),
        ("ops", {"acme", "globex"}, {"acme", "globex"}),
        ("exec", {"acme", "globex"}, set()),
    ],
)
def test_review_detail_shows_each_reader_their_lines(
    client, world, review, role, visible, editable
):
    assert visible == VISIBLE_ACCOUNTS[role] - {"initech"}
    response = _detail(client, review, role, world)
    assert response.status_code == 200
    page = _page(response)
    assert set(_review_lines(page)) == visible
    forms = {
        name
        for name in ("acme", "globex")
        if f'name="line-{_line(review, world, name).pk}-tier"' in page
    }
    assert forms == editable
    assert ('id="review-decision-form"' in page) is False  # a draft is not decided yet
    can_submit = reverse("accounts:tier-review-submit", args=[review.pk]) in page
    assert can_submit == (role in ("sup_east", "ops"))


@pytest.mark.parametrize("role", ["kam_c", "sup_south"])
def test_another_teams_review_is_not_found(client, world, review, role):
    assert _detail(client, review, role, world).status_code == 404
    client.force_login(world.user(role))
    assert ">2027<" not in _page(client.get(reverse("accounts:tier-review-list")))
    assert _propose(client, review, world, "acme", "B", "x").status_code == 404
    assert client.post(reverse("accounts:tier-review-submit", args=[review.pk])).status_code == 404


def test_kam_proposes_a_tier_for_their_account(client, world, review):
    client.force_login(world.user("kam_a"))
    detail_url = reverse("accounts:tier-review-detail", args=[review.pk])
    # A different tier needs a reason.
    response = _propose(client, review, world, "acme", "B", "  ")
    assert response.status_code == 302
    assert response["Location"] == detail_url
    page = client.get(detail_url)
    assert _messages(page) == ["acme: Say why this account belongs in another tier."]
    line = _line(review, world, "acme")
    assert (line.kam_tier, line.kam_reason) == ("", "")
    # Not a tier at all.
    _propose(client, review, world, "acme", "Z", "Because")
    assert _messages(client.get(detail_url)) == ["Choose a tier from the list."]
    assert _line(review, world, "acme").kam_tier == ""
    # With a reason it is saved and shown.
    response = _propose(client, review, world, "acme", "B", "Budget cut")
    assert response.status_code == 302
    line = _line(review, world, "acme")
    assert (line.kam_tier, line.kam_reason, line.supervisor_tier) == ("B", "Budget cut", "")
    page = client.get(detail_url)
    assert _messages(page) == ["acme: proposal saved."]
    assert _review_lines(_page(page)) == {"acme": "B", "globex": "B"}
    assert "<strong>B</strong>: Budget cut" in _page(page)
    assert "1 account changes tier with this review." in _page(page)
    # The form starts from the KAM's own proposal.
    prefix = f"line-{line.pk}"
    assert '<option value="B" selected>' in _page(page).split(f'name="{prefix}-tier"', 1)[1]
    assert f'name="{prefix}-reason" value="Budget cut"' in _page(page)
    # kam_a only views globex through its account team: not theirs to propose on.
    assert _propose(client, review, world, "globex", "A", "Mine").status_code == 403
    assert _line(review, world, "globex").kam_tier == ""


def test_executive_cannot_propose(client, world, review):
    client.force_login(world.user("exec"))
    assert _propose(client, review, world, "acme", "B", "x").status_code == 404
    assert _line(review, world, "acme").kam_tier == ""


def test_submit_return_and_approve_through_the_pages(client, world, review):
    detail_url = reverse("accounts:tier-review-detail", args=[review.pk])
    submit = reverse("accounts:tier-review-submit", args=[review.pk])
    approve = reverse("accounts:tier-review-approve", args=[review.pk])
    give_back = reverse("accounts:tier-review-return", args=[review.pk])
    client.force_login(world.user("kam_a"))
    _propose(client, review, world, "acme", "B", "Budget cut")
    assert client.post(submit).status_code == 404  # only the supervisor or an admin
    assert client.post(approve, {"comment": "Mine"}).status_code == 404

    client.force_login(world.user("sup_east"))
    _propose(client, review, world, "globex", "C", "Lost the tender")
    response = client.post(submit)
    assert response.status_code == 302
    assert response["Location"] == detail_url
    page = client.get(detail_url)
    assert _messages(page) == [
        "globex: proposal saved.",
        "The review is submitted for approval.",
    ]
    assert "Submitted" in _text(_page(page))
    assert 'name="line-' not in _page(page)  # frozen
    assert client.post(approve, {"comment": "Mine"}).status_code == 404
    assert TierReview.objects.get().status == ReviewStatus.SUBMITTED

    # Returning needs a comment.
    client.force_login(world.user("ops"))
    page = _page(client.get(detail_url))
    assert 'id="review-decision-form"' in page
    client.post(give_back, {"comment": "  "})
    assert _messages(client.get(detail_url)) == ["Say what should change before it is approved."]
    assert TierReview.objects.get().status == ReviewStatus.SUBMITTED
    client.post(give_back, {"comment": "Check globex again"})
    assert TierReview.objects.get().status == ReviewStatus.RETURNED
    page = client.get(detail_url)
    assert _messages(page) == ["The review is returned to the supervisor."]
    assert "Check globex again" in _text(_element(_page(page), "decision-comment"))
    assert "Returned" in _text(_page(page))
    assert (_fresh(world, "acme").tier, _fresh(world, "globex").tier) == ("A", "B")

    # Resubmitted, then approved with a comment: the tiers change only now.
    client.force_login(world.user("sup_east"))
    client.post(submit)
    assert _messages(client.get(detail_url)) == ["The review is submitted for approval."]
    client.force_login(world.user("ops"))
    response = client.post(approve, {"comment": "Agreed"})
    assert response.status_code == 302
    assert response["Location"] == detail_url
    approved = TierReview.objects.get()
    assert (approved.status, approved.decided_by, approved.decision_comment) == (
        ReviewStatus.APPROVED,
        world.user("ops"),
        "Agreed",
    )
    assert (_fresh(world, "acme").tier, _fresh(world, "globex").tier) == ("B", "C")
    assert _fresh(world, "initech").tier == "D"  # not East's
    page = client.get(detail_url)
    assert _messages(page) == ["The review is approved: the new tiers apply from now on."]
    text = _text(_page(page))
    assert "Approved" in text
    assert f"Approved by {world.user('ops').display_name}" in text
    assert 'id="review-decision-form"' not in _page(page)
    assert "Agreed" in _text(_element(_page(page), "decision-comment"))
    # The account page tells why its tier is not the computed one.
    account = _page(client.get(world.accounts["acme"].get_absolute_url()))
    assert "Tier set by the last approved tier review." in account
    assert "Tier changed from A to B Tier review" in _text(_element(account, "timeline"))
    # Approved is final.
    client.post(give_back, {"comment": "Too late"})
    assert _messages(client.get(detail_url)) == ["Only a submitted review can be decided."]
    assert TierReview.objects.get().status == ReviewStatus.APPROVED


#: session, user, count, page, bell; + the teams to open a review for (supervisors)
REVIEW_LIST_QUERIES = {"sup_east": 6, "kam_a": 5}
#: session, user, review (team, run and people joined), lines (accounts, owners), bell
REVIEW_DETAIL_QUERIES = {"sup_east": 5, "kam_a": 5}


def test_review_list_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    run = services.accounts_score()
    counts = {role: [] for role in REVIEW_LIST_QUERIES}
    created = 0
    for rows in (5, 50):
        for index in range(created, rows):
            TierReview.objects.create(
                team=world.teams["East"],
                period=f"P{index:02d}",
                run=run,
                created_by=world.user("sup_east"),
                status=ReviewStatus.APPROVED if index % 2 else ReviewStatus.DRAFT,
                decided_by=world.user("ops") if index % 2 else None,
                decided_at=run.started_at if index % 2 else None,
            )
        created = rows
        for role in counts:
            client.force_login(world.user(role))
            url = reverse("accounts:tier-review-list")
            counts[role].append(_count_queries(client, url, django_assert_max_num_queries))
    page = _page(client.get(reverse("accounts:tier-review-list")))
    assert len(re.findall(r">P\d\d</a>", page)) == 50
    assert counts == {role: [n, n] for role, n in REVIEW_LIST_QUERIES.items()}, counts


def test_review_detail_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    counts = {role: [] for role in REVIEW_DETAIL_QUERIES}
    created = 0
    for rows in (5, 50):
        for index in range(created, rows):
            AccountFactory(name=f"bulk {index:02d}", owner=world.user("kam_a"))
        created = rows
        services.accounts_score()
        review = services.tier_review_open(
            actor=world.user("sup_east"), team=world.teams["East"], period=f"{rows}"
        )
        TierReviewLine.objects.filter(review=review).update(kam_tier="C", kam_reason="Why not")
        services.tier_review_submit(actor=world.user("sup_east"), review=review)
        services.tier_review_return(actor=world.user("ops"), review=review, comment="Again")
        url = reverse("accounts:tier-review-detail", args=[review.pk])
        for role in counts:
            client.force_login(world.user(role))
            counts[role].append(_count_queries(client, url, django_assert_max_num_queries))
    page = _page(client.get(url))  # kam_a
    assert len(_review_lines(page)) == 52  # 50 + acme + globex
    assert page.count('name="line-') == 2 * 51  # tier and reason on each of theirs
    assert counts == {role: [n, n] for role, n in REVIEW_DETAIL_QUERIES.items()}, counts


# --- the account list: tier filter, sort and column -------------------------------------


def _listed(response):
    """Account names linked in the results table, in order."""
    return _linked_accounts(_page(response).split('<div id="results">', 1)[1])


def test_account_list_filters_and_sorts_by_tier(client, world):
    # acme D, globex A, initech B: sorting by tier is not sorting by name.
    _graded(world, acme=0, globex=100, initech=75)
    ungraded = AccountFactory(name="fresh", owner=world.user("kam_c"))
    client.force_login(world.user("ops"))
    url = reverse("accounts:list")

    def listed(**params):
        return _listed(client.get(url, params))

    assert listed(tier="A") == ["globex"]
    assert listed(tier=["A", "D"]) == ["acme", "globex"]
    assert listed(tier="C") == []
    graded = {"acme", "globex", "initech"}
    by_tier = listed(ordering="tier")
    assert [name for name in by_tier if name in graded] == ["globex", "initech", "acme"]
    assert ungraded.name in by_tier
    by_tier = listed(ordering="-tier")
    assert [name for name in by_tier if name in graded] == ["acme", "initech", "globex"]
    by_score = listed(ordering="-score")
    assert [name for name in by_score if name in graded] == ["globex", "initech", "acme"]
    assert listed(ordering="score", tier=["A", "B"]) == ["initech", "globex"]
    # The scoping still applies under the filter.
    client.force_login(world.user("kam_a"))
    assert listed(tier=["A", "B"]) == ["globex"]
    assert listed(ordering="tier") == ["globex", "acme"]


@pytest.mark.parametrize("ordering", ["-score", "tier"])
def test_accounts_never_graded_sort_after_the_graded_ones(client, world, ordering):
    _graded(world, acme=0, globex=100, initech=75)
    AccountFactory(name="fresh", owner=world.user("kam_c"))  # created after the run
    client.force_login(world.user("ops"))
    listed = _listed(client.get(reverse("accounts:list"), {"ordering": ordering}))
    assert listed == ["globex", "initech", "acme", "fresh"]


def test_account_list_shows_the_tier_column(client, world):
    _graded(world, acme=100, globex=75, initech=0)
    client.force_login(world.user("kam_a"))
    page = _page(client.get(reverse("accounts:list"), {"ordering": "tier"}))
    results = page.split('<div id="results">', 1)[1]
    assert 'aria-sort="ascending"' in results
    assert 'href="?ordering=-tier"' in results  # a second click reverses
    assert '<span class="badge kam-tier kam-tier-a" title="A · Strategic">A</span>' in results
    assert '<span class="badge kam-tier kam-tier-b" title="B · Key">B</span>' in results
    assert 'name="tier"' in _element(page, "account-filter-panel")
    zh = _page(client.get(reverse("accounts:list"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert 'title="A · 战略客户">A</span>' in zh
    assert 'title="B · 重点客户">B</span>' in zh
    # The overview's distribution links to the filtered list.
    overview = _page(client.get(reverse("accounts:tiering")))
    assert f'href="{reverse("accounts:list")}?tier=A"' in overview
    assert _listed(client.get(reverse("accounts:list") + "?tier=A")) == ["acme"]
