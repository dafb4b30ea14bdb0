"""Every URL of the project, for every role: who gets in and what they see.

The test walks the URL resolver, so a page or endpoint added later fails
``test_every_url_is_classified`` until it is added to ``URLS`` below, and from
then on it is checked for every role like the others.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import (
    ROLES,
    VISIBLE_ACCOUNTS,
    VISIBLE_CONTACTS,
    VISIBLE_NOTIFICATIONS,
    VISIBLE_TEAMS,
    VISIBLE_USERS,
    VISIBLE_VISITS,
    add_records,
)

WRITERS = set(ROLES) - {"exec"}
SUPERVISORS = {"sup_east", "sup_south", "ops"}


@pytest.fixture
def world(world):
    """Every test here runs on the world with one contact and one visit per account."""
    return add_records(world)


@dataclass(frozen=True)
class Url:
    # public | page | list | detail | edit | post | api-list | api-detail | api-page | api-post
    kind: str
    scope: str = ""  # account | team | user | contact | visit | notification
    roles: frozenset = frozenset(ROLES)  # pages: who gets a 200 (the others a 403)
    query: str = ""  # lists: parameters that select "everything I may see"


# scope: (expected names by role, world attribute, API field naming a row)
SCOPES = {
    "account": (VISIBLE_ACCOUNTS, "accounts", "name"),
    "contact": (VISIBLE_CONTACTS, "contacts", "name"),
    "visit": (VISIBLE_VISITS, "visits", "summary"),
    "team": (VISIBLE_TEAMS, "teams", "name"),
    "user": (VISIBLE_USERS, "users", "username"),
    "notification": (VISIBLE_NOTIFICATIONS, "notifications", "url"),
}

URLS = {
    "login": Url("public"),
    "logout": Url("public"),
    "healthz": Url("public"),
    "set-language": Url("public"),
    "api:auth-token": Url("public"),
    "home": Url("page"),
    "password_change": Url("page"),
    "password_change_done": Url("page"),
    "schema": Url("api-page"),
    "api-docs": Url("page"),
    "api:api-root": Url("api-page"),
    "accounts:list": Url("list", "account"),
    "accounts:detail": Url("detail", "account"),
    "teams:list": Url("list", "team"),
    "teams:detail": Url("detail", "team"),
    "api:account-list": Url("api-list", "account"),
    "api:account-detail": Url("api-detail", "account"),
    "api:team-list": Url("api-list", "team"),
    "api:team-detail": Url("api-detail", "team"),
    "api:user-list": Url("api-list", "user"),
    "api:user-detail": Url("api-detail", "user"),
    "kam:notifications": Url("page"),
    "kam:notifications-read-all": Url("post"),
    "kam:notification-read": Url("post", "notification"),
    "api:notification-list": Url("api-list", "notification"),
    "api:notification-detail": Url("api-detail", "notification"),
    "api:notification-read": Url("api-post", "notification"),
    "api:notification-read-all": Url("api-post"),
    # key accounts
    "accounts:create": Url("page", roles=frozenset(WRITERS)),
    "accounts:edit": Url("edit", "account"),
    "accounts:archive": Url("post", "account"),
    "accounts:restore": Url("post", "account"),
    "accounts:handover": Url("page", roles=frozenset(SUPERVISORS)),
    "api:account-archive": Url("api-post", "account"),
    "api:account-restore": Url("api-post", "account"),
    "api:account-handover": Url("api-post"),
    # contacts
    "accounts:contact-list": Url("list", "contact"),
    "accounts:contact-detail": Url("detail", "contact"),
    "accounts:contact-create": Url("page", roles=frozenset(WRITERS)),
    "accounts:contact-edit": Url("edit", "contact"),
    "api:contact-list": Url("api-list", "contact"),
    "api:contact-detail": Url("api-detail", "contact"),
    # visits
    "accounts:visit-list": Url("list", "visit", query="?who=all"),
    "accounts:visit-detail": Url("detail", "visit"),
    "accounts:visit-create": Url("page", roles=frozenset(WRITERS)),
    "accounts:visit-comment": Url("post", "visit"),
    "accounts:visit-contact-options": Url("page", roles=frozenset(WRITERS)),
    "api:visit-list": Url("api-list", "visit"),
    "api:visit-detail": Url("api-detail", "visit"),
    "api:visit-comments": Url("api-post", "visit"),
}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def project_url_names():
    return sorted({name for name, _ in _walk(get_resolver().url_patterns)})


def _admin_names_without_arguments():
    names = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") and not pattern.pattern.regex.groupindex:
            names.append(name)
    return sorted(set(names))


def test_every_url_is_classified():
    unclassified = [
        name for name in project_url_names() if name not in URLS and not name.startswith("admin:")
    ]
    assert unclassified == [], f"add these URLs to the access matrix: {unclassified}"


def _url_for(world, name, spec, target=None):
    if spec.kind in ("detail", "edit", "api-detail") or (spec.kind.endswith("post") and spec.scope):
        _, attribute, _ = SCOPES[spec.scope]
        objects = getattr(world, attribute)
        obj = objects[target] if target else next(iter(objects.values()))
        return reverse(name, args=[obj.pk])
    return reverse(name)


PROTECTED = sorted(name for name, spec in URLS.items() if spec.kind != "public")


@pytest.mark.parametrize("name", PROTECTED)
def test_anonymous_is_refused(client, world, name):
    spec = URLS[name]
    url = _url_for(world, name, spec)
    response = client.post(url) if spec.kind.endswith("post") else client.get(url)
    if spec.kind.startswith("api") or name == "schema":
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/problem+json")
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["login", "healthz"])
def test_public_urls_answer_anonymous(client, db, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name", sorted(n for n, s in URLS.items() if s.kind in ("page", "api-page"))
)
def test_signed_in_pages_open_for_their_roles(client, world, role, name):
    client.force_login(world.user(role))
    expected = 200 if role in URLS[name].roles else 403
    assert client.get(reverse(name)).status_code == expected


def _listed_names(response, spec):
    expected_by_role, _, field_name = SCOPES[spec.scope]
    if response["Content-Type"].startswith("application/json"):
        return {row[field_name] for row in response.json()["results"]}
    html = response.content.decode()
    if spec.scope == "visit":  # a visit row is known by the contact it met
        every = set().union(*VISIBLE_ACCOUNTS.values())
        return {f"visit-{name}" for name in every if f"contact-{name}" in html}
    every = set().union(*expected_by_role.values())
    return {name for name in every if f">{name}<" in html}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name", sorted(n for n, s in URLS.items() if s.kind in ("list", "api-list"))
)
def test_lists_show_exactly_what_the_rule_allows(client, world, role, name):
    spec = URLS[name]
    client.force_login(world.user(role))
    response = client.get(reverse(name) + spec.query)
    assert response.status_code == 200
    expected_by_role, _, _ = SCOPES[spec.scope]
    assert _listed_names(response, spec) == expected_by_role[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name", sorted(n for n, s in URLS.items() if s.kind in ("detail", "api-detail"))
)
def test_details_open_only_inside_the_rule(client, world, role, name):
    spec = URLS[name]
    expected_by_role, attribute, _ = SCOPES[spec.scope]
    client.force_login(world.user(role))
    for target in getattr(world, attribute):
        response = client.get(_url_for(world, name, spec, target))
        expected = 200 if target in expected_by_role[role] else 404
        assert response.status_code == expected, (role, target)


def _record_write(role, visible):
    if role == "exec":
        return 403
    return 200 if visible else 404


WRITE_EXPECTATIONS = {
    # resource: status of a PATCH by (role, visible?). Users and teams are configuration:
    # only admins write them, and everyone else is refused before any lookup, so the
    # answer says nothing about which objects exist. Executives never write.
    "team": lambda role, visible: 200 if role == "ops" else 403,
    "user": lambda role, visible: 200 if role == "ops" else 403,
    "account": _record_write,
    "contact": _record_write,
    "visit": lambda role, visible: 403 if role == "exec" else 405,  # a logged visit is a record
    "notification": lambda role, visible: 405,  # read-only; marking read is its own action
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(n for n, s in URLS.items() if s.kind == "api-detail"))
def test_api_writes_follow_the_rule(client, world, role, name):
    spec = URLS[name]
    expected_by_role, attribute, _ = SCOPES[spec.scope]
    client.force_login(world.user(role))
    for target in getattr(world, attribute):
        visible = target in expected_by_role[role]
        response = client.patch(
            _url_for(world, name, spec, target), {}, content_type="application/json"
        )
        assert response.status_code == WRITE_EXPECTATIONS[spec.scope](role, visible), (
            role,
            target,
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(n for n, s in URLS.items() if s.kind == "edit"))
def test_edit_pages_follow_the_rule(client, world, role, name):
    spec = URLS[name]
    expected_by_role, attribute, _ = SCOPES[spec.scope]
    client.force_login(world.user(role))
    for target in getattr(world, attribute):
        response = client.get(_url_for(world, name, spec, target))
        if target not in expected_by_role[role]:
            assert response.status_code == 404, (role, target)
        else:
            assert response.status_code == (403 if role == "exec" else 200), (role, target)


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_is_for_ops_only(client, world, role):
    client.force_login(world.user(role))
    names = _admin_names_without_arguments()
    assert "admin:index" in names
    for name in names:
        if name in ("admin:login", "admin:logout"):
            continue
        if name == "admin:autocomplete" and role == "ops":
            continue  # needs query parameters; it is guarded by the same site permission
        response = client.get(reverse(name))
        if role == "ops":
            assert response.status_code == 200, name
        else:
            assert response.status_code == 302, name
            assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_marking_read_touches_only_ones_own_notifications(client, world, role):
    from kam.models import Notification

    client.force_login(world.user(role))
    for url, notification in world.notifications.items():
        response = client.post(reverse("api:notification-read", args=[notification.pk]))
        assert response.status_code == (200 if url == f"/n/{role}" else 404)
        client.post(reverse("kam:notification-read", args=[notification.pk]))
    unread = set(Notification.objects.unread().values_list("url", flat=True))
    assert unread == {f"/n/{other}" for other in ROLES if other != role}
