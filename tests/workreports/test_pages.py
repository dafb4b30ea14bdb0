"""The report pages as the world uses them: forms submitted as the pages render them, who
reads whose report, the frozen submitted report, the comment that tells the KAM, and
fixed query counts for a team of 3 and of 30."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.choices import NotificationKind, Role
from kam.models import Notification
from kam.queries import day_start
from tests.browser_forms import page_forms
from tests.factories import (
    AccountFactory,
    ContactFactory,
    TeamMembershipFactory,
    UserFactory,
    VisitFactory,
)
from workreports.drafts import latest_period, work_reports_draft
from workreports.models import ReportStatus, WorkReport, WorkReportComment, WorkReportEvent


@pytest.fixture
def drafted(world):
    """kam_a met c1 at acme this week; the week's drafts are made (as on its Friday)."""
    today = timezone.localdate()
    period = latest_period("week", today)
    acme = world.accounts["acme"]
    contact = ContactFactory(account=acme, name="c1")
    when = day_start(period.first + timedelta(days=1)) + timedelta(hours=10)
    visit = VisitFactory(account=acme, occurred_at=when, summary="kickoff")
    visit.contacts.set([contact])
    friday = period.first + timedelta(days=4)
    assert work_reports_draft(kind="week", today=friday) == 3
    world.visit, world.contact, world.period = visit, contact, period
    world.report = WorkReport.objects.get(kam=world.user("kam_a"))
    return world


def _form(html, form_id):
    return next(form for form in page_forms(html, method="post") if form.id == form_id)


def test_the_kam_completes_and_submits_the_draft_as_the_page_renders_it(client, drafted):
    kam_a = drafted.user("kam_a")
    client.force_login(kam_a)
    mine = client.get(reverse("workreports:mine")).content.decode()
    assert f'data-current-draft="{drafted.report.pk}"' in mine
    url = reverse("workreports:detail", args=[drafted.report.pk])
    page = client.get(url)
    html = page.content.decode()
    # the figure drills down to its rows on the page: the visit and whom it met
    visits = next(figure for figure in page.context["figures"] if figure.key == "visits")
    assert [row.pk for row in visits.rows] == [drafted.visit.pk]
    assert f'data-row="contacts_met" data-row-pk="{drafted.contact.pk}"' in html
    form = _form(html, "report-form")
    assert form.names == ["csrfmiddlewaretoken", "highlights", "risks", "help_needed"]
    entries = form.entries(highlights="Frame deal signed", risks="Price pressure at acme")
    response = client.post(form.action, dict([*entries, ("action", "save")]))
    assert response.status_code == 302
    drafted.report.refresh_from_db()
    assert (drafted.report.highlights, drafted.report.risks) == (
        "Frame deal signed", "Price pressure at acme",
    )  # fmt: skip
    assert drafted.report.status == ReportStatus.DRAFT
    # the page now shows the saved text in its form; submit it with the third section
    form = _form(client.get(url).content.decode(), "report-form")
    # (a browser drops the newline that opens a textarea's content)
    assert form.control("highlights").value.removeprefix("\n") == "Frame deal signed"
    entries = form.entries(help_needed="A technical visit in December")
    response = client.post(form.action, dict([*entries, ("action", "submit")]))
    assert response.status_code == 302
    drafted.report.refresh_from_db()
    assert drafted.report.status == ReportStatus.SUBMITTED
    assert drafted.report.submitted_by == kam_a
    assert drafted.report.help_needed == "A technical visit in December"
    # the supervisor of the team is told
    told = Notification.objects.get(kind=NotificationKind.WORK_REPORT_SUBMITTED)
    assert told.recipient == drafted.user("sup_east")
    # the history keeps the submission
    events = WorkReportEvent.objects.filter(pgh_obj=drafted.report).order_by("pgh_id")
    assert [event.status for event in events][-1] == "submitted"
    assert events.last().submitted_by_id == kam_a.pk


def test_a_submitted_report_cannot_be_edited(client, drafted):
    kam_a = drafted.user("kam_a")
    client.force_login(kam_a)
    url = reverse("workreports:detail", args=[drafted.report.pk])
    form = _form(client.get(url).content.decode(), "report-form")
    client.post(form.action, dict([*form.entries(highlights="Done"), ("action", "submit")]))
    html = client.get(url).content.decode()
    assert "report-form" not in html
    assert "refresh-form" not in html
    assert 'data-section="highlights">Done<' in html
    for name, data in (("update", {"highlights": "Changed", "action": "save"}),
                       ("refresh", {})):  # fmt: skip
        response = client.post(reverse(f"workreports:{name}", args=[drafted.report.pk]), data)
        assert response.status_code == 400
        assert "no longer be changed" in response.content.decode()
    drafted.report.refresh_from_db()
    assert drafted.report.highlights == "Done"


def test_reports_are_read_inside_the_rule(client, drafted):
    report = drafted.report
    detail = reverse("workreports:detail", args=[report.pk])
    comment = reverse("workreports:comment", args=[report.pk])
    for name, status in (("kam_a", 200), ("kam_b", 404), ("sup_east", 200), ("sup_south", 404),
                         ("exec", 200), ("ops", 200)):  # fmt: skip
        client.force_login(drafted.user(name))
        assert client.get(detail).status_code == status, name
    # another team's supervisor: the report does not exist for them, a comment is refused
    client.force_login(drafted.user("sup_south"))
    assert client.post(comment, {"body": "Hello"}).status_code == 404
    assert not WorkReportComment.objects.exists()
    team = client.get(reverse("workreports:team"), {"team": drafted.teams["East"].pk})
    assert [entry.kam.username for entry in team.context["page"].entries] == ["kam_c"]
    # a supervisor changes no one's text
    client.force_login(drafted.user("sup_east"))
    update = reverse("workreports:update", args=[report.pk])
    assert client.post(update, {"highlights": "x"}).status_code == 404
    # the API lists the same reports
    client.force_login(drafted.user("sup_east"))
    rows = client.get(reverse("api:work-report-list")).json()["results"]
    assert sorted(row["kam"] for row in rows) == ["kam_a", "kam_b"]
    bad = client.get(reverse("api:work-report-list"), {"kind": "year", "period_start": "x"})
    assert bad.status_code == 400


def test_a_comment_from_the_team_page_notifies_the_kam(client, drafted):
    sup = drafted.user("sup_east")
    client.force_login(sup)
    url = reverse("workreports:team")
    params = {"team": drafted.teams["East"].pk, "kind": "week",
              "period": drafted.period.first.isoformat()}  # fmt: skip
    response = client.get(url, params)
    page = response.context["page"]
    assert sorted(entry.kam.username for entry in page.entries) == ["kam_a", "kam_b"]
    assert sorted(kam.username for kam in page.not_submitted) == ["kam_a", "kam_b"]
    html = response.content.decode()
    form = next(
        form for form in page_forms(html, method="post")
        if form.action == reverse("workreports:comment", args=[drafted.report.pk])
    )  # fmt: skip
    answer = client.post(form.action, dict(form.entries(body="Good week. Call me on pricing.")))
    assert answer.status_code == 302
    assert answer["Location"] == form.control("next").value  # back to the team page
    comment = WorkReportComment.objects.get()
    assert (comment.report, comment.author) == (drafted.report, sup)
    note = Notification.objects.get(kind=NotificationKind.WORK_REPORT_COMMENTED)
    assert note.recipient == drafted.user("kam_a")
    assert note.message == (
        f"{sup.display_name} commented on your weekly report for "
        f"{drafted.report.period_label}: Good week. Call me on pricing."
    )
    # the KAM reads it on the report
    client.force_login(drafted.user("kam_a"))
    html = client.get(note.url).content.decode()
    assert "Good week. Call me on pricing." in html
    # an empty comment is refused with the field's error, nothing written
    client.force_login(sup)
    refused = client.post(form.action, {"body": "  ", "next": form.control("next").value})
    assert refused.status_code == 400
    assert WorkReportComment.objects.count() == 1


def _grow(world, size):
    east = world.teams["East"]
    friday = world.period.first + timedelta(days=4)
    while east.memberships.count() < size:
        kam = UserFactory(role=Role.ACCOUNT_MANAGER)
        TeamMembershipFactory(team=east, user=kam)
        VisitFactory(account=AccountFactory(owner=kam), occurred_at=timezone.now())
    work_reports_draft(kind="week", today=friday)
    for report in WorkReport.objects.filter(kam__team_memberships__team=east):
        WorkReportComment.objects.get_or_create(
            report=report, author=world.user("sup_east"), body="Noted."
        )


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(context.captured_queries)


def test_the_pages_run_a_fixed_number_of_queries_for_3_and_30_kams(client, drafted):
    east = drafted.teams["East"].pk
    team = (reverse("workreports:team"),
            {"team": east, "period": drafted.period.first.isoformat()})  # fmt: skip
    detail = (reverse("workreports:detail", args=[drafted.report.pk]), None)
    api = (reverse("api:work-report-list"), {"period_start": drafted.period.first.isoformat()})
    mine = (reverse("workreports:mine"), None)

    def measure():
        client.force_login(drafted.user("sup_east"))
        counts = {name: _count(client, *page) for name, page in
                  (("team", team), ("detail", detail), ("api", api))}  # fmt: skip
        client.force_login(drafted.user("kam_a"))
        counts["mine"] = _count(client, *mine)
        return counts

    _grow(drafted, 3)
    small = measure()
    _grow(drafted, 30)
    assert WorkReport.objects.filter(kam__team_memberships__team=east).count() == 30
    large = measure()
    assert small == large
    # measured: the team page 7 (session, user, bell, teams, members, reports, comments),
    # a report 8, the API list 6, My reports 4
    assert small == {"team": 7, "detail": 8, "api": 6, "mine": 4}


def test_the_period_chooser_falls_back_on_a_wrong_value(client, drafted):
    client.force_login(drafted.user("exec"))
    response = client.get(reverse("workreports:team"), {"period": "1999-13-40", "kind": "x"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.period == latest_period("week", timezone.localdate())
    assert [team.name for team in page.teams] == ["East", "South"]
    assert not page.may_comment  # executives read, never comment
    assert date.fromisoformat(page.previous.first.isoformat()) == page.period.first - timedelta(
        days=7
    )
