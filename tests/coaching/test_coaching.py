"""Coaching on the tests' world (tests.conftest): East = sup_east leading kam_a and kam_b,
South = sup_south leading kam_c; acme is kam_a's, globex kam_b's (kam_a on its account
team), initech kam_c's. Forms are submitted as the pages render them."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from coaching.models import CoachingSession, CoachingTag, Competence, CompetenceEvent
from coaching.selectors import last_quarters
from kam.choices import NotificationKind
from kam.models import Notification, User
from messaging.notifications import render_message
from reminders.models import Reminder
from reminders.services import reminders_sweep
from tests.browser_forms import page_forms
from tests.conftest import add_records
from tests.factories import PlanFactory, VisitFactory

DEFAULTS = importlib.import_module("coaching.migrations.0002_default_competences")


@pytest.fixture
def team(world):
    """The tests' world with its records and the seeded competences."""
    # a transactional test before this one may have flushed what the migration seeds
    DEFAULTS.seed(apps, None)
    add_records(world)
    world.competences = {c.name: c for c in Competence.objects.all()}
    return world


def _c(team, name):
    return team.competences[name]


def _post_form(client, html, form_id, **chosen):
    [form] = [form for form in page_forms(html, method="post") if form.id == form_id]
    return client.post(form.action, dict(form.entries(**chosen)))


def _panel(client, record_page, panel_url):
    page = client.get(record_page)
    assert page.status_code == 200
    assert f'hx-get="{panel_url}"' in page.content.decode()  # the page loads the panel
    return client.get(panel_url)


def _tags():
    return {
        (t.kam.username, t.competence.name, t.kind, t.visit_id, t.plan_id, t.tagged_by.username)
        for t in CoachingTag.objects.select_related("kam", "competence", "tagged_by")
    }


def test_a_supervisor_tags_a_visit_and_a_plan_of_their_kam(client, team):
    sup = team.user("sup_east")
    visit = team.visits["visit-acme"]  # logged by kam_a
    plan = PlanFactory(account=team.accounts["acme"])
    client.force_login(sup)
    panel_url = reverse("coaching:visit-tags", args=[visit.pk])
    panel = _panel(client, visit.get_absolute_url(), panel_url).content.decode()
    for name, kind, note in (
        ("Negotiation", "strength", "Held the price"),
        ("Relationship building", "gap", "Met no decision maker"),
    ):
        response = _post_form(
            client, panel, "coaching-tag-form",
            competence=str(_c(team, name).pk), kind=kind, note=note,
        )  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == visit.get_absolute_url() + "#coaching"
    plan_panel_url = reverse("coaching:plan-tags", args=[plan.pk])
    plan_panel = _panel(client, plan.get_absolute_url(), plan_panel_url).content.decode()
    response = _post_form(
        client, plan_panel, "coaching-tag-form",
        competence=str(_c(team, "Account planning").pk), kind="gap",
    )  # fmt: skip
    assert response.status_code == 302
    assert _tags() == {
        ("kam_a", "Negotiation", "strength", visit.pk, None, "sup_east"),
        ("kam_a", "Relationship building", "gap", visit.pk, None, "sup_east"),
        ("kam_a", "Account planning", "gap", None, plan.pk, "sup_east"),
    }
    # the same competence tagged again on the visit changes its tag (htmx: the panel back)
    panel = client.get(panel_url).content.decode()
    response = _post_form(
        client, panel, "coaching-tag-form",
        competence=str(_c(team, "Relationship building").pk), kind="strength", note="",
    )  # fmt: skip
    assert response.status_code == 302
    assert CoachingTag.objects.get(competence__name="Relationship building").kind == "strength"
    assert CoachingTag.objects.count() == 3
    # the KAM reads the tags on the visit's page, without the form
    client.force_login(team.user("kam_a"))
    html = client.get(panel_url).content.decode()
    assert re.findall(r'data-tag="(\d+)" data-kind="(\w+)"', html) == [
        (str(t.pk), t.kind)
        for t in CoachingTag.objects.filter(visit=visit).order_by("competence__order")
    ]
    assert "coaching-tag-form" not in html
    # an htmx submission gets the panel back with its tags
    client.force_login(sup)
    response = client.post(
        reverse("coaching:visit-tag", args=[visit.pk]),
        {"competence": _c(team, "Industry knowledge").pk, "kind": "gap", "note": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.decode().count("data-tag=") == 3


def test_tags_show_only_to_those_who_read_the_kams_coaching(client, team):
    """kam_a is on globex's account team and sees its visit, not kam_b's coaching."""
    visit = team.visits["visit-globex"]  # logged by kam_b
    CoachingTag.objects.create(
        kam=team.user("kam_b"), competence=_c(team, "Negotiation"), kind="gap",
        visit=visit, tagged_by=team.user("sup_east"),
    )  # fmt: skip
    url = reverse("coaching:visit-tags", args=[visit.pk])
    seen = {}
    for role in ("kam_a", "kam_b", "sup_east", "exec"):
        client.force_login(team.user(role))
        seen[role] = client.get(url).content.decode().count("data-tag=")
    assert seen == {"kam_a": 0, "kam_b": 1, "sup_east": 1, "exec": 1}


def test_another_teams_supervisor_and_a_kam_cannot_tag(client, team):
    acme_visit = team.visits["visit-acme"]
    plan = PlanFactory(account=team.accounts["acme"])
    # kam_c (South) logged a visit on acme: sup_east sees it but does not lead kam_c
    foreign = VisitFactory(account=team.accounts["acme"], logged_by=team.user("kam_c"))
    data = {"competence": _c(team, "Negotiation").pk, "kind": "strength", "note": ""}
    cases = [
        ("sup_south", "coaching:visit-tag", acme_visit),
        ("sup_south", "coaching:plan-tag", plan),
        ("kam_a", "coaching:visit-tag", acme_visit),
        ("kam_a", "coaching:plan-tag", plan),
        ("exec", "coaching:visit-tag", acme_visit),
        ("sup_east", "coaching:visit-tag", foreign),
    ]
    answers = []
    for role, name, record in cases:
        client.force_login(team.user(role))
        answers.append(client.post(reverse(name, args=[record.pk]), data).status_code)
    assert answers == [404] * len(cases)
    assert not CoachingTag.objects.exists()
    client.force_login(team.user("sup_south"))
    assert client.get(reverse("coaching:visit-tags", args=[acme_visit.pk])).status_code == 404
    client.force_login(team.user("sup_east"))
    html = client.get(reverse("coaching:visit-tags", args=[foreign.pk])).content.decode()
    assert "coaching-tag-form" not in html


def _tag(team, kam, competence, kind, on):
    visit = VisitFactory(account=team.accounts["acme"], logged_by=kam)
    return CoachingTag.objects.create(
        kam=kam, competence=_c(team, competence), kind=kind, visit=visit, tagged_on=on,
        tagged_by=team.user("sup_east"),
    )  # fmt: skip


def _cells(html):
    """{(competence id, quarter 1-4): (strengths, gaps)} read from the trend table."""
    cells = {}
    for row in re.findall(r'<tr data-competence="(\d+)">(.*?)</tr>', html, re.S):
        for quarter, strengths, gaps in re.findall(
            r'data-quarter="(\d)">.*?data-strengths="(\d+)".*?data-gaps="(\d+)"', row[1], re.S
        ):
            cells[(int(row[0]), int(quarter))] = (int(strengths), int(gaps))
    return cells


def test_the_kams_page_counts_strengths_and_gaps_per_quarter(client, team):
    kam = team.user("kam_a")
    today = timezone.localdate()
    q1, _q2, q3, q4 = last_quarters(today)  # oldest first; q4 is this quarter
    _tag(team, kam, "Negotiation", "strength", today)
    _tag(team, kam, "Negotiation", "strength", q4)
    _tag(team, kam, "Negotiation", "gap", q1)
    _tag(team, kam, "Negotiation", "gap", q1 + timedelta(days=40))
    _tag(team, kam, "Industry knowledge", "gap", q3)
    _tag(team, kam, "Industry knowledge", "strength", q3 - timedelta(days=1))  # q2's last day
    _tag(team, kam, "Account planning", "gap", q1 - timedelta(days=1))  # before the window
    _tag(team, team.user("kam_b"), "Negotiation", "gap", today)  # another KAM's
    client.force_login(kam)
    response = client.get(reverse("coaching:kam", args=[kam.pk]))
    assert response.status_code == 200
    negotiation, industry = _c(team, "Negotiation").pk, _c(team, "Industry knowledge").pk
    expected = {
        (competence.pk, quarter): (0, 0)
        for competence in Competence.objects.filter(active=True)
        for quarter in (1, 2, 3, 4)
    }
    expected[(negotiation, 4)] = (2, 0)
    expected[(negotiation, 1)] = (0, 2)
    expected[(industry, 3)] = (0, 1)
    expected[(industry, 2)] = (1, 0)
    assert _cells(response.content.decode()) == expected
    # the latest tags, newest first, each with its visit
    shown = [int(pk) for pk in re.findall(r'data-tag="(\d+)"', response.content.decode())]
    mine = CoachingTag.objects.filter(kam=kam).order_by("-tagged_on", "-pk")
    assert shown == list(mine.values_list("pk", flat=True))
    assert all(tag.visit.get_absolute_url() in response.content.decode() for tag in mine)


def test_a_follow_up_reminds_the_supervisor_exactly_once(client, team):
    sup, kam = team.user("sup_east"), team.user("kam_a")
    today = timezone.localdate()
    url = reverse("coaching:kam", args=[kam.pk])
    client.force_login(sup)
    for title, follow_up in (("Pricing talks", today), ("Later one", today + timedelta(days=1))):
        html = client.get(url).content.decode()
        response = _post_form(
            client, html, "session-form", kind="coaching", title=title,
            held_on=str(today - timedelta(days=7)), notes="Went through the last two visits",
            next_step="Lead the next price talk", follow_up_on=str(follow_up),
            private_note="Needs confidence",
        )  # fmt: skip
        assert response.status_code == 302
    due = CoachingSession.objects.get(title="Pricing talks")
    assert response["Location"].startswith(url + "#session-")
    first, second = reminders_sweep(), reminders_sweep()
    assert first.created[NotificationKind.COACHING_FOLLOW_UP.value] == 1
    assert second.created[NotificationKind.COACHING_FOLLOW_UP.value] == 0
    [note] = Notification.objects.filter(kind=NotificationKind.COACHING_FOLLOW_UP)
    assert note.recipient == sup
    assert note.url == f"{url}#session-{due.pk}"
    assert Reminder.objects.get(kind=NotificationKind.COACHING_FOLLOW_UP).subject_id == due.pk
    assert render_message(note) == (
        f"The follow-up of “Pricing talks” with {kam.display_name} is due ({today:%Y-%m-%d})."
    )
    # the KAM reads the sessions, not the supervisors' private notes
    client.force_login(kam)
    html = client.get(url).content.decode()
    assert "Went through the last two visits" in html
    assert "Lead the next price talk" in html
    assert "Needs confidence" not in html
    assert "session-form" not in html
    client.force_login(sup)
    assert "Needs confidence" in client.get(url).content.decode()


def test_a_follow_up_before_the_session_is_a_field_error(client, team):
    client.force_login(team.user("sup_east"))
    url = reverse("coaching:kam", args=[team.user("kam_a").pk])
    today = timezone.localdate()
    response = _post_form(
        client, client.get(url).content.decode(), "session-form", title="Quick one",
        held_on=str(today), follow_up_on=str(today - timedelta(days=1)),
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.context["session_form"].errors) == ["follow_up_on"]
    assert not CoachingSession.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_kams_page_runs_a_fixed_number_of_queries(
    client, team, django_assert_num_queries, rows
):
    kam, sup = team.user("kam_a"), team.user("sup_east")
    today = timezone.localdate()
    names = list(team.competences)
    for index in range(rows):
        _tag(team, kam, names[index % len(names)], ("strength", "gap")[index % 2],
             today - timedelta(days=index * 9))  # fmt: skip
        plan_tag = PlanFactory(account=team.accounts["acme"], year=2000 + index)
        CoachingTag.objects.create(
            kam=kam, competence=_c(team, names[index % len(names)]), kind="gap",
            plan=plan_tag, tagged_by=sup,
        )  # fmt: skip
        CoachingSession.objects.create(
            kam=kam, title=f"session {index}", held_on=today - timedelta(days=index),
            recorded_by=sup, private_note="p",
        )  # fmt: skip
    client.force_login(sup)
    # session, user, unread count, the KAM, whether sup leads them, the tag counts, the
    # competences, the latest tags with their visits and plans, the sessions
    with django_assert_num_queries(9):
        response = client.get(reverse("coaching:kam", args=[kam.pk]))
    assert response.content.decode().count('data-session="') == rows


def test_a_competence_change_is_kept_in_its_history(client, team):
    ops = team.user("ops")
    client.force_login(ops)
    url = reverse("coaching:competences")
    html = client.get(url).content.decode()
    negotiation = _c(team, "Negotiation")
    [form] = [f for f in page_forms(html, method="post") if f.id == "competences-form"]
    index = next(
        i for i in range(len(team.competences))
        if form.control(f"form-{i}-id").value == str(negotiation.pk)
    )  # fmt: skip
    new = len(team.competences)  # the empty row adds one
    response = client.post(url, dict(form.entries(**{
        f"form-{index}-name_zh": "商务谈判", f"form-{index}-active": [],
        f"form-{new}-name": "Presentation", f"form-{new}-name_zh": "演示",
        f"form-{new}-order": "70",
    })))  # fmt: skip
    assert response.status_code == 302
    negotiation.refresh_from_db()
    assert (negotiation.name_zh, negotiation.active) == ("商务谈判", False)
    assert Competence.objects.get(name="Presentation").name_zh == "演示"
    event = CompetenceEvent.objects.filter(pgh_obj=negotiation, pgh_label="update").get()
    assert event.pgh_context.metadata["user"] == ops.pk
    html = client.get(url).content.decode()
    history = html[html.index('id="history"') :]
    assert "商务谈判" in history
    assert ops.display_name in history
    assert "Presentation" in history
    # a retired competence is offered no more
    client.force_login(team.user("sup_east"))
    panel = client.get(reverse("coaching:visit-tags", args=[team.visits["visit-acme"].pk]))
    forms = page_forms(panel.content.decode(), method="post")
    [tag_form] = [form for form in forms if form.id == "coaching-tag-form"]
    assert str(negotiation.pk) not in tag_form.control("competence").choices


def test_competences_and_the_page_in_both_languages(client, team):
    kam = team.user("kam_a")
    _tag(team, kam, "Negotiation", "strength", timezone.localdate())
    client.force_login(kam)
    url = reverse("coaching:kam", args=[kam.pk])
    english = client.get(url).content.decode()
    assert "Negotiation" in english
    assert "Coaching of" in english
    User.objects.filter(pk=kam.pk).update(language="zh-hans")
    chinese = client.get(url).content.decode()
    words = ("行业知识", "谈判", "关系建立", "商业分析", "客户规划", "方案销售", "辅导", "优势")
    for word in words:
        assert word in chinese, word
    assert "Negotiation" not in chinese
    assert "Coaching of" not in chinese
    with translation.override("zh-hans"):
        assert str(_c(team, "Negotiation")) == "谈判"
