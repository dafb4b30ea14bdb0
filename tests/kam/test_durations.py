"""Times to and past a deadline: one format per language (kam.durations)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from kam.durations import deadline_phrase

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "english", "chinese"),
    [
        (timedelta(hours=-26, minutes=-3, seconds=-22), "26 h overdue", "超时 26 小时"),
        (timedelta(hours=3, minutes=59), "3 h left", "剩余 3 小时"),
        (timedelta(minutes=42, seconds=30), "42 min left", "剩余 42 分钟"),
        (timedelta(seconds=20), "1 min left", "剩余 1 分钟"),
        (timedelta(minutes=-5), "5 min overdue", "超时 5 分钟"),
        (timedelta(hours=1), "1 h left", "剩余 1 小时"),
    ],
)
def test_a_deadline_reads_in_hours_or_minutes(offset, english, chinese):
    with translation.override("en"):
        assert deadline_phrase(NOW + offset, NOW) == english
    with translation.override("zh-hans"):
        assert deadline_phrase(NOW + offset, NOW) == chinese


def test_a_time_zone_reads_as_people_say_it():
    from kam.durations import zone_label

    with translation.override("en"):
        assert zone_label("Asia/Shanghai") == "Beijing time"
        assert zone_label("Asia/Tokyo") == "UTC+09:00"
        assert zone_label("America/Caracas") == "UTC-04:00"
    with translation.override("zh-hans"):
        assert zone_label("Asia/Shanghai") == "北京时间"
