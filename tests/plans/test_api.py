"""The plans API: nested targets, the approval actions, the actuals bulk upsert,
quotas, problem+json errors and fixed query counts."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from plans.models import Actual, KamQuota
from tests.factories import ActionItemFactory, ActualFactory, PlanFactory

D = Decimal
TARGETS = [{"quarter": q, "revenue": "250000.00", "new_business": "0"} for q in (1, 2, 3, 4)]


def _create(api_client, world, **overrides):
    body = {
        "account": world.accounts["acme"].pk,
        "year": 2026,
        "revenue_target": "1000000",
        "new_business_target": "0",
        "targets": TARGETS,
        "competitors": [{"name": "Rival", "share": "25.5", "position": "challenger"}],
    }
    body.update(overrides)
    return api_client.post(reverse("api:plan-list"), body, format="json")


def test_a_kam_creates_a_plan_with_nested_targets(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    response = _create(api_client, world)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["account_name"] == "acme"
    assert [t["revenue"] for t in body["targets"]] == ["250000.00"] * 4
    assert body["transitions"][0]["event"] == "created"
    assert body["currency"] == "CNY"


def test_targets_that_do_not_add_up_answer_problem_json(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    response = _create(api_client, world, revenue_target="1000001")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "-1.00" in response.json()["errors"]["revenue_target"][0]


def test_missing_quarters_are_refused(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    response = _create(api_client, world, targets=TARGETS[:3])
    assert response.status_code == 400
    assert "targets" in response.json()["errors"]


def test_an_account_out_of_view_is_does_not_exist(api_client, world):
    api_client.force_authenticate(world.user("kam_c"))
    response = _create(api_client, world)
    assert response.status_code == 400
    assert "account" in response.json()["errors"]


def test_the_approval_cycle_over_the_api(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    plan = _create(api_client, world).json()
    assert api_client.post(reverse("api:plan-approve", args=[plan["id"]])).status_code == 404
    response = api_client.post(reverse("api:plan-submit", args=[plan["id"]]))
    assert response.json()["status"] == "submitted"
    again = api_client.post(reverse("api:plan-submit", args=[plan["id"]]))
    assert again.status_code == 400
    assert "status" in again.json()["errors"]
    api_client.force_authenticate(world.user("sup_east"))
    response = api_client.post(reverse("api:plan-return", args=[plan["id"]]), {}, format="json")
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]
    response = api_client.post(
        reverse("api:plan-approve", args=[plan["id"]]), {"comment": "Go"}, format="json"
    )
    assert response.status_code == 200
    assert [t["event"] for t in response.json()["transitions"]] == [
        "approved",
        "submitted",
        "created",
    ]
    api_client.force_authenticate(world.user("kam_a"))
    patch = api_client.patch(
        reverse("api:plan-detail", args=[plan["id"]]), {"objectives": "x"}, format="json"
    )
    assert patch.status_code == 400
    revise = api_client.post(reverse("api:plan-revise", args=[plan["id"]]))
    assert (revise.json()["status"], revise.json()["revision"]) == ("draft", 2)


def test_action_items_over_the_api(api_client, world):
    plan = PlanFactory(account=world.accounts["acme"])
    api_client.force_authenticate(world.user("kam_a"))
    response = api_client.post(
        reverse("api:action-item-list"),
        {
            "plan": plan.pk,
            "title": "Quality audit",
            "due_on": "2026-03-01",
            "department": "after_sales",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == world.user("kam_a").pk
    item = response.json()["id"]
    response = api_client.patch(
        reverse("api:action-item-detail", args=[item]), {"status": "done"}, format="json"
    )
    assert response.json()["completed_at"]
    response = api_client.patch(
        reverse("api:action-item-detail", args=[item]), {"status": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


@pytest.fixture
def erp(world):
    for name, key in (("acme", "ERP-1"), ("globex", "ERP-2"), ("initech", "ERP-3")):
        world.accounts[name].external_id = key
        world.accounts[name].save(update_fields=["external_id"])
    return world


BATCH = {
    "rows": [
        {
            "external_id": "ERP-1",
            "year": 2026,
            "month": 1,
            "revenue": "100.00",
            "gross_profit": "25",
        },
        {"external_id": "ERP-1", "year": 2026, "month": 2, "revenue": "300.00", "collected": "50"},
        {
            "external_id": "ERP-3",
            "year": 2026,
            "month": 1,
            "revenue": "7.25",
            "overdue_over_90": "3",
        },
    ]
}


def test_bulk_upsert_twice_gives_the_same_totals(api_client, erp):
    api_client.force_authenticate(erp.user("ops"))
    url = reverse("api:actual-bulk")
    assert api_client.post(url, BATCH, format="json").json() == {"rows": 3}
    first = Actual.objects.aggregate(n=Sum(1), r=Sum("revenue"), o=Sum("receivables_overdue"))
    assert api_client.post(url, BATCH, format="json").status_code == 200
    again = Actual.objects.aggregate(n=Sum(1), r=Sum("revenue"), o=Sum("receivables_overdue"))
    assert first == again == {"n": 3, "r": D("407.25"), "o": D("3.00")}


def test_a_bad_row_refuses_the_batch_naming_index_and_field(api_client, erp):
    api_client.force_authenticate(erp.user("ops"))
    rows = [
        *BATCH["rows"],
        {"external_id": "ERP-9", "year": 2026, "month": 1},
        {"external_id": "ERP-2", "year": 2026, "month": "x"},
    ]
    response = api_client.post(reverse("api:actual-bulk"), {"rows": rows}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert set(response.json()["errors"]["rows"]) == {"4"}  # parsing fails first
    assert "month" in response.json()["errors"]["rows"]["4"]
    response = api_client.post(reverse("api:actual-bulk"), {"rows": rows[:4]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]["rows"]) == ["3"]
    assert "external_id" in response.json()["errors"]["rows"]["3"]
    assert not Actual.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("kam_a", 404), ("sup_east", 404), ("exec", 404)])
def test_only_ops_push_actuals(api_client, erp, role, status):
    api_client.force_authenticate(erp.user(role))
    assert api_client.post(reverse("api:actual-bulk"), BATCH, format="json").status_code == status


def test_quotas_over_the_api(api_client, world):
    api_client.force_authenticate(world.user("sup_east"))
    body = {
        "team": world.teams["East"].pk,
        "year": 2026,
        "annual": "1000",
        "q1": "250",
        "q2": "250",
        "q3": "250",
        "q4": "250",
        "splits": [
            {
                "user": world.user("kam_a").pk,
                "annual": "1000",
                "q1": "250",
                "q2": "250",
                "q3": "250",
                "q4": "250",
            }
        ],
    }
    response = api_client.post(reverse("api:quota-list"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["splits"][0]["annual"] == "1000.00"
    body["splits"][0]["annual"] = "900"
    response = api_client.post(reverse("api:quota-list"), body, format="json")
    assert response.status_code == 400
    assert "splits" in response.json()["errors"]
    assert KamQuota.objects.get().annual == D("1000")


def _count(api_client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as captured:
        assert api_client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("api:plan-list", 5),
        ("api:action-item-list", 2),
        ("api:actual-list", 1),  # a cursor page: no count
        ("api:quota-list", 3),
    ],
)
def test_api_lists_run_a_fixed_number_of_queries(
    api_client, world, url_name, expected, django_assert_max_num_queries
):
    from tests.factories import AccountFactory, TeamFactory, TeamMembershipFactory

    sup = world.user("sup_east")
    api_client.force_authenticate(sup)
    counts, done = [], 0
    for rows in (5, 50):
        for index in range(done, rows):
            account = AccountFactory(name=f"bulk {index}", owner=world.user("kam_a"))
            plan = PlanFactory(account=account)
            ActionItemFactory(plan=plan)
            ActualFactory(account=account)
            if url_name == "api:quota-list":
                team = TeamFactory(supervisor=sup)
                TeamMembershipFactory(team=team, user=world.user("kam_a"))
                from plans.models import TeamQuota

                quota = TeamQuota.objects.create(
                    team=team, year=2000 + index, annual=0, q1=0, q2=0, q3=0, q4=0
                )
                KamQuota.objects.create(
                    quota=quota, user=world.user("kam_a"), annual=0, q1=0, q2=0, q3=0, q4=0
                )
        done = rows
        counts.append(_count(api_client, reverse(url_name), django_assert_max_num_queries))
    assert counts == [expected, expected], counts
