"""History (pghistory triggers), archive/restore with everything under the account, purge."""

import pghistory
import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Account, Contact, Visit
from audit.history import object_history
from audit.models import AccountEvent, PurgeLog
from plans.models import AccountPlan
from tests.conftest import add_records
from tests.factories import ComplaintFactory, PlanFactory, RiskEventFactory


def _changes(entries):
    return [(c.label, c.old, c.new) for e in entries for c in e.changes]


def test_api_change_is_recorded_with_user_and_field_diff(client, world):
    kam = world.user("kam_a")
    acme = world.accounts["acme"]
    client.force_login(kam)
    url = reverse("api:account-detail", args=[acme.pk])
    etag = client.get(url)["ETag"]
    response = client.patch(
        url,
        {"name": "Acme Group", "status": "at_risk"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.content
    entries = object_history(user=kam, obj=acme)
    latest = entries[0]
    assert latest.verb == "update"
    assert latest.who == kam.display_name
    assert ("name", "acme", "Acme Group") in _changes([latest])
    status = Account._meta.get_field("status")
    labels = {c.label: (c.old, c.new) for c in latest.changes}
    assert labels[str(status.verbose_name)][1] == str(dict(status.flatchoices)["at_risk"])
    # in Chinese: field names and choice labels from the catalog
    with translation.override("zh-hans"):
        zh = {c.label: c.new for c in object_history(user=kam, obj=acme)[0].changes}
        expected = {
            str(Account._meta.get_field("name").verbose_name): "Acme Group",
            str(status.verbose_name): str(dict(status.flatchoices)["at_risk"]),
        }
    assert zh == expected
    assert not set(zh) & set(labels)  # the Chinese field names are not the English ones


def test_queryset_update_and_bulk_changes_are_recorded(world):
    acme = world.accounts["acme"]
    ops = world.user("ops")
    with pghistory.context(user=ops.pk):
        Account.objects.filter(pk=acme.pk).update(credit_rating="AA")
    events = AccountEvent.objects.filter(pgh_obj_id=acme.pk, pgh_label="update")
    assert events.count() == 1
    assert events.get().pgh_context.metadata["user"] == ops.pk
    assert ("credit rating", "—", "AA") in _changes(object_history(user=ops, obj=acme))
    # a bulk_update too
    acme.credit_rating = "BBB"
    Account.objects.bulk_update([acme], ["credit_rating"])
    assert AccountEvent.objects.filter(pgh_obj_id=acme.pk, pgh_label="update").count() == 2


def test_derived_columns_do_not_make_history(world):
    acme = world.accounts["acme"]
    before = AccountEvent.objects.filter(pgh_obj_id=acme.pk).count()
    Account.objects.filter(pk=acme.pk).update(health_score=42, tier_score=77)
    assert AccountEvent.objects.filter(pgh_obj_id=acme.pk).count() == before


def test_history_page_is_scoped_and_has_a_fixed_query_count(
    client, world, django_assert_num_queries
):
    acme = world.accounts["acme"]
    kam = world.user("kam_a")
    client.force_login(kam)
    url = reverse("audit:account-history", args=[acme.pk])
    with pghistory.context(user=kam.pk):  # a short history naming a user and an owner
        Account.objects.filter(pk=acme.pk).update(owner=world.user("kam_b"))
        Account.objects.filter(pk=acme.pk).update(owner=kam)
    client.get(url)  # warm caches (session, user)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    with pghistory.context(user=kam.pk):
        for i in range(30):
            Account.objects.filter(pk=acme.pk).update(
                name=f"acme {i}", owner=world.user("kam_a" if i % 2 else "kam_b")
            )
    large = count()
    assert small == large
    with django_assert_num_queries(large):
        response = client.get(url)
    assert response.content.decode().count("kam-history-entry") == 33
    client.force_login(world.user("kam_c"))  # other team: the account does not exist for them
    assert client.get(url).status_code == 404


def test_archived_account_leaves_every_list_and_is_restored_with_everything(client, world):
    add_records(world)
    acme = world.accounts["acme"]
    plan = PlanFactory(account=acme)
    ComplaintFactory(account=acme, description="complaint-acme")
    RiskEventFactory(account=acme, description="risk-acme")
    sup = world.user("sup_east")
    client.force_login(sup)
    # a contact archived on its own before stays archived after the restore
    lone = Contact.objects.create(account=acme, name="lone", archived_at="2026-01-01T00:00:00Z")

    assert client.post(reverse("accounts:archive", args=[acme.pk])).status_code == 302
    acme.refresh_from_db()
    assert acme.archived_at is not None
    assert not Contact.objects.filter(account=acme, archived_at__isnull=True).exists()
    assert not Visit.objects.filter(account=acme, archived_at__isnull=True).exists()
    for name, marker in [
        ("accounts:list", ">acme<"),
        ("accounts:contact-list", "contact-acme"),
        ("accounts:visit-list", "visit-acme"),
    ]:
        html = client.get(reverse(name) + ("?who=all" if "visit" in name else "")).content
        assert marker not in html.decode(), name
    for name, key, value in [
        ("api:account-list", "name", "acme"),
        ("api:contact-list", "name", "contact-acme"),
        ("api:plan-list", "account_name", "acme"),
        ("api:complaint-list", "description", "complaint-acme"),
        ("api:risk-list", "description", "risk-acme"),
    ]:
        rows = client.get(reverse(name)).json()["results"]
        assert value not in {row[key] for row in rows}, name

    assert client.post(reverse("accounts:restore", args=[acme.pk])).status_code == 302
    acme.refresh_from_db()
    assert acme.archived_at is None
    assert Contact.objects.get(name="contact-acme").archived_at is None
    assert Visit.objects.get(summary="visit-acme").archived_at is None
    assert Contact.objects.get(pk=lone.pk).archived_at is not None
    assert AccountPlan.objects.filter(pk=plan.pk).exists()
    assert ">acme<" in client.get(reverse("accounts:list")).content.decode()
    rows = client.get(reverse("api:contact-list")).json()["results"]
    assert "contact-acme" in {row["name"] for row in rows}
    rows = client.get(reverse("api:plan-list")).json()["results"]
    assert "acme" in {row["account_name"] for row in rows}


def test_only_admins_purge_after_confirmation_and_it_is_logged(client, world):
    add_records(world)
    acme = world.accounts["acme"]
    PlanFactory(account=acme)
    url = reverse("audit:account-purge", args=[acme.pk])
    ops = world.user("ops")
    client.force_login(ops)
    assert client.get(url).status_code == 404  # not archived yet: nothing to purge
    client.post(reverse("accounts:archive", args=[acme.pk]))

    client.force_login(world.user("sup_east"))  # no purge capability: not yours, 404
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm_name": "acme"}).status_code == 404

    client.force_login(ops)
    page = client.get(url)
    assert page.status_code == 200
    assert "contact" in page.content.decode().lower()
    wrong = client.post(url, {"confirm_name": "nope"})
    assert wrong.status_code == 200
    assert Account.objects.filter(pk=acme.pk).exists()

    response = client.post(url, {"confirm_name": "acme", "reason": "duplicate"})
    assert response.status_code == 302
    assert not Account.objects.filter(pk=acme.pk).exists()
    assert not Contact.objects.filter(name="contact-acme").exists()
    assert not AccountPlan.objects.filter(account_id=acme.pk).exists()
    entry = PurgeLog.objects.get()
    assert (entry.actor, entry.account_name, entry.reason) == (ops, "acme", "duplicate")
    assert entry.counts
    # the history stays: it records the deletes too, with who did it
    deletes = AccountEvent.objects.filter(pgh_obj_id=acme.pk, pgh_label="delete")
    assert deletes.get().pgh_context.metadata["user"] == ops.pk
    log = client.get(reverse("audit:purge-log")).content.decode()
    assert "acme" in log
    assert "duplicate" in log


@pytest.mark.parametrize(
    "kind", ["contact", "visit", "plan", "opportunity", "contract", "complaint", "risk"]
)
def test_every_detail_page_links_to_its_history(client, world, kind):
    from tests.factories import ContractFactory, OpportunityFactory

    add_records(world)
    acme = world.accounts["acme"]
    obj = {
        "contact": lambda: world.contacts["contact-acme"],
        "visit": lambda: world.visits["visit-acme"],
        "plan": lambda: PlanFactory(account=acme),
        "opportunity": lambda: OpportunityFactory(account=acme),
        "contract": lambda: ContractFactory(account=acme),
        "complaint": lambda: ComplaintFactory(account=acme),
        "risk": lambda: RiskEventFactory(account=acme),
    }[kind]()
    client.force_login(world.user("kam_a"))
    history = reverse(f"audit:{kind}-history", args=[obj.pk])
    assert history in client.get(obj.get_absolute_url()).content.decode()
    assert client.get(history).status_code == 200


def test_changes_made_by_a_celery_task_name_the_task_and_its_actor(world):
    from accounts.tasks import accounts_score

    acme = world.accounts["acme"]
    ops = world.user("ops")
    Account.objects.filter(pk=acme.pk).update(tier="")  # scoring will set a tier
    accounts_score.apply(kwargs={"actor_id": ops.pk})
    event = AccountEvent.objects.filter(pgh_obj_id=acme.pk, pgh_label="update").latest("pgh_id")
    assert event.tier != ""
    assert event.pgh_context.metadata["task"] == "accounts.tasks.accounts_score"
    assert event.pgh_context.metadata["user"] == ops.pk
    assert object_history(user=ops, obj=acme)[0].who == ops.display_name


def test_plan_history_lists_its_targets_changes(client, world):
    from decimal import Decimal

    from plans.models import PlanTarget

    plan = PlanFactory(account=world.accounts["acme"])
    target = PlanTarget.objects.create(plan=plan, quarter=1, revenue=Decimal("100"))
    kam = world.user("kam_a")
    with pghistory.context(user=kam.pk):
        PlanTarget.objects.filter(pk=target.pk).update(revenue=Decimal("250"))
    entries = object_history(user=kam, obj=plan)
    assert entries[0].subject.endswith(f"#{target.pk}")
    assert entries[0].who == kam.display_name
    assert [c.label for c in entries[0].changes] == [
        str(PlanTarget._meta.get_field("revenue").verbose_name)
    ]
    client.force_login(kam)
    assert client.get(reverse("audit:plan-history", args=[plan.pk])).status_code == 200


def test_scoring_model_history_page_opens_for_everyone(client, world):
    from accounts.tiering.models import ScoringModel

    for role in ("kam_a", "exec", "ops"):
        client.force_login(world.user(role))
        assert client.get(reverse("audit:scoring-model-history")).status_code == 200
    ScoringModel.current().save()
    ScoringModel.objects.filter(pk=1).update(threshold_a=85)
    entries = object_history(user=world.user("ops"), obj=ScoringModel.objects.get(pk=1))
    assert entries[0].verb == "update"
    assert entries[0].changes[0].new == "85"
