"""The credit check: every active account against the credit settings, in a fixed number
of SQL statements whatever the number of accounts.

Levels (``CreditLevel``), from the exposure of ``plans.credit.with_exposure`` (the
statements select from its SQL) and the settings in force:

- warning: the share of the limit ≥ ``warning_share`` (80 %);
- over_limit: the share of the limit ≥ ``limit_share`` (100 %);
- overdue_90: the receivables overdue more than 90 days > ``overdue_90_above`` (0).

An account without a credit limit has no share: only the 90-day level applies to it.

Each level warns once per episode: a ``CreditWarning`` row is open while the account
stays at or over the level (a unique open row per account and level; the insert is
``ON CONFLICT DO NOTHING``, so a check that runs again raises nothing new). A check that
finds the account back under the level clears the row; crossing it again later opens a
new episode and warns again (a debt paid down and run up again is news).

A warning raised (statement 2):
- a ``RiskEvent`` of type credit (medium for the warning, high for over the limit and
  for 90 days overdue), owned by the account owner, open until someone closes it;
- a notification to the owner and to the supervisor(s) of the owner's teams
  (``kam.scoping.lead_pairs``), active users only, one each.
An account that jumps straight over the limit opens both percentage episodes but warns
only of the higher (one risk event, one notification each): the lower would say less.

A collection task (statement 3): an action item "collect …" for the owner, department
finance, due in ``COLLECTION_DAYS`` days, on the account's plan of the current year, for
each account warned in this run that has no open collection task of an earlier warning.
An account without a plan this year gets none (an action item belongs to a plan): its
owner has the notification, and the account page shows the warning.

Statements: reading the settings, clearing the episodes that ended, raising the new
ones (warnings, risk events, notifications in one statement), the collection tasks.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Account
from accounts.service.models import RiskEvent, RiskLevel, RiskStatus, RiskType
from credit.levels import with_levels
from credit.models import CreditLevel, CreditSettings, CreditWarning
from kam.choices import NotificationKind
from kam.models import Notification, User
from kam.queries import named_sql
from kam.scoping import lead_pairs
from plans.choices import ActionStatus, Department
from plans.models import AccountPlan, ActionItem

COLLECTION_DAYS = 7
MONEY_FORMAT = "FM999,999,999,999,990.00"

#: risk level and notification kind of each level
RISK_LEVELS = {
    CreditLevel.WARNING: RiskLevel.MEDIUM,
    CreditLevel.OVER_LIMIT: RiskLevel.HIGH,
    CreditLevel.OVERDUE_90: RiskLevel.HIGH,
}
KINDS = {
    CreditLevel.WARNING: NotificationKind.CREDIT_WARNING,
    CreditLevel.OVER_LIMIT: NotificationKind.CREDIT_OVER_LIMIT,
    CreditLevel.OVERDUE_90: NotificationKind.CREDIT_OVERDUE,
}

_STATE_SQL = """
SELECT e.id AS account_id, e.name, e.owner_id, e.credit_limit,
       e.credit_exposure AS exposure, e.credit_share AS share,
       e.credit_overdue_90 AS overdue_90, e.credit_at_warning AS at_warning,
       e.credit_at_limit AS at_limit, e.credit_at_overdue AS at_overdue
FROM ({levels}) e"""

_LEVELS_SQL = """
SELECT s.*, v.level, (v.level = %(warning)s AND s.at_limit) AS silent
FROM state s
CROSS JOIN LATERAL (VALUES (%(warning)s, s.at_warning), (%(over_limit)s, s.at_limit),
                           (%(overdue_90)s, s.at_overdue)) AS v(level, crossed)
WHERE v.crossed"""

_CLEAR_SQL = """
WITH state AS ({state}), levels AS ({levels})
UPDATE {warning} w SET cleared_at = %(now)s
WHERE w.cleared_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM levels l WHERE l.account_id = w.account_id AND l.level = w.level)
"""

_RAISE_SQL = """
WITH state AS ({state}), levels AS ({levels}),
fresh AS (
    SELECT l.*,
           CASE WHEN l.silent THEN NULL
                ELSE nextval(pg_get_serial_sequence(%(risk_table)s, 'id')) END AS risk_id
    FROM levels l
    WHERE NOT EXISTS (SELECT 1 FROM {warning} w WHERE w.account_id = l.account_id
                      AND w.level = l.level AND w.cleared_at IS NULL)
),
raised AS (
    INSERT INTO {warning} (account_id, level, raised_at, exposure, credit_limit, share,
                           overdue_90, risk_event_id)
    SELECT account_id, level, %(now)s, exposure, credit_limit, share, overdue_90, risk_id
    FROM fresh
    ON CONFLICT (account_id, level) WHERE cleared_at IS NULL DO NOTHING
    RETURNING account_id, level, risk_event_id
),
loud AS (
    SELECT f.*, to_char(f.exposure, %(money)s) AS exposure_text,
           COALESCE(to_char(f.credit_limit, %(money)s), '') AS limit_text,
           COALESCE(f.share::text, '') AS share_text,
           to_char(f.overdue_90, %(money)s) AS overdue_text,
           COALESCE(NULLIF(u.language, ''), %(default_language)s) AS language
    FROM raised r
    JOIN fresh f ON f.account_id = r.account_id AND f.level = r.level
    JOIN {user} u ON u.id = f.owner_id
    WHERE r.risk_event_id IS NOT NULL
),
risks AS (
    INSERT INTO {risk} (id, account_id, type, level, description, mitigation, owner_id,
                        status, created_at, updated_at)
    SELECT l.risk_id, l.account_id, %(risk_type)s,
           CASE WHEN l.level = %(warning)s THEN %(medium)s ELSE %(high)s END,
           replace(replace(replace(replace(
               CASE WHEN l.language = 'zh-hans' THEN
                   CASE l.level WHEN %(warning)s THEN %(warning_zh)s
                                WHEN %(over_limit)s THEN %(over_limit_zh)s
                                ELSE %(overdue_90_zh)s END
               ELSE
                   CASE l.level WHEN %(warning)s THEN %(warning_en)s
                                WHEN %(over_limit)s THEN %(over_limit_en)s
                                ELSE %(overdue_90_en)s END
               END,
               '{{exposure}}', l.exposure_text), '{{limit}}', l.limit_text),
               '{{share}}', l.share_text), '{{overdue}}', l.overdue_text),
           '', l.owner_id, %(risk_open)s, %(now)s, %(now)s
    FROM loud l
    RETURNING id
),
recipients AS (
    SELECT l.account_id, l.level, l.owner_id AS recipient_id FROM loud l
    UNION
    SELECT l.account_id, l.level, p.supervisor_id FROM loud l
    JOIN ({leads}) p ON p.member_id = l.owner_id
),
notified AS (
    INSERT INTO {notification} (recipient_id, kind, account_id, params, url, created_at)
    SELECT r.recipient_id,
           CASE l.level WHEN %(warning)s THEN %(kind_warning)s
                        WHEN %(over_limit)s THEN %(kind_over_limit)s
                        ELSE %(kind_overdue_90)s END,
           l.account_id,
           jsonb_build_object('account', l.name, 'exposure', l.exposure_text,
                              'limit', l.limit_text, 'share', l.share_text,
                              'overdue', l.overdue_text,
                              'threshold', CASE l.level WHEN %(warning)s
                                           THEN %(warning_share_text)s
                                           ELSE %(limit_share_text)s END),
           %(url_prefix)s || l.account_id || '/', %(now)s
    FROM recipients r
    JOIN loud l ON l.account_id = r.account_id AND l.level = r.level
    JOIN {user} u ON u.id = r.recipient_id AND u.is_active
    RETURNING id
)
SELECT (SELECT COUNT(*) FROM raised), (SELECT COUNT(*) FROM risks),
       (SELECT COUNT(*) FROM notified)
"""

_COLLECT_SQL = """
WITH warned AS (
    SELECT DISTINCT w.account_id FROM {warning} w
    WHERE w.raised_at = %(now)s AND w.risk_event_id IS NOT NULL
),
collecting AS (
    SELECT DISTINCT w.account_id FROM {warning} w
    JOIN {item} i ON i.id = w.action_item_id
    WHERE i.status <> %(done)s
),
targets AS (
    SELECT p.id AS plan_id, a.owner_id,
           COALESCE(NULLIF(u.language, ''), %(default_language)s) AS language
    FROM warned x
    JOIN {account} a ON a.id = x.account_id
    JOIN {plan} p ON p.account_id = x.account_id AND p.year = %(year)s
    JOIN {user} u ON u.id = a.owner_id
    WHERE NOT EXISTS (SELECT 1 FROM collecting c WHERE c.account_id = x.account_id)
),
items AS (
    INSERT INTO {item} (plan_id, title, owner_id, due_on, status, department, note,
                        created_at, updated_at)
    SELECT t.plan_id,
           CASE WHEN t.language = 'zh-hans' THEN %(title_zh)s ELSE %(title_en)s END,
           t.owner_id, %(due)s, %(open)s, %(finance)s,
           CASE WHEN t.language = 'zh-hans' THEN %(note_zh)s ELSE %(note_en)s END,
           %(now)s, %(now)s
    FROM targets t
    RETURNING id, plan_id
),
linked AS (
    UPDATE {warning} w SET action_item_id = i.id
    FROM items i JOIN {plan} p ON p.id = i.plan_id
    WHERE w.account_id = p.account_id AND w.raised_at = %(now)s AND w.risk_event_id IS NOT NULL
    RETURNING w.id
)
SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM linked)
"""


def _tables() -> dict:
    quote = connection.ops.quote_name
    return {
        "warning": quote(CreditWarning._meta.db_table),
        "risk": quote(RiskEvent._meta.db_table),
        "notification": quote(Notification._meta.db_table),
        "user": quote(User._meta.db_table),
        "item": quote(ActionItem._meta.db_table),
        "plan": quote(AccountPlan._meta.db_table),
        "account": quote(Account._meta.db_table),
    }


def state_sql(config: CreditSettings | None, accounts=None) -> tuple[str, dict]:
    """Each account's exposure and the levels it is at (``account_id, name, owner_id,
    credit_limit, exposure, share, overdue_90, at_warning, at_limit, at_overdue``), for
    the active accounts (or ``accounts``): the SQL and its named parameters."""
    accounts = Account.objects.active() if accounts is None else accounts
    rows = (
        with_levels(accounts, config)
        .order_by()
        .values("id", "name", "owner_id", "credit_limit", "credit_exposure", "credit_share",
                "credit_overdue_90", "credit_at_warning", "credit_at_limit",
                "credit_at_overdue")
    )  # fmt: skip
    levels, params = named_sql(rows, "credit")
    return _STATE_SQL.format(levels=levels), params


def _texts() -> dict:
    """The risk events' descriptions and the collection task's words in both languages
    ({name_en: …, name_zh: …}); the statements pick the owner's."""
    texts = {}
    for suffix, language in (("en", "en"), ("zh", "zh-hans")):
        with translation.override(language):
            warning = _(
                "Credit exposure {exposure} has reached the warning level of the credit limit "
                "{limit} ({share} %)."
            )
            texts.update({
                f"warning_{suffix}": warning,
                f"over_limit_{suffix}": _(
                    "Credit exposure {exposure} is over the credit limit {limit} ({share} %)."
                ),
                f"overdue_90_{suffix}": _(
                    "Receivables overdue more than 90 days: {overdue}."
                ),
                f"title_{suffix}": _("Collect the overdue receivables"),
                f"note_{suffix}": _(
                    "Raised by the credit check: agree a payment plan with the customer and "
                    "record what was collected."
                ),
            })  # fmt: skip
    return texts


def _number_text(value) -> str:
    """80.0 -> "80", 82.5 -> "82.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _level_params() -> dict:
    return {
        "warning": CreditLevel.WARNING.value,
        "over_limit": CreditLevel.OVER_LIMIT.value,
        "overdue_90": CreditLevel.OVERDUE_90.value,
    }


@transaction.atomic
def credit_check(*, now=None) -> dict:
    """Run the credit check over every active account (see the module): returns the
    counts {"cleared", "raised", "risks", "notifications", "tasks"}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    config = CreditSettings.in_force()
    state, state_params = state_sql(config)
    leads, lead_params = named_sql(lead_pairs(), "leads")
    tables = _tables()
    levels = _LEVELS_SQL
    params = {
        **state_params,
        **lead_params,
        **_level_params(),
        **_texts(),
        "warning_share_text": _number_text(config.warning_share),
        "limit_share_text": _number_text(config.limit_share),
        "now": now,
        "money": MONEY_FORMAT,
        "default_language": settings.LANGUAGE_CODE,
        "risk_table": RiskEvent._meta.db_table,
        "risk_type": RiskType.CREDIT.value,
        "medium": RiskLevel.MEDIUM.value,
        "high": RiskLevel.HIGH.value,
        "risk_open": RiskStatus.OPEN.value,
        "kind_warning": KINDS[CreditLevel.WARNING].value,
        "kind_over_limit": KINDS[CreditLevel.OVER_LIMIT].value,
        "kind_overdue_90": KINDS[CreditLevel.OVERDUE_90].value,
        "url_prefix": reverse("accounts:detail", args=[0])[: -len("0/")],
        "year": today.year,
        "due": today + timedelta(days=COLLECTION_DAYS),
        "done": ActionStatus.DONE.value,
        "open": ActionStatus.OPEN.value,
        "finance": Department.FINANCE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_CLEAR_SQL.format(state=state, levels=levels, **tables), params)
        cleared = cursor.rowcount
        sql = _RAISE_SQL.format(state=state, levels=levels, leads=leads, **tables)
        cursor.execute(sql, params)
        raised, risks, notifications = cursor.fetchone()
        cursor.execute(_COLLECT_SQL.format(**tables), params)
        tasks, _linked = cursor.fetchone()
    return {
        "cleared": cleared,
        "raised": raised,
        "risks": risks,
        "notifications": notifications,
        "tasks": tasks,
    }


def check_after_load(**kwargs) -> None:
    """The ``actuals_loaded`` event: check again once the actuals are committed."""
    from credit.tasks import credit_check_task

    transaction.on_commit(credit_check_task.delay)


_HEALTH_SQL = """
SELECT s.account_id, s.share, s.overdue_90,
       (CASE WHEN s.at_limit THEN %(health_high)s WHEN s.at_warning THEN %(health_medium)s
             ELSE 0 END
        + CASE WHEN s.at_overdue THEN %(health_high)s ELSE 0 END) AS penalty
FROM ({state}) s"""

_HEALTH_RISKS_SQL = """
SELECT w.risk_event_id AS risk_id FROM {warning} w WHERE w.risk_event_id IS NOT NULL"""


def health_credit_sql() -> tuple[str, str, dict]:
    """The health check's credit inputs (accounts.health.engine.credit_sql): the SQL of
    each active account's credit state (``account_id, share, overdue_90, penalty``: the
    levels it is at weigh as the open risk events they raise would, 40 for over the limit
    or 90 days overdue, 20 for the warning) and of the risk events the credit check
    raised (``risk_id``: the health check leaves them out of the open risk events, as
    the state stands for them), with their parameters."""
    state, params = state_sql(None)
    params = {**params, "health_high": 40, "health_medium": 20}
    return (
        _HEALTH_SQL.format(state=state),
        _HEALTH_RISKS_SQL.format(**_tables()),
        params,
    )
