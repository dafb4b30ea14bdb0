"""Service and risk: deadlines, breaches, transitions, NPS, the report, pages and API."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.service import services
from accounts.service.models import (
    Complaint,
    ComplaintStatus,
    RiskStatus,
    ServiceSettings,
    SlaState,
)
from accounts.service.selectors import (
    account_service_card,
    nps,
    service_report,
    team_nps,
)
from kam.choices import NotificationKind
from kam.models import Notification
from tests.factories import (
    ComplaintFactory,
    ContactFactory,
    RiskEventFactory,
    SurveyFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def _record(world, *, who="kam_a", account="acme", **fields):
    fields.setdefault("category", "quality")
    fields.setdefault("description", "The last batch was damaged.")
    return services.complaint_record(
        actor=world.user(who), account=world.accounts[account], **fields
    )


# --- deadlines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "hours"), [("low", 24), ("normal", 24), ("high", 24), ("critical", 4)]
)
def test_the_response_deadline_follows_the_severity(world, severity, hours):
    received = timezone.now() - timedelta(minutes=10)
    complaint = _record(world, severity=severity, received_at=received)
    assert complaint.response_due == received + timedelta(hours=hours)
    assert complaint.owner == world.user("kam_a")  # the account owner by default
    assert complaint.status == ComplaintStatus.OPEN


def test_admins_configure_the_deadlines_and_others_cannot(world):
    with pytest.raises(PermissionDenied):
        services.service_settings_update(actor=world.user("sup_east"), critical=1)
    services.service_settings_update(actor=world.user("ops"), critical=2, low=48)
    assert ServiceSettings.current().response_hours("critical") == 2
    received = timezone.now()
    assert _record(world, severity="low", received_at=received).response_due == (
        received + timedelta(hours=48)
    )
    with pytest.raises(ValidationError) as error:
        services.service_settings_update(actor=world.user("ops"), high=0)
    assert "response_hours_high" in error.value.error_dict


def test_recording_checks_its_input(world):
    with pytest.raises(ValidationError) as error:
        _record(world, account="initech")  # not kam_a's account
    assert "account" in error.value.error_dict
    other = ContactFactory(account=world.accounts["globex"])
    with pytest.raises(ValidationError) as error:
        _record(world, contact=other)
    assert "contact" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        _record(world, category="weather")
    assert "category" in error.value.error_dict
    with pytest.raises(PermissionDenied):
        _record(world, who="exec")
    assert Complaint.objects.count() == 0


# --- breaches ---------------------------------------------------------------------------


def test_the_sweep_marks_overdue_complaints_in_one_statement_and_escalates(
    world, django_assert_num_queries
):
    late = ComplaintFactory.create_batch(
        3,
        account=world.accounts["acme"],
        received_at=timezone.now() - timedelta(hours=30),
    )
    on_time = ComplaintFactory(account=world.accounts["acme"])
    Notification.objects.all().delete()
    # the UPDATE … RETURNING, then one statement inserting the reminder keys (ON CONFLICT
    # DO NOTHING) and their notifications, inside a savepoint (two more statements), and
    # one writing the escalations to the webhooks' outbox (integrations)
    with django_assert_num_queries(5):
        marked = services.complaints_mark_breached()
    assert marked == sorted(c.pk for c in late)
    assert set(Complaint.objects.filter(breached=True).values_list("pk", flat=True)) == set(marked)
    assert not Complaint.objects.get(pk=on_time.pk).breached
    notes = Notification.objects.filter(kind=NotificationKind.COMPLAINT_BREACHED)
    assert {n.recipient.username for n in notes} == {"sup_east"}
    assert notes.count() == 3
    assert "acme" in notes.first().message
    # a second run marks nothing and escalates nothing again
    with django_assert_num_queries(3):  # the UPDATE in its savepoint
        assert services.complaints_mark_breached() == []
    assert notes.count() == 3


def test_a_breach_is_never_unmarked(world):
    complaint = _record(world, received_at=timezone.now() - timedelta(hours=25))
    assert complaint.breached  # recorded after its deadline: marked at once
    complaint = services.complaint_respond(
        actor=world.user("kam_a"), complaint=complaint, response="Called them back."
    )
    assert complaint.breached
    assert complaint.sla_state() == SlaState.BREACHED
    services.complaints_mark_breached()
    complaint.refresh_from_db()
    assert complaint.breached


def test_a_late_response_marks_the_breach(world):
    complaint = _record(world, severity="critical")
    Complaint.objects.filter(pk=complaint.pk).update(
        response_due=timezone.now() - timedelta(minutes=1)
    )
    complaint = services.complaint_respond(
        actor=world.user("kam_a"), complaint=complaint, response="Sorry for the delay."
    )
    assert complaint.breached
    assert Notification.objects.filter(kind=NotificationKind.COMPLAINT_BREACHED).count() == 1


def test_an_answer_in_time_is_met_and_never_breaches(world):
    complaint = _record(world)
    complaint = services.complaint_respond(
        actor=world.user("kam_a"), complaint=complaint, response="On it."
    )
    assert complaint.sla_state() == SlaState.MET
    services.complaints_mark_breached(now=timezone.now() + timedelta(days=3))
    complaint.refresh_from_db()
    assert not complaint.breached


def test_sla_states(world):
    now = timezone.now()
    complaint = ComplaintFactory(account=world.accounts["acme"], response_due=now + timedelta(1))
    assert complaint.sla_state(now) == SlaState.ON_TRACK
    assert complaint.sla_state(now + timedelta(hours=22)) == SlaState.DUE_SOON
    assert complaint.sla_state(now + timedelta(days=2)) == SlaState.BREACHED


def test_reading_a_late_complaint_writes_nothing(client, world):
    # A GET writes nothing: the page shows the complaint late, the sweep marks and escalates.
    complaint = ComplaintFactory(
        account=world.accounts["acme"], received_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(world.user("kam_a"))
    response = client.get(complaint.get_absolute_url())
    assert response.status_code == 200
    assert response.context["object"].sla_state() == SlaState.BREACHED
    complaint.refresh_from_db()
    assert not complaint.breached


# --- transitions ------------------------------------------------------------------------

STEPS = ["respond", "resolve", "verify", "close"]
ORDER = [
    ComplaintStatus.OPEN,
    ComplaintStatus.RESPONDED,
    ComplaintStatus.RESOLVED,
    ComplaintStatus.VERIFIED,
    ComplaintStatus.CLOSED,
]


def _advance(world, complaint, step):
    actor = world.user("kam_a")
    if step == "respond":
        return services.complaint_respond(actor=actor, complaint=complaint, response="Called.")
    if step == "resolve":
        return services.complaint_resolve(
            actor=actor,
            complaint=complaint,
            resolution="Replaced the batch.",
            root_cause="logistics",
        )
    if step == "verify":
        visit = VisitFactory(
            account=complaint.account, occurred_at=timezone.now() + timedelta(seconds=1)
        )
        return services.complaint_verify(actor=actor, complaint=complaint, visit=visit)
    return services.complaint_close(actor=actor, complaint=complaint, satisfaction=4)


@pytest.mark.parametrize("start", ORDER)
@pytest.mark.parametrize("step", STEPS)
def test_only_the_next_step_is_allowed(world, start, step):
    complaint = _record(world)
    for earlier in STEPS[: ORDER.index(start)]:
        complaint = _advance(world, complaint, earlier)
    assert complaint.status == start
    allowed = ORDER.index(start) < len(STEPS) and STEPS[ORDER.index(start)] == step
    if allowed:
        complaint = _advance(world, complaint, step)
        assert complaint.status == ORDER[ORDER.index(start) + 1]
    else:
        with pytest.raises(ValidationError) as error:
            _advance(world, complaint, step)
        assert "status" in error.value.error_dict
        complaint.refresh_from_db()
        assert complaint.status == start


def test_the_whole_path_records_each_step(world):
    complaint = _record(world)
    for step in STEPS:
        complaint = _advance(world, complaint, step)
    assert complaint.first_response_at is not None
    assert complaint.resolved_at is not None
    assert complaint.closed_at is not None
    assert complaint.root_cause == "logistics"
    assert complaint.verification_visit.account == complaint.account
    assert complaint.satisfaction == 4


def test_verification_needs_a_later_visit_to_the_same_account(world):
    complaint = _record(world)
    complaint = _advance(world, complaint, "respond")
    earlier = VisitFactory(
        account=world.accounts["acme"], occurred_at=timezone.now() - timedelta(hours=1)
    )
    complaint = _advance(world, complaint, "resolve")
    elsewhere = VisitFactory(
        account=world.accounts["globex"], occurred_at=timezone.now() + timedelta(hours=1)
    )
    for visit in (earlier, elsewhere, None):
        with pytest.raises(ValidationError) as error:
            services.complaint_verify(actor=world.user("kam_a"), complaint=complaint, visit=visit)
        assert "visit" in error.value.error_dict


def test_step_inputs_are_checked(world):
    complaint = _record(world)
    with pytest.raises(ValidationError) as error:
        services.complaint_respond(actor=world.user("kam_a"), complaint=complaint, response=" ")
    assert "response" in error.value.error_dict
    complaint = _advance(world, complaint, "respond")
    with pytest.raises(ValidationError) as error:
        services.complaint_resolve(
            actor=world.user("kam_a"), complaint=complaint, resolution="", root_cause=""
        )
    assert set(error.value.error_dict) == {"resolution", "root_cause"}
    complaint = _advance(world, complaint, "resolve")
    complaint = _advance(world, complaint, "verify")
    for bad in (None, 0, 6):
        with pytest.raises(ValidationError):
            services.complaint_close(
                actor=world.user("kam_a"), complaint=complaint, satisfaction=bad
            )


def test_steps_follow_the_visibility_rule(world):
    complaint = _record(world)
    with pytest.raises(Http404):
        services.complaint_respond(actor=world.user("kam_c"), complaint=complaint, response="x")
    with pytest.raises(PermissionDenied):
        services.complaint_respond(actor=world.user("exec"), complaint=complaint, response="x")
    services.complaint_respond(actor=world.user("sup_east"), complaint=complaint, response="x")


# --- surveys, NPS and risks -------------------------------------------------------------


def test_nps_is_promoters_minus_detractors():
    # 4 promoters (9, 10), 3 passives (7, 8), 3 detractors (0–6): (4 − 3) / 10 = 10
    assert nps([10, 9, 9, 10, 7, 8, 8, 6, 0, 3]) == 10
    assert nps([10, 10]) == 100
    assert nps([0, 6, 7]) == -67
    assert nps([None]) is None
    assert nps([]) is None


def test_team_nps_on_hand_made_data(world):
    for score in (10, 9, 6, 8):  # East: 2 promoters, 1 detractor of 4 → 25
        SurveyFactory(account=world.accounts["acme"], nps=score)
    SurveyFactory(account=world.accounts["globex"], nps=None, csat=2)  # CSAT only: not counted
    SurveyFactory(  # too old for the 12 months
        account=world.accounts["globex"], nps=0, taken_on=timezone.localdate() - timedelta(400)
    )
    for score in (3, 5):  # South: all detractors → −100
        SurveyFactory(account=world.accounts["initech"], nps=score)
    rows = {row.team.name: row for row in team_nps(actor=world.user("ops"))}
    assert rows["East"].nps == 25
    assert (rows["East"].promoters, rows["East"].passives, rows["East"].detractors) == (2, 1, 1)
    assert rows["South"].nps == -100
    assert [row.team.name for row in team_nps(actor=world.user("kam_c"))] == ["South"]


def test_surveys_need_a_score(world):
    with pytest.raises(ValidationError) as error:
        services.survey_record(actor=world.user("kam_a"), account=world.accounts["acme"])
    assert "nps" in error.value.error_dict
    with pytest.raises(ValidationError):
        services.survey_record(actor=world.user("kam_a"), account=world.accounts["acme"], nps=11)
    survey = services.survey_record(
        actor=world.user("kam_a"), account=world.accounts["acme"], csat=5, comment="Great."
    )
    assert survey.taken_on == timezone.localdate()


def test_risks_close_and_reopen(world):
    risk = services.risk_raise(
        actor=world.user("kam_a"),
        account=world.accounts["acme"],
        type="key_contact_leaving",
        level="high",
        description="The CPO is retiring.",
    )
    assert risk.owner == world.user("kam_a")
    risk = services.risk_update(actor=world.user("kam_a"), risk=risk, status=RiskStatus.CLOSED)
    assert risk.closed_at is not None
    risk = services.risk_update(actor=world.user("kam_a"), risk=risk, status=RiskStatus.OPEN)
    assert risk.closed_at is None
    with pytest.raises(Http404):
        services.risk_update(actor=world.user("kam_c"), risk=risk, level="low")
    with pytest.raises(ValidationError):
        services.risk_update(actor=world.user("kam_a"), risk=risk, level="extreme")


def test_the_account_card_highlights_open_high_risks(world, django_assert_num_queries):
    acme = world.accounts["acme"]
    high = RiskEventFactory(account=acme, level="high")
    RiskEventFactory(account=acme, level="high", status="closed")
    RiskEventFactory(account=acme, level="low")
    ComplaintFactory(account=acme)
    SurveyFactory(account=acme, nps=10, csat=5)
    SurveyFactory(account=acme, nps=0, csat=3)
    with django_assert_num_queries(1):  # complaints, risks and surveys in one statement
        card = account_service_card(account=acme)
    assert card.open_high_risks == [high]
    assert len(card.risks) == 2
    assert card.nps == 0
    assert card.csat == 4.0
    assert len(card.open_complaints) == 1


# --- the report -------------------------------------------------------------------------


def test_the_report_counts_categories_causes_and_response_times(world, django_assert_num_queries):
    acme = world.accounts["acme"]
    now = timezone.now()
    ComplaintFactory(
        account=acme,
        category="delivery",
        received_at=now - timedelta(hours=10),
        first_response_at=now - timedelta(hours=8),
        root_cause="logistics",
    )
    ComplaintFactory(
        account=acme,
        category="delivery",
        severity="critical",
        received_at=now - timedelta(hours=10),
        first_response_at=now - timedelta(hours=4),
        root_cause="logistics",
        breached=True,
    )
    ComplaintFactory(account=world.accounts["initech"], category="billing", root_cause="process")
    with django_assert_num_queries(3):
        report = service_report(actor=world.user("kam_a"))
    assert report.total == 2  # initech is not kam_a's
    month = timezone.localdate().replace(day=1)
    assert report.by_month[month] == {"delivery": 2}
    assert report.root_causes == [("Logistics", 2)]
    assert report.average_response_hours == 4.0  # (2 h + 6 h) / 2
    assert report.breached == 1
    by_severity = {row[0]: (row[1], row[2]) for row in report.response_by_severity}
    assert by_severity["Critical"] == (1, 6.0)
    assert report.month_rows[-1][0] == month


# --- pages ------------------------------------------------------------------------------


def test_the_page_flow_records_and_moves_a_complaint(client, world):
    client.force_login(world.user("kam_a"))
    acme = world.accounts["acme"]
    response = client.post(
        reverse("accounts:complaint-create"),
        {
            "account": acme.pk,
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "channel": "phone",
            "category": "quality",
            "severity": "critical",
            "description": "Wrong labels.",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == complaint.get_absolute_url()
    url = reverse("accounts:complaint-respond", args=[complaint.pk])
    assert client.post(url, {"response": ""}).status_code == 200  # the error on the page
    assert client.post(url, {"response": "Called."}).status_code == 302
    # a stale step is refused without a change
    response = client.post(reverse("accounts:complaint-close", args=[complaint.pk]), {})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESPONDED
    page = client.get(acme.get_absolute_url()).content.decode()
    assert 'id="service-card"' in page
    assert "Complaint received" in page


def test_the_form_refuses_bad_input_with_field_errors(client, world):
    client.force_login(world.user("kam_a"))
    response = client.post(
        reverse("accounts:complaint-create"),
        {"account": world.accounts["initech"].pk, "category": "quality"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"account", "description"}
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    ("url_name", "query", "make", "expected"),
    [
        # and the views bar's two: the saved views, the user's teams
        ("accounts:complaint-list", "", "complaint", 7),
        ("accounts:complaint-list", "?sla=breached", "complaint", 7),
        ("accounts:survey-list", "", "survey", 5),
        ("accounts:risk-list", "", "risk", 5),
        ("api:complaint-list", "", "complaint", 4),
        ("api:survey-list", "", "survey", 4),
        ("api:risk-list", "", "risk", 4),
    ],
)
def test_lists_run_a_fixed_number_of_queries(client, world, url_name, query, make, expected):
    """Pages: session, user, bell, count, rows; API: session, user, count, rows."""
    factory = {"complaint": ComplaintFactory, "survey": SurveyFactory, "risk": RiskEventFactory}
    client.force_login(world.user("sup_east"))
    created, counts = 0, []
    for rows in (5, 50):
        for index in range(created, rows):
            account = world.accounts["acme" if index % 2 else "globex"]
            if make == "complaint":
                factory[make](
                    account=account,
                    received_at=timezone.now() - timedelta(hours=30),
                    contact=ContactFactory(account=account),
                )
            else:
                factory[make](account=account)
        created = rows
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name) + query)
        counts.append(len(queries))
        assert response.status_code == 200
        if url_name.startswith("api:"):
            assert response.json()["count"] == rows
        else:
            assert len(response.context["object_list"]) == rows
    assert counts == [expected, expected], counts


# --- API --------------------------------------------------------------------------------


def test_the_api_walks_a_complaint_through_its_actions(client, world):
    client.force_login(world.user("kam_a"))
    acme = world.accounts["acme"]
    response = client.post(
        reverse("api:complaint-list"),
        {
            "account": acme.pk,
            "category": "billing",
            "severity": "normal",
            "description": "Invoice.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["sla"] == "on_track"
    pk = body["id"]

    def step(name, payload):
        return client.post(
            reverse(f"api:complaint-{name}", args=[pk]), payload, content_type="application/json"
        )

    refused = step("close", {"satisfaction": 5})
    assert refused.status_code == 400
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "status" in refused.json()["errors"]
    assert step("respond", {"response": "Called."}).json()["status"] == "responded"
    resolved = step("resolve", {"resolution": "Credit note.", "root_cause": "process"})
    assert resolved.status_code == 200
    visit = VisitFactory(account=acme, occurred_at=timezone.now() + timedelta(seconds=5))
    assert step("verify", {"visit": visit.pk}).json()["status"] == "verified"
    assert step("close", {"satisfaction": 9}).status_code == 400
    closed = step("close", {"satisfaction": 4}).json()
    assert closed["status"] == "closed"
    assert closed["satisfaction"] == 4


def test_the_api_refuses_out_of_view_records_and_bad_input(client, world):
    client.force_login(world.user("kam_a"))
    initech = world.accounts["initech"]
    for name, payload in [
        ("api:complaint-list", {"account": initech.pk, "category": "quality", "description": "x"}),
        ("api:survey-list", {"account": initech.pk, "nps": 5}),
        ("api:risk-list", {"account": initech.pk, "type": "credit", "description": "x"}),
        ("api:survey-list", {"account": world.accounts["acme"].pk}),
        ("api:complaint-list", {"account": world.accounts["acme"].pk, "category": "x"}),
    ]:
        response = client.post(reverse(name), payload, content_type="application/json")
        assert response.status_code == 400, (name, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
    complaint = ComplaintFactory(account=initech)
    response = client.post(
        reverse("api:complaint-respond", args=[complaint.pk]),
        {"response": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    client.force_login(world.user("exec"))
    response = client.post(
        reverse("api:complaint-respond", args=[complaint.pk]),
        {"response": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_the_task_runs_the_sweep(world):
    from accounts.tasks import complaints_mark_breached

    ComplaintFactory(account=world.accounts["acme"], received_at=timezone.now() - timedelta(2))
    assert complaints_mark_breached() == 1
    assert complaints_mark_breached() == 0


def test_dates_in_the_future_are_refused(world):
    with pytest.raises(ValidationError) as error:
        _record(world, received_at=timezone.now() + timedelta(days=1))
    assert "received_at" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.survey_record(
            actor=world.user("kam_a"),
            account=world.accounts["acme"],
            nps=5,
            taken_on=timezone.localdate() + timedelta(days=3),
        )
    assert "taken_on" in error.value.error_dict


def test_the_account_page_keeps_its_query_count_with_many_service_records(client, world):
    # the page of a plain account (test_account_views asserts DETAIL_QUERIES on a fuller
    # one); what matters here is that the service card adds none per row
    acme = world.accounts["acme"]
    client.force_login(world.user("kam_a"))
    counts, created = [], 0
    for rows in (0, 5, 50):
        for _ in range(created, rows):
            ComplaintFactory(account=acme, resolved_at=timezone.now())
            SurveyFactory(account=acme)
            RiskEventFactory(account=acme, level="high")
        created = rows
        with CaptureQueriesContext(connection) as queries:
            response = client.get(acme.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts == [10, 10, 10], counts  # as DETAIL_QUERIES: the card is one statement
    assert response.content.decode().count("data-high-risk=") == 50
