"""Reads for account health: the card on the account page, in a fixed number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.health.models import HealthComponent, HealthSnapshot

#: how many daily snapshots the trend shows
TREND_DAYS = 30


@dataclass
class ComponentLine:
    key: str
    label: str
    score: Decimal
    weight: int
    explanation: str


def _money(value) -> str:
    return number_format(Decimal(str(value)), 2, force_grouping=True)


def _engagement(inputs) -> str:
    if inputs.get("days") is None:
        return _("No visit logged yet.")
    days, cadence = inputs["days"], inputs["cadence"]
    text = ngettext(
        "Last visit %(days)s day ago",
        "Last visit %(days)s days ago",
        days,
    ) % {"days": days}
    if days <= cadence:
        return _("%(text)s, within the %(cadence)s-day cadence.") % {
            "text": text,
            "cadence": cadence,
        }
    return _("%(text)s: %(late)s days past the %(cadence)s-day cadence.") % {
        "text": text,
        "late": days - cadence,
        "cadence": cadence,
    }


def _relationship(inputs) -> str:
    supporter = (
        _("An executive-level supporter")
        if inputs.get("executive_supporters")
        else _("No executive-level supporter")
    )
    met = inputs.get("decision_met_90_days") or 0
    text = ngettext(
        "%(supporter)s; %(met)s decision-level contact met in 90 days.",
        "%(supporter)s; %(met)s decision-level contacts met in 90 days.",
        met,
    ) % {"supporter": supporter, "met": met}
    meetings = inputs.get("executive_meetings_this_year") or 0
    if meetings:
        text += " " + ngettext(
            "%(count)s executive meeting this year.",
            "%(count)s executive meetings this year.",
            meetings,
        ) % {"count": meetings}
    return text


def _commercial(inputs) -> str:
    attainment, trend = inputs.get("attainment"), inputs.get("trend")
    if attainment is None and trend is None:
        return _("No approved plan target or last year's revenue to compare yet: neutral.")
    parts = []
    if attainment is not None:
        parts.append(
            _(
                "revenue against plan to date (complete months, approved plan): "
                "%(revenue)s is %(percent)s%% of %(target)s"
            )
            % {
                "revenue": _money(inputs["revenue_to_date"]),
                "percent": round(Decimal(str(inputs["revenue_to_date"]))
                                 * 100 / Decimal(str(inputs["target_to_date"]))),
                "target": _money(inputs["target_to_date"]),
            }
        )  # fmt: skip
    if trend is not None:
        parts.append(
            _("against %(last_year)s in the same months last year")
            % {"last_year": _money(inputs["last_year_to_date"])}
        )
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _satisfaction(inputs) -> str:
    if inputs.get("nps") is None and inputs.get("csat") is None:
        return _("No survey answered yet: neutral.")
    given = []
    if inputs.get("nps") is not None:
        given.append(_("NPS %(nps)s") % {"nps": inputs["nps"]})
    if inputs.get("csat") is not None:
        given.append(_("CSAT %(csat)s") % {"csat": inputs["csat"]})
    return _("Latest survey (%(date)s): %(answers)s.") % {
        "date": inputs.get("taken_on"),
        "answers": ", ".join(given),
    }


def _service(inputs) -> str:
    open_count = inputs.get("open_complaints") or 0
    breached = inputs.get("breached_90_days") or 0
    if not open_count and not breached:
        return _("No open complaints and no breaches in 90 days.")
    return _("%(open)s open complaint(s); %(breached)s breached in 90 days.") % {
        "open": open_count,
        "breached": breached,
    }


def _risk(inputs) -> str:
    high, medium, low = (inputs.get(key) or 0 for key in ("high", "medium", "low"))
    if not (high or medium or low):
        text = _("No open risk events.")
    else:
        text = _("Open risk events: %(high)s high, %(medium)s medium, %(low)s low.") % {
            "high": high,
            "medium": medium,
            "low": low,
        }
    if inputs.get("credit_penalty"):
        share = inputs.get("credit_share")
        text += " " + _(
            "Credit: %(share)s of the credit limit, %(overdue)s overdue more than 90 days "
            "(−%(penalty)s)."
        ) % {
            "share": "—" if share is None else f"{share}%",
            "overdue": inputs.get("overdue_over_90") or 0,
            "penalty": inputs["credit_penalty"],
        }
    return text


_EXPLAIN = {
    HealthComponent.ENGAGEMENT: _engagement,
    HealthComponent.RELATIONSHIP: _relationship,
    HealthComponent.COMMERCIAL: _commercial,
    HealthComponent.SATISFACTION: _satisfaction,
    HealthComponent.SERVICE: _service,
    HealthComponent.RISK: _risk,
}


def explain_health(snapshot: HealthSnapshot | None) -> list[ComponentLine]:
    """One line per component, with a sentence in the reader's language."""
    if snapshot is None:
        return []
    lines = []
    for key, label in HealthComponent.choices:
        part = snapshot.components.get(key)
        if part is None:
            continue
        lines.append(
            ComponentLine(
                key=key,
                label=str(label),
                score=Decimal(str(part["score"])),
                weight=part["weight"],
                explanation=_EXPLAIN[key](part.get("inputs", {})),
            )
        )
    return lines


def card_snapshots(account):
    """The snapshots the health card shows, newest first (``account`` may be an
    ``OuterRef``)."""
    return HealthSnapshot.objects.filter(account=account).order_by("-taken_on", "-id")[:TREND_DAYS]


def health_card(*, account, snapshots=None) -> dict:
    """The latest snapshot explained and the trend of the last 30: one query, none when
    the caller read ``snapshots`` (``card_snapshots``) with the account."""
    if snapshots is None:
        snapshots = list(card_snapshots(account))
    latest = snapshots[0] if snapshots else None
    trend = []
    for index, snapshot in enumerate(reversed(snapshots)):
        height = max(int(snapshot.score), 1)  # a bar for a zero score too
        trend.append(
            {
                "taken_on": snapshot.taken_on,
                "score": snapshot.score,
                "status": snapshot.status,
                "x": index * 4,
                "y": 100 - height,
                "height": height,
            }
        )
    return {
        "health_snapshot": latest,
        "health_lines": explain_health(latest),
        "health_trend": trend,
        "health_trend_width": max(len(trend) * 4, 4),
    }


# --- dashboards --------------------------------------------------------------------------


def health_distribution(accounts) -> list[dict]:
    """Active accounts per health status (and not checked yet), in status order: one
    query. ``accounts`` is already visible-to."""
    from django.db.models import Count

    counts = dict(
        accounts.filter(archived_at__isnull=True)
        .values_list("health_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return health_rows(counts)


def health_rows(counts: dict) -> list[dict]:
    """The rows of ``health_distribution`` from {status: active accounts} ("" not checked)."""
    from accounts.health.models import HealthStatus

    return [
        {"status": status, "label": label, "count": counts.get(status, 0)}
        for status, label in [*HealthStatus.choices, ("", _("Not checked"))]
    ]
