"""The preferences page (each user) and the team channels page (ops)."""

import re

import pytest
from django.urls import reverse

from kam.choices import NotificationKind
from messaging.models import Delivery, EmailPreference, TeamChannel
from tests.messaging.sinks import HttpSink


def _checked(page, kind):
    tag = re.search(rf'<input[^>]*value="{kind}"[^>]*>', page).group(0)
    return " checked" in tag


def test_preferences_show_defaults_and_save(client, world):
    kam_a = world.user("kam_a")
    client.force_login(kam_a)
    page = client.get(reverse("messaging:preferences")).content.decode()
    assert "weekly_digest" not in page  # a KAM has no digest
    # defaults: every kind on, except the chatty ones
    assert _checked(page, "plan_approved")
    assert _checked(page, "health_red")
    assert not _checked(page, "visit_commented")
    response = client.post(
        reverse("messaging:preferences"),
        {"kinds": [NotificationKind.COMPLAINT_BREACHED, NotificationKind.HEALTH_RED]},
    )
    assert response.status_code == 302
    preference = EmailPreference.objects.get(user=kam_a)
    assert preference.kinds == ["complaint_breached", "health_red"]
    page = client.get(reverse("messaging:preferences")).content.decode()
    assert _checked(page, "health_red")
    assert not _checked(page, "plan_approved")


def test_preferences_refuse_an_unknown_kind(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(reverse("messaging:preferences"), {"kinds": ["no_such_kind"]})
    assert response.status_code == 200
    assert "no_such_kind" in response.context["form"].errors["kinds"][0]
    assert not EmailPreference.objects.exists()


def test_supervisor_turns_the_digest_off(client, world):
    sup = world.user("sup_east")
    client.force_login(sup)
    assert "weekly_digest" in client.get(reverse("messaging:preferences")).content.decode()
    client.post(reverse("messaging:preferences"), {"kinds": ["health_red"]})
    assert EmailPreference.objects.get(user=sup).weekly_digest is False


def test_notification_list_links_to_preferences(client, world):
    client.force_login(world.user("kam_a"))
    page = client.get(reverse("messaging:notifications")).content.decode()
    assert reverse("messaging:preferences") in page


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
def test_only_ops_manage_channels(client, world, role):
    client.force_login(world.user(role))
    assert client.get(reverse("messaging:channels")).status_code == 404
    assert client.post(reverse("messaging:channels"), {"action": "save"}).status_code == 404


def test_ops_add_a_channel_test_it_and_see_failures(client, world):
    client.force_login(world.user("ops"))
    with HttpSink() as sink:
        response = client.post(
            reverse("messaging:channels"),
            {
                "action": "save",
                "team": world.teams["East"].pk,
                "provider": "dingtalk",
                "name": "East robot",
                "webhook_url": f"{sink.url}/robot/send?access_token=abc",
                "secret": "SECxyz",
                "kinds": ["health_red", "complaint_breached"],
                "language": "zh-hans",
                "active": "on",
            },
        )
        assert response.status_code == 302
        channel = TeamChannel.objects.get()
        assert (channel.provider, channel.secret, channel.active) == ("dingtalk", "SECxyz", True)
        assert channel.kinds == ["health_red", "complaint_breached"]
        response = client.post(
            reverse("messaging:channels"), {"action": "test", "channel": channel.pk}, follow=True
        )
    assert "Test message sent" in response.content.decode()
    [hit] = sink.hits
    assert hit.body["msgtype"] == "markdown"
    assert "East" in hit.body["markdown"]["text"]
    assert set(hit.query) == {"access_token", "timestamp", "sign"}

    # a failed delivery shows on the page, with its error
    Delivery.objects.create(
        team_channel=channel, channel="dingtalk", target=channel.target, status="failed",
        attempts=5, last_error="errcode 310000: sign not match",
    )  # fmt: skip
    page = client.get(reverse("messaging:channels")).content.decode()
    assert "errcode 310000: sign not match" in page
    assert 'class="badge text-bg-danger">1<' in page


def test_a_failing_test_message_says_why(client, world):
    client.force_login(world.user("ops"))
    with HttpSink(answers=[(200, {"errcode": 300001, "errmsg": "token is not exist"})]) as sink:
        channel = TeamChannel.objects.create(
            team=world.teams["South"], provider="wecom", webhook_url=f"{sink.url}/hook"
        )
        response = client.post(
            reverse("messaging:channels"), {"action": "test", "channel": channel.pk}, follow=True
        )
    assert "token is not exist" in response.content.decode()


def test_channel_form_errors_are_shown(client, world):
    client.force_login(world.user("ops"))
    response = client.post(
        reverse("messaging:channels"),
        {"action": "save", "team": world.teams["East"].pk, "provider": "wecom",
         "webhook_url": "not a url"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "webhook_url" in response.context["form"].errors
    assert not TeamChannel.objects.exists()


def test_editing_a_channel(client, world):
    client.force_login(world.user("ops"))
    channel = TeamChannel.objects.create(
        team=world.teams["South"], provider="dingtalk", webhook_url="https://oapi.dingtalk.com/x",
        secret="SEC1",
    )  # fmt: skip
    page = client.get(reverse("messaging:channels") + f"?edit={channel.pk}").content.decode()
    assert "https://oapi.dingtalk.com/x" in page
    client.post(
        reverse("messaging:channels"),
        {"action": "save", "channel": channel.pk, "team": world.teams["South"].pk,
         "provider": "wecom", "webhook_url": "https://qyapi.weixin.qq.com/y", "secret": "SEC1"},
    )  # fmt: skip
    channel.refresh_from_db()
    assert (channel.provider, channel.secret, channel.active) == ("wecom", "", False)
    assert TeamChannel.objects.count() == 1
