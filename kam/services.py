"""Writes to users and teams. UI, API, commands and tasks all come through here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

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


@transaction.atomic
def user_update(*, actor: User, user: User, password: str | None = None, **fields) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    ensure_visible(actor, user, CHANGE)
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
