"""An administrator's home: the operations cards. Each figure is the count of the page
its link opens (read on both pages), the page runs a fixed number of queries, and a
KAM or a supervisor still lands on My day or the team dashboard."""

import re
from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.health.models import HealthSnapshot
from accounts.tiering.models import ScoringRun
from integrations.models import ApiToken, OutboxEvent, WebhookDelivery, WebhookSubscription
from kam.choices import Role
from kam.models import User
from opportunities.models import Stage
from tests.factories import AccountFactory, ProductLineFactory, UserFactory

FIGURES = [
    *(f"users-{role}" for role in Role.values),
    "lockouts",
    "tokens",
    "webhooks",
    "failed-deliveries",
    "stages",
    "product-lines",
]


def add_rows(world, n, tag):
    """``n`` rows of each kind the cards count, and some that they must not count."""
    now = timezone.now()
    left = UserFactory(username=f"left-{tag}", role=Role.ACCOUNT_MANAGER, is_active=False)
    subscription = None
    for i in range(n):
        UserFactory(username=f"kam-{tag}-{i}", role=Role.ACCOUNT_MANAGER)
        account = AccountFactory(name=f"orphan {tag} {i}", owner=left)
        AccessAttempt.objects.create(
            username=f"someone-{tag}-{i}", ip_address="10.0.0.1", user_agent="test",
            get_data="", post_data="", http_accept="*/*", path_info="/login/",
            failures_since_start=5, attempt_time=now,
        )  # fmt: skip
        AccessAttempt.objects.create(  # one failure: not locked out
            username=f"typo-{tag}-{i}", ip_address="10.0.0.2", user_agent="test",
            get_data="", post_data="", http_accept="*/*", path_info="/login/",
            failures_since_start=1, attempt_time=now,
        )  # fmt: skip
        ApiToken.objects.create(user=world.user("ops"), name=f"t-{tag}-{i}", digest=f"d-{tag}-{i}")
        ApiToken.objects.create(  # revoked: not counted
            user=world.user("ops"), name=f"r-{tag}-{i}", digest=None, revoked_at=now
        )
        subscription = WebhookSubscription.objects.create(
            name=f"hook {tag} {i}", url="https://erp.example.com/hook", secret="s" * 32,
            event_kinds=["opportunity.won"],
        )  # fmt: skip
        event = OutboxEvent.objects.create(kind="opportunity.won", payload={})
        WebhookDelivery.objects.create(
            subscription=subscription, event=event, status="failed", attempts=8,
            last_attempt_at=now - timedelta(hours=1),
        )  # fmt: skip
        old = OutboxEvent.objects.create(kind="opportunity.won", payload={})
        WebhookDelivery.objects.create(  # failed two days ago: not in the last 24 h
            subscription=subscription, event=old, status="failed", attempts=8,
            last_attempt_at=now - timedelta(days=2),
        )  # fmt: skip
        Stage.objects.create(name=f"Stage {tag} {i}", probability=10, kind="open", order=50 + i)
        ProductLineFactory(code=f"pl-{tag}-{i}")
        HealthSnapshot.objects.create(
            account=account, taken_on=date(2026, 12, 1), score=70, status="green",
            components={}, computed_at=now,
        )  # fmt: skip
    ScoringRun.objects.create(started_at=now, finished_at=now, account_count=n)


def left_pk(tag):
    return User.objects.get(username=f"left-{tag}").pk


def figures(html):
    return {
        key: int(value) for key, value in re.findall(r'data-figure="([\w-]+)">(\d+)</span>', html)
    }


def link_of(html, key):
    match = re.search(
        r'<a class="[^"]*" href="([^"]+)">[^<]*</a>\s*<span[^>]*data-figure="' + key + '"', html
    )
    return match.group(1).replace("&amp;", "&")


def admin_count(client, url):
    """What the admin site's list says it holds ("12 users", "1 pipeline stage")."""
    html = client.get(url).content.decode()
    paginator = re.search(r'<p class="paginator">\s*(\d+)\s', html)
    return int(paginator.group(1))


@pytest.mark.parametrize("n", [1, 20])
def test_each_figure_is_what_its_page_shows(client, world, n):
    add_rows(world, n, "x")
    client.force_login(world.user("ops"))
    html = client.get(reverse("home")).content.decode()
    shown = figures(html)
    assert set(FIGURES) <= set(shown), shown
    for key in FIGURES:
        assert shown[key] == admin_count(client, link_of(html, key)), key
    # what the rows were made to be
    assert shown["lockouts"] == n
    assert shown["tokens"] == n
    assert shown["webhooks"] == n
    assert shown["failed-deliveries"] == n
    assert shown["accounts-without-owner"] == n
    # the handover page, where they are handled, offers the departed owner's accounts
    handover = client.get(link_of(html, "accounts-without-owner"), {"from_user": left_pk("x")})
    assert handover.content.decode().count('name="accounts"') == n
    assert shown[f"users-{Role.ADMIN}"] == 1
    # the scoring run and the health check: their time and outcome
    assert re.search(rf'data-figure="scoring-run">.*?Finished: {n} account', html, re.S)
    assert re.search(rf'data-figure="health-check">.*?{n} account', html, re.S)


def test_each_card_links_to_a_page_the_admin_can_use(client, world):
    client.force_login(world.user("ops"))
    html = client.get(reverse("home")).content.decode()
    cards = re.findall(r'data-card="([\w-]+)"', html)
    assert cards == [
        "people",
        "integrations",
        "imports",
        "scoring",
        "health",
        "settings",
        "history",
    ]
    links = set(re.findall(r'href="(/(?:admin|teams|integrations|accounts|audit)[^"]*)"', html))
    assert len(links) > 15
    for url in links:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url


def test_the_page_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world.user("ops"))
    counts = []
    for n, tag in ((1, "a"), (19, "b")):  # 1, then 20 of each kind
        add_rows(world, n, tag)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # the session, the user, the unread notifications, and one per figure
    assert counts == [13, 13]


@pytest.mark.parametrize(("username", "template"), [
    ("kam_a", "dashboards/my_day.html"),
    ("sup_east", "dashboards/team.html"),
    ("exec", "dashboards/team.html"),
])  # fmt: skip
def test_other_roles_keep_their_home(client, world, username, template):
    client.force_login(world.user(username))
    response = client.get(reverse("home"))
    assert template in [t.name for t in response.templates]
    assert 'data-card="' not in response.content.decode()


def test_in_chinese(client, world):
    world.user("ops").__class__.objects.filter(username="ops").update(language="zh-hans")
    client.force_login(world.user("ops"))
    html = client.get(reverse("home")).content.decode()
    assert "系统运营" in html
    assert "有效的 API 令牌" in html
    assert "Active API tokens" not in html
