"""Reads for tiering: the explained score, tier distribution, revenue concentration
(Pareto) and tier movements between two runs. Each runs a fixed number of queries
whatever the number of accounts; callers pass querysets already restricted by the
visibility rule.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, OuterRef, Subquery, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.tiering.models import Criterion, Tier, TierScore

#: the share of revenue the Pareto view draws its line at
PARETO_SHARE = Decimal("0.8")
#: tiers from the top down, for "moved up" and "moved down"
TIER_RANK = {tier: index for index, tier in enumerate(Tier.values)}


@dataclass
class CriterionLine:
    key: str
    label: str
    score: Decimal
    weight: int
    weighted: Decimal
    explanation: str


def _money(value) -> str:
    if value is None:
        return "—"
    amount = number_format(round(Decimal(str(value))), 0, force_grouping=True)
    return f"{settings.DEFAULT_CURRENCY} {amount}"


def _explain(key: str, inputs: dict, score) -> str:
    """One sentence, in the reader's language, saying where a criterion's score came from."""
    from_actuals = inputs.get("revenue_source") == "actuals"
    if key == Criterion.ANNUAL_PURCHASE and from_actuals:
        return _(
            "Revenue of the last 12 months %(revenue)s (ERP actuals, %(months)s months); "
            "%(score)s%% of the other accounts buy less."
        ) % {
            "revenue": _money(inputs.get("actual_revenue_12m")),
            "months": inputs.get("actual_months"),
            "score": round(Decimal(str(score))),
        }
    if key == Criterion.PROFIT_CONTRIBUTION and from_actuals:
        return _(
            "Gross profit of the last 12 months %(profit)s (ERP actuals), ranked among all."
        ) % {"profit": _money(inputs.get("gross_profit"))}
    if key == Criterion.ANNUAL_PURCHASE:
        if inputs.get("annual_revenue_estimate") is None:
            return _("No annual revenue figure yet: ranked with the accounts at zero.")
        return _("Annual revenue %(revenue)s; %(score)s%% of the other accounts buy less.") % {
            "revenue": _money(inputs["annual_revenue_estimate"]),
            "score": round(Decimal(str(score))),
        }
    if key == Criterion.PROFIT_CONTRIBUTION:
        if inputs.get("gross_margin_estimate") is None:
            return _("No gross margin figure yet: counted as no profit.")
        return _("Gross profit %(profit)s (revenue × %(margin)s%% margin), ranked among all.") % {
            "profit": _money(inputs.get("gross_profit")),
            "margin": inputs["gross_margin_estimate"],
        }
    if key == Criterion.REVENUE_SHARE:
        total = Decimal(str(inputs.get("total_revenue") or 0))
        if not total or not inputs.get("revenue"):
            return _("No revenue: no share of company revenue.")
        above = Decimal(str(inputs.get("revenue_of_larger_accounts") or 0))
        return _("%(revenue)s of %(total)s company revenue; larger accounts carry %(above)s%%.") % {
            "revenue": _money(inputs["revenue"]),
            "total": _money(total),
            "above": round(above * 100 / total, 1),
        }
    if key == Criterion.STRATEGIC_SIGNIFICANCE:
        flags = [
            label
            for name, label in (
                ("is_industry_leader", _("industry leader (40)")),
                ("is_reference_customer", _("reference customer (35)")),
                ("has_channel_value", _("channel value (25)")),
            )
            if inputs.get(name)
        ]
        if not flags:
            return _("No strategic flag set.")
        return _("Flags: %(flags)s.") % {"flags": ", ".join(flags)}
    if key == Criterion.GROWTH_POTENTIAL:
        if inputs.get("growth_potential") is None:
            return _("Growth potential not assessed: counted as medium (50).")
        return _("Growth potential %(value)s of 5.") % {"value": inputs["growth_potential"]}
    if key == Criterion.RELATIONSHIP_DEPTH:
        levels = {35: _("executive"), 20: _("decision"), 5: _("execution")}
        level = levels.get(inputs.get("highest_level_points"), _("none"))
        return _(
            "%(years)s full years of cooperation; highest contact level %(level)s; "
            "%(contacts)s current contacts, average strength %(strength)s."
        ) % {
            "years": inputs.get("full_years", 0),
            "level": level,
            "contacts": inputs.get("current_contacts", 0),
            "strength": inputs.get("average_strength") or "—",
        }
    return ""


def explain_score(score: TierScore | None) -> list[CriterionLine]:
    """The breakdown of a score as lines to show, in the criteria's order."""
    if score is None:
        return []
    lines = []
    for key, label in Criterion.choices:
        part = score.breakdown.get(key)
        if part is None:
            continue
        lines.append(
            CriterionLine(
                key=key,
                label=str(label),
                score=Decimal(str(part["score"])),
                weight=part["weight"],
                weighted=Decimal(str(part["weighted"])),
                explanation=_explain(key, part.get("inputs", {}), part["score"]),
            )
        )
    return lines


def tier_distribution(accounts) -> list[dict]:
    """Active accounts per effective tier (and not yet graded): one query."""
    counts = dict(
        accounts.filter(archived_at__isnull=True)
        .values_list("tier")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return tier_rows(counts)


def tier_rows(counts: dict) -> list[dict]:
    """The rows of ``tier_distribution`` from {tier: active accounts} ("" not graded)."""
    total = sum(counts.values())
    rows = []
    for tier, label in [*Tier.choices, ("", _("Not graded"))]:
        n = counts.get(tier, 0)
        rows.append(
            {
                "tier": tier,
                "label": label,
                "count": n,
                "percent": round(n * 100 / total, 1) if total else 0,
            }
        )
    return rows


@dataclass
class Concentration:
    total_revenue: Decimal
    account_count: int  # active accounts with revenue
    carrying_count: int  # how many of the largest carry PARETO_SHARE of it
    carrying_percent: Decimal  # … as a share of the accounts with revenue
    rows: list = field(default_factory=list)  # the top accounts with cumulative share


def _annual_revenue(today=None):
    """An account's annual revenue as the scoring run reads it: the ERP actuals of the
    last twelve complete months when there are any, else the estimate."""
    from accounts.tiering.engine import actuals_in_window, actuals_window

    window = actuals_in_window(*actuals_window(today or timezone.localdate()))
    actuals = window.filter(account=OuterRef("pk")).values("revenue")
    return Coalesce(Subquery(actuals[:1]), F("annual_revenue_estimate"))


def revenue_concentration(accounts, *, limit: int = 50) -> Concentration:
    """Accounts ranked by annual revenue with their cumulative share: three queries
    (the totals, how many carry the line, then the top ``limit`` rows with window sums)."""
    active = (
        accounts.filter(archived_at__isnull=True)
        .annotate(revenue=_annual_revenue())
        .filter(revenue__gt=0)
    )
    totals = active.aggregate(total=Coalesce(Sum("revenue"), Decimal(0)), n=Count("pk"))
    total = totals["total"]
    order = [F("revenue").desc(), F("pk").asc()]
    ranked = (
        active.annotate(
            rank=Window(RowNumber(), order_by=order),
            cumulative=Window(Sum("revenue"), order_by=order),
        )
        .select_related("owner")
        .order_by("-revenue", "pk")
    )
    carrying = ranked.filter(cumulative__lt=total * PARETO_SHARE).count() + 1 if total else 0
    rows = []
    for account in ranked[:limit]:
        rows.append(
            {
                "account": account,
                "rank": account.rank,
                "revenue": account.revenue,
                "share": round(account.revenue * 100 / total, 1),
                "cumulative_percent": round(account.cumulative * 100 / total, 1),
                "within": account.rank <= carrying,
            }
        )
    n = totals["n"]
    return Concentration(
        total_revenue=total,
        account_count=n,
        carrying_count=min(carrying, n),
        carrying_percent=round(Decimal(min(carrying, n) * 100) / n, 1) if n else Decimal(0),
        rows=rows,
    )


def annual_revenue(today=None):
    """The annual revenue expression of ``revenue_concentration``, for a read that ranks
    the accounts itself (``concentration_from``)."""
    return _annual_revenue(today)


def concentration_from(revenues, *, limit: int = 50) -> Concentration:
    """``revenue_concentration`` over rows already read: ``revenues`` is (account,
    annual revenue) for the active accounts, any order, any revenue. The same ranking
    (revenue, then id), cumulative share and Pareto line, counted in Python: no query."""
    ranked = sorted(
        ((account, revenue) for account, revenue in revenues if revenue and revenue > 0),
        key=lambda pair: (-pair[1], pair[0].pk),
    )
    total = sum((pair[1] for pair in ranked), Decimal(0))
    n = len(ranked)
    running, cumulative = Decimal(0), []
    for pair in ranked:
        running += pair[1]
        cumulative.append(running)
    line = total * PARETO_SHARE
    carrying = sum(1 for value in cumulative if value < line) + 1 if total else 0
    rows = [
        {
            "account": account,
            "rank": rank,
            "revenue": revenue,
            "share": round(revenue * 100 / total, 1),
            "cumulative_percent": round(cumulative[rank - 1] * 100 / total, 1),
            "within": rank <= carrying,
        }
        for rank, (account, revenue) in enumerate(ranked[:limit], start=1)
    ]
    return Concentration(
        total_revenue=total,
        account_count=n,
        carrying_count=min(carrying, n),
        carrying_percent=round(Decimal(min(carrying, n) * 100) / n, 1) if n else Decimal(0),
        rows=rows,
    )


def tier_movements(scores, *, new_run, old_run) -> dict:
    """Accounts whose computed tier differs between two runs: one query. ``scores``
    is a TierScore queryset restricted to what the reader sees."""
    previous = TierScore.objects.filter(run=old_run, account=OuterRef("account")).values("tier")
    moved = (
        scores.filter(run=new_run)
        .annotate(old_tier=Subquery(previous[:1]))
        .exclude(old_tier=F("tier"))
        .filter(old_tier__isnull=False)
        .select_related("account")
        .order_by("tier", "account__name", "pk")
    )
    up, down = [], []
    for score in moved:
        row = {"account": score.account, "old": score.old_tier, "new": score.tier}
        (up if TIER_RANK[score.tier] < TIER_RANK[score.old_tier] else down).append(row)
    return {"up": up, "down": down}


def _model_labels() -> dict:
    labels = {("weights", key): str(label) for key, label in Criterion.choices}
    for key in ("a", "b", "c"):
        labels[("thresholds", key)] = _("Tier %(tier)s from score") % {"tier": key.upper()}
    for key in ("a", "b", "c", "d"):
        labels[("cadences", key)] = _("Tier %(tier)s visit cadence (days)") % {"tier": key.upper()}
    return labels


def model_change_lines(change) -> list[dict]:
    """What a recorded change of the scoring model changed, value by value."""
    labels = _model_labels()
    lines = []
    for (part, key), label in labels.items():
        old = change.old.get(part, {}).get(key)
        new = change.new.get(part, {}).get(key)
        if old != new:
            lines.append({"label": label, "old": old, "new": new})
    return lines


def model_summary(model) -> dict:
    """The model as rows to show: weights per criterion, and per tier its threshold
    and cadence."""
    weights = [
        {"label": label, "weight": model.weights.get(key, 0)} for key, label in Criterion.choices
    ]
    tiers = [
        {
            "tier": tier,
            "label": label,
            "threshold": model.thresholds.get(tier.lower()),
            "cadence": model.cadences[tier.lower()],
        }
        for tier, label in Tier.choices
    ]
    return {"model_weights": weights, "model_tiers": tiers}
