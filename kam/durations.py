"""How a time to or past a deadline, and a time zone, read: one format per language.

"26 h overdue" / "超时 26 小时", "3 h left" / "剩余 3 小时", "42 min left" / "剩余 42 分钟":
whole hours from one hour on, whole minutes below it; never a stopwatch ("26:00:24").
The server renders the phrase (``deadline_phrase``); static/js/countdown.js keeps it
current with the same four patterns, handed to it as data attributes
(``deadline_patterns``).
"""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy


def deadline_patterns() -> dict[str, str]:
    """The four phrases, with %(count)s for the number (translated now)."""
    return {
        "hours-left": gettext("%(count)s h left"),
        "minutes-left": gettext("%(count)s min left"),
        "hours-overdue": gettext("%(count)s h overdue"),
        "minutes-overdue": gettext("%(count)s min overdue"),
    }


def deadline_parts(deadline: datetime, now: datetime | None = None) -> tuple[str, int]:
    """(pattern key, number) for a deadline seen at ``now``: whole hours from one hour
    on, whole minutes below it (at least 1: a deadline a few seconds away is "1 min")."""
    seconds = (deadline - (now or timezone.now())).total_seconds()
    state = "left" if seconds >= 0 else "overdue"
    seconds = abs(seconds)
    if seconds >= 3600:
        return f"hours-{state}", int(seconds // 3600)
    return f"minutes-{state}", max(1, int(seconds // 60))


def deadline_phrase(deadline: datetime, now: datetime | None = None) -> str:
    key, count = deadline_parts(deadline, now)
    return deadline_patterns()[key] % {"count": count}


#: zones people know by a name of their own
ZONE_NAMES = {
    "Asia/Shanghai": gettext_lazy("Beijing time"),
    "Asia/Chongqing": gettext_lazy("Beijing time"),
    "Asia/Hong_Kong": gettext_lazy("Hong Kong time"),
    "UTC": "UTC",
}


def zone_label(name: str) -> str:
    """A time zone as people say it: "Beijing time" / "北京时间", else its UTC offset
    ("UTC+09:00"); never the database name ("Asia/Shanghai")."""
    if name in ZONE_NAMES:
        return str(ZONE_NAMES[name])
    try:
        offset = datetime.now(ZoneInfo(name)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return name
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
