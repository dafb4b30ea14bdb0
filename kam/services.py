"""Writes to users and teams. UI, API, commands and tasks all come through here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kam.capabilities import may, roles_with
from kam.models import Team, TeamMembership, User
from kam.scoping import CHANGE, ensure_visible

USER_FIELDS = ("username", "full_name", "email", "role", "phone", "language", "is_active")


def _set_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)


@transaction.atomic
def user_create(*, actor: User | None, password: str | None = None, **fields) -> User:
    """Create a user; ``actor`` None is reserved for commands run by ops."""
    if actor is not None and not may(actor, "users.manage"):
        ensure_visible(actor, actor, CHANGE)  # only admins manage users; raises 404
    user = User(**{key: value for key, value in fields.items() if key in USER_FIELDS})
    user.is_staff = user.role in roles_with("users.manage")  # the admin site is theirs
    if password:
        _set_password(user, password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _is_active_admin(role: str, is_active: bool) -> bool:
    return is_active and role in roles_with("users.manage")


def last_admin_problem(user: User, *, role: str, is_active: bool) -> dict | None:
    """The one rule for every path that deactivates or demotes a user (the API, the admin
    site): the product keeps at least one active admin, or nobody could manage users
    again. Returns {field: [message]} when giving ``user`` this role and state would
    leave none, else None. Inside ``user_update``'s transaction the admins are locked,
    so two admins demoting each other at once cannot both succeed."""
    if not _is_active_admin(user.role, user.is_active) or _is_active_admin(role, is_active):
        return None
    others = User.objects.filter(is_active=True, role__in=roles_with("users.manage"))
    if others.exclude(pk=user.pk).exists():
        return None
    field = "is_active" if not is_active else "role"
    return {field: [_("This is the last active admin: make another user an admin first.")]}


@transaction.atomic
def user_update(*, actor: User, user: User, password: str | None = None, **fields) -> User:
    # the user and every active admin locked in one order, so that two admins demoting
    # each other at once wait for one another and the second sees the first's change
    locked = User.objects.select_for_update().filter(
        Q(pk=user.pk) | Q(is_active=True, role__in=roles_with("users.manage"))
    )
    user = {row.pk: row for row in locked.order_by("pk")}.get(user.pk)
    if user is None:
        raise User.DoesNotExist
    ensure_visible(actor, user, CHANGE)
    problem = last_admin_problem(
        user,
        role=fields.get("role", user.role),
        is_active=fields.get("is_active", user.is_active),
    )
    if problem:
        raise ValidationError(problem)
    for key, value in fields.items():
        if key in USER_FIELDS:
            setattr(user, key, value)
    user.is_staff = user.role in roles_with("users.manage")  # the admin site is theirs
    if password:
        _set_password(user, password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _set_members(team: Team, members) -> None:
    wanted = {member.pk for member in members}
    TeamMembership.objects.filter(team=team).exclude(user_id__in=wanted).delete()
    existing = set(TeamMembership.objects.filter(team=team).values_list("user_id", flat=True))
    TeamMembership.objects.bulk_create(
        [TeamMembership(team=team, user_id=pk) for pk in wanted - existing]
    )


@transaction.atomic
def team_create(*, actor: User | None, name: str, supervisor: User, members=()) -> Team:
    if actor is not None and not may(actor, "users.manage"):
        ensure_visible(actor, actor, CHANGE)
    team = Team(name=name, supervisor=supervisor)
    team.full_clean()
    team.save()
    _set_members(team, members)
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, members=None, **fields) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    ensure_visible(actor, team, CHANGE)
    for key in ("name", "supervisor"):
        if key in fields:
            setattr(team, key, fields[key])
    team.full_clean()
    team.save()
    if members is not None:
        _set_members(team, members)
    return team
