"""The back office in the product's words: no library names (KNOX, AXES), no schedules
the product never uses (solar events), in English and in Chinese."""

import pytest
from django.urls import reverse

from kam.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["API sign-in tokens", "Sign-in protection", "Scheduled jobs"]),
        ("zh-hans", ["API 登录令牌", "登录保护", "定时任务"]),
    ],
)
def test_the_admin_index_names_what_it_is(client, world, language, expected):
    User.objects.filter(username="ops").update(language=language)
    client.force_login(world.user("ops"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in expected:
        assert name in page
    for library in ("Knox", "KNOX", "Axes", "AXES", "Solar", "Clocked", "日程事件", "定时"):
        if library == "定时" and language == "zh-hans":
            continue  # 定时任务 is our own name
        assert library not in page, library
