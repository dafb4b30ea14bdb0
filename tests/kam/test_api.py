import pytest
from django.urls import reverse
from knox.models import AuthToken

from kam.api.viewsets import ScopedViewSet
from kam.choices import Role
from kam.models import Team, User
from kam.views import ScopedListView
from tests.factories import PASSWORD, UserFactory

PROBLEM = "application/problem+json"


def test_token_round_trip(api_client, world):
    response = api_client.post(
        reverse("api:auth-token"), {"username": "kam_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert response.json()["user"]["username"] == "kam_a"
    # Stored hashed: the key itself is nowhere in the database.
    assert not AuthToken.objects.filter(digest=token).exists()

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    names = {row["name"] for row in api_client.get(reverse("api:account-list")).json()["results"]}
    assert names == {"acme", "globex"}


def test_wrong_password_is_a_400_with_field_shape(api_client, world):
    response = api_client.post(
        reverse("api:auth-token"), {"username": "kam_a", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 400
    assert "non_field_errors" in body["errors"]


def test_missing_fields_are_reported_per_field(api_client, db):
    response = api_client.post(reverse("api:auth-token"), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_bad_token_is_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.get(reverse("api:team-list"))
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_api_path_is_a_problem_404(client, world):
    client.force_login(world.user("ops"))
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["status"] == 404


def test_malformed_json_is_400_not_500(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    response = api_client.post(
        reverse("api:team-list"), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)


def test_admin_creates_a_team_with_members(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    supervisor = UserFactory(username="sup_west", role=Role.SUPERVISOR)
    payload = {"name": "West", "supervisor": supervisor.pk, "members": [world.user("kam_c").pk]}
    response = api_client.post(reverse("api:team-list"), payload, format="json")
    assert response.status_code == 201, response.json()
    team = Team.objects.get(name="West")
    assert list(team.members.values_list("username", flat=True)) == ["kam_c"]
    assert response.json()["members"] == [world.user("kam_c").pk]


def test_team_supervisor_must_be_a_supervisor(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    payload = {"name": "West", "supervisor": world.user("kam_a").pk}
    response = api_client.post(reverse("api:team-list"), payload, format="json")
    assert response.status_code == 400
    assert "supervisor" in response.json()["errors"]
    assert not Team.objects.filter(name="West").exists()


def test_duplicate_team_name_is_a_field_error(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    payload = {"name": "East", "supervisor": world.user("sup_south").pk}
    response = api_client.post(reverse("api:team-list"), payload, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_admin_creates_a_user_with_a_checked_password(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    weak = {"username": "newbie", "role": Role.ACCOUNT_MANAGER, "password": "123"}
    response = api_client.post(reverse("api:user-list"), weak, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(username="newbie").exists()

    good = {**weak, "password": "a-long-enough-passphrase"}
    response = api_client.post(reverse("api:user-list"), good, format="json")
    assert response.status_code == 201
    assert "password" not in response.json()
    assert User.objects.get(username="newbie").check_password("a-long-enough-passphrase")


@pytest.mark.parametrize("role", ["kam_a", "sup_east", "exec"])
def test_only_admins_create_users(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    response = api_client.post(
        reverse("api:user-list"), {"username": "x", "role": Role.ADMIN}, format="json"
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert not User.objects.filter(username="x").exists()


def test_team_members_offered_are_scoped(api_client, world):
    """Even an admin-built payload is checked against what the actor may see."""
    api_client.force_authenticate(world.user("ops"))
    response = api_client.patch(
        reverse("api:team-detail", args=[world.teams["East"].pk]),
        {"members": [999999]},
        format="json",
    )
    assert response.status_code == 400
    assert "members" in response.json()["errors"]


def test_lists_filter_and_order(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    response = api_client.get(
        reverse("api:user-list"), {"role": "supervisor", "ordering": "-username"}
    )
    assert [row["username"] for row in response.json()["results"]] == ["sup_south", "sup_east"]
    response = api_client.get(reverse("api:account-list"), {"q": "glob"})
    assert [row["name"] for row in response.json()["results"]] == ["globex"]


def test_filter_choices_are_scoped(api_client, world):
    """kam_c cannot filter by an owner they cannot see: a 400, not a leak."""
    api_client.force_authenticate(world.user("kam_c"))
    response = api_client.get(reverse("api:account-list"), {"owner": world.user("kam_a").pk})
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]


def test_schema_and_docs(client, world):
    client.force_login(world.user("kam_a"))
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/accounts/" in paths
    assert "/api/v1/teams/{id}/" in paths
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn." not in docs.content  # served from static/, works offline


def test_base_viewset_refuses_get_queryset_override():
    with pytest.raises(TypeError, match="refine_queryset"):

        class Sneaky(ScopedViewSet):
            def get_queryset(self):
                return User.objects.all()


def test_base_view_refuses_get_queryset_override():
    with pytest.raises(TypeError, match="refine_queryset"):

        class Sneaky(ScopedListView):
            def get_queryset(self):
                return User.objects.all()


@pytest.mark.parametrize("rows", [5, 50])
def test_api_lists_run_a_fixed_number_of_queries(
    api_client, world, rows, django_assert_num_queries
):
    from tests.factories import AccountFactory, AccountTeamMemberFactory

    for index in range(rows):
        account = AccountFactory(name=f"bulk {index:03}", owner=world.user("kam_a"))
        AccountTeamMemberFactory(account=account, user=world.user("kam_b"))
        UserFactory(username=f"extra{index:03}")
    api_client.force_authenticate(world.user("ops"))
    # count + page + team members prefetch
    with django_assert_num_queries(3):
        assert api_client.get(reverse("api:account-list")).status_code == 200
    # count + page + memberships prefetch
    with django_assert_num_queries(3):
        assert api_client.get(reverse("api:user-list")).status_code == 200
