"""Plan services: sums that must add up, the approval cycle by role, action items,
idempotent actuals and quotas."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404

from kam.batch import BatchRejectedError
from kam.choices import NotificationKind
from kam.models import Notification
from plans import services
from plans.choices import ActionStatus, PlanEvent, PlanStatus
from plans.models import AccountPlan, Actual, PlanTransition
from tests.factories import AccountTeamMemberFactory, UserFactory

D = Decimal
QUARTERS = {q: {"revenue": D("250000"), "new_business": D("25000")} for q in (1, 2, 3, 4)}


def _plan(world, account="acme", actor="kam_a", **extra):
    return services.plan_create(
        actor=world.user(actor),
        account=world.accounts[account],
        year=2026,
        revenue_target=D("1000000"),
        new_business_target=D("100000"),
        targets=QUARTERS,
        **extra,
    )


# --- sums --------------------------------------------------------------------------------


def test_a_plan_with_quarters_adding_up_is_drafted(world):
    plan = _plan(
        world,
        objectives="Grow",
        strengths=["service"],
        competitors=[{"name": "Rival", "share": "30", "position": "leader"}],
    )
    assert plan.status == PlanStatus.DRAFT
    assert plan.targets.aggregate(total=Sum("revenue"))["total"] == D("1000000")
    assert plan.competitors == [{"name": "Rival", "share": "30", "position": "leader"}]
    assert list(plan.transitions.values_list("event", flat=True)) == [PlanEvent.CREATED]


def test_quarters_that_do_not_add_up_are_refused_with_the_difference(world):
    targets = {**QUARTERS, 4: {"revenue": D("200000"), "new_business": D("25000")}}
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            actor=world.user("kam_a"),
            account=world.accounts["acme"],
            year=2026,
            revenue_target=D("1000000"),
            new_business_target=D("100000"),
            targets=targets,
        )
    message = error.value.message_dict["revenue_target"][0]
    assert "950,000.00" in message
    assert "1,000,000.00" in message
    assert "-50,000.00" in message
    assert not AccountPlan.objects.exists()


def test_new_business_quarters_must_add_up_too(world):
    targets = {q: {"revenue": D("250000"), "new_business": D("0")} for q in (1, 2, 3, 4)}
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            actor=world.user("kam_a"),
            account=world.accounts["acme"],
            year=2026,
            revenue_target=D("1000000"),
            new_business_target=D("100000"),
            targets=targets,
        )
    assert "-100,000.00" in error.value.message_dict["new_business_target"][0]


def test_one_plan_per_account_and_year(world):
    _plan(world)
    with pytest.raises(ValidationError) as error:
        _plan(world)
    assert "year" in error.value.message_dict


def test_competitor_shares_over_100_are_refused(world):
    with pytest.raises(ValidationError) as error:
        _plan(world, competitors=[{"name": "A", "share": 70}, {"name": "B", "share": 40}])
    assert "competitors" in error.value.message_dict


def test_update_refuses_targets_that_do_not_add_up(world):
    plan = _plan(world)
    with pytest.raises(ValidationError):
        services.plan_update(actor=world.user("kam_a"), plan=plan, revenue_target=D("999"))
    plan.refresh_from_db()
    assert plan.revenue_target == D("1000000")


def test_outsiders_and_executives_cannot_draft(world):
    with pytest.raises(Http404):
        _plan(world, actor="kam_c")
    with pytest.raises(PermissionDenied):
        _plan(world, actor="exec")


# --- the approval cycle ------------------------------------------------------------------

SUBMIT = {
    "kam_a": "ok",
    "kam_b": 404,
    "kam_c": 404,
    "sup_east": 403,
    "sup_south": 404,
    "exec": 403,
    "ops": "ok",
}
DECIDE = {
    "kam_a": 403,
    "kam_b": 404,
    "kam_c": 404,
    "sup_east": "ok",
    "sup_south": 404,
    "exec": 403,
    "ops": "ok",
}


def _attempt(call):
    try:
        call()
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    except ValidationError:
        return 400
    return "ok"


@pytest.mark.parametrize("role", list(SUBMIT))
def test_who_may_submit(world, role):
    plan = _plan(world)
    assert _attempt(lambda: services.plan_submit(actor=world.user(role), plan=plan)) == SUBMIT[role]


@pytest.mark.parametrize("role", list(DECIDE))
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_who_may_approve_or_return(world, role, decision):
    plan = _plan(world)
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    service = getattr(services, f"plan_{decision}")
    outcome = _attempt(lambda: service(actor=world.user(role), plan=plan, comment="Fix Q3"))
    assert outcome == DECIDE[role]
    plan.refresh_from_db()
    expected = {"approve": PlanStatus.APPROVED, "return": PlanStatus.RETURNED}[decision]
    assert plan.status == (expected if outcome == "ok" else PlanStatus.SUBMITTED)


REVISE = {
    "kam_a": "ok",
    "kam_b": 404,
    "kam_c": 404,
    "sup_east": "ok",
    "sup_south": 404,
    "exec": 403,
    "ops": "ok",
}


@pytest.mark.parametrize("role", list(REVISE))
def test_who_may_open_a_new_revision(world, role):
    plan = _plan(world)
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    services.plan_approve(actor=world.user("sup_east"), plan=plan)
    assert _attempt(lambda: services.plan_revise(actor=world.user(role), plan=plan)) == REVISE[role]
    plan.refresh_from_db()
    if REVISE[role] == "ok":
        assert (plan.status, plan.revision) == (PlanStatus.DRAFT, 2)


# (status, transition) -> allowed?
MATRIX = {
    PlanStatus.DRAFT: {"submit"},
    PlanStatus.SUBMITTED: {"approve", "return"},
    PlanStatus.APPROVED: {"revise"},
    PlanStatus.RETURNED: {"submit"},
}
ACTORS = {"submit": "kam_a", "approve": "sup_east", "return": "sup_east", "revise": "kam_a"}
PATHS = {
    PlanStatus.DRAFT: [],
    PlanStatus.SUBMITTED: ["submit"],
    PlanStatus.APPROVED: ["submit", "approve"],
    PlanStatus.RETURNED: ["submit", "return"],
}


def _do(world, plan, transition):
    service = getattr(services, f"plan_{transition}")
    kwargs = {"actor": world.user(ACTORS[transition]), "plan": plan}
    if transition != "submit":
        kwargs["comment"] = "A comment"
    return service(**kwargs)


@pytest.mark.parametrize("status", list(MATRIX))
@pytest.mark.parametrize("transition", ["submit", "approve", "return", "revise"])
def test_only_allowed_transitions_happen(world, status, transition):
    plan = _plan(world)
    for step in PATHS[status]:
        _do(world, plan, step)
    plan.refresh_from_db()
    assert plan.status == status
    outcome = _attempt(lambda: _do(world, plan, transition))
    assert outcome == ("ok" if transition in MATRIX[status] else 400)


def test_return_needs_a_comment(world):
    plan = _plan(world)
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    with pytest.raises(ValidationError) as error:
        services.plan_return(actor=world.user("sup_east"), plan=plan, comment="  ")
    assert "comment" in error.value.message_dict


def test_submitted_and_approved_plans_are_frozen(world):
    plan = _plan(world)
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    with pytest.raises(ValidationError):
        services.plan_update(actor=world.user("kam_a"), plan=plan, objectives="changed")


def test_every_transition_is_recorded_and_notified(world):
    plan = _plan(world)
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    services.plan_return(actor=world.user("sup_east"), plan=plan, comment="Q3 is too low")
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    services.plan_approve(actor=world.user("sup_east"), plan=plan)
    services.plan_revise(actor=world.user("kam_a"), plan=plan)
    steps = list(PlanTransition.objects.filter(plan=plan).order_by("pk"))
    assert [(s.event, s.actor.username, s.revision) for s in steps] == [
        ("created", "kam_a", 1),
        ("submitted", "kam_a", 1),
        ("returned", "sup_east", 1),
        ("submitted", "kam_a", 1),
        ("approved", "sup_east", 1),
        ("revised", "kam_a", 2),
    ]
    assert steps[2].comment == "Q3 is too low"
    kinds = Notification.objects.filter(kind__startswith="plan_").values_list(
        "recipient__username", "kind"
    )
    assert sorted(kinds) == sorted(
        [
            ("sup_east", NotificationKind.PLAN_SUBMITTED),
            ("sup_east", NotificationKind.PLAN_SUBMITTED),
            ("kam_a", NotificationKind.PLAN_RETURNED),
            ("kam_a", NotificationKind.PLAN_APPROVED),
        ]
    )
    returned = Notification.objects.get(kind=NotificationKind.PLAN_RETURNED)
    assert "Q3 is too low" in returned.message
    assert "acme" in returned.message


# --- action items ------------------------------------------------------------------------


def test_action_item_owner_must_be_on_the_account_team(world):
    plan = _plan(world, account="globex", actor="kam_b")
    item = services.action_item_create(
        actor=world.user("kam_b"),
        plan=plan,
        title="Demo line 3",
        owner=world.user("kam_a"),
        due_on="2026-03-01",
        department="technical",
    )
    assert item.owner == world.user("kam_a")
    with pytest.raises(ValidationError) as error:
        services.action_item_create(
            actor=world.user("kam_b"),
            plan=plan,
            title="x",
            owner=world.user("kam_c"),
            due_on="2026-03-01",
        )
    assert "owner" in error.value.message_dict


def test_action_items_change_on_an_approved_plan_and_record_completion(world):
    plan = _plan(world)
    item = services.action_item_create(
        actor=world.user("kam_a"), plan=plan, title="Audit", due_on="2026-02-01"
    )
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    services.plan_approve(actor=world.user("sup_east"), plan=plan)
    item = services.action_item_update(
        actor=world.user("kam_a"), item=item, status=ActionStatus.DONE
    )
    assert item.completed_at is not None
    item = services.action_item_update(
        actor=world.user("kam_a"), item=item, status=ActionStatus.BLOCKED
    )
    assert item.completed_at is None


def test_a_team_member_can_own_items(world):
    helper = UserFactory()
    AccountTeamMemberFactory(account=world.accounts["acme"], user=helper)
    plan = _plan(world)
    item = services.action_item_create(
        actor=world.user("kam_a"), plan=plan, title="Visit", owner=helper, due_on="2026-02-01"
    )
    assert item.owner == helper


# --- actuals -----------------------------------------------------------------------------


def _batch():
    return [
        {
            "external_id": "ERP-1",
            "year": 2026,
            "month": 1,
            "revenue": "100.50",
            "gross_profit": "30",
            "overdue_31_60": "20",
        },
        {"external_id": "ERP-1", "year": 2026, "month": 2, "revenue": "200"},
        {"external_id": "ERP-2", "year": 2026, "month": 1, "revenue": "1,000"},
    ]


@pytest.fixture
def erp_world(world):
    for name, key in (("acme", "ERP-1"), ("globex", "ERP-2"), ("initech", "ERP-3")):
        world.accounts[name].external_id = key
        world.accounts[name].save(update_fields=["external_id"])
    return world


def _totals():
    return Actual.objects.aggregate(
        rows=Sum(1),
        revenue=Sum("revenue"),
        gp=Sum("gross_profit"),
        overdue=Sum("receivables_overdue"),
    )


def test_the_same_batch_twice_gives_the_same_totals(erp_world, django_assert_num_queries):
    ops = erp_world.user("ops")
    with django_assert_num_queries(
        6
    ):  # 2 savepoints (one to run again), accounts, upsert, 2 releases
        assert services.actuals_upsert(actor=ops, rows=_batch()) == 3
    first = _totals()
    stamps = dict(Actual.objects.values_list("pk", "updated_at"))
    services.actuals_upsert(actor=ops, rows=_batch())
    assert (
        _totals()
        == first
        == {"rows": 3, "revenue": D("1300.50"), "gp": D("30.00"), "overdue": D("20.00")}
    )
    assert dict(Actual.objects.values_list("pk", "updated_at")) == stamps  # untouched


def test_a_changed_month_is_updated_in_place(erp_world):
    ops = erp_world.user("ops")
    services.actuals_upsert(actor=ops, rows=_batch())
    services.actuals_upsert(
        actor=ops, rows=[{"external_id": "ERP-1", "year": 2026, "month": 2, "revenue": "250"}]
    )
    assert Actual.objects.count() == 3
    assert Actual.objects.get(month=2).revenue == D("250.00")


def test_a_bad_row_writes_nothing_and_names_row_and_field(erp_world):
    rows = [*_batch(), {"external_id": "NOPE", "year": 2026, "month": 13, "revenue": "abc"}]
    with pytest.raises(BatchRejectedError) as error:
        services.actuals_upsert(actor=erp_world.user("ops"), rows=rows)
    assert set(error.value.row_errors) == {3}
    assert set(error.value.row_errors[3]) == {"external_id", "month", "revenue"}
    assert not Actual.objects.exists()


def test_a_month_twice_in_one_batch_is_refused(erp_world):
    rows = [*_batch(), _batch()[0]]
    with pytest.raises(BatchRejectedError) as error:
        services.actuals_upsert(actor=erp_world.user("ops"), rows=rows)
    assert "month" in error.value.row_errors[3]


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
def test_only_ops_load_actuals(erp_world, role):
    with pytest.raises(PermissionDenied):
        services.actuals_upsert(actor=erp_world.user(role), rows=_batch())


# --- quotas ------------------------------------------------------------------------------


def _quota(
    world,
    actor="sup_east",
    kam_a=(600, [150] * 4),
    kam_b=(400, [100] * 4),
    quarters=(250, 250, 250, 250),
):
    return services.quota_set(
        actor=world.user(actor),
        team=world.teams["East"],
        year=2026,
        annual=D("1000"),
        quarters=[D(q) for q in quarters],
        splits=[
            (world.user("kam_a"), D(kam_a[0]), [D(q) for q in kam_a[1]]),
            (world.user("kam_b"), D(kam_b[0]), [D(q) for q in kam_b[1]]),
        ],
    )


def test_a_quota_split_that_adds_up_is_saved(world):
    quota = _quota(world)
    assert quota.quarters == [D("250")] * 4
    assert sorted(quota.splits.values_list("user__username", "annual")) == [
        ("kam_a", D("600.00")),
        ("kam_b", D("400.00")),
    ]
    _quota(world, kam_a=(D("500"), [125] * 4), kam_b=(D("500"), [125] * 4))  # replaces
    assert quota.splits.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"quarters": (250, 250, 250, 200)}, "-50.00"),
        ({"kam_b": (D("300"), [75] * 4)}, "-100.00"),
        ({"kam_a": (D("600"), [100, 200, 150, 150]), "kam_b": (D("400"), [100] * 4)}, "Q1"),
        ({"kam_a": (D("600"), [150, 150, 150, 100])}, "-50.00"),
    ],
)
def test_quota_sums_that_do_not_add_up_are_refused(world, kwargs, fragment):
    with pytest.raises(ValidationError) as error:
        _quota(world, **kwargs)
    assert any(fragment in message for message in error.value.messages)


@pytest.mark.parametrize(
    ("role", "expected"), [("kam_a", 403), ("sup_south", 404), ("exec", 403), ("ops", "ok")]
)
def test_who_sets_quotas(world, role, expected):
    assert _attempt(lambda: _quota(world, actor=role)) == expected


@pytest.mark.parametrize("months", [1, 12])
def test_the_upsert_is_set_based_whatever_the_batch_size(
    erp_world, months, django_assert_num_queries
):
    rows = [
        {"external_id": key, "year": year, "month": month, "revenue": "1"}
        for key in ("ERP-1", "ERP-2", "ERP-3")
        for year in range(2000, 2000 + 20)
        for month in range(1, months + 1)
    ]
    with django_assert_num_queries(
        6
    ):  # 2 savepoints (one to run again), accounts, upsert, 2 releases
        services.actuals_upsert(actor=erp_world.user("ops"), rows=rows)
    assert Actual.objects.count() == len(rows)
