"""The weekly draft of a KAM with a known week holds exactly what the week's data says.

The week: Monday 23 to Sunday 29 November 2026 (Asia/Shanghai), drafted on Friday 27.
On top of the world (East: kam_a, kam_b; South: kam_c; acme is kam_a's, globex kam_b's,
initech kam_c's), kam_a's week:

    visits      v1 Tue 10:00 (met c1, c2), v2 Sun 23:30 (met c2)             -> 2 visits, c1 c2
                not: Sun 22nd 23:59 (week before), Mon 30th 00:30 (week after),
                an archived one in the week, kam_b's visit to globex
    revisits    v1 planned Wed 2 December (next week)                        -> v1
                not: one planned for 10 December, one next week but done, kam_b's
    pipeline    o_new opened, o_adv Qualify -> Proposal, o_won -> Won, o_lost -> Lost
                not: o_back Proposal -> Qualify, o_next opened on Monday 30th, kam_b's deal
    complaints  opened cm_open (Wed); closed cm_closed (received the week before, closed Thu)
                not: cm_old (received and closed outside), kam_c's
    health      acme turned red on Thursday
                not: hooli dropped (amber), umbrella turned red the week before
    attainment  acme's plan 1,200 a quarter, actuals 300 a month January to November
                -> year to date at 27 November: 3,300 / (4,800 × 11 / 12 = 4,400) = 75.0 %
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.health.models import HealthChange
from dashboards.selectors import my_day
from kam.choices import NotificationKind, Role
from kam.models import Notification
from kam.queries import day_start
from opportunities.models import OpportunityStageChange
from plans.models import PlanTarget
from plans.selectors import attainment_by_kam, kam_attainment
from tests.factories import (
    AccountFactory,
    ActualFactory,
    ComplaintFactory,
    ContactFactory,
    OpportunityFactory,
    PlanFactory,
    TeamMembershipFactory,
    UserFactory,
    VisitFactory,
    default_stages,
)
from workreports.drafts import period_of, work_reports_draft
from workreports.models import ReportStatus, WorkReport
from workreports.services import work_report_refresh, work_report_update

FRIDAY = date(2026, 11, 27)
MONDAY, SUNDAY = date(2026, 11, 23), date(2026, 11, 29)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return day_start(day) + timedelta(hours=hour, minutes=minute)


@pytest.fixture
def week(world):
    kam_a = world.user("kam_a")
    acme, globex, initech = (world.accounts[name] for name in ("acme", "globex", "initech"))
    hooli = AccountFactory(name="hooli", owner=kam_a)
    umbrella = AccountFactory(name="umbrella", owner=kam_a)
    ids = {}
    c1, c2, c3 = (ContactFactory(account=acme, name=name) for name in ("c1", "c2", "c3"))
    ids["contacts"] = [c1.pk, c2.pk]

    def visit(when, contacts=(), **fields):
        fields.setdefault("account", acme)
        made = VisitFactory(occurred_at=when, **fields)
        made.contacts.set(contacts)
        return made

    v1 = visit(at(date(2026, 11, 24), 10), [c1, c2], next_visit_on=date(2026, 12, 2))
    v2 = visit(at(SUNDAY, 23, 30), [c2])
    visit(at(date(2026, 11, 22), 23, 59), [c3], next_visit_on=date(2026, 12, 10))
    visit(at(date(2026, 11, 30), 0, 30), [c3])
    visit(at(date(2026, 11, 25), 9), [c3], archived_at=timezone.now())
    done = visit(at(date(2026, 11, 10), 9), next_visit_on=date(2026, 12, 3))
    type(done).objects.filter(pk=done.pk).update(follow_up_closed_at=timezone.now())
    kam_b_visit = visit(at(date(2026, 11, 25), 15), account=globex, next_visit_on=date(2026, 12, 1))
    ids["visits"], ids["revisits"] = sorted([v1.pk, v2.pk]), [v1.pk]
    ids["kam_b_visit"] = kam_b_visit.pk

    stages = default_stages()

    def deal(name, *moves, account=acme):
        opportunity = OpportunityFactory(account=account, name=name, stage=stages[moves[-1][1]])
        for when, to_stage, from_stage in ((m[0], m[1], m[2] if len(m) > 2 else None)
                                           for m in moves):  # fmt: skip
            OpportunityStageChange.objects.create(
                opportunity=opportunity, to_stage=stages[to_stage],
                from_stage=stages[from_stage] if from_stage else None, changed_at=when,
            )  # fmt: skip
        return opportunity

    wed = at(date(2026, 11, 25), 11)
    last_week = at(date(2026, 11, 16), 11)
    o_new = deal("o_new", (wed, "Qualify"))
    o_adv = deal("o_adv", (last_week, "Qualify"), (wed, "Proposal", "Qualify"))
    o_won = deal("o_won", (last_week, "Negotiation"), (wed, "Won", "Negotiation"))
    o_lost = deal("o_lost", (last_week, "Proposal"), (wed, "Lost", "Proposal"))
    deal("o_back", (last_week, "Proposal"), (wed, "Qualify", "Proposal"))
    deal("o_next", (at(date(2026, 11, 30), 0, 30), "Qualify"))
    kam_b_deal = deal("kam_b_deal", (wed, "Qualify"), account=globex)
    ids.update(new=[o_new.pk], advanced=[o_adv.pk], won=[o_won.pk], lost=[o_lost.pk],
               kam_b_deal=kam_b_deal.pk)  # fmt: skip

    cm_open = ComplaintFactory(account=acme, received_at=wed)
    cm_closed = ComplaintFactory(
        account=acme, received_at=last_week, closed_at=at(date(2026, 11, 26), 9), status="closed"
    )
    ComplaintFactory(account=acme, received_at=last_week, closed_at=at(date(2026, 12, 1), 9))
    ComplaintFactory(account=initech, received_at=wed)
    ids.update(opened=[cm_open.pk], closed=[cm_closed.pk])

    def change(account, when, old, new, alert):
        HealthChange.objects.create(
            account=account, changed_at=when, old_status=old, new_status=new,
            old_score=60, new_score=30, alert=alert,
        )  # fmt: skip

    change(acme, at(date(2026, 11, 26), 1, 30), "amber", "red", "red")
    change(hooli, at(date(2026, 11, 26), 1, 30), "green", "amber", "drop")
    change(umbrella, at(date(2026, 11, 19), 1, 30), "amber", "red", "red")
    ids["red"] = [acme.pk]

    plan = PlanFactory(account=acme, year=2026)
    for quarter in (1, 2, 3, 4):
        PlanTarget.objects.create(plan=plan, quarter=quarter, revenue=Decimal(1200))
    for month in range(1, 12):
        ActualFactory(account=acme, year=2026, month=month, revenue=Decimal(300))
    world.ids = ids
    return world


def test_the_draft_holds_exactly_the_weeks_data(week):
    created = work_reports_draft(kind="week", today=FRIDAY)
    kam_a = week.user("kam_a")
    # one draft per KAM (kam_a, kam_b, kam_c), none for supervisors, executives, admins
    assert created == 3
    assert set(WorkReport.objects.values_list("kam__username", flat=True)) == {
        "kam_a", "kam_b", "kam_c",
    }  # fmt: skip
    report = WorkReport.objects.get(kam=kam_a)
    ids = week.ids
    assert (report.kind, report.period_start, report.period_end) == ("week", MONDAY, SUNDAY)
    assert report.status == ReportStatus.DRAFT
    assert report.figures == {
        "visits": ids["visits"],
        "contacts_met": sorted(ids["contacts"]),
        "revisits_next": ids["revisits"],
        "opportunities_new": ids["new"],
        "opportunities_advanced": ids["advanced"],
        "opportunities_won": ids["won"],
        "opportunities_lost": ids["lost"],
        "complaints_opened": ids["opened"],
        "complaints_closed": ids["closed"],
        "turned_red": ids["red"],
        "attainment": {"rate": "75.0", "actual": "3300.00", "target": "4400.00",
                       "as_of": "2026-11-27"},
    }  # fmt: skip
    assert [report.count(key) for key in ("visits", "contacts_met", "revisits_next")] == [2, 2, 1]
    # the other KAMs' rows are theirs
    kam_b = WorkReport.objects.get(kam__username="kam_b")
    assert kam_b.figures["visits"] == [ids["kam_b_visit"]]
    assert kam_b.figures["revisits_next"] == [ids["kam_b_visit"]]
    assert kam_b.figures["opportunities_new"] == [ids["kam_b_deal"]]
    kam_c = WorkReport.objects.get(kam__username="kam_c")
    assert len(kam_c.figures["complaints_opened"]) == 1
    assert kam_c.figures["attainment"]["rate"] is None
    # each KAM is told once, with the link to their draft
    notes = Notification.objects.filter(kind=NotificationKind.WORK_REPORT_DRAFTED)
    assert sorted(notes.values_list("recipient__username", flat=True)) == [
        "kam_a", "kam_b", "kam_c",
    ]  # fmt: skip
    mine = notes.get(recipient=kam_a)
    assert mine.url == report.get_absolute_url()
    assert mine.message == (
        "Your weekly report for 2026-11-23 – 2026-11-29 is drafted from the data: complete it "
        "and submit it."
    )


def test_the_attainment_figure_is_the_plans_apps_and_my_days(week):
    work_reports_draft(kind="week", today=FRIDAY)
    kam_a = week.user("kam_a")
    stored = WorkReport.objects.get(kam=kam_a).figures["attainment"]
    plans_row = kam_attainment(user=kam_a, kam=kam_a, year=2026, as_of=FRIDAY)
    assert stored["rate"] == str(plans_row.rate) == "75.0"
    (by_kam,) = attainment_by_kam(user=week.user("sup_east"), year=2026, as_of=FRIDAY, kam=kam_a.pk)
    assert str(by_kam.rate) == stored["rate"]
    assert my_day(user=kam_a, today=FRIDAY)["attainment"].rate == plans_row.rate


def test_running_twice_creates_one_draft_and_keeps_the_kams_text(week):
    assert work_reports_draft(kind="week", today=FRIDAY) == 3
    kam_a = week.user("kam_a")
    report = WorkReport.objects.get(kam=kam_a)
    work_report_update(actor=kam_a, report_id=report.pk, highlights="Signed the frame deal")
    VisitFactory(account=week.accounts["acme"], occurred_at=at(date(2026, 11, 27), 9))
    # the job runs again (a retry, a second beat): nothing created, nothing overwritten
    assert work_reports_draft(kind="week", today=date(2026, 11, 28)) == 0
    assert WorkReport.objects.filter(kam=kam_a).count() == 1
    report.refresh_from_db()
    assert report.highlights == "Signed the frame deal"
    assert report.figures["visits"] == week.ids["visits"]  # as built until a refresh
    assert Notification.objects.filter(kind=NotificationKind.WORK_REPORT_DRAFTED).count() == 3
    # the KAM refreshes the figures: the new visit counts, the text stays
    work_report_refresh(actor=kam_a, report_id=report.pk)
    report.refresh_from_db()
    assert len(report.figures["visits"]) == 3
    assert report.highlights == "Signed the frame deal"


def test_the_month_is_drafted_on_its_last_day_only(week):
    assert work_reports_draft(kind="month", today=date(2026, 11, 28)) == 0
    assert work_reports_draft(kind="month", today=date(2026, 11, 30)) == 3
    report = WorkReport.objects.get(kam=week.user("kam_a"), kind="month")
    assert (report.period_start, report.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    # the month holds November's visits (the week's two, the 10th, the 22nd and the 30th;
    # not the archived one), and its revisits are December's
    assert len(report.figures["visits"]) == 5
    assert report.figures["revisits_next"] == sorted(
        [week.ids["revisits"][0], *_visit_ids_planned_on(date(2026, 12, 10))]
    )
    assert period_of("month", date(2026, 12, 31)).first == date(2026, 12, 1)


def _visit_ids_planned_on(day):
    from accounts.models import Visit

    return list(Visit.objects.filter(next_visit_on=day).values_list("pk", flat=True))


def _grow(world, size):
    """kam_a's team East grows to ``size`` KAMs, each owning an account with a visit."""
    east = world.teams["East"]
    while east.memberships.count() < size:
        kam = UserFactory(role=Role.ACCOUNT_MANAGER)
        TeamMembershipFactory(team=east, user=kam)
        account = AccountFactory(owner=kam)
        VisitFactory(account=account, occurred_at=at(date(2026, 11, 24), 9))


def _statements(**kwargs):
    """The statements of a run, the transaction's savepoint and its release left out."""
    with CaptureQueriesContext(connection) as context:
        work_reports_draft(**kwargs)
    sql = [query["sql"] for query in context.captured_queries]
    return len([text for text in sql if not text.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])


def test_the_draft_runs_a_fixed_number_of_statements_for_3_and_30_kams(week):
    _grow(week, 3)
    small = _statements(kind="week", today=FRIDAY)
    again_small = _statements(kind="week", today=FRIDAY)
    WorkReport.objects.all().delete()
    Notification.objects.all().delete()
    _grow(week, 30)
    large = _statements(kind="week", today=FRIDAY)
    again_large = _statements(kind="week", today=FRIDAY)
    assert WorkReport.objects.count() == 31  # kam_c and the 30 of East
    # measured: the KAMs, visits, revisits, moves, complaints, red accounts, attainment (3),
    # the insert and the notifications; the second run creates nothing and tells no one
    assert (small, again_small) == (large, again_large) == (11, 10)
