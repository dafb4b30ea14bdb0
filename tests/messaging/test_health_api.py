"""The health-scores API: daily snapshots, read-only, scoped by account."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.health.models import HealthSnapshot
from tests.factories import AccountFactory


def _snapshot(account, day, status="green", score=80):
    return HealthSnapshot.objects.create(
        account=account, taken_on=day, score=score, status=status,
        components={"engagement": {"score": 90, "weight": 25, "inputs": {"days": 3}}},
        computed_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def snapshots(world):
    day = date(2026, 11, 20)
    for name, account in world.accounts.items():
        _snapshot(account, day, "red" if name == "acme" else "green", 30 if name == "acme" else 80)
        _snapshot(account, day - timedelta(days=1), "amber", 50)
    return world


def test_list_is_scoped_and_filtered(client, snapshots):
    client.force_login(snapshots.user("kam_a"))
    url = reverse("api:health-score-list")
    rows = client.get(url).json()["results"]
    assert {row["account_name"] for row in rows} == {"acme", "globex"}
    assert len(rows) == 4
    assert rows[0]["taken_on"] == "2026-11-20"
    assert set(rows[0]) == {
        "id", "account", "account_name", "taken_on", "score", "status", "components",
        "computed_at",
    }  # fmt: skip
    red = client.get(url, {"status": "red"}).json()["results"]
    assert [(row["account_name"], row["score"]) for row in red] == [("acme", "30.00")]
    on_day = client.get(url, {"date": "2026-11-19"}).json()["results"]
    assert [row["status"] for row in on_day] == ["amber", "amber"]
    globex = snapshots.accounts["globex"].pk
    assert {row["account"] for row in client.get(url, {"account": globex}).json()["results"]} == {
        globex
    }
    # an account out of view is not a valid filter value: a 400 with field errors
    initech = snapshots.accounts["initech"].pk
    response = client.get(url, {"account": initech})
    assert response.status_code == 400
    assert "account" in response.json()["errors"]
    by_score = client.get(url, {"ordering": "score"}).json()["results"]
    assert by_score[0]["score"] == "30.00"


def test_detail_follows_the_account_rule(client, snapshots):
    client.force_login(snapshots.user("kam_c"))
    mine = HealthSnapshot.objects.filter(account__name="initech").first()
    theirs = HealthSnapshot.objects.filter(account__name="acme").first()
    assert client.get(reverse("api:health-score-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("api:health-score-detail", args=[theirs.pk])).status_code == 404
    assert client.delete(reverse("api:health-score-detail", args=[mine.pk])).status_code == 405


def test_list_query_count_is_fixed(client, snapshots, django_assert_num_queries):
    client.force_login(snapshots.user("exec"))
    url = reverse("api:health-score-list")
    client.get(url)  # warm up (session, content types)
    with django_assert_num_queries(4) as small:
        assert len(client.get(url).json()["results"]) == 6
    for _ in range(20):
        account = AccountFactory(owner=snapshots.user("kam_a"))
        for days in range(3):
            _snapshot(account, date(2026, 11, 20) - timedelta(days=days))
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).json()["count"] == 66
