"""Fixtures shared by every test.

``world`` builds a small organisation whose visibility is known by heart, so
tests can assert exactly what each role sees without asking the code under test:

    team East (supervisor sup_east): kam_a, kam_b
    team South (supervisor sup_south): kam_c
    acme      owned by kam_a
    globex    owned by kam_b, kam_a on its account team (technical)
    initech   owned by kam_c
    ``world_records`` adds one contact "contact-<account>" and one visit "visit-<account>"
    exec (executive) and ops (admin) see all three.
"""

from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from accounts.choices import AccountTeamRole
from kam.choices import NotificationKind, Role
from kam.models import Notification
from tests.factories import (
    AccountFactory,
    AccountTeamMemberFactory,
    ContactFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
    VisitFactory,
)

ROLES = ["kam_a", "kam_b", "kam_c", "sup_east", "sup_south", "exec", "ops"]

VISIBLE_ACCOUNTS = {
    "kam_a": {"acme", "globex"},
    "kam_b": {"globex"},
    "kam_c": {"initech"},
    "sup_east": {"acme", "globex"},
    "sup_south": {"initech"},
    "exec": {"acme", "globex", "initech"},
    "ops": {"acme", "globex", "initech"},
}
VISIBLE_TEAMS = {
    "kam_a": {"East"},
    "kam_b": {"East"},
    "kam_c": {"South"},
    "sup_east": {"East"},
    "sup_south": {"South"},
    "exec": {"East", "South"},
    "ops": {"East", "South"},
}
_EAST = {"kam_a", "kam_b", "sup_east"}
_SOUTH = {"kam_c", "sup_south"}
VISIBLE_USERS = {
    "kam_a": _EAST,
    "kam_b": _EAST,
    "kam_c": _SOUTH,
    "sup_east": _EAST,
    "sup_south": _SOUTH,
    "exec": set(ROLES),
    "ops": set(ROLES),
}


# Contacts and visits hang off accounts: each account has one of each, named after it.
VISIBLE_CONTACTS = {
    role: {f"contact-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}
VISIBLE_VISITS = {
    role: {f"visit-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}

# Notifications are personal: each role sees exactly its own.
VISIBLE_NOTIFICATIONS = {role: {f"/n/{role}"} for role in ROLES}


@dataclass
class World:
    users: dict = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)
    teams: dict = field(default_factory=dict)
    notifications: dict = field(default_factory=dict)
    contacts: dict = field(default_factory=dict)
    visits: dict = field(default_factory=dict)

    def user(self, name):
        return self.users[name]


def build_world():
    world = World()
    for name in ("kam_a", "kam_b", "kam_c"):
        world.users[name] = UserFactory(username=name, role=Role.ACCOUNT_MANAGER)
    world.users["sup_east"] = UserFactory(username="sup_east", role=Role.SUPERVISOR)
    world.users["sup_south"] = UserFactory(username="sup_south", role=Role.SUPERVISOR)
    world.users["exec"] = UserFactory(username="exec", role=Role.EXECUTIVE)
    world.users["ops"] = UserFactory(username="ops", role=Role.ADMIN)
    east = TeamFactory(name="East", supervisor=world.users["sup_east"])
    south = TeamFactory(name="South", supervisor=world.users["sup_south"])
    world.teams = {"East": east, "South": south}
    TeamMembershipFactory(team=east, user=world.users["kam_a"])
    TeamMembershipFactory(team=east, user=world.users["kam_b"])
    TeamMembershipFactory(team=south, user=world.users["kam_c"])
    world.accounts["acme"] = AccountFactory(name="acme", owner=world.users["kam_a"])
    world.accounts["globex"] = AccountFactory(name="globex", owner=world.users["kam_b"])
    world.accounts["initech"] = AccountFactory(name="initech", owner=world.users["kam_c"])
    AccountTeamMemberFactory(
        account=world.accounts["globex"], user=world.users["kam_a"], role=AccountTeamRole.TECHNICAL
    )
    for role in ROLES:
        world.notifications[f"/n/{role}"] = Notification.objects.create(
            recipient=world.users[role], kind=NotificationKind.ACCOUNT_RECEIVED, url=f"/n/{role}"
        )
    return world


@pytest.fixture
def world(db):
    return build_world()


def add_records(world):
    """One contact "contact-<account>" and one visit "visit-<account>" on each account."""
    for name, account in world.accounts.items():
        contact = ContactFactory(account=account, name=f"contact-{name}")
        world.contacts[contact.name] = contact
        visit = VisitFactory(account=account, summary=f"visit-{name}")
        visit.contacts.set([contact])
        world.visits[visit.summary] = visit
    return world


@pytest.fixture
def world_records(world):
    return add_records(world)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Chinese leaves Chinese
    active in the thread (the locale middleware activates it and nothing resets it)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def member(db):
    return UserFactory(role=Role.ACCOUNT_MANAGER)


@pytest.fixture
def outsider(db):
    return UserFactory(role=Role.ACCOUNT_MANAGER)


@pytest.fixture
def manager(db, member):
    team = TeamFactory()
    TeamMembershipFactory(team=team, user=member)
    return team.supervisor
