"""How a time to or past a deadline reads, in one format per language.

"26 h overdue" / "超时 26 小时", "3 h left" / "剩余 3 小时", "42 min left" / "剩余 42 分钟":
whole hours from one hour on, whole minutes below it; never a stopwatch ("26:00:24").
The server renders the phrase (``deadline_phrase``); static/js/countdown.js keeps it
current with the same four patterns, handed to it as data attributes
(``deadline_patterns``).
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext


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
