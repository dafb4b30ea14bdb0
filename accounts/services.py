"""Writes to accounts, contacts, visits and handovers: the only write path.

UI views, API viewsets, commands and tasks all call these. Each one runs in a
transaction, validates, re-checks the actor's rights on what it wrote before
commit (so a write that would leave the actor's view rolls back) and raises
``ValidationError`` with field errors for bad input.
"""

import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Account,
    AccountHandover,
    AccountTeamMember,
    Contact,
    Visit,
    VisitComment,
)
from kam.capabilities import may
from kam.choices import NotificationKind
from kam.models import User
from kam.scoping import CHANGE, DELETE, VIEW, can, ensure_visible, supervisors_of
from messaging.notifications import notify

ACCOUNT_FIELDS = (
    "name", "legal_name", "credit_code", "external_id", "industry", "region", "parent",
    "owner", "status", "is_industry_leader", "is_reference_customer", "has_channel_value",
    "cooperation_since", "credit_rating", "credit_limit", "estimated_wallet", "description",
    "tags", "annual_revenue_estimate", "gross_margin_estimate", "growth_potential",
    "address", "latitude", "longitude",
)  # fmt: skip
CONTACT_FIELDS = (
    "name", "title", "department", "level", "buying_role", "attitude", "strength",
    "reports_to", "phone", "email", "wechat", "has_left", "left_on", "notes", "external_id",
)  # fmt: skip
VISIT_FIELDS = (
    "kind", "occurred_at", "purpose", "summary", "outcome", "next_steps", "next_visit_on",
    "sentiment", "latitude", "longitude", "location_accuracy",
)  # fmt: skip
MAX_HIERARCHY_DEPTH = 50


def _refuse_read_only(actor: User) -> None:
    if not may(actor, "records.change"):
        raise PermissionDenied(_("Executives can look at everything but change nothing."))


def _save(obj, *, unique_message=None):
    """full_clean and save; a race on a unique column becomes a field error too."""
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise ValidationError(unique_message or _("This record conflicts with another one.")) from (
            error
        )


# --- accounts ---------------------------------------------------------------------------


def _check_parent(actor: User, account: Account, parent: Account | None) -> None:
    if parent is None:
        return
    if not can(actor, parent, VIEW):
        raise ValidationError({"parent": _("Choose a parent account you can see.")})
    if account.pk is None:
        return
    node, depth = parent, 0
    while node is not None and depth < MAX_HIERARCHY_DEPTH:
        if node.pk == account.pk:
            raise ValidationError(
                {"parent": _("%(parent)s is inside %(account)s's own group: that would be a loop.")
                 % {"parent": parent.name, "account": account.name}}
            )  # fmt: skip
        node = Account.objects.filter(pk=node.parent_id).only("pk", "parent_id").first()
        depth += 1


def owner_problem(
    actor: User, owner: User | None, *, current_owner_id=None, visible=None
) -> str | None:
    """The one rule for who may be given an account, for the forms, the API and the
    bulk import alike: the reason ``owner`` is refused, or None. An owner may own
    accounts (kam.capabilities "accounts.own") and be in the actor's view; an actor
    who may not assign accounts gives them only to themselves (or keeps the current
    owner). ``visible`` says whether the owner is in the actor's view when the caller
    already knows (a batch reads its owners once); None asks the database."""
    if owner is None:
        return _("Every account needs an owner.")
    if not may(owner, "accounts.own"):
        return _("The owner must be an active key account manager or supervisor.")
    if not may(actor, "accounts.assign") and owner.pk not in (actor.pk, current_owner_id):
        return _("You can only create accounts that you own.")
    if visible is None:
        visible = User.objects.visible_to(actor).filter(pk=owner.pk).exists()
    if not visible:
        return _("Choose an owner from your teams.")
    return None


def _check_owner(actor: User, owner: User | None) -> None:
    problem = owner_problem(actor, owner)
    if problem:
        raise ValidationError({"owner": problem})


def _check_credit_code(account: Account) -> None:
    code = (account.credit_code or "").strip().upper()
    if code and Account.objects.exclude(pk=account.pk).filter(credit_code=code).exists():
        raise ValidationError({"credit_code": _("Another account already has this credit code.")})


@transaction.atomic
def account_create(*, actor: User, team=(), **fields) -> Account:
    _refuse_read_only(actor)
    data = {key: value for key, value in fields.items() if key in ACCOUNT_FIELDS}
    data.setdefault("owner", actor)
    account = Account(created_by=actor, **data)
    _check_owner(actor, account.owner)
    _check_parent(actor, account, account.parent)
    _check_credit_code(account)
    _save(account, unique_message={"external_id": _("Another account has this external id.")})
    account_team_set(actor=actor, account=account, members=team)
    ensure_visible(actor, account, CHANGE)  # the new account must be the actor's to change
    return account


@transaction.atomic
def account_update(*, actor: User, account: Account, team=None, **fields) -> Account:
    _refuse_read_only(actor)
    account = Account.objects.select_for_update().get(pk=account.pk)
    ensure_visible(actor, account, CHANGE)
    old_owner = account.owner
    for key, value in fields.items():
        if key in ACCOUNT_FIELDS:
            setattr(account, key, value)
    if account.owner_id != old_owner.pk:
        if not may(actor, "accounts.assign"):
            raise ValidationError(
                {"owner": _("Ask your supervisor to hand the account over to a colleague.")}
            )
        _check_owner(actor, account.owner)
    _check_parent(actor, account, account.parent)
    _check_credit_code(account)
    _save(account, unique_message={"external_id": _("Another account has this external id.")})
    if team is not None:
        account_team_set(actor=actor, account=account, members=team)
    if account.owner_id != old_owner.pk:
        _record_handover(actor=actor, account=account, from_user=old_owner, to_user=account.owner)
    ensure_visible(actor, account, VIEW)  # a change may not take an account out of sight
    return account


def account_team_set(*, actor: User, account: Account, members: Iterable[tuple[User, str]]):
    """Replace the account team with ``members``: (user, role) pairs."""
    members = list(members)
    visible_users = User.objects.visible_to(actor)
    wanted = {}
    for user, role in members:
        if user.pk == account.owner_id:
            continue  # the owner leads the team already
        if not visible_users.filter(pk=user.pk).exists():
            raise ValidationError({"team": _("Choose colleagues from your teams.")})
        wanted[user.pk] = role
    AccountTeamMember.objects.filter(account=account).exclude(user_id__in=wanted).delete()
    for user_id, role in wanted.items():
        AccountTeamMember.objects.update_or_create(
            account=account, user_id=user_id, defaults={"role": role}
        )


@transaction.atomic
def account_archive(*, actor: User, account: Account) -> Account:
    _refuse_read_only(actor)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if not can(actor, account, DELETE):
        raise PermissionDenied(_("Only the owner, their supervisor or an admin can archive."))
    if account.archived_at is None:
        account.archived_at = timezone.now()
        account.save(update_fields=["archived_at", "updated_at"])
        for queryset in _archivable_children(account):
            queryset.filter(archived_at__isnull=True).update(archived_at=account.archived_at)
    return account


def _archivable_children(account: Account):
    """What archiving an account archives with it (stamped with the account's time, so a
    restore brings back exactly these and leaves rows archived on their own archived)."""
    from django.apps import apps

    yield Contact.objects.filter(account=account)
    yield Visit.objects.filter(account=account)
    yield apps.get_model("opportunities", "Opportunity").objects.filter(account=account)
    yield apps.get_model("opportunities", "Contract").objects.filter(account=account)


@transaction.atomic
def account_restore(*, actor: User, account: Account) -> Account:
    _refuse_read_only(actor)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if not can(actor, account, DELETE):
        raise PermissionDenied(_("Only the owner, their supervisor or an admin can restore."))
    if account.archived_at is not None:
        for queryset in _archivable_children(account):
            queryset.filter(archived_at=account.archived_at).update(archived_at=None)
    account.archived_at = None
    account.save(update_fields=["archived_at", "updated_at"])
    return account


# --- contacts ---------------------------------------------------------------------------


def _check_reports_to(contact: Contact, boss: Contact | None) -> None:
    if boss is None:
        return
    if boss.account_id != contact.account_id:
        raise ValidationError(
            {"reports_to": _("Choose someone at the same account as the contact.")}
        )
    if contact.pk is None:
        return
    node, depth = boss, 0
    while node is not None and depth < MAX_HIERARCHY_DEPTH:
        if node.pk == contact.pk:
            raise ValidationError(
                {"reports_to": _("%(boss)s already reports to %(contact)s: that would be a loop.")
                 % {"boss": boss.name, "contact": contact.name}}
            )  # fmt: skip
        node = Contact.objects.filter(pk=node.reports_to_id).only("pk", "reports_to_id").first()
        depth += 1


def _contact_account(actor: User, account: Account) -> Account:
    if not Account.objects.visible_to(actor, CHANGE).filter(pk=account.pk).exists():
        raise ValidationError({"account": _("Choose an account you look after.")})
    return account


@transaction.atomic
def contact_create(*, actor: User, account: Account, **fields) -> Contact:
    _refuse_read_only(actor)
    _contact_account(actor, account)
    contact = Contact(
        account=account, **{key: value for key, value in fields.items() if key in CONTACT_FIELDS}
    )
    _check_reports_to(contact, contact.reports_to)
    if contact.has_left and contact.left_on is None:
        contact.left_on = timezone.localdate()
    _save(contact, unique_message={"external_id": _("Another contact has this external id.")})
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, **fields) -> Contact:
    _refuse_read_only(actor)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    ensure_visible(actor, contact, CHANGE)
    was_left = contact.has_left
    if "account" in fields and fields["account"].pk != contact.account_id:
        raise ValidationError({"account": _("A contact cannot move to another account.")})
    for key, value in fields.items():
        if key in CONTACT_FIELDS:
            setattr(contact, key, value)
    _check_reports_to(contact, contact.reports_to)
    if contact.has_left and contact.left_on is None:
        contact.left_on = timezone.localdate()
    if not contact.has_left:
        contact.left_on = None
    _save(contact, unique_message={"external_id": _("Another contact has this external id.")})
    if contact.has_left and not was_left:
        _key_contact_left(actor=actor, contact=contact)
    return contact


def contact_mark_left(*, actor: User, contact: Contact, left_on=None) -> Contact:
    return contact_update(
        actor=actor, contact=contact, has_left=True, left_on=left_on or timezone.localdate()
    )


def _key_contact_left(*, actor: User, contact: Contact) -> None:
    if not contact.is_key:
        return
    account = contact.account
    notify(
        recipients=[account.owner, *supervisors_of(account.owner)],
        kind=NotificationKind.KEY_CONTACT_LEFT,
        about=account,
        url=account.get_absolute_url(),
        contact=contact.name,
        title=contact.title,
        account=account.name,
    )


# --- visits -----------------------------------------------------------------------------


@transaction.atomic
def visit_log(
    *,
    actor: User,
    account: Account,
    contacts: Iterable[Contact] = (),
    colleagues: Iterable[User] = (),
    client_key: uuid.UUID | None = None,
    **fields,
) -> tuple[Visit, bool]:
    """Log a visit; returns (visit, created). A repeated ``client_key`` from the
    same user returns the visit already saved instead of a duplicate."""
    _refuse_read_only(actor)
    if client_key is not None:
        existing = Visit.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.logged_by_id != actor.pk:
                raise ValidationError({"client_key": _("This submission key is already used.")})
            return existing, False
    if not Account.objects.visible_to(actor, CHANGE).filter(pk=account.pk).exists():
        raise ValidationError({"account": _("Choose an account you look after.")})
    contacts = list(contacts)
    foreign = [contact.name for contact in contacts if contact.account_id != account.pk]
    if foreign:
        raise ValidationError(
            {"contacts": _("%(names)s: not a contact of %(account)s.")
             % {"names": ", ".join(foreign), "account": account.name}}
        )  # fmt: skip
    colleagues = list(colleagues)
    visible_users = set(User.objects.visible_to(actor).values_list("pk", flat=True))
    if any(colleague.pk not in visible_users for colleague in colleagues):
        raise ValidationError({"colleagues": _("Choose colleagues from your teams.")})
    data = {key: value for key, value in fields.items() if key in VISIT_FIELDS}
    data.setdefault("occurred_at", timezone.now())
    visit = Visit(account=account, logged_by=actor, client_key=client_key, **data)
    if visit.next_visit_on:
        visit.next_visit_owner_id = Visit.revisit_owner_for(account)
        if visit.next_visit_on < timezone.localdate(visit.occurred_at):
            raise ValidationError(
                {"next_visit_on": _("The revisit must be on or after the visit.")}
            )
    visit.full_clean(exclude=["client_key"])
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # The same key raced in from a second request: hand back the first visit.
        return Visit.objects.get(client_key=client_key), False
    visit.contacts.set(contacts)
    visit.colleagues.set(colleagues)
    # Earlier planned revisits of this account are now done.
    Visit.objects.filter(account=account, occurred_at__lte=visit.occurred_at).exclude(
        pk=visit.pk
    ).open_follow_ups().update(follow_up_closed_at=timezone.now())
    return visit, True


@transaction.atomic
def visit_comment_add(*, actor: User, visit: Visit, body: str) -> VisitComment:
    """A supervisor reviews a team member's visit; the KAM is notified."""
    _refuse_read_only(actor)
    if not Visit.objects.visible_to(actor).filter(pk=visit.pk).exists():
        raise ValidationError({"visit": _("This visit is not in your view.")})
    if not may(actor, "visits.comment"):
        raise PermissionDenied(_("Only supervisors review visits."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    comment = VisitComment(visit=visit, author=actor, body=body)
    comment.full_clean()
    comment.save()
    if visit.logged_by_id != actor.pk:
        notify(
            recipients=[visit.logged_by],
            kind=NotificationKind.VISIT_COMMENTED,
            about=visit.account,
            url=visit.get_absolute_url(),
            author=actor.display_name,
            account=visit.account.name,
            excerpt=body[:80],
        )
    return comment


# --- handover ---------------------------------------------------------------------------


def _record_handover(*, actor, account, from_user, to_user, note="") -> AccountHandover:
    moved = (
        Visit.objects.filter(account=account, next_visit_owner=from_user)
        .open_follow_ups()
        .update(next_visit_owner=to_user)
    )
    AccountTeamMember.objects.filter(account=account, user=to_user).delete()
    handover = AccountHandover.objects.create(
        account=account,
        from_user=from_user,
        to_user=to_user,
        performed_by=actor,
        note=note,
        follow_ups_moved=moved,
    )
    notify(
        recipients=[to_user],
        kind=NotificationKind.ACCOUNT_RECEIVED,
        about=account,
        url=account.get_absolute_url(),
        account=account.name,
        by=actor.display_name,
    )
    notify(
        recipients=[from_user],
        kind=NotificationKind.ACCOUNT_HANDED_OVER,
        about=account,
        url=account.get_absolute_url(),
        account=account.name,
        to=to_user.display_name,
        by=actor.display_name,
    )
    return handover


@transaction.atomic
def accounts_handover(
    *, actor: User, from_user: User, assignments: dict[int, User], note: str = ""
) -> list[AccountHandover]:
    """Reassign some or all of ``from_user``'s accounts: {account_id: new owner}.

    Ownership and the open planned revisits move; visits, contacts and history
    stay with the account. All or nothing.
    """
    _refuse_read_only(actor)
    if not may(actor, "accounts.handover"):
        raise PermissionDenied(_("Only a supervisor or an admin hands accounts over."))
    if not assignments:
        raise ValidationError({"accounts": _("Choose at least one account to hand over.")})
    accounts = {
        account.pk: account
        for account in Account.objects.visible_to(actor, DELETE)
        .select_for_update()
        .filter(pk__in=assignments, owner=from_user)
    }
    missing = set(assignments) - set(accounts)
    if missing:
        raise ValidationError(
            {"accounts": _("Some accounts are not %(name)s's or not in your teams.")
             % {"name": from_user.display_name}}
        )  # fmt: skip
    handovers = []
    for account_id, to_user in assignments.items():
        if to_user.pk == from_user.pk:
            raise ValidationError({"to_user": _("Choose a different colleague.")})
        account = accounts[account_id]
        _check_owner(actor, to_user)
        account.owner = to_user
        account.save(update_fields=["owner", "updated_at"])
        handovers.append(
            _record_handover(
                actor=actor, account=account, from_user=from_user, to_user=to_user, note=note
            )
        )
        ensure_visible(actor, account, VIEW)
    return handovers
