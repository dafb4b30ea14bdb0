"""The plan pages: drafting with targets that must add up, the approval buttons,
the actuals import (preview, per-row errors, all or nothing), attainment, quotas,
the account page card and fixed query counts on every list."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans import services
from plans.models import AccountPlan, Actual, PlanTarget, TeamQuota
from tests.factories import (
    AccountFactory,
    ActionItemFactory,
    ActualFactory,
    PlanFactory,
)

D = Decimal


def _plan_form(world, **overrides):
    data = {
        "account": world.accounts["acme"].pk,
        "year": 2026,
        "objectives": "Grow in the north",
        "strengths": "Service\nQuality",
        "competitors": "Rival | 30 | leader",
        "revenue_target": "1000",
        "new_business_target": "0",
    }
    for q in (1, 2, 3, 4):
        data[f"q{q}_revenue"] = "250"
        data[f"q{q}_new_business"] = "0"
    data.update(overrides)
    return data


def test_a_kam_drafts_a_plan_on_the_page(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("plans:create"), _plan_form(world))
    plan = AccountPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert plan.strengths == ["Service", "Quality"]
    assert plan.competitors == [{"name": "Rival", "share": "30", "position": "leader"}]
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Submit for approval" in page
    assert "Rival" in page


def test_quarters_not_adding_up_show_the_difference_on_the_field(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("plans:create"), _plan_form(world, q4_revenue="200"))
    assert response.status_code == 200
    assert "a difference of -50.00" in response.content.decode()
    assert response.context["form"].errors["revenue_target"]
    assert not AccountPlan.objects.exists()


def test_the_supervisor_sees_the_decision_form_and_the_kam_does_not(client, world):
    plan = PlanFactory(account=world.accounts["acme"])
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    client.force_login(world.user("kam_a"))
    assert "plan-decision-form" not in client.get(plan.get_absolute_url()).content.decode()
    client.force_login(world.user("sup_east"))
    assert "plan-decision-form" in client.get(plan.get_absolute_url()).content.decode()
    response = client.post(reverse("plans:return", args=[plan.pk]), {"comment": ""}, follow=True)
    assert "Say what needs to change." in response.content.decode()
    client.post(reverse("plans:approve", args=[plan.pk]), {"comment": "Good"})
    plan.refresh_from_db()
    assert plan.status == "approved"


def test_executives_cannot_reach_the_write_pages(client, world):
    plan = PlanFactory(account=world.accounts["acme"])
    client.force_login(world.user("exec"))
    assert client.get(reverse("plans:create")).status_code == 404
    assert client.get(reverse("plans:edit", args=[plan.pk])).status_code == 404
    assert client.post(reverse("plans:submit", args=[plan.pk])).status_code == 404


def test_transitions_show_on_the_account_timeline_and_the_plan_card(client, world):
    acme = world.accounts["acme"]
    plan = services.plan_create(
        actor=world.user("kam_a"), account=acme, year=2026, revenue_target=D(0), targets=None
    )
    services.plan_submit(actor=world.user("kam_a"), plan=plan)
    client.force_login(world.user("kam_a"))
    page = client.get(acme.get_absolute_url()).content.decode()
    assert "Plan 2026: Submitted for approval" in page
    assert 'id="plan-card"' in page


# --- the import --------------------------------------------------------------------------

CSV_OK = (
    "external_id,year,month,revenue,gross_profit,invoiced,collected,overdue_over_90\n"
    'ERP-1,2026,1,"1,000.00",300,900,800,0\n'
    "ERP-1,2026,2,2000,600,,,50\n"
)


@pytest.fixture
def erp(world):
    world.accounts["acme"].external_id = "ERP-1"
    world.accounts["acme"].save(update_fields=["external_id"])
    return world


def _upload(client, name, content):
    return client.post(reverse("plans:actual-import"), {"file": SimpleUploadedFile(name, content)})


def test_the_import_previews_then_imports(client, erp):
    client.force_login(erp.user("ops"))
    response = _upload(client, "actuals.csv", CSV_OK.encode())
    assert response.status_code == 200
    assert response.context["error_count"] == 0
    assert not Actual.objects.exists()  # a preview writes nothing
    token = response.context["form"].initial["upload"]
    response = client.post(reverse("plans:actual-import"), {"upload": token})
    assert response.status_code == 302
    assert Actual.objects.count() == 2
    assert Actual.objects.get(month=1).revenue == D("1000.00")
    again = client.post(reverse("plans:actual-import"), {"upload": token})  # imported already
    assert "upload the file again" in again.content.decode()
    assert Actual.objects.count() == 2


def test_a_bad_row_imports_nothing_and_names_the_line_and_column(client, erp):
    client.force_login(erp.user("ops"))
    bad = CSV_OK + "ERP-1,2026,13,100\nERP-404,2026,3,abc\n"
    response = _upload(client, "actuals.csv", bad.encode())
    page = response.content.decode()
    assert response.context["error_count"] == 2
    assert 'data-error-line="4"' in page
    assert 'data-error-line="5"' in page
    assert "Line 4, month:" in page
    assert "Line 5, external_id:" in page
    assert "Line 5, revenue:" in page
    assert "confirm-import" not in page
    assert not Actual.objects.exists()
    # even a forged confirmation of the bad file writes nothing
    token = response.context["form"].initial["upload"]
    response = client.post(reverse("plans:actual-import"), {"upload": token})
    assert response.status_code == 200
    assert not Actual.objects.exists()


def test_an_excel_file_imports_too(client, erp):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "year", "month", "revenue"])
    sheet.append(["ERP-1", 2026, 3, 1234.5])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(erp.user("ops"))
    response = _upload(client, "actuals.xlsx", buffer.getvalue())
    assert response.context["error_count"] == 0
    client.post(
        reverse("plans:actual-import"), {"upload": response.context["form"].initial["upload"]}
    )
    assert Actual.objects.get().revenue == D("1234.50")


def test_unknown_columns_are_named(client, erp):
    client.force_login(erp.user("ops"))
    response = _upload(client, "a.csv", b"external_id,year,month,profit\nERP-1,2026,1,3\n")
    assert "Unknown columns: profit" in response.content.decode()


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
def test_only_ops_import(client, erp, role):
    client.force_login(erp.user(role))
    assert client.get(reverse("plans:actual-import")).status_code == 404


# --- quotas ------------------------------------------------------------------------------


def test_a_supervisor_sets_a_quota_that_must_add_up(client, world):
    client.force_login(world.user("sup_east"))
    url = reverse("plans:quota-edit") + f"?team={world.teams['East'].pk}&year=2026"
    assert client.get(url).status_code == 200
    a, b = world.user("kam_a").pk, world.user("kam_b").pk
    data = {"annual": "100", "q1": "25", "q2": "25", "q3": "25", "q4": "25"}
    for pk, share in ((a, "60"), (b, "40")):
        data.update(
            {f"u{pk}_annual": share, **{f"u{pk}_q{q}": str(int(share) // 4) for q in (1, 2, 3, 4)}}
        )
    data[f"u{b}_annual"] = "30"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "a difference of" in response.content.decode()
    assert not TeamQuota.objects.exists()
    data[f"u{b}_annual"] = "40"
    assert client.post(url, data).status_code == 302
    assert TeamQuota.objects.get().splits.count() == 2


# --- query counts ------------------------------------------------------------------------


def _count(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(60) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


LIST_QUERIES = {
    "plans:list": 7,  # session, user, bell, count, page, saved views, teams
    "plans:action-item-list": 7,  # session, user, bell, count, page, saved views, teams
    "plans:actual-list": 5,  # session, user, bell, count, page
    "plans:quota-list": 6,  # session, user, bell, count, page, splits
    "plans:attainment": 14,  # session, user, bell, and the three selectors (4 + 4 + 3)
}


@pytest.mark.parametrize("url_name", list(LIST_QUERIES))
def test_list_pages_run_a_fixed_number_of_queries(
    client, world, url_name, django_assert_max_num_queries
):
    sup = world.user("sup_east")
    client.force_login(sup)
    counts, done = [], 0
    for rows in (5, 50):
        for index in range(done, rows):
            account = AccountFactory(name=f"bulk {index}", owner=world.user("kam_a"))
            plan = PlanFactory(account=account)
            PlanTarget.objects.create(plan=plan, quarter=1, revenue=D(10))
            ActionItemFactory(plan=plan)
            ActualFactory(account=account, revenue=D(5))
            TeamQuota.objects.create(
                team=world.teams["East"], year=1900 + index, annual=0, q1=0, q2=0, q3=0, q4=0
            )
        done = rows
        url = reverse(url_name) + ("?who=all" if url_name == "plans:action-item-list" else "")
        counts.append(_count(client, url, django_assert_max_num_queries))
    assert counts == [LIST_QUERIES[url_name]] * 2, counts


def test_plan_page_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    plan = PlanFactory(account=world.accounts["acme"])
    client.force_login(world.user("sup_east"))
    counts, done = [], 0
    for rows in (5, 50):
        for index in range(done, rows):
            ActionItemFactory(plan=plan, title=f"item {index}")
            ActualFactory(account=plan.account, year=2026 + index)
        done = rows
        counts.append(_count(client, plan.get_absolute_url(), django_assert_max_num_queries))
    # session, user, bell, plan, targets, 2 attainment sums, monthly actuals, supervisor
    # check, change right, action items, transitions
    assert counts == [PLAN_PAGE_QUERIES] * 2, counts


PLAN_PAGE_QUERIES = 12


def test_the_plan_page_names_competitor_positions_in_the_readers_language(client, world):
    plan = PlanFactory(
        account=world.accounts["acme"],
        competitors=[{"name": "Rival Co", "share": "40", "position": "leader"}],
    )
    client.force_login(world.user("kam_a"))
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "<td>Leader</td>" in page
    page = client.get(plan.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<td>领导者</td>" in page
