"""The lifecycle rules: every account's stage moved in a fixed number of SQL statements
whatever the number of accounts (the rules page says the same in words:
``lifecycle.rules.describe``).

For each account that is not archived and not held by an override
(``LifecycleOverride.objects.holding``), the stage it should be at, the first rule that
applies, from the top:

1. lost stays lost (only a person's override takes an account out of it);
2. a lost renewal → lost: the account's latest decided renewal opportunity is lost
   (``OpportunityQuerySet.lost`` / ``won``, type renewal, not archived);
3. a prospect without a signed contract (signed, active or expired, not archived) and
   without actuals stays a prospect;
4. no actuals and no visits for ``silent_months`` → dormant: no ERP actuals of the last
   ``silent_months`` months (``ActualQuerySet.in_months``, ``totals_by_account``), no
   visit since then (``accounts.models.last_visit_at``), and the account is older than that;
5. health red for ``red_days`` → at risk: the account's health is red now and turned red
   (``HealthChangeQuerySet.turned_red``) at least ``red_days`` days ago; an account
   already at risk stays there while its health is red;
6. ``mature_months`` months with actuals (``totals_by_account``'s months) → mature;
7. otherwise developing (a prospect's first contract or first actual; an account at risk
   or dormant that recovered without the months of a mature one).

Each move (stage differs from the account's) is written in the one statement: the
account's stage (its history keeps the change: the audit trigger), a ``LifecycleMove``
(the timeline) and a notification to the owner (an active user). A second run finds
every account at its stage and moves nothing.

Statements: reading the rules in force, the statement that moves.
"""

from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AccountStatus as S
from accounts.health.models import HealthChange, HealthStatus
from accounts.models import Account, last_visit_at
from kam.choices import NotificationKind
from kam.models import Notification, User
from kam.queries import named_sql
from lifecycle.models import LifecycleMove, LifecycleOverride, LifecycleRules, MoveRule
from opportunities.choices import ContractStatus, OpportunityType
from opportunities.models import Contract, Opportunity
from plans.models import Actual

#: the contract statuses that mean the account signed
SIGNED = [ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.EXPIRED]

_MOVE_SQL = """
WITH acc AS ({accounts}),
ever AS ({ever}),
recent AS ({recent}),
red AS ({red}),
signed AS ({signed}),
lost AS ({lost}),
won AS ({won}),
held AS ({held}),
facts AS (
    SELECT a.id, a.name, a.owner_id, a.status AS old,
           (lost.at IS NOT NULL AND (won.at IS NULL OR lost.at > won.at)) AS lost_renewal,
           (signed.account_id IS NOT NULL OR ever.months IS NOT NULL) AS business,
           (recent.months IS NULL
            AND (a.last_visit_at IS NULL OR a.last_visit_at < %(silent_since)s)
            AND a.created_at < %(silent_since)s) AS silent,
           (a.health_status = %(red)s
            AND (red.at <= %(red_since)s OR a.status = %(at_risk)s)) AS red_long,
           COALESCE(ever.months, 0) >= %(mature_months)s AS sustained
    FROM acc a
    LEFT JOIN ever ON ever.account_id = a.id
    LEFT JOIN recent ON recent.account_id = a.id
    LEFT JOIN red ON red.account_id = a.id
    LEFT JOIN signed ON signed.account_id = a.id
    LEFT JOIN lost ON lost.account_id = a.id
    LEFT JOIN won ON won.account_id = a.id
    WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.account_id = a.id)
),
staged AS (
    SELECT f.*,
           CASE WHEN f.old = %(lost_stage)s THEN %(lost_stage)s
                WHEN f.lost_renewal THEN %(lost_stage)s
                WHEN f.old = %(prospect)s AND NOT f.business THEN %(prospect)s
                WHEN f.silent THEN %(dormant)s
                WHEN f.red_long THEN %(at_risk)s
                WHEN f.sustained THEN %(mature)s
                ELSE %(developing)s END AS new
    FROM facts f
),
changes AS (
    SELECT s.*,
           CASE s.new WHEN %(lost_stage)s THEN %(rule_lost)s
                      WHEN %(dormant)s THEN %(rule_silent)s
                      WHEN %(at_risk)s THEN %(rule_red)s
                      ELSE CASE WHEN s.old = %(prospect)s THEN %(rule_first)s
                                WHEN s.old IN (%(at_risk)s, %(dormant)s) THEN %(rule_recovered)s
                                ELSE %(rule_sustained)s END
           END AS rule
    FROM staged s
    WHERE s.new <> s.old
),
moved AS (
    UPDATE {account} a SET status = c.new
    FROM changes c
    WHERE a.id = c.id AND a.status = c.old
    RETURNING a.id
),
moves AS (
    INSERT INTO {move} (account_id, from_stage, to_stage, rule, reason, moved_at)
    SELECT c.id, c.old, c.new, c.rule, '', %(now)s
    FROM changes c JOIN moved m ON m.id = c.id
    RETURNING id
),
notified AS (
    INSERT INTO {notification} (recipient_id, kind, account_id, params, url, created_at)
    SELECT c.owner_id, %(kind)s, c.id,
           jsonb_build_object('account', c.name, 'old', c.old, 'new', c.new, 'rule', c.rule),
           %(url_prefix)s || c.id || '/', %(now)s
    FROM changes c
    JOIN moved m ON m.id = c.id
    JOIN {user} u ON u.id = c.owner_id AND u.is_active
    RETURNING id
)
SELECT (SELECT COUNT(*) FROM moved), (SELECT COUNT(*) FROM moves),
       (SELECT COUNT(*) FROM notified)
"""


def month_number(day: date) -> int:
    """A month as one number (year × 12 + month − 1), as ``ActualQuerySet.in_months``."""
    return day.year * 12 + day.month - 1


def inputs_sql(rules: LifecycleRules, *, today: date, now: datetime) -> tuple[dict, dict]:
    """The SQL of each rule's input, each selected from the queryset of the app that owns
    the figure, and their named parameters."""
    first_silent = month_number(today) - rules.silent_months
    parts = {
        "accounts": Account.objects.active()
        .order_by()
        .values("id", "name", "owner_id", "status", "health_status", "created_at")
        .annotate(last_visit_at=last_visit_at(aggregate=True)),
        "ever": Actual.objects.totals_by_account(),
        "recent": Actual.objects.in_months(
            first_silent, month_number(today) + 1200
        ).totals_by_account(),
        "red": HealthChange.objects.turned_red()
        .order_by()
        .values("account_id")
        .annotate(at=Max("changed_at")),
        "signed": Contract.objects.active()
        .filter(status__in=SIGNED)
        .order_by()
        .values("account_id")
        .distinct(),
        "lost": Opportunity.objects.active()
        .lost()
        .filter(type=OpportunityType.RENEWAL)
        .order_by()
        .values("account_id")
        .annotate(at=Max("stage_entered_at")),
        "won": Opportunity.objects.active()
        .won()
        .filter(type=OpportunityType.RENEWAL)
        .order_by()
        .values("account_id")
        .annotate(at=Max("stage_entered_at")),
        "held": LifecycleOverride.objects.holding(today).order_by().values("account_id"),
    }
    sqls, params = {}, {}
    for name, queryset in parts.items():
        sqls[name], named = named_sql(queryset, name)
        params.update(named)
    params.update({
        "silent_since": _months_before(now, rules.silent_months),
        "red_since": now - timedelta(days=rules.red_days),
        "mature_months": rules.mature_months,
        "red": HealthStatus.RED.value,
    })  # fmt: skip
    return sqls, params


def _months_before(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` calendar months earlier (the day clipped to the month's end)."""
    number = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(number, 12)
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def _tables() -> dict:
    quote = connection.ops.quote_name
    return {
        "account": quote(Account._meta.db_table),
        "move": quote(LifecycleMove._meta.db_table),
        "notification": quote(Notification._meta.db_table),
        "user": quote(User._meta.db_table),
    }


def run(*, today: date | None = None, now: datetime | None = None) -> dict:
    """Move every account whose rules say so (2 statements). Returns {"moved",
    "notified"}. Idempotent: a second run moves nothing."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    rules = LifecycleRules.in_force()
    sqls, params = inputs_sql(rules, today=today, now=now)
    params.update({
        "now": now,
        "kind": NotificationKind.LIFECYCLE_MOVED.value,
        "url_prefix": reverse("accounts:detail", args=[0]).removesuffix("0/"),
        "prospect": S.PROSPECT.value, "developing": S.DEVELOPING.value,
        "mature": S.MATURE.value, "at_risk": S.AT_RISK.value, "dormant": S.DORMANT.value,
        "lost_stage": S.LOST.value,
        "rule_first": MoveRule.FIRST_BUSINESS.value, "rule_sustained": MoveRule.SUSTAINED.value,
        "rule_red": MoveRule.HEALTH_RED.value, "rule_silent": MoveRule.SILENT.value,
        "rule_lost": MoveRule.LOST_RENEWAL.value, "rule_recovered": MoveRule.RECOVERED.value,
    })  # fmt: skip
    sql = _MOVE_SQL.format(**sqls, **_tables())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        moved, _moves, notified = cursor.fetchone()
    return {"moved": moved, "notified": notified}
