import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.choices import AccountTeamRole, Attitude, ContactLevel, VisitKind
from accounts.models import Account, AccountTeamMember, Contact, Visit
from kam.choices import Role
from kam.models import Team, TeamMembership, User

PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    role = Role.ACCOUNT_MANAGER
    is_staff = factory.LazyAttribute(lambda user: user.role == Role.ADMIN)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    supervisor = factory.SubFactory(UserFactory, role=Role.SUPERVISOR)


class TeamMembershipFactory(DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Faker("company")
    owner = factory.SubFactory(UserFactory)


class AccountTeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = AccountTeamMember

    account = factory.SubFactory(AccountFactory)
    user = factory.SubFactory(UserFactory)
    role = AccountTeamRole.SUPPORT


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Faker("name")
    title = "Purchasing manager"
    level = ContactLevel.DECISION
    attitude = Attitude.NEUTRAL
    strength = 3


class VisitFactory(DjangoModelFactory):
    class Meta:
        model = Visit

    account = factory.SubFactory(AccountFactory)
    logged_by = factory.LazyAttribute(lambda visit: visit.account.owner)
    kind = VisitKind.ONSITE
    occurred_at = factory.LazyFunction(timezone.now)
    summary = factory.Faker("sentence")
