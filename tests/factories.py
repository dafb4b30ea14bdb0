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
    next_visit_on = None
    # as visit_log plans a revisit: Visit.revisit_owner_for
    next_visit_owner = factory.LazyAttribute(
        lambda visit: visit.account.owner if visit.next_visit_on else None
    )
    kind = VisitKind.ONSITE
    occurred_at = factory.LazyFunction(timezone.now)
    summary = factory.Faker("sentence")


# --- opportunities ----------------------------------------------------------------------


def _money(value):
    from decimal import Decimal

    return Decimal(value)


def _in_a_year():
    from datetime import timedelta

    return timezone.localdate() + timedelta(days=365)


def default_stages():
    """The default pipeline by name (the data migration's, recreated after a flush)."""
    from opportunities.choices import DEFAULT_STAGES
    from opportunities.models import Stage

    stages = {}
    for name, order, probability, kind in DEFAULT_STAGES:
        stages[name], _ = Stage.objects.get_or_create(
            name=name, defaults={"order": order, "probability": probability, "kind": kind}
        )
    return stages


class ProductLineFactory(DjangoModelFactory):
    class Meta:
        model = "opportunities.ProductLine"
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Product line {n}")
    code = factory.Sequence(lambda n: f"line-{n}")


class OpportunityFactory(DjangoModelFactory):
    """A row straight in the table (no stage change recorded): for reads and lists.
    Tests of behaviour go through opportunities.services."""

    class Meta:
        model = "opportunities.Opportunity"

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    product_line = factory.SubFactory(ProductLineFactory)
    amount = factory.LazyFunction(lambda: _money("100000.00"))
    expected_close_on = factory.LazyFunction(timezone.localdate)
    stage = factory.LazyFunction(lambda: default_stages()["Qualify"])
    probability = factory.LazyAttribute(lambda opportunity: opportunity.stage.probability)
    owner = factory.LazyAttribute(lambda opportunity: opportunity.account.owner)


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = "opportunities.Contract"

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"HT-{n:05d}")
    amount = factory.LazyFunction(lambda: _money("500000.00"))
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(_in_a_year)


# --- plans ------------------------------------------------------------------------------


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = "plans.AccountPlan"

    account = factory.SubFactory(AccountFactory)
    year = 2026


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = "plans.ActionItem"

    plan = factory.SubFactory(PlanFactory)
    title = factory.Faker("sentence", nb_words=4)
    owner = factory.LazyAttribute(lambda item: item.plan.account.owner)
    due_on = factory.LazyFunction(timezone.localdate)


class ActualFactory(DjangoModelFactory):
    class Meta:
        model = "plans.Actual"

    account = factory.SubFactory(AccountFactory)
    year = 2026
    month = 1
    revenue = 0


# --- service and risk -------------------------------------------------------------------

_DAY = timezone.timedelta(hours=24)  # django.utils.timezone re-exports timedelta


class ComplaintFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.Complaint"

    account = factory.SubFactory(AccountFactory)
    owner = factory.LazyAttribute(lambda complaint: complaint.account.owner)
    received_at = factory.LazyFunction(timezone.now)
    response_due = factory.LazyAttribute(lambda complaint: complaint.received_at + _DAY)
    category = "quality"
    severity = "normal"
    description = factory.Sequence(lambda n: f"complaint {n}")


class SurveyFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.Survey"

    account = factory.SubFactory(AccountFactory)
    recorded_by = factory.LazyAttribute(lambda survey: survey.account.owner)
    taken_on = factory.LazyFunction(timezone.localdate)
    nps = 8
    csat = 4


class RiskEventFactory(DjangoModelFactory):
    class Meta:
        model = "accounts.RiskEvent"

    account = factory.SubFactory(AccountFactory)
    owner = factory.LazyAttribute(lambda risk: risk.account.owner)
    type = "credit"
    level = "medium"
    description = factory.Sequence(lambda n: f"risk {n}")
