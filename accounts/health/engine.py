"""The health engine: checks every active account in a fixed number of SQL statements.

Each component gives 0–100, rounded to 2 decimals; its sub-score, weight and the
inputs it used are kept in the day's ``HealthSnapshot`` so the account page can say
*why*. "Active" means not archived. ``today`` is the run's local date; "in 90 days"
means since ``now`` − 90 days.

engagement
    days = today − the local date of the last visit; the last visit (not archived,
    not in the future) and the cadence are ``AccountQuerySet.with_cadence_due``'s (the
    statement selects from that queryset's SQL). score = min(100, max(0, 200 − 100 ×
    days / cadence)): 100 up to the cadence, 0 at twice the cadence. Never visited → 0.
relationship
    50 if a current (not left, not archived) executive-level contact is a supporter,
    plus 25 per current decision-level contact met on a visit in 90 days (at most 2),
    plus 25 when the account had an executive meeting this year (1 January to today:
    ``VisitQuerySet.executive_meetings``, with our executive sponsor taking part; the
    statement selects from that queryset's SQL), at most 100.
commercial
    m = complete months of this year (today's month − 1). Target to date = Σ over
    the quarters of this year's *approved* plan of the quarter's revenue target ×
    (months of the quarter within m) / 3; revenue to date = the ERP actuals of months
    1…m of this year; last year = the actuals of months 1…m of last year.
    attainment = min(revenue / target, 1) × 100 (when target > 0); trend = min(revenue
    / last year, 1) × 100 (when last year > 0). score = 0.7 × attainment + 0.3 × trend
    when both exist, else the one that exists, else 50 (no data: neutral). The target
    and the revenue are read from the plans app's SQL (``commercial_sql``).
satisfaction
    The latest survey with an answer: NPS × 10 and (CSAT − 1) × 25, averaged over the
    answers given; no survey → 50 (neutral).
service
    max(0, 100 − 20 × open complaints (open or responded) − 15 × complaints received in
    90 days that breached their response deadline).
risk
    max(0, 100 − 40 × high − 20 × medium − 10 × low open risk events (open or
    mitigating) − the credit penalty). The credit inputs come from the app that owns the
    credit levels (``credit_sql``): each account's share of its credit limit, its
    receivables overdue more than 90 days and a penalty (40 over the limit, 20 at the
    warning level, 40 more when overdue more than 90 days); the risk events the credit
    check raised are left out of the open ones, as the credit state stands for them.
    Without that app: no credit penalty.

score = Σ sub-score × weight / 100, rounded to 2 decimals; status green when score ≥
green_from, amber when ≥ amber_from, else red.

Statements: one INSERT … SELECT … ON CONFLICT writes (or replaces) today's snapshot of
every active account; one UPDATE … FROM copies score and status onto the accounts and,
in the same statement, logs a ``HealthChange`` per account whose status changed or
whose score dropped by more than the alert amount; it returns the alerts.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection

from accounts.choices import Attitude, ContactLevel
from accounts.health.models import HealthAlert, HealthChange, HealthComponent, HealthSnapshot
from accounts.models import Account, Contact, Visit
from accounts.service.models import Complaint, ComplaintStatus, RiskEvent, RiskStatus, Survey
from kam.queries import named_sql

WINDOW_DAYS = 90

#: the commercial component's inputs, plugged in by the plans app that owns the plans and
#: the actuals (plans.selectors.health_commercial_sql): a function giving the SQL of
#: each account's target to date (account_id, target) and of its revenue to date this
#: year and last (account_id, revenue, last_year), for the statement's ``%(year)s`` and
#: ``%(months)s``, and their own parameters
commercial_sql = None

#: the risk component's credit inputs, plugged in by the credit app
#: (credit.engine.health_credit_sql): a function giving the SQL of each account's credit
#: state (account_id, share, overdue_90, penalty) and of the risk events the credit check
#: raised (risk_id), and their own parameters; None: no credit inputs
credit_sql = None

_NO_CREDIT = (
    "SELECT NULL::bigint AS account_id, NULL::numeric AS share, NULL::numeric AS overdue_90,"
    " 0 AS penalty WHERE false",
    "SELECT NULL::bigint AS risk_id WHERE false",
    {},
)

_CHECK_SQL = """
WITH base AS (
    SELECT c.id, c.tier, c.cadence_days AS cadence, c.last_visit_at AS last_at
    FROM ({{rows}}) c
),
supporter AS (
    SELECT c.account_id, COUNT(*) AS supporters
    FROM {contact} c
    WHERE c.level = %(executive)s AND c.attitude = %(supporter)s
      AND NOT c.has_left AND c.archived_at IS NULL
    GROUP BY c.account_id
),
decision AS (
    SELECT c.account_id, COUNT(DISTINCT c.id) AS met
    FROM {contact} c
    JOIN {visit_contacts} vc ON vc.contact_id = c.id
    JOIN {visit} v ON v.id = vc.visit_id
    WHERE c.level = %(decision)s AND NOT c.has_left AND c.archived_at IS NULL
      AND v.archived_at IS NULL AND v.occurred_at >= %(since)s AND v.occurred_at <= %(now)s
    GROUP BY c.account_id
),
meetings AS ({{meetings}}
),
target AS ({{target}}
),
actual AS ({{actual}}
),
credit AS ({{credit}}
),
credit_risk AS ({{credit_risk}}
),
survey AS (
    SELECT DISTINCT ON (s.account_id) s.account_id, s.nps, s.csat, s.taken_on
    FROM {survey} s
    WHERE (s.nps IS NOT NULL OR s.csat IS NOT NULL) AND s.taken_on <= %(today)s
    ORDER BY s.account_id, s.taken_on DESC, s.id DESC
),
complaint AS (
    SELECT c.account_id,
           COUNT(*) FILTER (WHERE c.status = ANY(%(open_complaint)s)) AS open_count,
           COUNT(*) FILTER (WHERE c.breached AND c.received_at >= %(since)s) AS breached_count
    FROM {complaint} c
    GROUP BY c.account_id
),
risk AS (
    SELECT r.account_id,
           COUNT(*) FILTER (WHERE r.level = 'high') AS high,
           COUNT(*) FILTER (WHERE r.level = 'medium') AS medium,
           COUNT(*) FILTER (WHERE r.level = 'low') AS low
    FROM {risk} r
    WHERE r.status = ANY(%(open_risk)s)
      AND NOT EXISTS (SELECT 1 FROM credit_risk cr WHERE cr.risk_id = r.id)
    GROUP BY r.account_id
),
inputs AS (
    SELECT b.id, b.tier, b.cadence,
           (b.last_at AT TIME ZONE %(tz)s)::date AS last_visit_on,
           %(today)s::date - (b.last_at AT TIME ZONE %(tz)s)::date AS days,
           COALESCE(sp.supporters, 0) AS supporters,
           COALESCE(d.met, 0) AS decision_met,
           COALESCE(em.meetings, 0) AS executive_meetings,
           ROUND(tg.target, 2) AS target,
           COALESCE(ac.revenue, 0) AS revenue,
           ac.last_year,
           sv.nps, sv.csat, sv.taken_on AS survey_on,
           COALESCE(cp.open_count, 0) AS open_complaints,
           COALESCE(cp.breached_count, 0) AS breached_complaints,
           COALESCE(rk.high, 0) AS risk_high,
           COALESCE(rk.medium, 0) AS risk_medium,
           COALESCE(rk.low, 0) AS risk_low,
           cr.share AS credit_share,
           cr.overdue_90 AS credit_overdue_90,
           COALESCE(cr.penalty, 0) AS credit_penalty
    FROM base b
    LEFT JOIN supporter sp ON sp.account_id = b.id
    LEFT JOIN decision d ON d.account_id = b.id
    LEFT JOIN meetings em ON em.account_id = b.id
    LEFT JOIN target tg ON tg.account_id = b.id
    LEFT JOIN actual ac ON ac.account_id = b.id
    LEFT JOIN survey sv ON sv.account_id = b.id
    LEFT JOIN complaint cp ON cp.account_id = b.id
    LEFT JOIN risk rk ON rk.account_id = b.id
    LEFT JOIN credit cr ON cr.account_id = b.id
),
parts AS (
    SELECT i.*,
           CASE WHEN i.target > 0
                THEN ROUND(LEAST(i.revenue / i.target, 1) * 100, 2) END AS attainment,
           CASE WHEN i.last_year > 0
                THEN ROUND(LEAST(i.revenue / i.last_year, 1) * 100, 2) END AS trend
    FROM inputs i
),
scored AS (
    SELECT p.*,
           CASE WHEN p.days IS NULL THEN 0::numeric
                ELSE ROUND(LEAST(100, GREATEST(0, 200 - 100.0 * p.days / p.cadence)), 2)
           END AS s_engagement,
           LEAST(100, (CASE WHEN p.supporters > 0 THEN 50 ELSE 0 END)
                      + 25 * LEAST(p.decision_met, 2)
                      + 25 * LEAST(p.executive_meetings, 1))::numeric AS s_relationship,
           CASE WHEN p.attainment IS NOT NULL AND p.trend IS NOT NULL
                    THEN ROUND(0.7 * p.attainment + 0.3 * p.trend, 2)
                ELSE COALESCE(p.attainment, p.trend, 50) END AS s_commercial,
           COALESCE(ROUND(
               (COALESCE(p.nps * 10, 0) + COALESCE((p.csat - 1) * 25, 0))::numeric
               / NULLIF((p.nps IS NOT NULL)::int + (p.csat IS NOT NULL)::int, 0), 2), 50)
               AS s_satisfaction,
           GREATEST(0, 100 - 20 * p.open_complaints - 15 * p.breached_complaints)::numeric
               AS s_service,
           GREATEST(0, 100 - 40 * p.risk_high - 20 * p.risk_medium - 10 * p.risk_low
                       - p.credit_penalty)::numeric
               AS s_risk
    FROM parts p
),
totals AS (
    SELECT s.*,
           ROUND((s.s_engagement * %(w_engagement)s + s.s_relationship * %(w_relationship)s
                  + s.s_commercial * %(w_commercial)s + s.s_satisfaction * %(w_satisfaction)s
                  + s.s_service * %(w_service)s + s.s_risk * %(w_risk)s) / 100.0, 2) AS total
    FROM scored s
)
INSERT INTO {snapshot} (account_id, taken_on, score, status, components, computed_at)
SELECT t.id, %(today)s, t.total,
       CASE WHEN t.total >= %(green_from)s THEN 'green'
            WHEN t.total >= %(amber_from)s THEN 'amber'
            ELSE 'red' END,
       jsonb_build_object(
           'engagement', jsonb_build_object(
               'score', t.s_engagement, 'weight', %(w_engagement)s,
               'inputs', jsonb_build_object(
                   'last_visit_on', t.last_visit_on, 'days', t.days,
                   'cadence', t.cadence, 'tier', t.tier)),
           'relationship', jsonb_build_object(
               'score', t.s_relationship, 'weight', %(w_relationship)s,
               'inputs', jsonb_build_object(
                   'executive_supporters', t.supporters,
                   'decision_met_90_days', t.decision_met,
                   'executive_meetings_this_year', t.executive_meetings)),
           'commercial', jsonb_build_object(
               'score', t.s_commercial, 'weight', %(w_commercial)s,
               'inputs', jsonb_build_object(
                   'months', %(months)s, 'target_to_date', t.target,
                   'revenue_to_date', t.revenue, 'last_year_to_date', t.last_year,
                   'attainment', t.attainment, 'trend', t.trend)),
           'satisfaction', jsonb_build_object(
               'score', t.s_satisfaction, 'weight', %(w_satisfaction)s,
               'inputs', jsonb_build_object(
                   'nps', t.nps, 'csat', t.csat, 'taken_on', t.survey_on)),
           'service', jsonb_build_object(
               'score', t.s_service, 'weight', %(w_service)s,
               'inputs', jsonb_build_object(
                   'open_complaints', t.open_complaints,
                   'breached_90_days', t.breached_complaints)),
           'risk', jsonb_build_object(
               'score', t.s_risk, 'weight', %(w_risk)s,
               'inputs', jsonb_build_object(
                   'high', t.risk_high, 'medium', t.risk_medium, 'low', t.risk_low,
                   'credit_share', t.credit_share, 'overdue_over_90', t.credit_overdue_90,
                   'credit_penalty', t.credit_penalty))
       ),
       %(now)s
FROM totals t
ON CONFLICT (account_id, taken_on) DO UPDATE
SET score = EXCLUDED.score, status = EXCLUDED.status,
    components = EXCLUDED.components, computed_at = EXCLUDED.computed_at
"""

_APPLY_SQL = """
WITH applied AS (
    UPDATE {account} AS a
    SET health_score = s.score, health_status = s.status, health_checked_at = %(now)s
    FROM {snapshot} s
    JOIN {account} old ON old.id = s.account_id
    WHERE s.taken_on = %(today)s AND s.computed_at = %(now)s AND a.id = s.account_id
    RETURNING a.id, a.name, a.owner_id, old.health_status AS old_status,
              old.health_score AS old_score, a.health_status AS new_status,
              a.health_score AS new_score
),
flagged AS (
    SELECT applied.*,
           CASE WHEN new_status = 'red' AND old_status <> 'red' THEN %(turned_red)s
                WHEN old_score - new_score > %(drop)s THEN %(dropped)s
                ELSE '' END AS alert
    FROM applied
    WHERE old_status <> ''
),
logged AS (
    INSERT INTO {change} (account_id, changed_at, old_status, new_status, old_score,
                          new_score, alert)
    SELECT id, %(now)s, old_status, new_status, old_score, new_score, alert
    FROM flagged WHERE old_status <> new_status OR alert <> ''
)
SELECT id, name, owner_id, old_status, new_status, old_score, new_score, alert
FROM flagged WHERE alert <> ''
"""

_WEIGHT_PARAMS = {f"w_{component}": component for component in HealthComponent.values}


def _tables():
    quote = connection.ops.quote_name
    return {
        "account": quote(Account._meta.db_table),
        "visit": quote(Visit._meta.db_table),
        "visit_contacts": quote(Visit.contacts.through._meta.db_table),
        "contact": quote(Contact._meta.db_table),
        "survey": quote(Survey._meta.db_table),
        "complaint": quote(Complaint._meta.db_table),
        "risk": quote(RiskEvent._meta.db_table),
        "snapshot": quote(HealthSnapshot._meta.db_table),
        "change": quote(HealthChange._meta.db_table),
    }


def _cadence_rows(now) -> tuple[str, dict]:
    """Every active account's tier, visit cadence and last visit (up to ``now``) as
    ``AccountQuerySet.with_cadence_due`` defines them: its SQL and named parameters."""
    rows = (
        Account.objects.active()
        .with_cadence_due(as_of=now, every_account=True)
        .values("id", "tier", "cadence_days", "last_visit_at")
        .order_by()
    )
    return named_sql(rows, "cadence")


def check_accounts(*, config: dict, today: date, now: datetime) -> int:
    """Write (or replace) today's ``HealthSnapshot`` of every active account (one
    statement); returns how many accounts were checked."""
    rows, row_params = _cadence_rows(now)
    meetings, meeting_params = named_sql(
        Visit.objects.executive_meetings_by_account(first=date(today.year, 1, 1), last=today),
        "meetings",
    )
    target, actual, commercial_params = commercial_sql()
    credit, credit_risk, credit_params = (credit_sql or (lambda: _NO_CREDIT))()
    params = {
        "today": today,
        "now": now,
        "since": now - timedelta(days=WINDOW_DAYS),
        "tz": settings.TIME_ZONE,
        "year": today.year,
        "months": today.month - 1,
        "executive": ContactLevel.EXECUTIVE.value,
        "decision": ContactLevel.DECISION.value,
        "supporter": Attitude.SUPPORTER.value,
        "open_complaint": [ComplaintStatus.OPEN.value, ComplaintStatus.RESPONDED.value],
        "open_risk": [RiskStatus.OPEN.value, RiskStatus.MITIGATING.value],
        "green_from": config["green_from"],
        "amber_from": config["amber_from"],
        **row_params,
        **meeting_params,
        **commercial_params,
        **credit_params,
    }
    for name, component in _WEIGHT_PARAMS.items():
        params[name] = int(config["weights"][component])
    with connection.cursor() as cursor:
        sql = _CHECK_SQL.format(**_tables())
        parts = (("rows", rows), ("meetings", meetings), ("target", target),
                 ("actual", actual), ("credit", credit), ("credit_risk", credit_risk))  # fmt: skip
        for name, part in parts:
            sql = sql.replace(f"{{{name}}}", part)
        cursor.execute(sql, params)
        return cursor.rowcount


def apply_checks(*, config: dict, today: date, now: datetime) -> list[dict]:
    """Copy today's snapshots onto the accounts and log status changes (one
    statement); returns the alerts: accounts that turned red, or whose score fell by
    more than the set amount. A first check is never an alert."""
    params = {
        "today": today,
        "now": now,
        "drop": config["alert_drop"],
        "turned_red": HealthAlert.TURNED_RED.value,
        "dropped": HealthAlert.DROPPED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_APPLY_SQL.format(**_tables()), params)
        rows = cursor.fetchall()
    keys = ("id", "name", "owner_id", "old_status", "new_status", "old_score", "new_score")
    return [dict(zip((*keys, "alert"), row, strict=True)) for row in rows]
