"""Writes for service and risk: complaints and their transitions, surveys, risk events.

Keyword-only, the actor first, each in a transaction; bad input raises
``ValidationError`` with field errors, an executive ``PermissionDenied``, and an
object out of the actor's view ``Http404``. The breach sweep is one UPDATE for all
overdue complaints.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact, Visit
from accounts.policy.models import policy_in_force
from accounts.service.models import (
    Complaint,
    ComplaintStatus,
    RiskEvent,
    RiskStatus,
    ServiceSettings,
    Survey,
)
from kam import events
from kam.capabilities import may
from kam.models import User
from kam.scoping import CHANGE, ensure_visible

COMPLAINT_FIELDS = ("received_at", "channel", "category", "severity", "description")
RISK_FIELDS = ("type", "level", "description", "mitigation", "status")

#: status -> the statuses it may move to; nothing else is allowed
TRANSITIONS = {
    ComplaintStatus.OPEN: {ComplaintStatus.RESPONDED},
    ComplaintStatus.RESPONDED: {ComplaintStatus.RESOLVED},
    ComplaintStatus.RESOLVED: {ComplaintStatus.VERIFIED},
    ComplaintStatus.VERIFIED: {ComplaintStatus.CLOSED},
    ComplaintStatus.CLOSED: set(),
}


#: the conditions the apps above accounts put on a complaint's steps (taskforce: a task
#: force complaint is resolved only with its task force and closed only when every task
#: is done), registered when they are ready: each ``guard(complaint=, target=)`` returns
#: why the step is refused, or None. Checked in ``_complaint_for_change``, the one place
#: every transition passes, with the complaint locked.
COMPLAINT_GUARDS: list = []


def complaint_guard(guard) -> None:
    """Add a condition on every complaint transition (see ``COMPLAINT_GUARDS``)."""
    if guard not in COMPLAINT_GUARDS:
        COMPLAINT_GUARDS.append(guard)


def _refuse_read_only(actor: User) -> None:
    if not may(actor, "records.change"):
        raise PermissionDenied(_("Executives can look at everything but change nothing."))


def _check_account(actor: User, account: Account | None) -> Account:
    if (
        account is None
        or not Account.objects.visible_to(actor, CHANGE)
        .filter(pk=account.pk, archived_at__isnull=True)
        .exists()
    ):
        raise ValidationError({"account": _("Choose an account you look after.")})
    return account


def _check_contact(account: Account, contact: Contact | None) -> None:
    if contact is not None and contact.account_id != account.pk:
        raise ValidationError(
            {"contact": _("%(name)s is not a contact of %(account)s.")
             % {"name": contact.name, "account": account.name}}
        )  # fmt: skip


def _check_owner(actor: User, owner: User | None) -> None:
    if owner is not None and not User.objects.visible_to(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose an owner from your teams.")})


# --- the commitments --------------------------------------------------------------------


def response_due_for(*, severity: str, received_at, tier: str = "", commitments=None, policy=None):
    """When the first response is due for a complaint of ``severity`` received then, on
    an account of ``tier``: the stricter (sooner) of the severity's commitment and the
    tier service policy's first-response hours (no tier: tier D's; a tier without hours of
    its own: the severity's alone). The one place the deadline is computed."""
    commitments = commitments or ServiceSettings.current()
    policy = policy or policy_in_force()
    hours = commitments.response_hours(severity)
    tier_hours = policy[tier or "D"]["response_hours"]
    if tier_hours:
        hours = min(hours, tier_hours)
    return received_at + timedelta(hours=hours)


@transaction.atomic
def service_settings_update(*, actor: User, **hours) -> ServiceSettings:
    """Change the response commitments (admins only); applies to complaints received after."""
    if not may(actor, "service.configure"):
        raise PermissionDenied(_("Only an admin changes the response commitments."))
    ServiceSettings.objects.get_or_create(pk=1)
    commitments = ServiceSettings.objects.select_for_update().get(pk=1)
    for severity, value in hours.items():
        setattr(commitments, f"response_hours_{severity}", value)
    commitments.full_clean()
    commitments.save()
    return commitments


# --- complaints -------------------------------------------------------------------------


@transaction.atomic
def complaint_record(
    *,
    actor: User,
    account: Account,
    contact: Contact | None = None,
    owner: User | None = None,
    **fields,
) -> Complaint:
    """Record a complaint; its owner defaults to the account owner and its response
    deadline follows its severity."""
    _refuse_read_only(actor)
    _check_account(actor, account)
    _check_contact(account, contact)
    _check_owner(actor, owner)
    data = {key: value for key, value in fields.items() if key in COMPLAINT_FIELDS}
    data.setdefault("received_at", timezone.now())
    complaint = Complaint(
        account=account,
        contact=contact,
        owner=owner or account.owner,
        created_by=actor,
        **data,
    )
    if complaint.received_at and complaint.received_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"received_at": _("A complaint cannot be received in the future.")})
    if complaint.received_at and complaint.severity:
        complaint.response_due = response_due_for(
            severity=complaint.severity, received_at=complaint.received_at, tier=account.tier
        )
    complaint.full_clean()
    complaint.save()
    complaints_mark_breached(ids=[complaint.pk])  # recorded after its deadline already
    complaint.refresh_from_db()
    return complaint


def _complaint_for_change(actor: User, complaint: Complaint, to: str) -> Complaint:
    _refuse_read_only(actor)
    locked = Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
    if locked is None:
        raise ValidationError(_("This complaint no longer exists."))
    ensure_visible(actor, locked, CHANGE)
    if to not in TRANSITIONS[locked.status]:
        raise ValidationError(
            {"status": _("A complaint that is %(current)s cannot become %(target)s.")
             % {"current": locked.get_status_display(),
                "target": ComplaintStatus(to).label}}
        )  # fmt: skip
    for guard in COMPLAINT_GUARDS:
        refusal = guard(complaint=locked, target=to)
        if refusal:
            raise ValidationError({"status": refusal})
    return locked


@transaction.atomic
def complaint_respond(*, actor: User, complaint: Complaint, response: str) -> Complaint:
    """The first response: open → responded. A late one marks the breach for good."""
    complaint = _complaint_for_change(actor, complaint, ComplaintStatus.RESPONDED)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Say how the customer was answered.")})
    complaint.response = response
    complaint.first_response_at = timezone.now()
    complaint.status = ComplaintStatus.RESPONDED
    complaint.full_clean()
    complaint.save()
    complaints_mark_breached(ids=[complaint.pk])
    complaint.refresh_from_db()
    return complaint


@transaction.atomic
def complaint_resolve(
    *, actor: User, complaint: Complaint, resolution: str, root_cause: str
) -> Complaint:
    """responded → resolved, with what was done and why it happened."""
    complaint = _complaint_for_change(actor, complaint, ComplaintStatus.RESOLVED)
    errors = {}
    resolution = (resolution or "").strip()
    if not resolution:
        errors["resolution"] = _("Say how the complaint was resolved.")
    if not root_cause:
        errors["root_cause"] = _("Choose the root cause.")
    if errors:
        raise ValidationError(errors)
    complaint.resolution = resolution
    complaint.root_cause = root_cause
    complaint.resolved_at = timezone.now()
    complaint.status = ComplaintStatus.RESOLVED
    complaint.full_clean()
    complaint.save()
    return complaint


def resolved_minute(complaint: Complaint):
    """Visits are logged to the minute: one in the minute of the resolution counts as after."""
    return complaint.resolved_at.replace(second=0, microsecond=0)


@transaction.atomic
def complaint_verify(*, actor: User, complaint: Complaint, visit: Visit | None) -> Complaint:
    """resolved → verified, by a follow-up visit to the same account after the resolution."""
    complaint = _complaint_for_change(actor, complaint, ComplaintStatus.VERIFIED)
    if visit is None:
        raise ValidationError({"visit": _("Choose the follow-up visit.")})
    visit = Visit.objects.active().visible_to(actor).filter(pk=visit.pk).first()
    if (
        visit is None
        or visit.account_id != complaint.account_id
        or visit.occurred_at < resolved_minute(complaint)
    ):
        raise ValidationError(
            {"visit": _("Choose a visit to this account made after the complaint was resolved.")}
        )
    complaint.verification_visit = visit
    complaint.verified_at = timezone.now()
    complaint.status = ComplaintStatus.VERIFIED
    complaint.full_clean()
    complaint.save()
    return complaint


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint, satisfaction: int | None) -> Complaint:
    """verified → closed, with the customer's satisfaction 1–5."""
    complaint = _complaint_for_change(actor, complaint, ComplaintStatus.CLOSED)
    if satisfaction is None or not 1 <= int(satisfaction) <= 5:
        raise ValidationError({"satisfaction": _("Give the customer's satisfaction, 1 to 5.")})
    complaint.satisfaction = int(satisfaction)
    complaint.closed_at = timezone.now()
    complaint.status = ComplaintStatus.CLOSED
    complaint.full_clean()
    complaint.save()
    return complaint


def complaints_mark_breached(*, ids=None, now=None, escalate=True) -> list[int]:
    """Mark every complaint whose first response is late: one UPDATE for all of them,
    never undone. Each newly marked complaint escalates to its owner's supervisors (and
    reminds its owner while unanswered) under the reminder key, so exactly once.
    ``escalate=False``: the caller escalates (the reminder sweep folds it into its one
    statement). Returns the ids marked now.

    A concurrent sweep waits on the row locks and then skips the rows already marked,
    so a complaint is escalated exactly once."""
    now = now or timezone.now()
    table = connection.ops.quote_name(Complaint._meta.db_table)
    sql = (
        f"UPDATE {table} SET breached = true, breached_at = %s "  # noqa: S608 - table name only
        "WHERE breached = false AND ((first_response_at IS NULL AND response_due < %s) "
        "OR first_response_at > response_due)"
    )
    params = [now, now]
    if ids is not None:
        sql += " AND id = ANY(%s)"
        params.append(list(ids))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING id", params)
        marked = sorted(row[0] for row in cursor.fetchall())
        if marked:
            events.publish("complaints_escalated", marked)  # the webhooks' outbox, same transaction
        if marked and escalate:
            _escalate(marked, now)
    return marked


def _escalate(ids, now) -> None:
    """The reminder keys and notifications of the breached complaints (reminders
    handles the event in one statement)."""
    events.publish("complaints_escalate", ids=ids, now=now)


# --- surveys ----------------------------------------------------------------------------


@transaction.atomic
def survey_record(
    *,
    actor: User,
    account: Account,
    contact: Contact | None = None,
    taken_on=None,
    nps: int | None = None,
    csat: int | None = None,
    comment: str = "",
) -> Survey:
    _refuse_read_only(actor)
    _check_account(actor, account)
    _check_contact(account, contact)
    if nps is None and csat is None:
        raise ValidationError({"nps": _("Give an NPS score, a CSAT score or both.")})
    survey = Survey(
        account=account,
        contact=contact,
        taken_on=taken_on or timezone.localdate(),
        nps=nps,
        csat=csat,
        comment=comment or "",
        recorded_by=actor,
    )
    if survey.taken_on > timezone.localdate():
        raise ValidationError({"taken_on": _("A survey cannot be dated in the future.")})
    survey.full_clean()
    survey.save()
    return survey


# --- risk events ------------------------------------------------------------------------


@transaction.atomic
def risk_raise(*, actor: User, account: Account, owner: User | None = None, **fields) -> RiskEvent:
    _refuse_read_only(actor)
    _check_account(actor, account)
    _check_owner(actor, owner)
    data = {key: value for key, value in fields.items() if key in RISK_FIELDS}
    risk = RiskEvent(account=account, owner=owner or account.owner, created_by=actor, **data)
    if risk.status == RiskStatus.CLOSED:
        risk.closed_at = timezone.now()
    risk.full_clean()
    risk.save()
    return risk


@transaction.atomic
def risk_update(*, actor: User, risk: RiskEvent, owner: User | None = None, **fields) -> RiskEvent:
    """Change a risk's level, plan or status; closing stamps the time, reopening clears it."""
    _refuse_read_only(actor)
    risk = RiskEvent.objects.select_for_update().get(pk=risk.pk)
    ensure_visible(actor, risk, CHANGE)
    if owner is not None:
        _check_owner(actor, owner)
        risk.owner = owner
    for key, value in fields.items():
        if key in RISK_FIELDS:
            setattr(risk, key, value)
    if risk.status == RiskStatus.CLOSED and risk.closed_at is None:
        risk.closed_at = timezone.now()
    elif risk.status != RiskStatus.CLOSED:
        risk.closed_at = None
    risk.full_clean()
    risk.save()
    return risk
