"""The reminder statement: every due reminder of the chosen kinds in ONE SQL statement.

Candidates (``due``) are gathered per kind from the domain tables, then:

1. ``fresh`` keeps the candidates whose recipient is active and whose key is not yet
   taken, and draws each a notification id from the notification table's sequence;
2. ``ins`` inserts them into the reminder table with ``ON CONFLICT ON CONSTRAINT
   reminder_once DO NOTHING`` (a concurrent sweep that inserted the same key first
   wins; this one waits for it and then skips the row);
3. the main INSERT creates the notifications of exactly the rows ``ins`` returned.

The reminder's foreign key to its notification is checked at commit (Django creates
PostgreSQL foreign keys ``DEFERRABLE INITIALLY DEFERRED``), so both rows appear in the
same statement and either both commit or neither does: a worker killed mid-run leaves
nothing behind, and its retry sends everything once.

Kinds, their subject, due date and recipients (``today`` is the local date):

revisit_due
    an open planned revisit (visit not archived, revisit not done) due on or before
    today; due = the planned date; to its owner (``next_visit_owner``, set by
    ``Visit.revisit_owner_for``).
cadence_overdue / cadence_escalated
    an account (not archived, not lost) past its visit cadence as
    ``AccountQuerySet.with_cadence_due`` defines it (the statement selects from that
    queryset's SQL); due = its ``cadence_due_on``, to the owner. More than twice the
    cadence: escalated, due = since + 2 × cadence, to the owner and the supervisors of
    the owner's teams.
action_item_due
    an action item not done, due on or before today, of an account not archived; to its
    owner.
complaint_due_soon
    an open, unanswered complaint whose first response is due within the "due soon"
    window; due = the local date of the deadline; to the complaint's owner.
complaint_breached / complaint_overdue
    complaints just marked breached (ids passed in): the owner's supervisors get the
    escalation, the owner (when still unanswered) the overdue reminder.
contract_renewal
    a live contract (signed or active, not archived) in its 90-day window (90 to 31 days
    before the end) or 30-day window (30 to 1 days before); due = end − 90 or end − 30,
    to the account's owner. A window is caught up if a sweep was missed, and a contract
    entered late gets only the reminder of the window it is in.
plan_awaiting_approval
    a submitted plan waiting 3 days or more since its submission, again every 7 days;
    due = submitted + 3 + 7k; to the supervisors of the owner's teams (admins when the
    owner has none).
registered kinds (``reminder_source``)
    the apps above reminders add theirs when they are ready: coaching's follow-up (a
    coaching session's follow-up date, to the supervisor who recorded it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AccountStatus
from accounts.service.models import DUE_SOON, ComplaintStatus
from kam.capabilities import roles_with
from kam.choices import NotificationKind
from kam.models import User
from kam.queries import named_sql
from kam.scoping import lead_pairs
from opportunities.choices import RENEWAL_REMINDER_DAYS, ContractStatus
from plans.choices import ActionStatus, PlanStatus
from reminders.models import SubjectType

K = NotificationKind

#: a submitted plan reminds its approvers after this many days, then every REPEAT days
PLAN_WAIT_DAYS = 3
PLAN_REPEAT_DAYS = 7

#: the kinds the periodic sweep looks for (breaches come from the breach marking)
SWEEP_KINDS = (
    K.REVISIT_DUE,
    K.CADENCE_OVERDUE,
    K.CADENCE_ESCALATED,
    K.ACTION_ITEM_DUE,
    K.COMPLAINT_DUE_SOON,
    K.COMPLAINT_BREACHED,
    K.COMPLAINT_OVERDUE,
    K.CONTRACT_RENEWAL,
    K.PLAN_AWAITING_APPROVAL,
)
BREACH_KINDS = (K.COMPLAINT_BREACHED, K.COMPLAINT_OVERDUE)


@dataclass(frozen=True)
class Source:
    """A kind of reminder an app above reminders adds: ``sql()`` is its fragment of the
    statement (selecting the same eight columns as ``_FRAGMENTS``, with the parameters
    of ``_params`` and its own), ``params(context)`` its own parameters."""

    sql: Callable[[], str]
    params: Callable[["Context"], dict]


#: the reminder kinds registered by the apps above reminders when they are ready
#: (coaching: a session's follow-up): {kind: Source}; the periodic sweep sends them in
#: its one statement, under the same key
SOURCES: dict = {}


def reminder_source(kind, *, sql, params=None) -> None:
    """Add ``kind`` to the sweep: ``sql()`` its candidates, ``params(context)`` theirs."""
    SOURCES[kind] = Source(sql, params or (lambda context: {}))


def sweep_kinds() -> tuple:
    """The kinds the periodic sweep looks for: its own and the registered ones."""
    return (*SWEEP_KINDS, *SOURCES)


_URL_SENTINEL = 987654321


def _tables() -> dict:
    def table(label):
        return connection.ops.quote_name(apps.get_model(label)._meta.db_table)

    return {
        "account": table("accounts.Account"),
        "visit": table("accounts.Visit"),
        "complaint": table("accounts.Complaint"),
        "item": table("plans.ActionItem"),
        "plan": table("plans.AccountPlan"),
        "transition": table("plans.PlanTransition"),
        "contract": table("opportunities.Contract"),
        "user": table("kam.User"),
        "team": table("kam.Team"),
        "membership": table("kam.TeamMembership"),
        "notification": table("kam.Notification"),
        "reminder": table("reminders.Reminder"),
        "notification_table": apps.get_model("kam.Notification")._meta.db_table,
    }


def _url(name: str) -> tuple[str, str]:
    """The URL of ``name`` around its one integer argument: (before, after)."""
    before, after = reverse(name, args=[_URL_SENTINEL]).split(str(_URL_SENTINEL))
    return before, after


# Each fragment selects: kind, subject_type, subject_id, due_on, recipient_id,
# account_id, url, params.
_FRAGMENTS = {
    K.REVISIT_DUE: """
    SELECT %(k_revisit_due)s::text, %(s_visit)s::text, v.id, v.next_visit_on,
           v.next_visit_owner_id, a.id,
           %(u_visit_0)s::text || v.id || %(u_visit_1)s::text,
           jsonb_build_object('account', a.name, 'due', to_char(v.next_visit_on, 'YYYY-MM-DD'),
                              'purpose', v.purpose)
    FROM {visit} v JOIN {account} a ON a.id = v.account_id
    WHERE v.archived_at IS NULL AND v.next_visit_on IS NOT NULL
      AND v.follow_up_closed_at IS NULL AND v.next_visit_on <= %(today)s
      AND a.archived_at IS NULL""",
    K.CADENCE_OVERDUE: """
    SELECT %(k_cadence_overdue)s::text, %(s_account)s::text,
           c.id, c.since + c.cadence, c.owner_id, c.id,
           %(u_account_0)s::text || c.id || %(u_account_1)s::text,
           jsonb_build_object('account', c.name, 'cadence', c.cadence, 'last', c.last_on_text,
                              'days', %(today)s::date - c.since)
    FROM cadence c
    WHERE %(today)s::date > c.since + c.cadence""",
    K.CADENCE_ESCALATED: """
    SELECT %(k_cadence_escalated)s::text, %(s_account)s::text,
           c.id, c.since + 2 * c.cadence, r.user_id, c.id,
           %(u_account_0)s::text || c.id || %(u_account_1)s::text,
           jsonb_build_object('account', c.name, 'cadence', c.cadence, 'last', c.last_on_text,
                              'days', %(today)s::date - c.since, 'owner', c.owner_name)
    FROM cadence c
    JOIN LATERAL (
        SELECT c.owner_id AS user_id
        UNION SELECT l.supervisor_id FROM lead l WHERE l.member_id = c.owner_id
    ) r ON true
    WHERE %(today)s::date > c.since + 2 * c.cadence""",
    K.ACTION_ITEM_DUE: """
    SELECT %(k_action_item_due)s::text, %(s_action_item)s::text, i.id, i.due_on, i.owner_id, a.id,
           %(u_item_0)s::text || i.id || %(u_item_1)s::text,
           jsonb_build_object('account', a.name, 'title', i.title, 'year', p.year,
                              'due', to_char(i.due_on, 'YYYY-MM-DD'))
    FROM {item} i JOIN {plan} p ON p.id = i.plan_id JOIN {account} a ON a.id = p.account_id
    WHERE i.status <> %(action_done)s AND i.due_on <= %(today)s AND a.archived_at IS NULL""",
    K.COMPLAINT_DUE_SOON: """
    SELECT %(k_complaint_due_soon)s::text, %(s_complaint)s::text, c.id,
           (c.response_due AT TIME ZONE %(tz)s)::date, c.owner_id, a.id,
           %(u_complaint_0)s::text || c.id || %(u_complaint_1)s::text,
           jsonb_build_object('account', a.name, 'severity', c.severity,
                              'due', to_char(c.response_due AT TIME ZONE %(tz)s,
                                             'YYYY-MM-DD HH24:MI'))
    FROM {complaint} c JOIN {account} a ON a.id = c.account_id
    WHERE c.status = %(complaint_open)s AND NOT c.breached AND c.first_response_at IS NULL
      AND c.response_due >= %(now)s AND c.response_due < %(due_soon_until)s""",
    K.COMPLAINT_BREACHED: """
    SELECT %(k_complaint_breached)s::text, %(s_complaint)s::text, c.id,
           (c.response_due AT TIME ZONE %(tz)s)::date, l.supervisor_id, a.id,
           %(u_complaint_0)s::text || c.id || %(u_complaint_1)s::text,
           jsonb_build_object('account', a.name, 'owner', {owner_name}, 'severity', c.severity,
                              'due', to_char(c.response_due AT TIME ZONE %(tz)s,
                                             'YYYY-MM-DD HH24:MI'))
    FROM {complaint} c JOIN {account} a ON a.id = c.account_id
    JOIN {user} o ON o.id = c.owner_id
    JOIN lead l ON l.member_id = c.owner_id
    WHERE c.id = ANY(%(breached)s::bigint[]) AND c.breached""",
    K.COMPLAINT_OVERDUE: """
    SELECT %(k_complaint_overdue)s::text, %(s_complaint)s::text, c.id,
           (c.response_due AT TIME ZONE %(tz)s)::date, c.owner_id, a.id,
           %(u_complaint_0)s::text || c.id || %(u_complaint_1)s::text,
           jsonb_build_object('account', a.name, 'severity', c.severity,
                              'due', to_char(c.response_due AT TIME ZONE %(tz)s,
                                             'YYYY-MM-DD HH24:MI'))
    FROM {complaint} c JOIN {account} a ON a.id = c.account_id
    WHERE c.id = ANY(%(breached)s::bigint[]) AND c.breached AND c.first_response_at IS NULL""",
    K.CONTRACT_RENEWAL: """
    SELECT %(k_contract_renewal)s::text, %(s_contract)s::text,
           ct.id, ct.ends_on - w.days, a.owner_id, a.id,
           %(u_contract_0)s::text || ct.id || %(u_contract_1)s::text,
           jsonb_build_object('account', a.name, 'number', ct.number, 'days', w.days,
                              'ends', to_char(ct.ends_on, 'YYYY-MM-DD'))
    FROM {contract} ct JOIN {account} a ON a.id = ct.account_id
    JOIN unnest(%(renewal_days)s::int[], %(renewal_next)s::int[]) AS w(days, next) ON true
    WHERE ct.archived_at IS NULL AND ct.status = ANY(%(contract_live)s)
      AND a.archived_at IS NULL
      AND ct.ends_on - w.days <= %(today)s AND %(today)s < ct.ends_on - w.next""",
    K.PLAN_AWAITING_APPROVAL: """
    SELECT %(k_plan_awaiting_approval)s::text, %(s_plan)s::text, w.id,
           w.since + %(plan_wait)s
               + %(plan_repeat)s * ((%(today)s::date - w.since - %(plan_wait)s) / %(plan_repeat)s),
           r.user_id, w.account_id,
           %(u_plan_0)s::text || w.id || %(u_plan_1)s::text,
           jsonb_build_object('account', w.name, 'year', w.year, 'owner', w.owner_name,
                              'since', to_char(w.since, 'YYYY-MM-DD'))
    FROM (
        SELECT p.id, p.year, p.account_id, a.name, a.owner_id, {owner_name} AS owner_name,
               COALESCE((SELECT (MAX(t.created_at) AT TIME ZONE %(tz)s)::date
                         FROM {transition} t
                         WHERE t.plan_id = p.id AND t.to_status = %(plan_submitted)s),
                        (p.updated_at AT TIME ZONE %(tz)s)::date) AS since
        FROM {plan} p JOIN {account} a ON a.id = p.account_id JOIN {user} o ON o.id = a.owner_id
        WHERE p.status = %(plan_submitted)s AND a.archived_at IS NULL
    ) w
    JOIN LATERAL (
        SELECT l.supervisor_id AS user_id FROM lead l WHERE l.member_id = w.owner_id
        UNION ALL
        SELECT u.id FROM {user} u
        WHERE u.role = ANY(%(roles_all_teams)s)
          AND NOT EXISTS (SELECT 1 FROM lead l WHERE l.member_id = w.owner_id)
    ) r ON true
    WHERE %(today)s::date - w.since >= %(plan_wait)s""",
}

_CADENCE_CTE = """
cadence AS (
    SELECT c.id, c.name, c.owner_id, c.cadence_days AS cadence, c.cadence_since AS since,
           COALESCE(to_char((c.last_visit_at AT TIME ZONE %(tz)s)::date, 'YYYY-MM-DD'), '')
               AS last_on_text,
           {owner_name} AS owner_name
    FROM ({rows}) c
    JOIN {user} o ON o.id = c.owner_id
    WHERE c.cadence_due_on IS NOT NULL
),"""


def _cadence_rows(now) -> tuple[str, dict]:
    """The accounts' visit cadence as ``AccountQuerySet.with_cadence_due`` defines it (the
    visits up to ``now``): its SQL and named parameters."""
    from accounts.models import Account

    rows = (
        Account.objects.active()
        .with_cadence_due(as_of=now, every_account=True)
        .values(
            "id",
            "name",
            "owner_id",
            "cadence_days",
            "cadence_since",
            "cadence_due_on",
            "last_visit_at",
        )
        .order_by()
    )
    return named_sql(rows, "cadence")


_STATEMENT = """
WITH lead AS (
    {lead}
),{cadence_cte}
due (kind, subject_type, subject_id, due_on, recipient_id, account_id, url, params) AS (
{fragments}
),
fresh AS MATERIALIZED (
    SELECT d.*, nextval(pg_get_serial_sequence(%(notification_table)s, 'id')) AS notification_id
    FROM (
        SELECT DISTINCT ON (d.kind, d.subject_type, d.subject_id, d.due_on, d.recipient_id) d.*
        FROM due d
        JOIN {user} u ON u.id = d.recipient_id AND u.is_active
        WHERE NOT EXISTS (
            SELECT 1 FROM {reminder} r
            WHERE r.kind = d.kind AND r.subject_type = d.subject_type
              AND r.subject_id = d.subject_id AND r.due_on = d.due_on
              AND r.recipient_id = d.recipient_id)
        ORDER BY d.kind, d.subject_type, d.subject_id, d.due_on, d.recipient_id
    ) d
),
ins AS (
    INSERT INTO {reminder}
        (kind, subject_type, subject_id, due_on, recipient_id, notification_id, created_at)
    SELECT kind, subject_type, subject_id, due_on, recipient_id, notification_id, %(now)s
    FROM fresh
    ON CONFLICT ON CONSTRAINT reminder_once DO NOTHING
    RETURNING notification_id
)
INSERT INTO {notification} (id, recipient_id, kind, account_id, params, url, created_at)
SELECT f.notification_id, f.recipient_id, f.kind, f.account_id, f.params, f.url, %(now)s
FROM fresh f JOIN ins ON ins.notification_id = f.notification_id
RETURNING kind
"""


@dataclass(frozen=True)
class Context:
    """What a run needs besides the database: the clock and the complaints just marked
    breached (the visit cadences are read in SQL: AccountQuerySet.with_cadence_due)."""

    now: datetime
    today: date
    breached: tuple = ()


def _params(context: Context) -> dict:
    days = sorted(RENEWAL_REMINDER_DAYS, reverse=True)
    params = {
        "now": context.now,
        "today": context.today,
        "tz": settings.TIME_ZONE,
        "breached": list(context.breached),
        "due_soon_until": context.now + DUE_SOON,
        "action_done": ActionStatus.DONE,
        "complaint_open": ComplaintStatus.OPEN,
        "contract_live": [ContractStatus.SIGNED, ContractStatus.ACTIVE],
        "renewal_days": days,
        "renewal_next": [*days[1:], 0],
        "plan_submitted": PlanStatus.SUBMITTED,
        "plan_wait": PLAN_WAIT_DAYS,
        "plan_repeat": PLAN_REPEAT_DAYS,
        "roles_all_teams": roles_with("teams.all"),
        "account_lost": AccountStatus.LOST,
        "notification_table": _tables()["notification_table"],
        **_cadence_rows(context.now)[1],
        **named_sql(lead_pairs(), "lead")[1],
        **{f"k_{kind.value}": kind.value for kind in NotificationKind},
        **{f"s_{subject.value}": subject.value for subject in SubjectType},
    }
    for key, name in (
        ("visit", "accounts:visit-detail"),
        ("account", "accounts:detail"),
        ("item", "plans:action-item-edit"),
        ("complaint", "accounts:complaint-detail"),
        ("contract", "opportunities:contract-detail"),
        ("plan", "plans:detail"),
    ):
        params[f"u_{key}_0"], params[f"u_{key}_1"] = _url(name)
    for source in SOURCES.values():
        params.update(source.params(context))
    return params


def statement(kinds) -> str:
    tables = _tables()
    owner_name = User.display_name_sql("o")
    fragments = "\n    UNION ALL".join(
        SOURCES[kind].sql()
        if kind in SOURCES
        else _FRAGMENTS[kind].format(owner_name=owner_name, **tables)
        for kind in kinds
    )
    needs_cadence = K.CADENCE_OVERDUE in kinds or K.CADENCE_ESCALATED in kinds
    cadence_cte = ""
    if needs_cadence:
        rows = _cadence_rows(timezone.now())[0]
        cadence_cte = _CADENCE_CTE.format(owner_name=owner_name, rows=rows, **tables)
    lead = named_sql(lead_pairs(), "lead")[0]  # whom a supervisor leads: kam.scoping
    return _STATEMENT.format(fragments=fragments, cadence_cte=cadence_cte, lead=lead, **tables)


def remind(*, kinds, context: Context) -> list[str]:
    """Send every due reminder of ``kinds`` not sent before: one statement. Returns
    the kinds of the notifications created (one entry per notification)."""
    if not kinds:
        return []
    with connection.cursor() as cursor:
        cursor.execute(statement(kinds), _params(context))
        return [row[0] for row in cursor.fetchall()]
