"""The tiering engine: scores every active account in a fixed number of SQL statements.

Each criterion gives 0–100, rounded to 2 decimals; the inputs it used are kept in
the score's breakdown so anyone can see *why* an account is in its tier. "Active"
means not archived. Revenue is the sum of the ERP actuals (``plans.Actual``, read
through ``actuals_in_window``) of the last twelve complete months when the account has
any in that window, else its ``annual_revenue_estimate`` (a NULL counts as 0); the
breakdown says which (``revenue_source``). Gross profit likewise: the actuals' gross
profit, else the estimate × ``gross_margin_estimate``.

annual_purchase
    ``percent_rank()`` of the account's revenue among all active accounts × 100.
    Ties share the lowest rank of their group (SQL ``percent_rank``): every account
    with the same revenue gets the same score, and accounts with no revenue figure
    tie with those at 0. The smallest scores 0, the largest 100; a single account
    scores 0.
profit_contribution
    The same ``percent_rank()`` × 100 over revenue × ``gross_margin_estimate`` / 100
    (NULLs as 0).
revenue_share
    Accounts ranked by revenue, largest first. ``cum_before`` is the revenue of the
    accounts with a strictly larger revenue divided by the total revenue; the score
    is 100 × (1 − cum_before) when the account's revenue is > 0, else 0. The largest
    account scores 100; accounts with equal revenue share a score; when the total
    is 0 everyone scores 0. The top accounts that carry most of the revenue score
    high, the long tail near 0 (the Pareto view).
strategic_significance
    40 if industry leader + 35 if reference customer + 25 if channel value.
growth_potential
    (growth_potential − 1) × 25, so 1 → 0 … 5 → 100; NULL (not assessed) → 50.
relationship_depth
    min(full years since ``cooperation_since`` (as of the run's date), 10) × 4
    (NULL or future → 0), plus the highest level among current contacts (not left,
    not archived): executive 35, decision 20, execution 5, none 0, plus their average
    strength (1–5) as (avg − 1) / 4 × 25 (no contacts → 0), plus 10 per executive
    meeting of the run's year up to its date, at most 2 (``VisitQuerySet.
    executive_meetings``, with our executive sponsor taking part: the statement selects
    from that queryset's SQL), at most 100 in all.

total = Σ score × weight / 100 over the criteria, rounded to 2 decimals (from the
rounded criterion scores; each criterion's ``weighted`` is shown rounded too, so
they may add up to the total ± 0.01). tier = A if total ≥ threshold A, B if ≥
threshold B, C if ≥ threshold C, else D.

Statements: one INSERT … SELECT writes every ``TierScore`` of the run; one UPDATE …
FROM writes the account columns and, in the same statement, logs a ``TierChange``
per account whose effective tier moved. The effective tier is the active override,
else the tier of the last approved review, else the computed one.
"""

from datetime import date

from django.db import connection

from accounts.choices import ContactLevel
from accounts.models import Account, Contact, Visit
from accounts.tiering.models import (
    Criterion,
    TierChange,
    TierChangeSource,
    TierOverride,
    TierScore,
)
from kam.queries import named_sql

#: each account's ERP actuals in a window of months, plugged in by the plans app that
#: owns them (plans.models.ActualQuerySet.totals_by_account): ``(first, end)`` (month
#: numbers, year × 12 + month − 1, end excluded) gives a queryset of rows
#: ``account_id, revenue, profit, months``
actuals_in_window = None

#: points for the highest level of contact we reach at the account
LEVEL_POINTS = {
    ContactLevel.EXECUTIVE.value: 35,
    ContactLevel.DECISION.value: 20,
    ContactLevel.EXECUTION.value: 5,
}

#: the inputs of the criteria for the accounts: ``base`` (one row per scored account) and
#: ``people`` (its current contacts)
_ACCOUNT_INPUTS_SQL = """
WITH actual AS ({{actual}}
),
meetings AS ({{meetings}}
),
base AS (
    SELECT a.id,
           a.annual_revenue_estimate AS revenue_raw,
           a.gross_margin_estimate AS margin_raw,
           act.revenue AS actual_revenue,
           act.months AS actual_months,
           CASE WHEN act.account_id IS NULL THEN 'estimate' ELSE 'actuals' END
               AS revenue_source,
           COALESCE(act.revenue, a.annual_revenue_estimate, 0) AS revenue,
           COALESCE(act.profit, COALESCE(a.annual_revenue_estimate, 0)
               * COALESCE(a.gross_margin_estimate, 0) / 100) AS profit,
           a.is_industry_leader, a.is_reference_customer, a.has_channel_value,
           a.growth_potential,
           a.cooperation_since,
           LEAST(GREATEST(COALESCE(
               date_part('year', age(%(today)s::date, a.cooperation_since)), 0), 0), 10)::int
               AS years,
           COALESCE(em.meetings, 0) AS executive_meetings
    FROM {account} a
    LEFT JOIN actual act ON act.account_id = a.id
    LEFT JOIN meetings em ON em.account_id = a.id
    WHERE a.archived_at IS NULL
),
people AS (
    SELECT c.account_id,
           MAX(CASE c.level WHEN %(executive)s THEN %(executive_points)s
                            WHEN %(decision)s THEN %(decision_points)s
                            WHEN %(execution)s THEN %(execution_points)s
                            ELSE 0 END) AS level_points,
           AVG(c.strength)::numeric AS avg_strength,
           COUNT(*) AS contact_count
    FROM {contact} c
    JOIN base ON base.id = c.account_id
    WHERE c.has_left = false AND c.archived_at IS NULL
    GROUP BY c.account_id
),
"""

#: the criteria and the total over any ``base`` and ``people`` with the columns the
#: accounts' give (``ranked``, ``scored``, ``totals``): the one definition of the scoring
#: model, which the candidate pool (candidates.engine) scores its candidates with too
CRITERIA_SQL = """ranked AS (
    SELECT base.*,
           PERCENT_RANK() OVER (ORDER BY base.revenue) AS pr_revenue,
           PERCENT_RANK() OVER (ORDER BY base.profit) AS pr_profit,
           SUM(base.revenue) OVER (ORDER BY base.revenue DESC)
               - SUM(base.revenue) OVER (PARTITION BY base.revenue) AS revenue_above,
           SUM(base.revenue) OVER () AS revenue_total
    FROM base
),
scored AS (
    SELECT r.*,
           COALESCE(p.level_points, 0) AS level_points,
           ROUND(p.avg_strength, 2) AS avg_strength,
           COALESCE(p.contact_count, 0) AS contact_count,
           ROUND((r.pr_revenue * 100)::numeric, 2) AS s_purchase,
           ROUND((r.pr_profit * 100)::numeric, 2) AS s_profit,
           CASE WHEN r.revenue > 0 AND r.revenue_total > 0
                THEN ROUND(100 * (1 - r.revenue_above / r.revenue_total), 2)
                ELSE 0 END AS s_share,
           ((CASE WHEN r.is_industry_leader THEN 40 ELSE 0 END)
            + (CASE WHEN r.is_reference_customer THEN 35 ELSE 0 END)
            + (CASE WHEN r.has_channel_value THEN 25 ELSE 0 END))::numeric AS s_strategic,
           COALESCE((r.growth_potential - 1) * 25, 50)::numeric AS s_growth,
           ROUND(LEAST(100, r.years * 4 + COALESCE(p.level_points, 0)
                            + COALESCE((p.avg_strength - 1) / 4 * 25, 0)
                            + 10 * LEAST(r.executive_meetings, 2)), 2) AS s_relationship
    FROM ranked r
    LEFT JOIN people p ON p.account_id = r.id
),
totals AS (
    SELECT s.*,
           ROUND((s.s_purchase * %(w_purchase)s + s.s_profit * %(w_profit)s
                  + s.s_share * %(w_share)s + s.s_strategic * %(w_strategic)s
                  + s.s_growth * %(w_growth)s + s.s_relationship * %(w_relationship)s)
                 / 100.0, 2) AS total
    FROM scored s
)
"""

#: the tier of a row of ``totals t``
TIER_SQL = """CASE WHEN t.total >= %(threshold_a)s THEN 'A'
            WHEN t.total >= %(threshold_b)s THEN 'B'
            WHEN t.total >= %(threshold_c)s THEN 'C'
            ELSE 'D' END"""

#: the breakdown (criterion by criterion: score, weight, weighted, inputs) of a row of
#: ``totals t``
BREAKDOWN_SQL = """jsonb_build_object(
           'annual_purchase', jsonb_build_object(
               'score', t.s_purchase, 'weight', %(w_purchase)s,
               'weighted', ROUND(t.s_purchase * %(w_purchase)s / 100.0, 2),
               'inputs', jsonb_build_object(
                   'annual_revenue_estimate', t.revenue_raw,
                   'revenue_source', t.revenue_source,
                   'actual_revenue_12m', t.actual_revenue,
                   'actual_months', t.actual_months)),
           'profit_contribution', jsonb_build_object(
               'score', t.s_profit, 'weight', %(w_profit)s,
               'weighted', ROUND(t.s_profit * %(w_profit)s / 100.0, 2),
               'inputs', jsonb_build_object(
                   'annual_revenue_estimate', t.revenue_raw,
                   'gross_margin_estimate', t.margin_raw,
                   'revenue_source', t.revenue_source,
                   'gross_profit', ROUND(t.profit, 2))),
           'revenue_share', jsonb_build_object(
               'score', t.s_share, 'weight', %(w_share)s,
               'weighted', ROUND(t.s_share * %(w_share)s / 100.0, 2),
               'inputs', jsonb_build_object(
                   'revenue', t.revenue,
                   'revenue_of_larger_accounts', t.revenue_above,
                   'total_revenue', t.revenue_total)),
           'strategic_significance', jsonb_build_object(
               'score', t.s_strategic, 'weight', %(w_strategic)s,
               'weighted', ROUND(t.s_strategic * %(w_strategic)s / 100.0, 2),
               'inputs', jsonb_build_object(
                   'is_industry_leader', t.is_industry_leader,
                   'is_reference_customer', t.is_reference_customer,
                   'has_channel_value', t.has_channel_value)),
           'growth_potential', jsonb_build_object(
               'score', t.s_growth, 'weight', %(w_growth)s,
               'weighted', ROUND(t.s_growth * %(w_growth)s / 100.0, 2),
               'inputs', jsonb_build_object('growth_potential', t.growth_potential)),
           'relationship_depth', jsonb_build_object(
               'score', t.s_relationship, 'weight', %(w_relationship)s,
               'weighted', ROUND(t.s_relationship * %(w_relationship)s / 100.0, 2),
               'inputs', jsonb_build_object(
                   'cooperation_since', t.cooperation_since,
                   'full_years', t.years,
                   'highest_level_points', t.level_points,
                   'average_strength', t.avg_strength,
                   'current_contacts', t.contact_count,
                   'executive_meetings_this_year', t.executive_meetings))
       )"""

_SCORE_SQL = (
    _ACCOUNT_INPUTS_SQL
    + CRITERIA_SQL
    + "INSERT INTO {score} (run_id, account_id, total, tier, breakdown)\n"
    + "SELECT %(run)s, t.id, t.total, "
    + TIER_SQL
    + ",\n"
    + BREAKDOWN_SQL
    + "\nFROM totals t\n"
)

_APPLY_SQL = """
WITH applied AS (
    UPDATE {account} AS a
    SET computed_tier = s.tier,
        tier_score = s.total,
        tier_scored_at = %(scored_at)s,
        tier = COALESCE(o.tier, NULLIF(a.approved_tier, ''), s.tier)
    FROM {score} s
    JOIN {account} old ON old.id = s.account_id
    LEFT JOIN {override} o ON o.account_id = s.account_id AND o.removed_at IS NULL
    WHERE s.run_id = %(run)s AND a.id = s.account_id
    RETURNING a.id, a.name, a.owner_id, old.tier AS old_tier, a.tier AS new_tier
),
logged AS (
    INSERT INTO {change} (account_id, old_tier, new_tier, source, changed_at, run_id, reason)
    SELECT id, old_tier, new_tier, %(source)s, %(scored_at)s, %(run)s, ''
    FROM applied WHERE old_tier IS DISTINCT FROM new_tier
)
SELECT id, name, owner_id, old_tier, new_tier FROM applied
WHERE old_tier <> '' AND old_tier <> new_tier
"""

_WEIGHT_PARAMS = {
    "w_purchase": Criterion.ANNUAL_PURCHASE,
    "w_profit": Criterion.PROFIT_CONTRIBUTION,
    "w_share": Criterion.REVENUE_SHARE,
    "w_strategic": Criterion.STRATEGIC_SIGNIFICANCE,
    "w_growth": Criterion.GROWTH_POTENTIAL,
    "w_relationship": Criterion.RELATIONSHIP_DEPTH,
}


def actuals_window(today: date) -> tuple[int, int]:
    """The last twelve complete months before ``today``, as month numbers
    (year × 12 + month − 1): [first, end)."""
    end = today.year * 12 + today.month - 1
    return end - 12, end


def _tables():
    return {
        "account": connection.ops.quote_name(Account._meta.db_table),
        "contact": connection.ops.quote_name(Contact._meta.db_table),
        "score": connection.ops.quote_name(TierScore._meta.db_table),
        "override": connection.ops.quote_name(TierOverride._meta.db_table),
        "change": connection.ops.quote_name(TierChange._meta.db_table),
    }


def criteria_params(snapshot: dict) -> dict:
    """The parameters of ``CRITERIA_SQL``, ``TIER_SQL`` and ``BREAKDOWN_SQL`` from a
    scoring model's snapshot (``ScoringModel.as_dict()``)."""
    params = {
        "threshold_a": snapshot["thresholds"]["a"],
        "threshold_b": snapshot["thresholds"]["b"],
        "threshold_c": snapshot["thresholds"]["c"],
    }
    for name, criterion in _WEIGHT_PARAMS.items():
        params[name] = int(snapshot["weights"][criterion.value])
    return params


def score_accounts(*, run, snapshot: dict, today: date) -> int:
    """Write the ``TierScore`` of every active account for ``run`` (one statement);
    returns how many accounts were scored."""
    actual, actual_params = named_sql(actuals_in_window(*actuals_window(today)), "actual")
    meetings, meeting_params = named_sql(
        Visit.objects.executive_meetings_by_account(first=date(today.year, 1, 1), last=today),
        "meetings",
    )
    params = {
        "run": run.pk,
        "today": today,
        **actual_params,
        **meeting_params,
        "executive": ContactLevel.EXECUTIVE.value,
        "decision": ContactLevel.DECISION.value,
        "execution": ContactLevel.EXECUTION.value,
        "executive_points": LEVEL_POINTS[ContactLevel.EXECUTIVE],
        "decision_points": LEVEL_POINTS[ContactLevel.DECISION],
        "execution_points": LEVEL_POINTS[ContactLevel.EXECUTION],
        **criteria_params(snapshot),
    }
    with connection.cursor() as cursor:
        sql = _SCORE_SQL.format(**_tables()).replace("{actual}", actual)
        cursor.execute(sql.replace("{meetings}", meetings), params)
        return cursor.rowcount


def apply_scores(*, run, scored_at) -> list[dict]:
    """Copy the run's scores onto the accounts (one statement). The effective tier is
    the active override when there is one. Returns the accounts whose effective tier
    changed from one tier to another (a first grading is not a change). Every change
    of the effective tier, a first grading included, is logged as a ``TierChange`` in
    the same statement."""
    with connection.cursor() as cursor:
        params = {"run": run.pk, "scored_at": scored_at, "source": TierChangeSource.SCORE.value}
        cursor.execute(_APPLY_SQL.format(**_tables()), params)
        rows = cursor.fetchall()
    return [
        {"id": pk, "name": name, "owner_id": owner_id, "old": old, "new": new}
        for pk, name, owner_id, old, new in rows
        if old and new and old != new
    ]
