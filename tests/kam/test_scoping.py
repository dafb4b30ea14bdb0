import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import Account, AccountTeamMember
from kam.models import Team, User
from kam.scoping import CHANGE, DELETE, VIEW, can, ensure_visible
from tests.conftest import ROLES, VISIBLE_ACCOUNTS, VISIBLE_TEAMS, VISIBLE_USERS

CHANGEABLE_ACCOUNTS = {**VISIBLE_ACCOUNTS, "exec": set()}
# Archiving is for the owner, the owner's supervisor and admins, not the account team.
DELETABLE_ACCOUNTS = {**CHANGEABLE_ACCOUNTS, "kam_a": {"acme"}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("action", "expected"),
    [(VIEW, VISIBLE_ACCOUNTS), (CHANGE, CHANGEABLE_ACCOUNTS), (DELETE, DELETABLE_ACCOUNTS)],
)
def test_account_rule(world, role, action, expected):
    names = set(Account.objects.visible_to(world.user(role), action).values_list("name", flat=True))
    assert names == expected[role]


@pytest.mark.parametrize("role", ROLES)
def test_children_inherit_the_account_rule(world, role):
    visible = AccountTeamMember.objects.visible_to(world.user(role))
    assert set(visible.values_list("account__name", flat=True)) == VISIBLE_ACCOUNTS[role] & {
        "globex"
    }


@pytest.mark.parametrize("role", ROLES)
def test_user_and_team_rules(world, role):
    user = world.user(role)
    assert (
        set(User.objects.visible_to(user).values_list("username", flat=True))
        == (VISIBLE_USERS[role])
    )
    assert set(Team.objects.visible_to(user).values_list("name", flat=True)) == VISIBLE_TEAMS[role]
    writable_users = set(User.objects.visible_to(user, CHANGE).values_list("username", flat=True))
    assert writable_users == (set(ROLES) if role == "ops" else set())


def test_supervisor_sees_accounts_of_every_team_they_lead(world):
    from tests.factories import AccountFactory, TeamFactory, TeamMembershipFactory, UserFactory

    second = TeamFactory(name="North", supervisor=world.user("sup_east"))
    newcomer = UserFactory(username="kam_n")
    TeamMembershipFactory(team=second, user=newcomer)
    AccountFactory(name="umbrella", owner=newcomer)
    names = set(Account.objects.visible_to(world.user("sup_east")).values_list("name", flat=True))
    assert names == {"acme", "globex", "umbrella"}


def test_leaving_a_team_removes_visibility_at_once(world):
    world.teams["East"].memberships.filter(user=world.user("kam_b")).delete()
    names = set(Account.objects.visible_to(world.user("sup_east")).values_list("name", flat=True))
    assert names == {"acme"}


def test_anonymous_and_inactive_users_see_nothing(world):
    assert not Account.objects.visible_to(AnonymousUser()).exists()
    assert not Account.objects.visible_to(None).exists()
    kam_a = world.user("kam_a")
    kam_a.is_active = False
    kam_a.save()
    assert not Account.objects.visible_to(kam_a).exists()


def test_unknown_action_is_a_programming_error(world):
    with pytest.raises(ValueError, match="unknown action"):
        Account.objects.visible_to(world.user("ops"), "purge")


def test_can_and_ensure_visible(world):
    acme = world.accounts["acme"]
    assert can(world.user("exec"), acme, VIEW)
    assert not can(world.user("exec"), acme, CHANGE)
    assert can(world.user("sup_east"), acme, DELETE)
    with pytest.raises(Http404):
        ensure_visible(world.user("kam_c"), acme, VIEW)


def test_rule_is_one_query_whatever_the_size(world, django_assert_num_queries):
    user = world.user("sup_east")
    with django_assert_num_queries(1):
        list(Account.objects.visible_to(user))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", [VIEW, CHANGE])
def test_administration_is_for_admins_only(world, role, action):
    from messaging.models import TeamChannel

    team = Team.objects.get(name="East")
    TeamChannel.objects.create(team=team, provider="wecom", webhook_url="http://127.0.0.1:9/robot")
    visible = TeamChannel.objects.visible_to(world.user(role), action)
    assert visible.count() == (1 if role == "ops" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_permitted_annotates_what_can_answers(world, role):
    # The account page reads its buttons with ``permitted``: it must say what ``can`` says
    # for every account, role and action, archived-by-delete rights included.
    from kam.scoping import permitted

    user = world.user(role)
    for action in (VIEW, CHANGE, DELETE):
        annotated = dict(
            Account.objects.annotate(allowed=permitted(user, action)).values_list("name", "allowed")
        )
        expected = {account.name: can(user, account, action) for account in Account.objects.all()}
        assert annotated == expected, (role, action)
