"""Bulk upsert of accounts, contacts (and actuals) by external id: all or nothing,
idempotent, and a fixed number of statements for a 1,000-record batch."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, Contact
from plans.models import Actual

VALID_CODES = ["91350100M000100Y43", "91110000802100433B"]


def _accounts(count, prefix="ERP", **extra):
    return [
        {"external_id": f"{prefix}-{i:04}", "name": f"Company {i:04}", "region": "east", **extra}
        for i in range(count)
    ]


def _post(client, name, rows):
    return client.post(reverse(name), {"rows": rows}, format="json")


def test_a_batch_with_one_bad_record_writes_nothing_and_names_it(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    rows = _accounts(5)
    rows[3]["region"] = "atlantis"
    before = Account.objects.count()
    response = _post(api_client, "api:account-bulk", rows)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"] == {
        "rows": {"3": {"region": ['"atlantis" is not a valid choice.']}}
    }
    assert Account.objects.count() == before


def test_the_same_batch_twice_changes_nothing(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    rows = _accounts(20)
    first = _post(api_client, "api:account-bulk", rows)
    assert first.status_code == 200
    assert first.json() == {"rows": 20, "created": 20, "updated": 0, "unchanged": 0}
    stamps = dict(
        Account.objects.filter(external_id__startswith="ERP-").values_list("pk", "updated_at")
    )
    second = _post(api_client, "api:account-bulk", rows)
    assert second.json() == {"rows": 20, "created": 0, "updated": 0, "unchanged": 20}
    after = dict(
        Account.objects.filter(external_id__startswith="ERP-").values_list("pk", "updated_at")
    )
    assert after == stamps
    rows[0]["name"] = "Renamed"
    third = _post(api_client, "api:account-bulk", rows)
    assert third.json() == {"rows": 20, "created": 0, "updated": 1, "unchanged": 19}
    assert Account.objects.get(external_id="ERP-0000").name == "Renamed"
    assert (
        Account.objects.filter(external_id__startswith="ERP-", owner=world.user("kam_a")).count()
        == 20
    )


def test_a_kam_cannot_upsert_someone_elses_account(api_client, world):
    initech = world.accounts["initech"]
    Account.objects.filter(pk=initech.pk).update(external_id="INI-1")
    api_client.force_authenticate(world.user("kam_a"))
    response = _post(api_client, "api:account-bulk", [{"external_id": "INI-1", "name": "Mine"}])
    assert response.status_code == 400
    assert "external_id" in response.json()["errors"]["rows"]["0"]
    initech.refresh_from_db()
    assert initech.name == "initech"


def test_a_1000_record_batch_runs_a_fixed_small_number_of_statements(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    rows = _accounts(1000, owner="kam_a", parent_external_id="ERP-0000")
    rows[0].pop("parent_external_id")
    with CaptureQueriesContext(connection) as created:
        response = _post(api_client, "api:account-bulk", rows)
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1000
    assert Account.objects.filter(parent__external_id="ERP-0000").count() == 999
    for row in rows:
        row["description"] = "again"
    with CaptureQueriesContext(connection) as updated:
        response = _post(api_client, "api:account-bulk", rows)
    assert response.json()["updated"] == 1000
    # savepoint, SET LOCAL, 3 reads (accounts with whether each is changeable, owners,
    # parents), savepoint, UPDATE, INSERT, parents UPDATE, 2 releases: the same 11
    # statements for 3 rows or 1,000, new or existing
    statements = [q["sql"][:60] for q in created.captured_queries]
    assert len(created.captured_queries) == len(updated.captured_queries) == 11, statements
    with CaptureQueriesContext(connection) as small:
        _post(api_client, "api:account-bulk", rows[:3])
    assert len(small.captured_queries) == 11
    assert updated.captured_queries[-3]["time"]


def test_contacts_upsert_by_account_and_external_id(api_client, world):
    Account.objects.filter(pk=world.accounts["acme"].pk).update(external_id="ACME")
    api_client.force_authenticate(world.user("kam_a"))
    rows = [
        {"account_external_id": "ACME", "external_id": f"C{i}", "name": f"Person {i}"}
        for i in range(10)
    ]
    assert _post(api_client, "api:contact-bulk", rows).json()["created"] == 10
    assert _post(api_client, "api:contact-bulk", rows).json()["unchanged"] == 10
    rows[2]["email"] = "not an address"
    bad = _post(api_client, "api:contact-bulk", rows)
    assert bad.status_code == 400
    assert list(bad.json()["errors"]["rows"]) == ["2"]
    assert "email" in bad.json()["errors"]["rows"]["2"]
    assert Contact.objects.filter(account__external_id="ACME", email="").count() == 10


def test_actuals_bulk_is_idempotent_and_refuses_a_bad_row(api_client, world):
    Account.objects.filter(pk=world.accounts["acme"].pk).update(external_id="ACME")
    api_client.force_authenticate(world.user("ops"))
    rows = [
        {"external_id": "ACME", "year": 2026, "month": m, "revenue": "100.00"} for m in range(1, 13)
    ]
    assert _post(api_client, "api:actual-bulk", rows).status_code == 200
    stamps = list(Actual.objects.order_by("pk").values_list("updated_at", flat=True))
    assert _post(api_client, "api:actual-bulk", rows).status_code == 200
    assert list(Actual.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    rows[5]["month"] = 13
    bad = _post(api_client, "api:actual-bulk", [{**r, "revenue": "5"} for r in rows])
    assert bad.status_code == 400
    assert list(bad.json()["errors"]["rows"]) == ["5"]
    assert set(Actual.objects.values_list("revenue", flat=True)) == {100}
