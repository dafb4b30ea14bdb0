"""Who sees what: the one visibility rule of the product.

This is the only module that knows it. Every model whose rows are scoped uses a
``ScopedQuerySet``; the base view and viewset classes (kam.views, kam.api.viewsets)
call ``visible_to`` for every request, so a new page or endpoint cannot forget it.

The rule:
- an account manager sees the accounts they own or are on the account team of,
  and everything that hangs off those accounts;
- a supervisor sees, in addition, the accounts owned by the members of the teams
  they lead;
- executives see everything and change nothing; admins see and change everything.

Actions are ``view``, ``change`` and ``delete`` (archive). Objects outside a user's
view are treated as missing (404), never as forbidden, so their existence does
not leak.
"""

from django.apps import apps
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Value
from django.http import Http404

from kam.choices import Action, Role

VIEW, CHANGE, DELETE = Action.VIEW, Action.CHANGE, Action.DELETE


class ScopedQuerySet(models.QuerySet):
    """A queryset that can restrict itself to what a user may see or change.

    Subclasses say how their rows hang off an account with ``account_path`` (the
    lookup from the model to ``accounts.Account``; "" on Account itself), or name a
    special rule with ``scope`` ("user", "team", "notification", "team_record" for
    rows with a ``team`` foreign key, "configuration" for settings everyone reads and
    admins change, "administration" for what only admins see: robot and webhook
    addresses with their secrets, delivery logs), "saved_view" for a person's saved list
    views and those shared with their teams), "person_record" for a person's own records
    (weekly reports: ``person_path`` names the person), "assigned" for work handed to a
    person on an account's record (``account_path`` as usual, ``assignee_path`` names the
    person, who sees it even without the account).
    """

    scope = "account"
    account_path = ""
    person_path = ""
    assignee_path = ""

    def visible_to(self, user, action=VIEW):
        return restrict(self, user, action)


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


# --- whom a supervisor leads: the one definition -----------------------------------------


def lead_pairs():
    """Every (member_id, supervisor_id) pair: who supervises whom, as a queryset. The
    set-based engines select from its SQL (kam.queries.named_sql) instead of joining the
    teams themselves."""
    TeamMembership = apps.get_model("kam", "TeamMembership")
    return TeamMembership.objects.values(
        member_id=F("user_id"), supervisor_id=F("team__supervisor_id")
    ).order_by()


def led_member_ids(user):
    """The ids of the members of the teams ``user`` supervises (a subquery)."""
    return lead_pairs().filter(supervisor_id=user.pk).values("member_id")


def led_teams(user):
    """The teams ``user`` leads, by name: those they supervise, or every team for a role
    with "teams.all" (a lazy queryset)."""
    from kam.capabilities import may

    teams = apps.get_model("kam", "Team").objects.order_by("name")
    return teams if may(user, "teams.all") else teams.filter(supervisor=user)


def leads_team(user, team) -> bool:
    """Whether ``user`` leads ``team`` (its supervisor, or a role with "teams.all")."""
    from kam.capabilities import may

    return may(user, "teams.all") or team.supervisor_id == user.pk


def leads_user(user, member_id) -> bool:
    """Whether ``user`` leads the user ``member_id`` (supervises a team of theirs, or has
    "teams.all"). One query at most."""
    from kam.capabilities import may

    return may(user, "teams.all") or led_member_ids(user).filter(member_id=member_id).exists()


def supervisors_of(user) -> list:
    """The supervisors of the teams ``user`` belongs to."""
    User = apps.get_model("kam", "User")
    return list(User.objects.filter(led_teams__memberships__user=user).distinct())


def active_supervisor_ids(member_ids) -> dict:
    """{member id: {ids of the active supervisors of their teams}} in one query."""
    TeamMembership = apps.get_model("kam", "TeamMembership")
    supervisors: dict = {}
    for user_id, supervisor_id in TeamMembership.objects.filter(
        user_id__in=member_ids, team__supervisor__is_active=True
    ).values_list("user_id", "team__supervisor_id"):
        supervisors.setdefault(user_id, set()).add(supervisor_id)
    return supervisors


def account_rule(user, action):
    """The Q on Account that the user may act on; None means every account."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.EXECUTIVE:
        return None if action == VIEW else Q(pk__in=[])
    owned = Q(owner=user)
    if user.role == Role.SUPERVISOR:
        owned |= Q(owner__in=led_member_ids(user))
    if action == DELETE:
        return owned
    AccountTeamMember = apps.get_model("accounts", "AccountTeamMember")
    on_team = Q(pk__in=AccountTeamMember.objects.filter(user=user).values("account_id"))
    return owned | on_team


def visible_account_ids(user, action=VIEW):
    """A subquery of the ids of the accounts the user may act on."""
    Account = apps.get_model("accounts", "Account")
    rule = account_rule(user, action)
    if rule is None or user.role == Role.EXECUTIVE:
        qs = Account.objects.all() if rule is None else Account.objects.filter(rule)
        return qs.values("pk")
    # The same rule as account_rule, written as a UNION: each part is an index scan that
    # PostgreSQL estimates well, where "owner = me OR pk IN (…)" scanned every account
    # and misjudged the rows (issue 11: 20,000 accounts, 100,000 contacts).
    # No ORDER BY in the parts: the accounts' default order (by name) only made each part
    # sort its rows before the UNION threw the order away.
    parts = [Account.objects.filter(owner=user).order_by().values("pk")]
    if user.role == Role.SUPERVISOR:
        led = Account.objects.filter(owner__in=led_member_ids(user))
        parts.append(led.order_by().values("pk"))
    if action != DELETE:
        AccountTeamMember = apps.get_model("accounts", "AccountTeamMember")
        parts.append(AccountTeamMember.objects.filter(user=user).order_by().values("account_id"))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def _restrict_users(qs, user, action):
    if user.role == Role.ADMIN:
        return qs
    if action != VIEW:
        return qs.none()
    if user.role == Role.EXECUTIVE:
        return qs
    # A user sees themselves, the people in the teams they belong to or lead,
    # and the supervisors of those teams.
    Team = apps.get_model("kam", "Team")
    TeamMembership = apps.get_model("kam", "TeamMembership")
    team_ids = Team.objects.filter(Q(supervisor=user) | Q(memberships__user=user)).values("pk")
    colleagues = TeamMembership.objects.filter(team__in=team_ids).values("user_id")
    supervisors = Team.objects.filter(pk__in=team_ids).values("supervisor_id")
    return qs.filter(Q(pk=user.pk) | Q(pk__in=colleagues) | Q(pk__in=supervisors))


def _restrict_teams(qs, user, action):
    if user.role == Role.ADMIN:
        return qs
    if action != VIEW:
        return qs.none()
    if user.role == Role.EXECUTIVE:
        return qs
    Team = apps.get_model("kam", "Team")
    mine = Team.objects.filter(Q(supervisor=user) | Q(memberships__user=user)).values("pk")
    return qs.filter(pk__in=mine)


def _restrict_notifications(qs, user, action):
    # Notifications are personal: everyone, admins included, sees only their own.
    return qs.filter(recipient=user)


def _restrict_team_records(qs, user, action):
    # Records that belong to a team (tier reviews, quotas): its supervisor and members
    # see them; who may change them is decided by their services.
    if user.role == Role.ADMIN:
        return qs
    if action != VIEW:
        return qs.none()
    if user.role == Role.EXECUTIVE:
        return qs
    Team = apps.get_model("kam", "Team")
    mine = Team.objects.filter(Q(supervisor=user) | Q(memberships__user=user)).values("pk")
    return qs.filter(team__in=mine)


def _restrict_configuration(qs, user, action):
    # Configuration (scoring model, health and service settings, stages, product
    # lines): everyone signed in reads it, only admins change it.
    if action == VIEW or user.role == Role.ADMIN:
        return qs
    return qs.none()


def _restrict_administration(qs, user, action):
    # Operational records that carry secrets or other people's addresses (IM robots,
    # webhooks, delivery logs): admins only, for reading and for changing.
    return qs if user.role == Role.ADMIN else qs.none()


def _restrict_saved_views(qs, user, action):
    # Saved views are personal: their owner sees and changes them; a view shared with a
    # team is read by its members and its supervisor. The rows a view lists are decided
    # by the list itself, for whoever opens it.
    if action != VIEW:
        return qs.filter(owner=user)
    Team = apps.get_model("kam", "Team")
    mine = Team.objects.filter(Q(supervisor=user) | Q(memberships__user=user)).values("pk")
    return qs.filter(Q(owner=user) | Q(team__in=mine))


def _restrict_person_records(qs, user, action):
    # A person's own records (weekly and monthly reports): their person sees them, the
    # supervisor of a team of theirs too, executives and admins all; only their person
    # changes them (a supervisor's comment is a record of its own).
    path = qs.person_path
    if action != VIEW:
        return qs.filter(**{path: user})
    if user.role in (Role.ADMIN, Role.EXECUTIVE):
        return qs
    rule = Q(**{path: user})
    if user.role == Role.SUPERVISOR:
        rule |= Q(**{f"{path}__in": led_member_ids(user)})
    return qs.filter(rule)


def _restrict_assigned(qs, user, action):
    # Work handed to a person on a record of an account (a complaint's task force
    # tasks): those who may act on the account, and the person it is assigned to
    # (``assignee_path``: the lookup from the rows to that user), even if the account is
    # not theirs: they see (and complete) their own work, not the account.
    rule = account_rule(user, action)
    if rule is None:
        return qs
    path = qs.assignee_path
    assigned = qs.model._base_manager.filter(**{path: user}).values("pk")
    on_account = Q(**{f"{qs.account_path}__in": visible_account_ids(user, action)})
    return qs.filter(on_account | Q(pk__in=assigned))


_SPECIAL_RULES = {
    "user": _restrict_users,
    "team": _restrict_teams,
    "notification": _restrict_notifications,
    "team_record": _restrict_team_records,
    "configuration": _restrict_configuration,
    "administration": _restrict_administration,
    "saved_view": _restrict_saved_views,
    "person_record": _restrict_person_records,
    "assigned": _restrict_assigned,
}


def restrict(qs, user, action=VIEW):
    """Restrict any scoped queryset to what ``user`` may do with ``action``."""
    if action not in Action.values:
        raise ValueError(f"unknown action {action!r}")
    if not _active(user):
        return qs.none()
    special = _SPECIAL_RULES.get(qs.scope)
    if special is not None:
        return special(qs, user, action)
    rule = account_rule(user, action)
    if rule is None:
        return qs
    lookup = f"{qs.account_path}__in" if qs.account_path else "pk__in"
    return qs.filter(**{lookup: visible_account_ids(user, action)})


def can(user, obj, action):
    """Whether ``user`` may perform ``action`` on ``obj`` (one EXISTS query)."""
    manager = type(obj)._default_manager
    return manager.all().visible_to(user, action).filter(pk=obj.pk).exists()


def permitted(user, action, account_path=""):
    """An expression true on the rows ``user`` may ``action``: what ``can`` answers, as an
    annotation, so a page reads its object and its buttons in one query. ``account_path``
    is the lookup from the rows to their account ("" on Account itself)."""
    if not _active(user):
        return Value(False)
    rule = account_rule(user, action)
    if rule is None:
        return Value(True)
    if user.role == Role.EXECUTIVE:
        return Value(False)  # executives change nothing
    lookup = f"{account_path}__in" if account_path else "pk__in"
    allowed = Q(**{lookup: visible_account_ids(user, action)})
    return ExpressionWrapper(allowed, output_field=BooleanField())


def ensure_visible(actor, obj, action=CHANGE):
    """For services: re-check a write inside its transaction; missing if not allowed."""
    if not can(actor, obj, action):
        raise Http404
