"""The accounts write path: every rule, bad input and the handover."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts import services
from accounts.choices import AccountTeamRole, ContactLevel
from accounts.models import Account, AccountHandover, AccountTeamMember, Contact, Visit
from accounts.validators import credit_code_check_char, validate_credit_code
from kam.choices import NotificationKind, Role
from kam.models import Notification
from tests.factories import AccountFactory, ContactFactory, UserFactory, VisitFactory

VALID_CODE = "91350100M000100Y43"


def _errors(excinfo):
    return excinfo.value.message_dict


# --- credit code ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [VALID_CODE, "91110000802100433B", "91440300708461136T"])
def test_real_credit_codes_pass(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "check digit"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000I00Y43", "cannot contain"),
    ],
)
def test_bad_credit_codes_explain_themselves(code, fragment):
    with pytest.raises(ValidationError, match=fragment):
        validate_credit_code(code)


def test_check_char_is_in_the_charset():
    assert credit_code_check_char("91350100M000100Y4") == "3"


# --- accounts ---------------------------------------------------------------------------


def test_kam_creates_an_account_they_own(world):
    kam = world.user("kam_a")
    account = services.account_create(
        actor=kam, name="Umbrella", credit_code=VALID_CODE.lower(), tags=["steel"]
    )
    assert account.owner == kam
    assert account.credit_code == VALID_CODE  # normalised
    assert account.created_by == kam


def test_invalid_credit_code_is_a_field_error_and_nothing_is_written(world):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=world.user("kam_a"), name="X", credit_code="123")
    assert "credit_code" in _errors(excinfo)
    assert not Account.objects.filter(name="X").exists()


def test_credit_code_and_external_id_are_unique(world):
    services.account_create(
        actor=world.user("kam_a"), name="One", credit_code=VALID_CODE, external_id="ERP-1"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=world.user("kam_a"), name="Two", credit_code=VALID_CODE)
    assert "credit_code" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=world.user("kam_a"), name="Three", external_id="ERP-1")
    assert "external_id" in _errors(excinfo)


def test_blank_external_ids_do_not_collide(world):
    services.account_create(actor=world.user("kam_a"), name="One", external_id="")
    services.account_create(actor=world.user("kam_a"), name="Two", external_id="")
    assert Account.objects.filter(external_id__isnull=True, name__in=["One", "Two"]).count() == 2


def test_kam_cannot_create_for_another_kam(world):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=world.user("kam_a"), name="X", owner=world.user("kam_b"))
    assert "owner" in _errors(excinfo)


def test_supervisor_creates_for_a_team_member_but_not_for_another_team(world):
    account = services.account_create(
        actor=world.user("sup_east"), name="X", owner=world.user("kam_b")
    )
    assert account.owner == world.user("kam_b")
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(actor=world.user("sup_east"), name="Y", owner=world.user("kam_c"))
    assert "owner" in _errors(excinfo)


def test_executives_change_nothing(world):
    with pytest.raises(PermissionDenied):
        services.account_create(actor=world.user("exec"), name="X", owner=world.user("kam_a"))
    with pytest.raises(PermissionDenied):
        services.account_update(actor=world.user("exec"), account=world.accounts["acme"], name="Z")


def test_another_kams_account_cannot_be_written(world):
    with pytest.raises(Http404):
        services.account_update(actor=world.user("kam_c"), account=world.accounts["acme"], name="Z")
    assert Account.objects.get(name="acme")


def test_parent_must_be_visible(world):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(
            actor=world.user("kam_a"), name="Sub", parent=world.accounts["initech"]
        )
    assert "parent" in _errors(excinfo)


def test_parent_cycles_are_refused(world):
    kam = world.user("ops")
    group = world.accounts["acme"]
    subsidiary = services.account_update(actor=kam, account=world.accounts["globex"], parent=group)
    grandchild = services.account_create(
        actor=kam, name="Grandchild", parent=subsidiary, owner=world.user("kam_a")
    )
    with pytest.raises(ValidationError) as excinfo:
        services.account_update(actor=kam, account=group, parent=grandchild)
    assert "loop" in " ".join(_errors(excinfo)["parent"])
    with pytest.raises(ValidationError):
        services.account_update(actor=kam, account=group, parent=group)
    group.refresh_from_db()
    assert group.parent is None


def test_an_update_that_leaves_the_actors_view_rolls_back(world):
    """A supervisor moving an account to another team's KAM would lose sight of it."""
    with pytest.raises(ValidationError):
        services.account_update(
            actor=world.user("sup_east"), account=world.accounts["acme"], owner=world.user("kam_c")
        )
    assert Account.objects.get(name="acme").owner == world.user("kam_a")


def test_kam_cannot_give_their_account_away(world):
    with pytest.raises(ValidationError) as excinfo:
        services.account_update(
            actor=world.user("kam_a"), account=world.accounts["acme"], owner=world.user("kam_b")
        )
    assert "owner" in _errors(excinfo)


def test_account_team_is_replaced_and_owner_skipped(world):
    acme = world.accounts["acme"]
    services.account_team_set(
        actor=world.user("kam_a"),
        account=acme,
        members=[(world.user("kam_b"), AccountTeamRole.SUPPORT), (acme.owner, "technical")],
    )
    assert list(acme.team_members.values_list("user__username", "role")) == [("kam_b", "support")]
    with pytest.raises(ValidationError) as excinfo:
        services.account_team_set(
            actor=world.user("kam_a"),
            account=acme,
            members=[(world.user("kam_c"), AccountTeamRole.SUPPORT)],
        )
    assert "team" in _errors(excinfo)


def test_archive_and_restore(world):
    acme = world.accounts["acme"]
    with pytest.raises(PermissionDenied):  # on the account team, not the owner
        services.account_archive(actor=world.user("kam_a"), account=world.accounts["globex"])
    services.account_archive(actor=world.user("kam_a"), account=acme)
    assert not Account.objects.active().filter(pk=acme.pk).exists()
    assert Account.objects.filter(pk=acme.pk).exists()  # never deleted
    services.account_restore(actor=world.user("sup_east"), account=acme)
    assert Account.objects.active().filter(pk=acme.pk).exists()


# --- contacts ---------------------------------------------------------------------------


def test_contact_reports_to_same_account_and_no_cycles(world):
    kam = world.user("kam_a")
    acme = world.accounts["acme"]
    ceo = services.contact_create(actor=kam, account=acme, name="CEO", level=ContactLevel.EXECUTIVE)
    cfo = services.contact_create(actor=kam, account=acme, name="CFO", reports_to=ceo)
    buyer = services.contact_create(actor=kam, account=acme, name="Buyer", reports_to=cfo)
    with pytest.raises(ValidationError) as excinfo:
        services.contact_update(actor=kam, contact=ceo, reports_to=buyer)
    assert "reports_to" in _errors(excinfo)
    with pytest.raises(ValidationError):
        services.contact_update(actor=kam, contact=ceo, reports_to=ceo)
    stranger = ContactFactory(account=world.accounts["globex"])
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(actor=kam, account=acme, name="X", reports_to=stranger)
    assert "reports_to" in _errors(excinfo)


def test_contact_on_an_invisible_account_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(
            actor=world.user("kam_a"), account=world.accounts["initech"], name="Spy"
        )
    assert "account" in _errors(excinfo)
    assert not Contact.objects.filter(name="Spy").exists()


def test_strength_is_one_to_five(world):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(
            actor=world.user("kam_a"), account=world.accounts["acme"], name="X", strength=6
        )
    assert "strength" in _errors(excinfo)


def test_key_contact_leaving_alerts_owner_and_supervisor(world):
    kam = world.user("kam_a")
    ceo = ContactFactory(account=world.accounts["acme"], level=ContactLevel.EXECUTIVE, name="Li")
    services.contact_mark_left(actor=kam, contact=ceo)
    ceo.refresh_from_db()
    assert ceo.has_left
    assert ceo.left_on == timezone.localdate()
    alerts = Notification.objects.filter(kind=NotificationKind.KEY_CONTACT_LEFT)
    assert set(alerts.values_list("recipient__username", flat=True)) == {"kam_a", "sup_east"}
    assert "Li" in alerts.first().message


def test_execution_level_contact_leaving_raises_no_alert(world):
    clerk = ContactFactory(account=world.accounts["acme"], level=ContactLevel.EXECUTION)
    services.contact_mark_left(actor=world.user("kam_a"), contact=clerk)
    assert not Notification.objects.filter(kind=NotificationKind.KEY_CONTACT_LEFT).exists()


# --- visits -----------------------------------------------------------------------------


def test_visit_with_contacts_and_colleagues(world):
    acme = world.accounts["acme"]
    first, second = ContactFactory.create_batch(2, account=acme)
    visit, created = services.visit_log(
        actor=world.user("kam_a"),
        account=acme,
        contacts=[first, second],
        colleagues=[world.user("kam_b")],
        summary="Quarterly review",
        next_visit_on=timezone.localdate() + timedelta(days=14),
    )
    assert created
    assert set(visit.contacts.all()) == {first, second}
    assert visit.next_visit_owner == world.user("kam_a")


def test_contact_of_another_account_on_a_visit_is_a_field_error(world):
    stranger = ContactFactory(account=world.accounts["globex"])
    with pytest.raises(ValidationError) as excinfo:
        services.visit_log(
            actor=world.user("kam_a"),
            account=world.accounts["acme"],
            contacts=[stranger],
            summary="x",
        )
    assert "contacts" in _errors(excinfo)
    assert not Visit.objects.exists()


def test_visit_on_an_invisible_account_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_log(
            actor=world.user("kam_a"), account=world.accounts["initech"], summary="x"
        )
    assert "account" in _errors(excinfo)


def test_account_team_member_may_log_visits(world):
    visit, _ = services.visit_log(
        actor=world.user("kam_a"), account=world.accounts["globex"], summary="Helped out"
    )
    assert visit.logged_by == world.user("kam_a")


def test_summary_is_required(world):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_log(actor=world.user("kam_a"), account=world.accounts["acme"], summary="")
    assert "summary" in _errors(excinfo)


def test_revisit_cannot_be_before_the_visit(world):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_log(
            actor=world.user("kam_a"),
            account=world.accounts["acme"],
            summary="x",
            next_visit_on=timezone.localdate() - timedelta(days=1),
        )
    assert "next_visit_on" in _errors(excinfo)


def test_same_client_key_returns_the_first_visit(world):
    key = uuid.uuid4()
    arguments = {"actor": world.user("kam_a"), "account": world.accounts["acme"], "summary": "x"}
    first, created = services.visit_log(client_key=key, **arguments)
    again, created_again = services.visit_log(client_key=key, **arguments)
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert Visit.objects.count() == 1
    with pytest.raises(ValidationError) as excinfo:  # someone else's key
        services.visit_log(
            actor=world.user("kam_b"), account=world.accounts["globex"], summary="x", client_key=key
        )
    assert "client_key" in _errors(excinfo)


def test_out_of_range_location_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_log(
            actor=world.user("kam_a"),
            account=world.accounts["acme"],
            summary="x",
            latitude=123,
            longitude=20,
        )
    assert "latitude" in _errors(excinfo)


def test_a_new_visit_closes_earlier_planned_revisits(world):
    acme = world.accounts["acme"]
    earlier = VisitFactory(
        account=acme,
        occurred_at=timezone.now() - timedelta(days=20),
        next_visit_on=timezone.localdate() - timedelta(days=5),
        next_visit_owner=world.user("kam_a"),
    )
    services.visit_log(actor=world.user("kam_a"), account=acme, summary="Came back")
    earlier.refresh_from_db()
    assert earlier.follow_up_closed_at is not None


def test_supervisor_comment_notifies_the_kam(world):
    visit = VisitFactory(account=world.accounts["acme"])
    comment = services.visit_comment_add(actor=world.user("sup_east"), visit=visit, body="Good")
    assert comment.author == world.user("sup_east")
    note = Notification.objects.get(kind=NotificationKind.VISIT_COMMENTED)
    assert note.recipient == world.user("kam_a")
    with pytest.raises(PermissionDenied):
        services.visit_comment_add(actor=world.user("kam_a"), visit=visit, body="Me too")
    with pytest.raises(ValidationError):
        services.visit_comment_add(actor=world.user("sup_south"), visit=visit, body="Not mine")
    with pytest.raises(ValidationError):
        services.visit_comment_add(actor=world.user("sup_east"), visit=visit, body="  ")


# --- handover ---------------------------------------------------------------------------


def test_handover_moves_accounts_and_open_revisits_and_keeps_history(world):
    kam_a, kam_b = world.user("kam_a"), world.user("kam_b")
    acme = world.accounts["acme"]
    second = AccountFactory(name="second", owner=kam_a)
    open_revisit = VisitFactory(
        account=acme,
        logged_by=kam_a,
        next_visit_on=timezone.localdate() + timedelta(days=3),
        next_visit_owner=kam_a,
    )
    done_revisit = VisitFactory(
        account=acme,
        logged_by=kam_a,
        next_visit_on=timezone.localdate() - timedelta(days=3),
        next_visit_owner=kam_a,
        follow_up_closed_at=timezone.now(),
    )
    AccountTeamMember.objects.create(account=acme, user=kam_b, role="support")

    handovers = services.accounts_handover(
        actor=world.user("sup_east"),
        from_user=kam_a,
        assignments={acme.pk: kam_b, second.pk: kam_b},
        note="Kevin moves to the North team",
    )

    assert len(handovers) == 2
    assert set(Account.objects.filter(owner=kam_b).values_list("name", flat=True)) >= {
        "acme",
        "second",
    }
    open_revisit.refresh_from_db()
    done_revisit.refresh_from_db()
    assert open_revisit.next_visit_owner == kam_b
    assert done_revisit.next_visit_owner == kam_a  # closed follow-ups stay as they were
    assert open_revisit.logged_by == kam_a  # history is untouched
    assert not AccountTeamMember.objects.filter(account=acme, user=kam_b).exists()
    record = AccountHandover.objects.get(account=acme)
    assert (record.from_user, record.to_user, record.follow_ups_moved) == (kam_a, kam_b, 1)
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert ("kam_b", NotificationKind.ACCOUNT_RECEIVED) in kinds
    assert ("kam_a", NotificationKind.ACCOUNT_HANDED_OVER) in kinds


def test_handover_is_all_or_nothing(world):
    kam_a = world.user("kam_a")
    with pytest.raises(ValidationError):
        services.accounts_handover(
            actor=world.user("sup_east"),
            from_user=kam_a,
            assignments={world.accounts["acme"].pk: world.user("kam_b"),
                         world.accounts["initech"].pk: world.user("kam_b")},
        )  # fmt: skip
    assert Account.objects.get(name="acme").owner == kam_a
    assert not AccountHandover.objects.exists()


def test_handover_to_another_team_is_refused_and_rolled_back(world):
    with pytest.raises(ValidationError):
        services.accounts_handover(
            actor=world.user("sup_east"),
            from_user=world.user("kam_a"),
            assignments={world.accounts["acme"].pk: world.user("kam_c")},
        )
    assert Account.objects.get(name="acme").owner == world.user("kam_a")


@pytest.mark.parametrize("role", ["kam_a", "exec"])
def test_only_supervisors_and_admins_hand_over(world, role):
    with pytest.raises(PermissionDenied):
        services.accounts_handover(
            actor=world.user(role),
            from_user=world.user("kam_a"),
            assignments={world.accounts["acme"].pk: world.user("kam_b")},
        )


def test_handover_needs_accounts(world):
    with pytest.raises(ValidationError):
        services.accounts_handover(
            actor=world.user("ops"), from_user=world.user("kam_a"), assignments={}
        )


def test_admin_hands_over_across_teams(world):
    services.accounts_handover(
        actor=world.user("ops"),
        from_user=world.user("kam_a"),
        assignments={world.accounts["acme"].pk: world.user("kam_c")},
    )
    assert Account.objects.get(name="acme").owner == world.user("kam_c")


def test_inactive_user_cannot_receive_accounts(world):
    leaver = UserFactory(username="leaver", role=Role.ACCOUNT_MANAGER, is_active=False)
    with pytest.raises(ValidationError):
        services.accounts_handover(
            actor=world.user("ops"),
            from_user=world.user("kam_a"),
            assignments={world.accounts["acme"].pk: leaver},
        )
