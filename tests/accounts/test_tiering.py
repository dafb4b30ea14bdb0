"""Tiering (分级): the SQL engine against hand-computed scores, the scoring model,
overrides, scoring runs and their notifications, the review cycle, the API, the
command and task, and a 20,000-account run in a fixed number of queries."""

import sys
import time
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import tasks
from accounts.choices import ContactLevel
from accounts.models import Account, Contact
from accounts.tiering import services
from accounts.tiering.models import (
    DEFAULT_WEIGHTS,
    Criterion,
    ReviewStatus,
    ScoringModel,
    ScoringModelChange,
    ScoringRun,
    TierChange,
    TierChangeSource,
    TierOverride,
    TierReviewLine,
    TierScore,
)
from config.celery import app as celery_app
from kam.choices import NotificationKind, Role
from kam.models import Notification, User
from tests.conftest import ROLES, VISIBLE_ACCOUNTS
from tests.factories import (
    AccountFactory,
    ContactFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
)
from tests.utils import make_statistics_stale

PROBLEM = "application/problem+json"
EXECUTIVE, DECISION, EXECUTION = (
    ContactLevel.EXECUTIVE,
    ContactLevel.DECISION,
    ContactLevel.EXECUTION,
)

#: only strategic significance counts: an account's total is its flags' points
STRATEGIC_ONLY = {**dict.fromkeys(Criterion.values, 0), "strategic_significance": 100}
#: strategic points → (industry leader, reference customer, channel value)
FLAGS = {
    100: (True, True, True),
    75: (True, True, False),
    65: (True, False, True),
    60: (False, True, True),
    40: (True, False, False),
    35: (False, True, False),
    25: (False, False, True),
    0: (False, False, False),
}


# --- helpers ----------------------------------------------------------------------------


def _d(value):
    """A breakdown number (a float or int out of JSON) as a Decimal to compare exactly."""
    return Decimal(str(value))


def _errors(excinfo):
    return excinfo.value.message_dict


def _jan_first(years_ago):
    """1 January ``years_ago`` years back: age() from there to today is exactly
    ``years_ago`` full years (and some months), whatever today is."""
    return date(timezone.localdate().year - years_ago, 1, 1)


def _flags(points):
    leader, reference, channel = FLAGS[points]
    return {
        "is_industry_leader": leader,
        "is_reference_customer": reference,
        "has_channel_value": channel,
    }


def _set_points(world, **points):
    for name, value in points.items():
        Account.objects.filter(pk=world.accounts[name].pk).update(**_flags(value))


def _strategic_only(world):
    services.scoring_model_update(actor=world.user("ops"), weights=STRATEGIC_ONLY)


def _graded(world, **points):
    """Strategic-only weights, the given points, one scoring run (default thresholds
    80/60/40: 100 → A, 75 → B, 40 → C, 35 or 0 → D)."""
    _strategic_only(world)
    _set_points(world, **points)
    return services.accounts_score()


def _fresh(world, name):
    return Account.objects.get(pk=world.accounts[name].pk)


def _tier_notifications(**filters):
    return Notification.objects.filter(kind=NotificationKind.TIER_CHANGED, **filters)


def _recipients(kind=NotificationKind.TIER_CHANGED, **filters):
    rows = Notification.objects.filter(kind=kind, **filters)
    return sorted(rows.values_list("recipient__username", flat=True))


def _scores(run):
    return {score.account.name: score for score in run.scores.select_related("account")}


# --- the engine: hand-computed ----------------------------------------------------------


def test_hand_computed_scores_breakdowns_and_tiers(db):
    owner = UserFactory()
    alpha = AccountFactory(
        name="alpha", owner=owner, annual_revenue_estimate=Decimal("1000000"),
        gross_margin_estimate=Decimal("30"), growth_potential=5,
        cooperation_since=_jan_first(15), **_flags(100),
    )  # fmt: skip
    ContactFactory(account=alpha, level=EXECUTIVE, strength=5)
    ContactFactory(account=alpha, level=DECISION, strength=3)
    ContactFactory(account=alpha, level=EXECUTIVE, strength=1, has_left=True)
    ContactFactory(account=alpha, level=EXECUTIVE, strength=1, archived_at=timezone.now())
    beta = AccountFactory(
        name="beta", owner=owner, annual_revenue_estimate=Decimal("500000"),
        gross_margin_estimate=Decimal("40"), growth_potential=5,
        cooperation_since=_jan_first(3), **_flags(75),
    )  # fmt: skip
    ContactFactory(account=beta, level=DECISION, strength=4)
    ContactFactory(account=beta, level=EXECUTIVE, strength=2)
    gamma = AccountFactory(
        name="gamma", owner=owner, annual_revenue_estimate=Decimal("500000"),
        gross_margin_estimate=Decimal("10"), growth_potential=None, cooperation_since=None,
        **_flags(100),
    )  # fmt: skip
    ContactFactory(account=gamma, level=EXECUTIVE, strength=5, has_left=True)
    delta = AccountFactory(
        name="delta", owner=owner, annual_revenue_estimate=None,
        gross_margin_estimate=Decimal("50"), growth_potential=1,
        cooperation_since=_jan_first(-2), **_flags(25),
    )  # fmt: skip
    ContactFactory(account=delta, level=EXECUTION, strength=1)
    archived = AccountFactory(
        name="archived", owner=owner, annual_revenue_estimate=Decimal("10000000"),
        gross_margin_estimate=Decimal("90"), growth_potential=5, archived_at=timezone.now(),
        **_flags(100),
    )  # fmt: skip

    run = services.accounts_score()
    scores = _scores(run)

    # The archived account is neither scored nor counted in ranks or the revenue total.
    assert set(scores) == {"alpha", "beta", "gamma", "delta"}
    assert run.account_count == 4
    assert run.finished_at is not None
    assert run.model == ScoringModel.current().as_dict()

    def criteria(name):
        return {key: _d(value["score"]) for key, value in scores[name].breakdown.items()}

    # Revenue (NULL = 0), ascending: delta 0 | beta = gamma 500k | alpha 1M; n = 4.
    #   annual_purchase = percent_rank × 100 = (rank − 1) / 3 × 100:
    #   delta 0, beta and gamma (tie, rank 2) 33.33, alpha 100.
    # Profit = revenue × margin / 100: delta 0, gamma 50k, beta 200k, alpha 300k:
    #   profit_contribution 0, 33.33, 66.67, 100.
    # Total revenue 2M. revenue_share = 100 × (1 − revenue of larger accounts / 2M):
    #   alpha 100; beta and gamma 100 × (1 − 1M / 2M) = 50; delta (revenue 0) 0.
    # strategic: alpha 40+35+25 = 100, beta 40+35 = 75, gamma 100, delta 25.
    # growth: 5 → 100, NULL → 50, 1 → 0.
    # relationship = min(years, 10) × 4 + highest level + (avg strength − 1) / 4 × 25
    #   alpha: 15 years → 10 × 4 = 40; executive 35; avg(5, 3) = 4 → 18.75 (the left
    #          and the archived executive are ignored) → 93.75
    #   beta:  3 × 4 = 12; executive 35; avg(4, 2) = 3 → 12.5 → 59.5
    #   gamma: no date → 0; its only contact has left → 0 + 0 → 0
    #   delta: starts in the future → 0; execution 5; avg 1 → 0 → 5
    assert criteria("alpha") == {
        "annual_purchase": 100, "profit_contribution": 100, "revenue_share": 100,
        "strategic_significance": 100, "growth_potential": 100,
        "relationship_depth": Decimal("93.75"),
    }  # fmt: skip
    assert criteria("beta") == {
        "annual_purchase": Decimal("33.33"), "profit_contribution": Decimal("66.67"),
        "revenue_share": 50, "strategic_significance": 75, "growth_potential": 100,
        "relationship_depth": Decimal("59.5"),
    }  # fmt: skip
    assert criteria("gamma") == {
        "annual_purchase": Decimal("33.33"), "profit_contribution": Decimal("33.33"),
        "revenue_share": 50, "strategic_significance": 100, "growth_potential": 50,
        "relationship_depth": 0,
    }  # fmt: skip
    assert criteria("delta") == {
        "annual_purchase": 0, "profit_contribution": 0, "revenue_share": 0,
        "strategic_significance": 25, "growth_potential": 0, "relationship_depth": 5,
    }  # fmt: skip

    # Weights 25/15/15/15/15/15:
    # alpha (100×25 + 100×15×4 + 93.75×15) / 100 = (2500 + 6000 + 1406.25) / 100
    #       = 99.0625 → 99.06 → A (≥ 80)
    # beta  (33.33×25 + 66.67×15 + 50×15 + 75×15 + 100×15 + 59.5×15) / 100
    #       = (833.25 + 1000.05 + 750 + 1125 + 1500 + 892.5) / 100 = 61.008 → 61.01 → B
    # gamma (33.33×25 + 33.33×15 + 50×15 + 100×15 + 50×15 + 0) / 100
    #       = (833.25 + 499.95 + 750 + 1500 + 750) / 100 = 43.332 → 43.33 → C
    # delta (25×15 + 5×15) / 100 = 4.50 → D
    expected = {
        "alpha": (Decimal("99.06"), "A"),
        "beta": (Decimal("61.01"), "B"),
        "gamma": (Decimal("43.33"), "C"),
        "delta": (Decimal("4.50"), "D"),
    }
    assert {name: (s.total, s.tier) for name, s in scores.items()} == expected

    # Each criterion keeps its weight and weighted points (rounded on their own).
    beta_breakdown = scores["beta"].breakdown
    assert {key: value["weight"] for key, value in beta_breakdown.items()} == DEFAULT_WEIGHTS
    weighted = {key: _d(value["weighted"]) for key, value in beta_breakdown.items()}
    # 33.33×25/100 = 8.3325 → 8.33; 66.67×15/100 = 10.0005 → 10.00; 59.5×15/100 = 8.925 → 8.93
    assert weighted == {
        "annual_purchase": Decimal("8.33"), "profit_contribution": Decimal("10.00"),
        "revenue_share": Decimal("7.5"), "strategic_significance": Decimal("11.25"),
        "growth_potential": 15, "relationship_depth": Decimal("8.93"),
    }  # fmt: skip
    assert sum(weighted.values()) == Decimal("61.01")
    assert _d(scores["alpha"].breakdown["relationship_depth"]["weighted"]) == Decimal("14.06")

    # The inputs explain the score.
    share = beta_breakdown["revenue_share"]["inputs"]
    assert {key: _d(value) for key, value in share.items()} == {
        "revenue": Decimal("500000"),
        "revenue_of_larger_accounts": Decimal("1000000"),
        "total_revenue": Decimal("2000000"),
    }
    assert _d(beta_breakdown["profit_contribution"]["inputs"]["gross_profit"]) == 200000
    assert scores["delta"].breakdown["annual_purchase"]["inputs"] == {
        "annual_revenue_estimate": None,
        "revenue_source": "estimate",
        "actual_revenue_12m": None,
        "actual_months": None,
    }
    alpha_rel = scores["alpha"].breakdown["relationship_depth"]["inputs"]
    assert alpha_rel["cooperation_since"] == _jan_first(15).isoformat()
    assert alpha_rel["full_years"] == 10
    assert alpha_rel["highest_level_points"] == 35
    assert _d(alpha_rel["average_strength"]) == 4
    assert alpha_rel["current_contacts"] == 2
    gamma_rel = scores["gamma"].breakdown["relationship_depth"]["inputs"]
    assert gamma_rel == {
        "cooperation_since": None,
        "full_years": 0,
        "highest_level_points": 0,
        "average_strength": None,
        "current_contacts": 0,
        "executive_meetings_this_year": 0,
    }
    assert scores["delta"].breakdown["relationship_depth"]["inputs"]["full_years"] == 0
    assert scores["gamma"].breakdown["growth_potential"]["inputs"] == {"growth_potential": None}

    # The accounts carry the result; the archived one is left alone.
    for name, (total, tier) in expected.items():
        account = Account.objects.get(name=name)
        assert (account.tier_score, account.computed_tier, account.tier) == (total, tier, tier)
        assert account.tier_scored_at == run.started_at
    archived.refresh_from_db()
    assert (archived.tier, archived.computed_tier, archived.tier_score) == ("", "", None)


def test_a_single_account_ranks_zero_and_holds_the_whole_revenue_share(db):
    AccountFactory(name="solo", annual_revenue_estimate=Decimal("100"), gross_margin_estimate=20)
    breakdown = _scores(services.accounts_score())["solo"].breakdown
    # percent_rank of a single row is 0; it has all the revenue: 100 × (1 − 0 / 100).
    assert _d(breakdown["annual_purchase"]["score"]) == 0
    assert _d(breakdown["profit_contribution"]["score"]) == 0
    assert _d(breakdown["revenue_share"]["score"]) == 100


def test_no_revenue_at_all_ties_everyone_at_zero(db):
    AccountFactory(name="none", annual_revenue_estimate=None)
    AccountFactory(name="zero", annual_revenue_estimate=Decimal("0"), gross_margin_estimate=50)
    scores = _scores(services.accounts_score())
    for name in ("none", "zero"):
        breakdown = scores[name].breakdown
        # NULL ties with 0 (both rank 1 → 0); total revenue 0 → no share for anyone.
        assert _d(breakdown["annual_purchase"]["score"]) == 0, name
        assert _d(breakdown["profit_contribution"]["score"]) == 0, name
        assert _d(breakdown["revenue_share"]["score"]) == 0, name
        # growth NULL → 50 × 15% = 7.5: the whole total.
        assert scores[name].total == Decimal("7.50"), name
        assert scores[name].tier == "D", name


def test_three_way_tie_shares_the_lowest_rank(db):
    for name, revenue in [("low", 10), ("t1", 50), ("t2", 50), ("t3", 50), ("top", 90)]:
        AccountFactory(name=name, annual_revenue_estimate=Decimal(revenue))
    scores = _scores(services.accounts_score())

    def purchase(name):
        return _d(scores[name].breakdown["annual_purchase"]["score"])

    def share(name):
        return _d(scores[name].breakdown["revenue_share"]["score"])

    # n = 5: low rank 1 → 0; t1–t3 rank 2 → 1/4 → 25; top rank 5 → 100.
    assert [purchase(n) for n in ("low", "t1", "t2", "t3", "top")] == [0, 25, 25, 25, 100]
    # total 250: top 100; the tied 100 × (1 − 90/250) = 64; low 100 × (1 − 240/250) = 4.
    assert [share(n) for n in ("low", "t1", "t2", "t3", "top")] == [4, 64, 64, 64, 100]


def test_weights_and_thresholds_come_from_the_current_model_boundaries_included(world):
    services.scoring_model_update(
        actor=world.user("ops"), weights=STRATEGIC_ONLY, thresholds={"a": 100, "b": 75, "c": 35}
    )
    _set_points(world, acme=100, globex=75, initech=35)
    other = AccountFactory(name="other", owner=world.user("kam_a"), **_flags(25))
    run = services.accounts_score()
    scores = _scores(run)
    # Only strategic counts: the total is the flags' points; ≥ threshold gets the tier.
    assert {name: (s.total, s.tier) for name, s in scores.items()} == {
        "acme": (Decimal("100.00"), "A"),
        "globex": (Decimal("75.00"), "B"),
        "initech": (Decimal("35.00"), "C"),
        other.name: (Decimal("25.00"), "D"),
    }
    assert run.model["weights"] == STRATEGIC_ONLY
    assert run.model["thresholds"] == {"a": 100, "b": 75, "c": 35}
    assert scores["acme"].breakdown["growth_potential"]["weight"] == 0


# --- the scoring model ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
def test_only_an_admin_changes_the_scoring_model(world, role):
    with pytest.raises(PermissionDenied):
        services.scoring_model_update(actor=world.user(role), weights=STRATEGIC_ONLY)
    assert ScoringModel.current().weights == DEFAULT_WEIGHTS
    assert not ScoringModelChange.objects.exists()


@pytest.mark.parametrize(
    ("arguments", "field", "fragment"),
    [
        ({"weights": {**DEFAULT_WEIGHTS, "annual_purchase": 15}}, "weights", "add up to 90"),
        ({"weights": {**DEFAULT_WEIGHTS, "annual_purchase": 40}}, "weights", "add up to 115"),
        (
            {"weights": {k: v for k, v in DEFAULT_WEIGHTS.items() if k != "revenue_share"}},
            "weights",
            "one weight for each criterion",
        ),
        ({"weights": {**DEFAULT_WEIGHTS, "bogus": 0}}, "weights", "one weight for each"),
        (
            {"weights": {**DEFAULT_WEIGHTS, "annual_purchase": 50, "revenue_share": -10}},
            "weights",
            "negative",
        ),
        ({"weights": {**DEFAULT_WEIGHTS, "annual_purchase": 25.0}}, "weights", "whole"),
        ({"thresholds": {"a": 60, "b": 60}}, "thresholds", "Overlapping"),
        ({"thresholds": {"b": 30}}, "thresholds", "Overlapping"),  # B below C (40)
        ({"thresholds": {"c": 0}}, "thresholds", "Overlapping"),
        ({"thresholds": {"a": 101}}, "thresholds", "Overlapping"),
        ({"thresholds": {"d": 10}}, "thresholds", "keys"),
        ({"cadences": {"b": 0}}, "cadences", "at least one day"),
        ({"cadences": {"d": -5}}, "cadences", "at least one day"),
    ],
)
def test_bad_scoring_models_are_refused_and_nothing_changes(world, arguments, field, fragment):
    before = ScoringModel.current().as_dict()
    with pytest.raises(ValidationError) as excinfo:
        services.scoring_model_update(actor=world.user("ops"), **arguments)
    assert list(_errors(excinfo)) == [field]
    assert fragment in _errors(excinfo)[field][0]
    assert ScoringModel.current().as_dict() == before
    assert not ScoringModelChange.objects.exists()


def test_a_change_is_recorded_with_before_and_after(world):
    ops = world.user("ops")
    before = ScoringModel.current().as_dict()
    model = services.scoring_model_update(
        actor=ops, weights=STRATEGIC_ONLY, thresholds={"a": 90}, cadences={"a": 7, "d": 120}
    )
    assert model.updated_by == ops
    assert model.thresholds == {"a": 90, "b": 60, "c": 40}  # unnamed keys keep their value
    assert model.cadences == {"a": 7, "b": 30, "c": 60, "d": 120}
    change = ScoringModelChange.objects.get()
    assert change.changed_by == ops
    assert change.old == before
    assert change.new == {
        "weights": STRATEGIC_ONLY,
        "thresholds": {"a": 90, "b": 60, "c": 40},
        "cadences": {"a": 7, "b": 30, "c": 60, "d": 120},
    }
    assert ScoringModel.current().as_dict() == change.new


def test_an_update_that_changes_nothing_records_nothing(world):
    ops = world.user("ops")
    services.scoring_model_update(actor=ops, weights=dict(DEFAULT_WEIGHTS), thresholds={"a": 80})
    services.scoring_model_update(actor=ops)
    assert not ScoringModelChange.objects.exists()
    services.scoring_model_update(actor=ops, cadences={"c": 45})
    services.scoring_model_update(actor=ops, cadences={"c": 45})
    assert ScoringModelChange.objects.count() == 1


# --- scoring runs: tiers, changes, notifications ----------------------------------------


def test_first_grading_logs_changes_but_notifies_nobody(world):
    run = _graded(world, acme=100, globex=75, initech=0)
    assert {name: _fresh(world, name).tier for name in world.accounts} == {
        "acme": "A",
        "globex": "B",
        "initech": "D",
    }
    changes = TierChange.objects.filter(run=run)
    assert sorted(changes.values_list("account__name", "old_tier", "new_tier", "source")) == [
        ("acme", "", "A", TierChangeSource.SCORE),
        ("globex", "", "B", TierChangeSource.SCORE),
        ("initech", "", "D", TierChangeSource.SCORE),
    ]
    assert all(change.changed_by is None for change in changes)
    assert not _tier_notifications().exists()


def test_rerunning_without_changes_adds_a_run_but_no_change_or_notification(world):
    first = _graded(world, acme=100, globex=75, initech=0)
    second = services.accounts_score()
    assert second.pk != first.pk
    assert ScoringRun.objects.count() == 2
    assert TierScore.objects.filter(run=second).count() == 3
    assert not TierChange.objects.filter(run=second).exists()
    assert not _tier_notifications().exists()


def test_a_changed_tier_notifies_owner_and_supervisor_once(world):
    _graded(world, acme=100, globex=75, initech=0)
    _set_points(world, acme=40)  # A → C; the others stay
    run = services.accounts_score()
    acme = _fresh(world, "acme")
    assert (acme.computed_tier, acme.tier) == ("C", "C")
    change = TierChange.objects.get(run=run)
    assert (change.account, change.old_tier, change.new_tier) == (acme, "A", "C")
    assert change.source == TierChangeSource.SCORE
    assert _recipients() == ["kam_a", "sup_east"]
    notification = _tier_notifications(recipient=world.user("kam_a")).get()
    assert notification.account == acme
    assert notification.url == acme.get_absolute_url()
    assert notification.params == {"account": "acme", "old": "A", "new": "C"}
    assert notification.message == "acme moved from tier A to tier C."
    # And nobody hears of it twice.
    services.accounts_score()
    assert _tier_notifications().count() == 2


def test_an_inactive_owner_is_not_notified_but_the_supervisor_is(world):
    _graded(world, acme=100, globex=75, initech=0)
    User.objects.filter(pk=world.user("kam_a").pk).update(is_active=False)
    _set_points(world, acme=0)
    services.accounts_score()
    assert _recipients() == ["sup_east"]


def test_only_an_admin_starts_a_run_by_hand(world):
    for role in ("kam_a", "sup_east", "exec"):
        with pytest.raises(PermissionDenied):
            services.accounts_score(actor=world.user(role))
    assert not ScoringRun.objects.exists()
    run = services.accounts_score(actor=world.user("ops"))
    assert run.triggered_by == world.user("ops")


# --- overrides --------------------------------------------------------------------------


def test_supervisor_override_wins_until_removed(world):
    _graded(world, acme=100, globex=75, initech=0)
    sup = world.user("sup_east")
    override = services.tier_override_set(
        actor=sup, account=world.accounts["acme"], tier="D", reason="  Lost the framework deal  "
    )
    assert override.is_active
    assert override.reason == "Lost the framework deal"
    acme = _fresh(world, "acme")
    assert (acme.tier, acme.computed_tier) == ("D", "A")
    change = TierChange.objects.get(source=TierChangeSource.OVERRIDE)
    assert (change.old_tier, change.new_tier, change.changed_by) == ("A", "D", sup)
    assert change.reason == "Lost the framework deal"
    assert _recipients(account=acme) == ["kam_a", "sup_east"]

    # A new run moves the computed tier but not the effective one, and tells nobody.
    _set_points(world, acme=40)
    run = services.accounts_score()
    acme = _fresh(world, "acme")
    assert (acme.tier, acme.computed_tier) == ("D", "C")
    assert not TierChange.objects.filter(run=run).exists()
    assert _tier_notifications().count() == 2

    removed = services.tier_override_remove(actor=sup, account=acme)
    assert removed.pk == override.pk
    assert not removed.is_active
    assert removed.removed_by == sup
    acme = _fresh(world, "acme")
    assert acme.tier == "C"  # back to the computed tier
    change = TierChange.objects.get(source=TierChangeSource.OVERRIDE_REMOVED)
    assert (change.old_tier, change.new_tier, change.changed_by) == ("D", "C", sup)
    assert _tier_notifications().count() == 4
    assert _tier_notifications(params__old="D", params__new="C").count() == 2


def test_a_new_override_replaces_the_active_one(world):
    _graded(world, acme=100, globex=75, initech=0)
    ops = world.user("ops")
    first = services.tier_override_set(
        actor=ops, account=world.accounts["globex"], tier="A", reason="x"
    )
    second = services.tier_override_set(
        actor=ops, account=world.accounts["globex"], tier="C", reason="y"
    )
    first.refresh_from_db()
    assert first.removed_at is not None
    assert first.removed_by == ops
    assert list(TierOverride.objects.active()) == [second]
    assert _fresh(world, "globex").tier == "C"
    assert list(
        TierChange.objects.filter(account=world.accounts["globex"], source="override")
        .order_by("id")
        .values_list("old_tier", "new_tier")
    ) == [("B", "A"), ("A", "C")]


def test_an_override_to_the_current_tier_changes_and_notifies_nothing(world):
    _graded(world, acme=100, globex=75, initech=0)
    services.tier_override_set(
        actor=world.user("sup_east"), account=world.accounts["acme"], tier="A", reason="Sure."
    )
    assert TierOverride.objects.active().count() == 1
    assert not TierChange.objects.filter(source=TierChangeSource.OVERRIDE).exists()
    assert not _tier_notifications().exists()


@pytest.mark.parametrize(
    ("role", "error"),
    [("kam_a", PermissionDenied), ("exec", PermissionDenied), ("sup_south", Http404)],
)
def test_overrides_are_for_the_owners_supervisor_or_an_admin(world, role, error):
    _graded(world, acme=100, globex=75, initech=0)
    with pytest.raises(error):
        services.tier_override_set(
            actor=world.user(role), account=world.accounts["acme"], tier="D", reason="No."
        )
    assert not TierOverride.objects.exists()
    assert _fresh(world, "acme").tier == "A"


def test_only_the_owners_supervisor_or_an_admin_removes_an_override(world):
    _graded(world, acme=100, globex=75, initech=0)
    services.tier_override_set(
        actor=world.user("ops"), account=world.accounts["acme"], tier="D", reason="Why not."
    )
    for role, error in [("kam_a", PermissionDenied), ("sup_south", Http404)]:
        with pytest.raises(error):
            services.tier_override_remove(actor=world.user(role), account=world.accounts["acme"])
    assert TierOverride.objects.active().count() == 1
    services.tier_override_remove(actor=world.user("sup_east"), account=world.accounts["acme"])
    assert not TierOverride.objects.active().exists()
    with pytest.raises(ValidationError) as excinfo:
        services.tier_override_remove(actor=world.user("ops"), account=world.accounts["acme"])
    assert "account" in _errors(excinfo)


@pytest.mark.parametrize(
    ("tier", "reason", "fields"),
    [
        ("A", "", {"reason"}),
        ("A", "   ", {"reason"}),
        ("E", "Because.", {"tier"}),
        ("", None, {"tier", "reason"}),
    ],
)
def test_an_override_needs_a_tier_and_a_reason(world, tier, reason, fields):
    with pytest.raises(ValidationError) as excinfo:
        services.tier_override_set(
            actor=world.user("sup_east"), account=world.accounts["acme"], tier=tier, reason=reason
        )
    assert set(_errors(excinfo)) == fields
    assert not TierOverride.objects.exists()


def test_archived_accounts_are_not_overridden(world):
    Account.objects.filter(pk=world.accounts["acme"].pk).update(archived_at=timezone.now())
    with pytest.raises(ValidationError) as excinfo:
        services.tier_override_set(
            actor=world.user("ops"), account=world.accounts["acme"], tier="A", reason="x"
        )
    assert "account" in _errors(excinfo)


def test_an_override_before_the_first_run_survives_it(world):
    _strategic_only(world)
    _set_points(world, acme=0)
    services.tier_override_set(
        actor=world.user("sup_east"), account=world.accounts["acme"], tier="A", reason="Flagship"
    )
    change = TierChange.objects.get()
    assert (change.old_tier, change.new_tier) == ("", "A")
    assert not _tier_notifications().exists()  # a first grading is not a change
    run = services.accounts_score()
    acme = _fresh(world, "acme")
    assert (acme.tier, acme.computed_tier) == ("A", "D")
    assert not TierChange.objects.filter(run=run, account=acme).exists()


# --- the review cycle -------------------------------------------------------------------


@pytest.fixture
def review(world):
    """East's 2027 review over a run where acme is A (100) and globex B (75)."""
    _graded(world, acme=100, globex=75, initech=0)
    return services.tier_review_open(
        actor=world.user("sup_east"), team=world.teams["East"], period="2027"
    )


def _line(review, world, name):
    return TierReviewLine.objects.get(review=review, account=world.accounts[name])


def test_a_review_proposes_the_teams_latest_computed_tiers(world):
    _graded(world, acme=0, globex=0, initech=0)
    gone = AccountFactory(name="gone", owner=world.user("kam_a"), **_flags(100))
    _set_points(world, acme=100, globex=75)
    services.tier_override_set(
        actor=world.user("ops"), account=world.accounts["globex"], tier="C", reason="x"
    )
    latest = services.accounts_score()
    Account.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    ScoringRun.objects.create(started_at=timezone.now())  # unfinished: not used
    review = services.tier_review_open(
        actor=world.user("sup_east"), team=world.teams["East"], period=" 2027 "
    )
    assert (review.status, review.period, review.run) == (ReviewStatus.DRAFT, "2027", latest)
    assert review.created_by == world.user("sup_east")
    lines = review.lines.order_by("account__name").values_list(
        "account__name", "score", "computed_tier", "current_tier", "kam_tier", "supervisor_tier"
    )
    # initech is South's; "gone" was archived after the run.
    assert list(lines) == [
        ("acme", Decimal("100.00"), "A", "A", "", ""),
        ("globex", Decimal("75.00"), "B", "C", "", ""),
    ]


def test_a_review_needs_a_finished_run_a_period_and_the_teams_lead(world):
    east = world.teams["East"]
    ScoringRun.objects.create(started_at=timezone.now())  # never finished
    with pytest.raises(ValidationError) as excinfo:
        services.tier_review_open(actor=world.user("sup_east"), team=east, period="2027")
    assert "run the scoring first" in _errors(excinfo)["period"][0]
    services.accounts_score()
    for role in ("kam_a", "sup_south", "exec"):
        with pytest.raises(PermissionDenied):
            services.tier_review_open(actor=world.user(role), team=east, period="2027")
    with pytest.raises(ValidationError) as excinfo:
        services.tier_review_open(actor=world.user("sup_east"), team=east, period="  ")
    assert "period" in _errors(excinfo)
    services.tier_review_open(actor=world.user("ops"), team=east, period="2027")
    with pytest.raises(ValidationError) as excinfo:
        services.tier_review_open(actor=world.user("sup_east"), team=east, period="2027")
    assert "already has a review for 2027" in _errors(excinfo)["period"][0]
    # another team, same period: fine
    services.tier_review_open(
        actor=world.user("sup_south"), team=world.teams["South"], period="2027"
    )


def test_owner_proposes_as_kam_and_supervisor_as_supervisor(world, review):
    line = _line(review, world, "acme")
    with pytest.raises(ValidationError) as excinfo:
        services.tier_review_line_update(actor=world.user("kam_a"), line=line, tier="B", reason=" ")
    assert "reason" in _errors(excinfo)
    line = services.tier_review_line_update(
        actor=world.user("kam_a"), line=line, tier="B", reason="Budget cut"
    )
    assert (line.kam_tier, line.kam_reason, line.supervisor_tier) == ("B", "Budget cut", "")
    assert line.proposed_tier == "B"
    line = services.tier_review_line_update(
        actor=world.user("sup_east"), line=line, tier="C", reason="Worse than that"
    )
    line.refresh_from_db()
    assert (line.kam_tier, line.supervisor_tier, line.supervisor_reason) == (
        "B",
        "C",
        "Worse than that",
    )
    assert line.proposed_tier == "C"  # the supervisor's word wins
    # Agreeing with the computed tier needs no reason; an empty tier withdraws.
    line = services.tier_review_line_update(
        actor=world.user("kam_a"), line=line, tier="A", reason=""
    )
    assert line.kam_tier == "A"
    line = services.tier_review_line_update(
        actor=world.user("sup_east"), line=line, tier="", reason="ignored"
    )
    line.refresh_from_db()
    assert (line.supervisor_tier, line.supervisor_reason) == ("", "")
    assert line.proposed_tier == "A"
    # An admin speaks as the supervisor.
    line = services.tier_review_line_update(
        actor=world.user("ops"), line=line, tier="D", reason="!"
    )
    assert line.supervisor_tier == "D"
    with pytest.raises(ValidationError) as excinfo:
        services.tier_review_line_update(actor=world.user("kam_a"), line=line, tier="Z", reason="x")
    assert "tier" in _errors(excinfo)


@pytest.mark.parametrize("role", ["kam_a", "kam_c", "sup_south", "exec"])
def test_others_cannot_touch_a_line(world, review, role):
    # kam_a is on globex's account team but does not own it.
    line = _line(review, world, "globex")
    with pytest.raises(PermissionDenied):
        services.tier_review_line_update(actor=world.user(role), line=line, tier="A", reason="x")
    line.refresh_from_db()
    assert (line.kam_tier, line.supervisor_tier) == ("", "")


def test_submit_return_resubmit_and_the_locked_states(world, review):
    sup, ops = world.user("sup_east"), world.user("ops")
    with pytest.raises(PermissionDenied):
        services.tier_review_submit(actor=world.user("kam_a"), review=review)
    with pytest.raises(ValidationError):  # a draft is not decided
        services.tier_review_return(actor=ops, review=review, comment="No")
    review = services.tier_review_submit(actor=sup, review=review)
    assert (review.status, review.submitted_by) == (ReviewStatus.SUBMITTED, sup)
    assert _recipients(NotificationKind.TIER_REVIEW_SUBMITTED) == ["ops"]
    # Submitted: lines are frozen and it cannot be submitted again.
    with pytest.raises(ValidationError):
        services.tier_review_line_update(
            actor=sup, line=_line(review, world, "acme"), tier="B", reason="late"
        )
    with pytest.raises(ValidationError):
        services.tier_review_submit(actor=sup, review=review)
    # Only an admin returns it, with a comment.
    with pytest.raises(PermissionDenied):
        services.tier_review_return(actor=sup, review=review, comment="No")
    with pytest.raises(ValidationError) as excinfo:
        services.tier_review_return(actor=ops, review=review, comment="  ")
    assert "comment" in _errors(excinfo)
    review = services.tier_review_return(actor=ops, review=review, comment=" Check globex ")
    assert (review.status, review.decision_comment, review.decided_by) == (
        ReviewStatus.RETURNED,
        "Check globex",
        ops,
    )
    assert _recipients(NotificationKind.TIER_REVIEW_RETURNED) == ["sup_east"]
    # Returned is open again: adjust and resubmit.
    services.tier_review_line_update(
        actor=sup, line=_line(review, world, "globex"), tier="A", reason="Checked"
    )
    review = services.tier_review_submit(actor=sup, review=review)
    assert review.status == ReviewStatus.SUBMITTED
    assert _fresh(world, "globex").tier == "B"  # nothing applies before approval


def test_approval_applies_the_proposals_an_override_still_wins(world, review):
    sup, ops = world.user("sup_east"), world.user("ops")
    with pytest.raises(ValidationError):  # approving a draft
        services.tier_review_approve(actor=ops, review=review)
    services.tier_override_set(actor=sup, account=world.accounts["globex"], tier="C", reason="x")
    services.tier_review_line_update(
        actor=world.user("kam_a"), line=_line(review, world, "acme"), tier="B", reason="Smaller"
    )
    services.tier_review_line_update(
        actor=sup, line=_line(review, world, "globex"), tier="A", reason="Bigger"
    )
    review = services.tier_review_submit(actor=sup, review=review)
    with pytest.raises(PermissionDenied):
        services.tier_review_approve(actor=sup, review=review)
    with pytest.raises(PermissionDenied):
        services.tier_review_approve(actor=world.user("exec"), review=review)
    Notification.objects.all().delete()

    review = services.tier_review_approve(actor=ops, review=review, comment=" OK ")
    assert (review.status, review.decided_by, review.decision_comment) == (
        ReviewStatus.APPROVED,
        ops,
        "OK",
    )
    acme, globex, initech = (_fresh(world, name) for name in ("acme", "globex", "initech"))
    assert (acme.approved_tier, acme.tier, acme.computed_tier) == ("B", "B", "A")
    assert (globex.approved_tier, globex.tier) == ("A", "C")  # the override wins
    assert (initech.approved_tier, initech.tier) == ("", "D")  # not in the review
    change = TierChange.objects.get(source=TierChangeSource.REVIEW)
    assert (change.account, change.old_tier, change.new_tier) == (acme, "A", "B")
    assert (change.changed_by, change.reason) == (ops, "East · 2027")
    assert _recipients() == ["kam_a", "sup_east"]
    assert _tier_notifications(account=acme).count() == 2

    # An approved review is closed.
    for attempt in (
        lambda: services.tier_review_submit(actor=sup, review=review),
        lambda: services.tier_review_approve(actor=ops, review=review),
        lambda: services.tier_review_return(actor=ops, review=review, comment="x"),
        lambda: services.tier_review_line_update(
            actor=sup, line=_line(review, world, "acme"), tier="C", reason="x"
        ),
    ):
        with pytest.raises(ValidationError):
            attempt()

    # Later runs move the computed tier only.
    _set_points(world, acme=0, globex=0)
    run = services.accounts_score()
    acme, globex = _fresh(world, "acme"), _fresh(world, "globex")
    assert (acme.tier, acme.computed_tier) == ("B", "D")
    assert (globex.tier, globex.computed_tier) == ("C", "D")
    assert not TierChange.objects.filter(run=run).exists()
    assert _tier_notifications().count() == 2
    # Removing the override falls back to the approved tier, not the computed one.
    services.tier_override_remove(actor=sup, account=globex)
    assert _fresh(world, "globex").tier == "A"


# --- the API ----------------------------------------------------------------------------


def _as(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    return api_client


def _url(name, *args):
    return reverse(f"api:{name}", args=args)


def _rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    return body


def test_the_routes():
    assert _url("tier-score-list") == "/api/v1/tier-scores/"
    assert _url("scoring-model-current") == "/api/v1/scoring-model/current/"
    assert _url("tier-override-list") == "/api/v1/tier-overrides/"
    assert _url("tier-override-remove", 7) == "/api/v1/tier-overrides/7/remove/"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_the_scores_of_its_accounts(api_client, world, role):
    services.accounts_score()
    services.accounts_score()
    rows = _rows(_as(api_client, world, role).get(_url("tier-score-list"), {"page_size": 100}))
    names = {Account.objects.get(pk=row["account"]).name for row in rows}
    assert names == VISIBLE_ACCOUNTS[role]
    assert len(rows) == 2 * len(VISIBLE_ACCOUNTS[role])


def test_a_score_shows_its_breakdown_and_filters_are_scoped(api_client, world):
    run = services.accounts_score()
    client = _as(api_client, world, "kam_c")
    score = TierScore.objects.get(account=world.accounts["initech"])
    body = client.get(_url("tier-score-detail", score.pk)).json()
    assert body["run"] == run.pk
    assert body["tier"] == score.tier
    assert Decimal(body["total"]) == score.total
    assert set(body["breakdown"]) == set(Criterion.values)
    assert body["breakdown"]["growth_potential"]["weight"] == 15
    other = TierScore.objects.get(account=world.accounts["acme"])
    _problem(client.get(_url("tier-score-detail", other.pk)), 404)
    body = _problem(
        client.get(_url("tier-score-list"), {"account": world.accounts["acme"].pk}), 400
    )
    assert "account" in body["errors"]


def test_score_list_runs_a_fixed_number_of_queries(api_client, world, django_assert_num_queries):
    for index in range(20):
        AccountFactory(name=f"more {index}", owner=world.user("kam_a"))
    services.accounts_score()
    client = _as(api_client, world, "kam_a")
    with django_assert_num_queries(2):  # count + page (run joined)
        assert len(_rows(client.get(_url("tier-score-list"), {"page_size": 100}))) == 22


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_scoring_model(api_client, world, role):
    body = _as(api_client, world, role).get(_url("scoring-model-current")).json()
    assert body["weights"] == DEFAULT_WEIGHTS
    assert set(body["criteria"]) == set(Criterion.values)
    assert (body["threshold_a"], body["threshold_b"], body["threshold_c"]) == (80, 60, 40)


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
@pytest.mark.parametrize("method", ["put", "patch"])
def test_only_admins_change_the_scoring_model(api_client, world, role, method):
    client = _as(api_client, world, role)
    response = getattr(client, method)(
        _url("scoring-model-current"), {"weights": STRATEGIC_ONLY}, format="json"
    )
    _problem(response, 404)
    assert ScoringModel.current().weights == DEFAULT_WEIGHTS


def test_admin_changes_the_scoring_model_over_the_api(api_client, world):
    client = _as(api_client, world, "ops")
    url = _url("scoring-model-current")
    bad = {**DEFAULT_WEIGHTS, "annual_purchase": 15}
    body = _problem(client.patch(url, {"weights": bad}, format="json"), 400)
    assert "add up to 90" in body["errors"]["weights"][0]
    body = _problem(client.put(url, {"threshold_b": 90}, format="json"), 400)
    assert "thresholds" in body["errors"]
    body = _problem(client.patch(url, {"cadence_a": 0}, format="json"), 400)
    assert "cadences" in body["errors"]
    assert not ScoringModelChange.objects.exists()

    response = client.patch(url, {"weights": STRATEGIC_ONLY, "threshold_a": 85}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["weights"] == STRATEGIC_ONLY
    assert response.json()["threshold_a"] == 85
    assert response.json()["updated_by"] == world.user("ops").pk
    change = ScoringModelChange.objects.get()
    assert (change.old["thresholds"]["a"], change.new["thresholds"]["a"]) == (80, 85)


def test_supervisor_overrides_over_the_api(api_client, world):
    _graded(world, acme=100, globex=75, initech=0)
    client = _as(api_client, world, "sup_east")
    payload = {"account": world.accounts["acme"].pk, "tier": "C", "reason": "Shrinking"}
    response = client.post(_url("tier-override-list"), payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tier"], body["is_active"], body["created_by"]) == (
        "C",
        True,
        world.user("sup_east").pk,
    )
    assert _fresh(world, "acme").tier == "C"
    # Only the owner's side sees it.
    assert [row["id"] for row in _rows(client.get(_url("tier-override-list")))] == [body["id"]]
    assert _rows(_as(api_client, world, "kam_c").get(_url("tier-override-list"))) == []

    # The KAM cannot remove it; the supervisor can, once.
    remove = _url("tier-override-remove", body["id"])
    _problem(_as(api_client, world, "kam_a").post(remove), 404)  # not a KAM's to do
    response = _as(api_client, world, "sup_east").post(remove)
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert _fresh(world, "acme").tier == "A"
    body = _problem(api_client.post(remove), 400)
    assert "non_field_errors" in body["errors"]


@pytest.mark.parametrize("role", ["kam_a", "exec"])
def test_kams_and_executives_cannot_override_over_the_api(api_client, world, role):
    payload = {"account": world.accounts["acme"].pk, "tier": "A", "reason": "Mine"}
    _problem(_as(api_client, world, role).post(_url("tier-override-list"), payload), 404)
    assert not TierOverride.objects.exists()


def test_bad_overrides_over_the_api_are_field_errors(api_client, world):
    client = _as(api_client, world, "sup_south")
    payload = {"account": world.accounts["acme"].pk, "tier": "A", "reason": "Not mine"}
    body = _problem(client.post(_url("tier-override-list"), payload), 400)
    assert "account" in body["errors"]  # out of view: "does not exist"
    payload = {"account": world.accounts["initech"].pk, "tier": "Q", "reason": ""}
    body = _problem(client.post(_url("tier-override-list"), payload), 400)
    assert {"tier", "reason"} <= set(body["errors"])
    assert not TierOverride.objects.exists()


# --- the command and the task -----------------------------------------------------------


def test_the_command_scores_and_prints_a_summary(world):
    _strategic_only(world)
    _set_points(world, acme=100, globex=75, initech=0)
    out = StringIO()
    call_command("score_accounts", stdout=out)
    run = ScoringRun.objects.get()
    text = out.getvalue()
    assert text.startswith(f"Run {run.pk}: 3 accounts scored (A: 1, B: 1, C: 0, D: 1) in ")
    assert text.rstrip().endswith(" s.")
    assert _fresh(world, "acme").tier == "A"


def test_the_task_scores_and_returns_the_run(world):
    assert "accounts.tasks.accounts_score" in celery_app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["score-accounts-nightly"]["task"] == (
        "accounts.tasks.accounts_score"
    )
    run_id = tasks.accounts_score()
    run = ScoringRun.objects.get(pk=run_id)
    assert (run.triggered_by, run.account_count) == (None, 3)
    run_id = tasks.accounts_score(world.user("ops").pk)
    assert ScoringRun.objects.get(pk=run_id).triggered_by == world.user("ops")
    with pytest.raises(PermissionDenied):
        tasks.accounts_score(world.user("kam_a").pk)
    assert ScoringRun.objects.count() == 2


# --- performance ------------------------------------------------------------------------


def _insert_select(model, values, source, params):
    """``INSERT INTO <model> (…) SELECT … FROM <source>``: ``values`` maps columns to
    SQL expressions; other required columns get "", false, '{}' or now()."""
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated or (field.null and field.column not in values):
            continue
        kind = field.get_internal_type()
        default = {"BooleanField": "false", "ArrayField": "'{}'", "DateTimeField": "now()"}
        columns.append(connection.ops.quote_name(field.column))
        expressions.append(values.get(field.column, default.get(kind, "''")))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _bulk_accounts(owners, first, last):
    """Active accounts "perf <first>" … "perf <last>" with varied inputs, in two
    INSERT … SELECTs: every other one gets an executive and an execution-level contact,
    every tenth also a decision-level one who has left."""
    _insert_select(
        Account,
        {
            "name": "'perf ' || lpad(i::text, 5, '0')",
            "owner_id": "(%(owners)s::bigint[])[1 + mod(i, %(n)s)]",
            "status": "'mature'",
            "annual_revenue_estimate": "CASE WHEN mod(i, 50) = 0 THEN NULL"
            " ELSE 1000 + mod(i * 7919, 1000000) END",
            "gross_margin_estimate": "mod(i, 60)",
            "growth_potential": "CASE WHEN mod(i, 7) = 0 THEN NULL ELSE 1 + mod(i, 5) END",
            "is_industry_leader": "mod(i, 11) = 0",
            "is_reference_customer": "mod(i, 5) = 0",
            "has_channel_value": "mod(i, 3) = 0",
            "cooperation_since": "CASE WHEN mod(i, 4) = 0 THEN NULL"
            " ELSE make_date(%(year)s - mod(i, 15), 1, 1) END",
        },
        "generate_series(%(first)s, %(last)s) AS i",
        {
            "owners": [owner.pk for owner in owners],
            "n": len(owners),
            "year": timezone.localdate().year,
            "first": first,
            "last": last,
        },
    )
    accounts = Account.objects.filter(name__startswith="perf ", archived_at__isnull=True)
    ids = list(accounts.values_list("pk", flat=True))
    _insert_select(
        Contact,
        {
            "account_id": "a.id",
            "name": "c.name",
            "level": "c.level",
            "attitude": "'neutral'",
            "strength": "CASE WHEN c.has_left THEN 1 ELSE 1 + mod(a.id, 5)::int END",
            "has_left": "c.has_left",
        },
        f"{connection.ops.quote_name(Account._meta.db_table)} a CROSS JOIN (VALUES"
        " ('boss', 'executive', false), ('buyer', 'execution', false),"
        " ('gone', 'decision', true)) AS c (name, level, has_left)"
        " WHERE a.id = ANY(%(ids)s) AND mod(a.id, 2) = 0"
        " AND (NOT c.has_left OR mod(a.id, 10) = 0)",
        {"ids": ids},
    )
    return ids


def _measured_run():
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = services.accounts_score()
        seconds = time.perf_counter() - started
    return run, len(queries), seconds


def test_scoring_20000_accounts_takes_a_fixed_number_of_queries(db, capsys):
    team = TeamFactory()
    owners = [UserFactory(role=Role.ACCOUNT_MANAGER) for _ in range(10)]
    for owner in owners:
        TeamMembershipFactory(team=team, user=owner)
    ScoringModel.current()  # exists before both runs: the same queries either way

    small = _bulk_accounts(owners, 1, 10)
    assert len(small) == 10
    assert Contact.objects.count() >= 10
    small_run, small_queries, _ = _measured_run()
    assert small_run.account_count == 10
    Account.objects.filter(pk__in=small).update(archived_at=timezone.now())

    setup = time.perf_counter()
    assert len(_bulk_accounts(owners, 11, 20_010)) == 20_000
    setup = time.perf_counter() - setup
    contacts = Contact.objects.filter(account__archived_at__isnull=True)
    assert 20_000 <= contacts.count() <= 25_000
    assert make_statistics_stale("accounts", "plans") > 10  # the planner's worst case
    run, queries, seconds = _measured_run()
    rerun, requeries, reseconds = _measured_run()
    report = (
        f"20,000 accounts: set up in {setup:.2f} s; first run {seconds:.2f} s in {queries} "
        f"queries, re-run {reseconds:.2f} s in {requeries} queries; 10 accounts: "
        f"{small_queries} queries"
    )
    with capsys.disabled():
        sys.stdout.write(f"\n{report}\n")

    assert run.account_count == rerun.account_count == 20_000, report
    assert TierScore.objects.filter(run=run).count() == 20_000, report
    assert Account.objects.active().filter(tier="").count() == 0, report
    tiers = set(TierScore.objects.filter(run=run).values_list("tier", flat=True))
    assert len(tiers) >= 3, tiers
    assert TierChange.objects.filter(run=run).count() == 20_000  # every first grading
    assert not TierChange.objects.filter(run=rerun).exists()  # nothing moved
    assert queries == small_queries == requeries, report
    assert queries <= 10, report
    assert seconds < 20, report
    assert reseconds < 20, report
    assert setup < 5, report
