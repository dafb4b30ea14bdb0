"""The nightly scoring of the candidate pool, in a fixed number of SQL statements whatever
the number of candidates.

The score is the accounts' scoring model, read from its one definition
(``accounts.tiering.engine.CRITERIA_SQL``, ``TIER_SQL``, ``BREAKDOWN_SQL``) with the
model in force (``ScoringModel``): the statement only gives the criteria their inputs, as
the accounts' scoring does, so a candidate scores what an account with the same inputs
scores in a pool of the same figures. The inputs of a candidate:

- revenue: its annual revenue (NULL as 0); gross profit: its annual gross profit (NULL as
  0). Ranks (annual purchase, profit contribution, revenue share) are taken among the
  candidates in the pool, as an account's are among the active accounts;
- strategic significance: no flags on a candidate, so 0;
- growth potential: not assessed, so 50 (as an account not assessed);
- relationship depth: no cooperation and no contacts yet, so 0.

The proposal rule (``CandidateSettings``): a candidate still in the pool and not proposed
yet is proposed when its gross profit is > 0 and ranks in the top ``profit_share`` % of
the pool (rank by gross profit, largest first, ties sharing the better rank, at most
``ceil(pool × share / 100)``; a pool of 40 at 5 %: the first 2), or when its total score
reaches ``score_threshold``. A proposed candidate stays proposed (nothing is proposed
twice); a promoted or dismissed one leaves the pool and is not scored any more.

The scores are kept apart (``CandidateScore``: total, tier, rank by gross profit and the six
criterion scores; ``CandidateScoring``: when, and the scoring model with its weights):
the nightly run writes that narrow table anew instead of rewriting every candidate row
(200,000 of them at the bench's large scale); only the candidates proposed are updated.

Statements (in the caller's transaction, which turns nested loops off first: kam.batch):
reading the scoring model, reading the pool settings, emptying the last scores, and one
statement that scores every candidate of the pool, proposes the new ones, logs a
``CandidateEvent`` for each and records the run.
"""

import json

from django.db import connection, transaction
from django.utils import timezone

from accounts.tiering.engine import CRITERIA_SQL, TIER_SQL, criteria_params
from accounts.tiering.models import ScoringModel
from candidates.models import (
    Candidate,
    CandidateEvent,
    CandidateEventKind,
    CandidateScore,
    CandidateScoring,
    CandidateSettings,
    CandidateStatus,
    ProposedBecause,
)
from kam.batch import plan_for_whole_tables

_INPUTS_SQL = """
WITH base AS (
    SELECT c.id,
           c.revenue AS revenue_raw,
           NULL::numeric AS margin_raw,
           NULL::numeric AS actual_revenue,
           NULL::int AS actual_months,
           'candidate' AS revenue_source,
           COALESCE(c.revenue, 0) AS revenue,
           COALESCE(c.gross_profit, 0) AS profit,
           false AS is_industry_leader, false AS is_reference_customer,
           false AS has_channel_value,
           NULL::smallint AS growth_potential,
           NULL::date AS cooperation_since,
           0 AS years,
           0 AS executive_meetings
    FROM {candidate} c
    WHERE c.status IN (%(open)s, %(proposed)s)
),
people AS (
    SELECT NULL::bigint AS account_id, 0 AS level_points, NULL::numeric AS avg_strength,
           0::bigint AS contact_count
    WHERE false
),
"""

_WRITE_SQL = """,
judged AS (
    SELECT r.*,
           (r.profit > 0 AND r.profit_rank <= CEIL(r.pool * %(share)s / 100.0)) AS by_profit,
           (r.total >= %(threshold)s) AS by_score
    FROM (
        SELECT t.id, t.total, t.profit, {tier} AS tier,
               ARRAY[t.s_purchase, t.s_profit, t.s_share, t.s_strategic, t.s_growth,
                     t.s_relationship] AS criteria,
               RANK() OVER (ORDER BY t.profit DESC) AS profit_rank,
               COUNT(*) OVER () AS pool
        FROM totals t
    ) r
),
stored AS (
    INSERT INTO {score} (candidate_id, total, tier, profit_rank, criteria)
    SELECT id, total, tier, profit_rank, criteria FROM judged
    RETURNING candidate_id
),
proposed AS (
    UPDATE {candidate} AS c
    SET status = %(proposed)s,
        proposed_at = %(now)s,
        proposed_because = CASE WHEN j.by_profit AND j.by_score THEN %(both)s
                                WHEN j.by_profit THEN %(profit)s
                                ELSE %(score)s END,
        updated_at = %(now)s
    FROM judged j
    WHERE c.id = j.id AND c.status = %(open)s AND (j.by_profit OR j.by_score)
    RETURNING c.id, j.total, c.proposed_because
),
logged AS (
    INSERT INTO {event} (candidate_id, kind, at, score, proposed_because, reason)
    SELECT id, %(event_proposed)s, %(now)s, total, proposed_because, '' FROM proposed
    RETURNING candidate_id
),
run AS (
    INSERT INTO {scoring} (id, scored_at, model, scored, proposed)
    VALUES (1, %(now)s, %(model)s::jsonb, (SELECT COUNT(*) FROM stored),
            (SELECT COUNT(*) FROM logged))
    ON CONFLICT (id) DO UPDATE SET scored_at = EXCLUDED.scored_at, model = EXCLUDED.model,
        scored = EXCLUDED.scored, proposed = EXCLUDED.proposed
    RETURNING scored, proposed
)
SELECT scored, proposed FROM run
"""


def _tables():
    quote = connection.ops.quote_name
    return {
        "candidate": quote(Candidate._meta.db_table),
        "event": quote(CandidateEvent._meta.db_table),
        "score": quote(CandidateScore._meta.db_table),
        "scoring": quote(CandidateScoring._meta.db_table),
    }


def scoring_sql() -> str:
    tables = _tables()
    return (
        _INPUTS_SQL.format(**tables)
        + CRITERIA_SQL.rstrip()
        + _WRITE_SQL.format(tier=TIER_SQL, **tables)
    )


@transaction.atomic
def candidates_score(*, now=None) -> dict:
    """Score the pool and propose its new top candidates (5 statements in the
    transaction whatever the number of candidates). Returns {"scored": n, "proposed": n}."""
    plan_for_whole_tables()
    snapshot = ScoringModel.current().as_dict()
    config = CandidateSettings.current()
    now = now or timezone.now()
    params = {
        **criteria_params(snapshot),
        "open": CandidateStatus.OPEN.value,
        "proposed": CandidateStatus.PROPOSED.value,
        "share": config.profit_share,
        "threshold": config.score_threshold,
        "now": now,
        "both": ProposedBecause.BOTH.value,
        "profit": ProposedBecause.PROFIT.value,
        "score": ProposedBecause.SCORE.value,
        "event_proposed": CandidateEventKind.PROPOSED.value,
        "model": json.dumps(snapshot),
    }
    with connection.cursor() as cursor:
        # the scores of the last run go at once (the readers of the pool wait for the
        # commit: seconds, at night)
        cursor.execute(f"TRUNCATE {_tables()['score']}")
        cursor.execute(scoring_sql(), params)
        scored, proposed = cursor.fetchone()
    return {"scored": scored, "proposed": proposed}
