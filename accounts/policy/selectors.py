"""Reads of the tier service policy: the account card, the shortfall list (the
drill-down of My day's and the team dashboard's counts), the reminder sweep's SQL.

Every shortfall comes from ``AccountQuerySet.with_policy_shortfalls`` (the one
definition, ``accounts.policy.rules``)."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone

from accounts.choices import ContactLevel
from accounts.models import Account
from accounts.policy.models import Shortfall
from accounts.policy.rules import missing_levels, shortfalls_of, year_window
from accounts.tiering.models import Tier
from kam.queries import named_sql


@dataclass
class PolicyCard:
    account: Account  # annotated: with_policy_shortfalls
    shortfalls: list  # Shortfall values
    missing_levels: list  # ContactLevel labels
    year: int


def account_policy_card(*, account: Account, today: date | None = None) -> PolicyCard:
    """The account page's service policy card. No query when ``account`` was read through
    ``with_policy_shortfalls`` (the account page's own query), else one."""
    today = today or timezone.localdate()
    row = account
    if not hasattr(account, "policy_shortfalls"):
        row = Account.objects.filter(pk=account.pk).with_policy_shortfalls(today=today).get()
    return PolicyCard(
        account=row,
        shortfalls=shortfalls_of(row),
        missing_levels=[ContactLevel(level).label for level in missing_levels(row)],
        year=today.year,
    )


def shortfall_accounts(
    *, user, owners=None, kind: str = "", no_meeting: bool = False, today: date | None = None
):
    """The visible active accounts (of ``owners``) that fall short of their tier's policy
    (of ``kind`` only when given); ``no_meeting``: the tier-A accounts without an executive
    meeting this year instead. Annotated, by name: one query."""
    today = today or timezone.localdate()
    rows = Account.objects.visible_to(user).active().with_policy_shortfalls(today=today)
    if owners is not None:
        rows = rows.filter(owner__in=owners)
    if no_meeting:
        rows = rows.filter(tier=Tier.A, executive_meetings_this_year=0)
    elif kind:
        rows = rows.filter(**{f"short_{kind}": True})
    else:
        rows = rows.filter(policy_shortfalls__gt=0)
    return rows.select_related("owner").order_by("name", "pk")


def shortfall_detail(account) -> list[dict]:
    """An annotated account's shortfalls as the pages show them: kind, label, detail."""
    details = {
        Shortfall.PLAN: "",
        Shortfall.SPONSOR: "",
        Shortfall.CONTACTS: ", ".join(
            str(ContactLevel(level).label) for level in missing_levels(account)
        ),
        Shortfall.EXECUTIVE_MEETINGS: f"{account.executive_meetings_this_year} / "
        f"{account.policy_executive_meetings}",
    }
    return [
        {"kind": kind, "label": Shortfall(kind).label, "detail": details[Shortfall(kind)]}
        for kind in shortfalls_of(account)
    ]


# --- the reminder sweep (reminders.engine.reminder_source) ---------------------------------

#: the notification kind of each shortfall's reminder
REMINDER_KINDS = {
    Shortfall.PLAN: "policy_plan",
    Shortfall.SPONSOR: "policy_sponsor",
    Shortfall.CONTACTS: "policy_contacts",
    Shortfall.EXECUTIVE_MEETINGS: "policy_executive_meetings",
}


def _reminder_rows(today: date):
    rows = (
        Account.objects.active()
        .with_policy_shortfalls(today=today)
        .filter(policy_shortfalls__gt=0)
        .values("id", "name", "owner_id", "policy_contact_within_days",
                "policy_executive_meetings", "executive_meetings_this_year",
                *[f"short_{kind.value}" for kind in Shortfall])
        .order_by()
    )  # fmt: skip
    return named_sql(rows, "policy")


def shortfall_reminder_sql() -> str:
    """The reminder sweep's candidates for the policy's shortfalls (reminders.engine's
    eight columns), selected from ``with_policy_shortfalls``'s SQL: one per account and
    shortfall, of that shortfall's kind, to the owner, due on 1 January of this year, so
    each shortfall is reminded once a year (and again the next year if it still stands);
    the link is the account page."""
    sql = _reminder_rows(timezone.localdate())[0]
    kinds = ", ".join(
        f"(%(k_{REMINDER_KINDS[kind]})s::text, s.short_{kind.value})" for kind in Shortfall
    )
    return f"""
    SELECT k.kind, %(s_account)s::text, s.id, %(policy_year_start)s::date, s.owner_id, s.id,
           %(u_account_0)s::text || s.id || %(u_account_1)s::text,
           jsonb_build_object('account', s.name, 'year', %(policy_year)s::int,
                              'days', s.policy_contact_within_days,
                              'meetings', s.executive_meetings_this_year,
                              'target', s.policy_executive_meetings)
    FROM ({sql}) s
    JOIN LATERAL (VALUES {kinds}) AS k(kind, short) ON k.short"""  # noqa: S608


def shortfall_reminder_params(context) -> dict:
    """The parameters of ``shortfall_reminder_sql``, for the sweep's day."""
    first, _last = year_window(context.today)
    params = _reminder_rows(context.today)[1]
    return {**params, "policy_year_start": first, "policy_year": context.today.year}


def list_url(**query) -> str:
    from urllib.parse import urlencode

    url = reverse("accounts:policy-shortfalls")
    return f"{url}?{urlencode(query, doseq=True)}" if query else url
