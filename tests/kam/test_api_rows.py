"""Every list of the API answers what Django REST framework's own serialization answers:
``RowListSerializer`` (kam.api.rows) is a shortcut, never a different answer."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from accounts.models import VisitComment
from config import api_urls
from kam.api import rows
from kam.api.rows import RowListSerializer
from kam.models import Notification
from tests.factories import (
    AccountFactory,
    ActionItemFactory,
    ActualFactory,
    ComplaintFactory,
    ContactFactory,
    ContractFactory,
    OpportunityFactory,
    PlanFactory,
    ProductLineFactory,
    RiskEventFactory,
    SurveyFactory,
    VisitFactory,
    default_stages,
)


@pytest.fixture
def varied(world):
    """Rows with every kind of value the lists show: empty and missing ones, decimals,
    whole and fractional seconds, tags, relations and nested lists."""
    stages = default_stages()
    line = ProductLineFactory(name="Software", code="software")
    acme = world.accounts["acme"]
    child = AccountFactory(
        name="Acme Shanghai",
        owner=acme.owner,
        parent=acme,
        credit_limit=Decimal("1234.50"),
        tags=["steel", "east"],
        is_reference_customer=True,
        legal_name="",
    )
    boss = ContactFactory(account=acme, name="Zhao", email="zhao@example.com")
    ContactFactory(account=acme, name="Li", reports_to=boss, has_left=True)
    exact = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # a whole second
    for when in (exact, timezone.now()):
        visit = VisitFactory(account=acme, occurred_at=when, next_visit_on=None)
        visit.contacts.set([boss])
        visit.colleagues.set([world.user("kam_b")])
        VisitComment.objects.create(visit=visit, author=world.user("sup_east"), body="Good.")
    VisitFactory(account=child, next_visit_on=timezone.localdate() + timedelta(days=3))
    OpportunityFactory(account=acme, product_line=line, stage=stages["Proposal"])
    ContractFactory(account=acme)
    plan = PlanFactory(account=acme)
    ActionItemFactory(plan=plan)
    ActualFactory(account=acme, month=2, revenue=Decimal("1000.10"))
    ComplaintFactory(account=acme)
    SurveyFactory(account=acme, nps=9, csat=4)
    RiskEventFactory(account=child, level="high")
    Notification.objects.create(recipient=world.user("ops"), kind="revisit_due", account=acme)
    return world


def _lists():
    for _prefix, viewset, basename in api_urls.router.registry:
        if hasattr(viewset, "list"):
            yield basename


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_every_list_is_what_drf_itself_answers(api_client, varied, monkeypatch, settings, zone):
    settings.TIME_ZONE = zone
    api_client.force_authenticate(varied.user("ops"))
    planned = []
    row_function = rows._row_function

    def counting(child):
        planned.append(type(child).__name__)
        return row_function(child)

    compared = 0
    for basename in _lists():
        url = reverse(f"api:{basename}-list") + "?page_size=500"
        with monkeypatch.context() as patch:
            patch.setattr(rows, "_row_function", counting)
            fast = api_client.get(url)
        with monkeypatch.context() as patch:
            patch.setattr(
                RowListSerializer, "to_representation", serializers.ListSerializer.to_representation
            )
            drf = api_client.get(url)
        assert fast.status_code == drf.status_code == 200, (basename, fast.content)
        assert fast.json() == drf.json(), basename
        compared += bool(fast.json().get("results", fast.json()))
    # not vacuous: most lists had rows, and the main resources went through the shortcut
    assert compared >= 15
    assert {"AccountSerializer", "ContactSerializer", "VisitSerializer"} <= set(planned)
    assert {"OpportunitySerializer", "ActualSerializer", "VisitCommentSerializer"} <= set(planned)


def test_a_serializer_that_writes_its_own_representation_keeps_it(world):
    from accounts.models import Account

    class Named(rows.ModelSerializer):
        class Meta:
            model = Account
            fields = ["id", "name"]

        def to_representation(self, instance):
            return {"shout": instance.name.upper()}

    data = Named(Account.objects.order_by("name"), many=True).data
    assert data == [{"shout": "ACME"}, {"shout": "GLOBEX"}, {"shout": "INITECH"}]


def test_fields_built_once_per_class_are_a_fresh_copy_for_each_serializer(world):
    # PlanSerializer makes ``account`` read-only when it edits a plan: that must not leak
    # into the next serializer, which creates one.
    from plans.api.serializers import PlanSerializer
    from tests.factories import PlanFactory

    editing = PlanSerializer(instance=PlanFactory(account=world.accounts["acme"]))
    assert editing.fields["account"].read_only
    creating = PlanSerializer(data={})
    assert not creating.fields["account"].read_only
    assert creating.fields["account"] is not editing.fields["account"]


def test_the_base_serializer_lends_no_description_to_the_schema(client, world):
    client.force_login(world.user("kam_a"))
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    components = schema.json()["components"]["schemas"]
    described = [name for name, spec in components.items() if "get_fields" in str(spec)]
    assert described == []


def test_every_list_runs_the_same_queries_for_one_row_as_for_many(
    api_client, varied, django_assert_num_queries
):
    """A field a list leaves unread (``list_related_fields``) but a row still reads would
    cost a query per row: every list answers one row and all its rows with the same
    number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acme = varied.accounts["acme"]
    plan = PlanFactory(account=varied.accounts["globex"])
    ActionItemFactory(plan=plan)
    ActualFactory(account=varied.accounts["globex"], month=3)
    OpportunityFactory(account=varied.accounts["globex"])
    ContactFactory(account=acme, name="Wang")
    api_client.force_authenticate(varied.user("ops"))
    many = set()
    for basename in _lists():
        url = reverse(f"api:{basename}-list")
        with CaptureQueriesContext(connection) as one:
            first = api_client.get(url + "?page_size=1")
        assert first.status_code == 200, basename
        with django_assert_num_queries(len(one)):
            body = api_client.get(url + "?page_size=500").json()
        if len(body.get("results", body)) > 1:
            many.add(basename)
    required = {"account", "contact", "visit", "opportunity", "plan", "action-item", "actual"}
    assert required <= many, required - many
