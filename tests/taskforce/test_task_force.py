"""The task force of a serious complaint (专项小组) on the tests' world (tests.conftest):
East = sup_east leading kam_a and kam_b, South = sup_south leading kam_c; acme is kam_a's,
globex kam_b's, initech kam_c's. "qa_lee" is a colleague from quality in no sales team.
Forms are submitted as the pages render them."""

import importlib
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.service import services as complaints
from accounts.service.models import ComplaintStatus
from kam.choices import NotificationKind, Role
from kam.models import Notification
from messaging.notifications import render_message
from reminders.models import Reminder
from reminders.services import reminders_sweep
from taskforce import services
from taskforce.models import Department, DepartmentEvent, Task
from tests.browser_forms import page_forms
from tests.factories import ComplaintFactory, UserFactory, VisitFactory

DEFAULTS = importlib.import_module("taskforce.migrations.0002_default_departments")


@pytest.fixture
def team(world):
    # a transactional test before this one may have flushed what the migration seeds
    DEFAULTS.seed(apps, None)
    world.departments = {d.name: d for d in Department.objects.all()}
    world.users["qa_lee"] = UserFactory(
        username="qa_lee", full_name="Lee Quality", role=Role.ACCOUNT_MANAGER
    )
    return world


def _post_form(client, html, form_id, **chosen):
    [form] = [form for form in page_forms(html, method="post") if form.id == form_id]
    return client.post(form.action, dict(form.entries(**chosen)))


def _serious(team, **fields):
    """A high-severity complaint on acme (kam_a's), answered."""
    complaint = ComplaintFactory(
        account=team.accounts["acme"], severity="high", description="Labels fell off.", **fields
    )
    return complaints.complaint_respond(
        actor=team.user("kam_a"), complaint=complaint, response="Called back."
    )


def _give(client, team, complaint, who, description, due_on, department="Quality"):
    url = reverse("taskforce:complaint", args=[complaint.pk])
    html = client.get(url).content.decode()
    return _post_form(
        client, html, "task-form",
        department=str(team.departments[department].pk), assignee=str(team.user(who).pk),
        description=description, due_on=str(due_on),
    )  # fmt: skip


def _assign(team, complaint, who, description, due_on, department="Quality"):
    return services.task_assign(
        actor=team.user("kam_a"), complaint=complaint, department=team.departments[department],
        assignee=team.user(who), description=description, due_on=due_on,
    )  # fmt: skip


def _verify(team, complaint):
    visit = VisitFactory(
        account=complaint.account, occurred_at=timezone.now() + timedelta(minutes=1)
    )
    return complaints.complaint_verify(actor=team.user("kam_a"), complaint=complaint, visit=visit)


def test_a_task_force_complaint_closes_only_when_every_task_is_done(client, api_client, team):
    kam = team.user("kam_a")
    complaint = _serious(team)
    client.force_login(kam)
    page_url = complaint.get_absolute_url()
    # the complaint page loads the task force panel, which asks for one
    html = client.get(page_url).content.decode()
    panel_url = reverse("taskforce:complaint", args=[complaint.pk])
    assert f'hx-get="{panel_url}"' in html
    panel = client.get(panel_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="task-force-needed"' in panel
    # no task force yet: resolving is refused on the page, with the reason
    response = _post_form(
        client, html, "complaint-step", resolution="Relabelled.", root_cause="product"
    )
    assert response.status_code == 200
    assert "This complaint needs a task force" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESPONDED

    due = timezone.localdate() + timedelta(days=3)
    assert _give(client, team, complaint, "qa_lee", "Test the glue batch", due).status_code == 302
    response = _give(client, team, complaint, "kam_b", "Credit the pallets", due, "Finance")
    assert response.status_code == 302
    qa_task, finance_task = Task.objects.order_by("pk")
    assert (qa_task.assignee, qa_task.department.name, qa_task.due_on) == (
        team.user("qa_lee"),
        "Quality",
        due,
    )
    # each assignee is notified once
    notes = Notification.objects.filter(kind=NotificationKind.TASK_FORCE_ASSIGNED)
    assert sorted(n.recipient.username for n in notes) == ["kam_b", "qa_lee"]
    qa_note = notes.get(recipient=team.user("qa_lee"))
    assert qa_note.url == f"{panel_url}#task-{qa_task.pk}"
    assert render_message(qa_note) == (
        f"{kam.display_name} gave you a task force task on the complaint of acme: "
        f"Test the glue batch (due {due:%Y-%m-%d})."
    )

    html = client.get(page_url).content.decode()
    response = _post_form(
        client, html, "complaint-step", resolution="Relabelled.", root_cause="product"
    )
    assert response.status_code == 302
    _verify(team, complaint)

    # verified by the follow-up visit, but two tasks are open: the close is refused
    html = client.get(page_url).content.decode()
    response = _post_form(client, html, "complaint-step", satisfaction="4")
    assert response.status_code == 200
    assert "2 tasks of the task force are still open" in response.content.decode()
    api_client.force_authenticate(kam)
    close_api = f"/api/v1/complaints/{complaint.pk}/close/"
    response = api_client.post(close_api, {"satisfaction": 4}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["status"] == [
        "2 tasks of the task force are still open: the complaint closes when every task is done."
    ]

    # the quality colleague completes theirs on the page, kam_b through the API
    client.force_login(team.user("qa_lee"))
    html = client.get(panel_url).content.decode()
    [done_form] = [f for f in page_forms(html, method="post") if "done" in f.action]
    assert done_form.action == reverse("taskforce:task-done", args=[qa_task.pk])
    response = client.post(done_form.action, dict(done_form.entries(note="Batch 7 was bad.")))
    assert response.status_code == 302
    api_client.force_authenticate(team.user("kam_b"))
    response = api_client.post(
        f"/api/v1/task-force-tasks/{finance_task.pk}/complete/", {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["done"] is True
    again = api_client.post(f"/api/v1/task-force-tasks/{finance_task.pk}/complete/", {})
    assert again.status_code == 400
    assert again.json()["errors"]["done"] == ["This task is already done."]

    client.force_login(kam)
    html = client.get(page_url).content.decode()
    assert _post_form(client, html, "complaint-step", satisfaction="4").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    # the timeline of the account shows the tasks given and done
    account_page = client.get(team.accounts["acme"].get_absolute_url()).content.decode()
    assert account_page.count("Task force task given") == 2
    assert account_page.count("Task force task done") == 2


def test_a_low_severity_complaint_on_a_c_account_needs_none(client, team):
    initech = team.accounts["initech"]
    initech.tier = "C"
    initech.save(update_fields=["tier"])
    kam = team.user("kam_c")
    complaint = ComplaintFactory(account=initech, severity="low")
    complaints.complaint_respond(actor=kam, complaint=complaint, response="Called.")
    complaints.complaint_resolve(
        actor=kam, complaint=complaint, resolution="Explained.", root_cause="customer"
    )
    visit = VisitFactory(account=initech, occurred_at=timezone.now() + timedelta(minutes=1))
    complaints.complaint_verify(actor=kam, complaint=complaint, visit=visit)
    complaints.complaint_close(actor=kam, complaint=complaint, satisfaction=5)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    # the same complaint on an A account would have needed one
    other = ComplaintFactory(account=initech, severity="low")
    initech.tier = "A"
    initech.save(update_fields=["tier"])
    complaints.complaint_respond(actor=kam, complaint=other, response="Called.")
    with pytest.raises(complaints.ValidationError) as refused:
        complaints.complaint_resolve(
            actor=kam, complaint=other, resolution="Explained.", root_cause="customer"
        )
    assert "needs a task force" in str(refused.value)


def test_assignees_are_notified_once_and_reminded_once_over_two_sweeps(team):
    complaint = _serious(team)
    today = timezone.localdate()
    due = _assign(team, complaint, "qa_lee", "Test the glue batch", today)
    _assign(team, complaint, "kam_b", "Credit the pallets", today + timedelta(days=1), "Finance")
    done = _assign(team, complaint, "kam_b", "Call the carrier", today, "After-sales")
    services.task_complete(actor=team.user("kam_b"), task=done)
    first, second = reminders_sweep(), reminders_sweep()
    assert first.created[NotificationKind.TASK_FORCE_TASK_DUE.value] == 1
    assert second.created[NotificationKind.TASK_FORCE_TASK_DUE.value] == 0
    [note] = Notification.objects.filter(kind=NotificationKind.TASK_FORCE_TASK_DUE)
    assert note.recipient == team.user("qa_lee")
    assert note.url == f"{reverse('taskforce:complaint', args=[complaint.pk])}#task-{due.pk}"
    assert render_message(note) == (
        f"Your task force task on the complaint of acme is due ({today:%Y-%m-%d}): "
        "Test the glue batch"
    )
    assert Reminder.objects.get(kind=NotificationKind.TASK_FORCE_TASK_DUE).subject_id == due.pk
    assigned = Notification.objects.filter(kind=NotificationKind.TASK_FORCE_ASSIGNED)
    assert sorted(n.recipient.username for n in assigned) == ["kam_b", "kam_b", "qa_lee"]


def test_the_assignee_sees_the_complaint_and_their_task_not_the_account(client, api_client, team):
    complaint = _serious(team)
    due = timezone.localdate() + timedelta(days=2)
    mine = _assign(team, complaint, "qa_lee", "Test the glue batch", due)
    _assign(team, complaint, "kam_b", "Credit the pallets", due, "Finance")
    qa = team.user("qa_lee")
    client.force_login(qa)
    page = client.get(reverse("taskforce:complaint", args=[complaint.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Labels fell off." in html
    assert "Test the glue batch" in html
    assert "Credit the pallets" not in html  # another colleague's task
    assert 'id="task-force-findings"' not in html
    assert 'id="history"' not in html
    assert client.get(complaint.get_absolute_url()).status_code == 404
    assert client.get(team.accounts["acme"].get_absolute_url()).status_code == 404
    assert client.get(reverse("taskforce:report", args=[complaint.pk])).status_code == 404
    my_page = client.get(reverse("taskforce:my-tasks")).content.decode()
    assert f'data-task="{mine.pk}"' in my_page
    assert "Credit the pallets" not in my_page
    api_client.force_authenticate(qa)
    tasks = api_client.get("/api/v1/task-force-tasks/").json()["results"]
    assert [task["id"] for task in tasks] == [mine.pk]
    [force] = api_client.get("/api/v1/task-forces/").json()["results"]
    assert [task["id"] for task in force["tasks"]] == [mine.pk]
    # someone neither on the account nor in the task force sees nothing of it
    client.force_login(team.user("kam_c"))
    assert client.get(reverse("taskforce:complaint", args=[complaint.pk])).status_code == 404
    api_client.force_authenticate(team.user("kam_c"))
    assert api_client.get("/api/v1/task-force-tasks/").json()["results"] == []
    assert api_client.post(f"/api/v1/task-force-tasks/{mine.pk}/complete/").status_code == 404
    # the account's supervisor sees every task and may complete one; kam_c may not give one
    client.force_login(team.user("sup_east"))
    html = client.get(reverse("taskforce:complaint", args=[complaint.pk])).content.decode()
    assert "Credit the pallets" in html
    assert 'id="task-form"' in html
    client.force_login(team.user("kam_b"))  # on the task force, not the complaint's owner
    html = client.get(reverse("taskforce:complaint", args=[complaint.pk])).content.decode()
    assert 'id="task-form"' not in html


def test_the_customer_report_holds_exactly_the_customer_facing_fields(client, team):
    complaint = _serious(team, received_at=timezone.now() - timedelta(days=5))
    complaint.description = "<script>alert(1)</script> labels fell off"
    complaint.save(update_fields=["description"])
    due = timezone.localdate() + timedelta(days=1)
    task = _assign(team, complaint, "qa_lee", '=HYPERLINK("x") test the glue', due)
    services.task_complete(actor=team.user("qa_lee"), task=task, note="INTERNAL: supplier fault")
    complaints.complaint_resolve(
        actor=team.user("kam_a"), complaint=complaint, resolution="Relabelled every box.",
        root_cause="product",
    )  # fmt: skip
    services.findings_record(
        actor=team.user("kam_a"), complaint=complaint,
        root_cause_detail="The glue batch 7 failed in the cold.",
        improvement="Cold-resistant glue on every line.",
    )  # fmt: skip
    _verify(team, complaint)
    complaint.refresh_from_db()
    client.force_login(team.user("kam_a"))
    url = reverse("taskforce:report", args=[complaint.pk])
    task.refresh_from_db()
    done_on = timezone.localtime(task.done_at).date()
    verified_on = timezone.localtime(complaint.verified_at).date()
    received_on = timezone.localtime(complaint.received_at).date()
    expected = {
        "en": [
            ("Customer", "acme"),
            ("Received on", f"{received_on:%Y-%m-%d}"),
            ("Category", "Quality"),
            ("Complaint", "<script>alert(1)</script> labels fell off"),
            ("Resolution", "Relabelled every box."),
            ("Root cause", "Product defect"),
            ("Root cause found", "The glue batch 7 failed in the cold."),
            ("Improvement made", "Cold-resistant glue on every line."),
            ("Action: Quality",
             f"=HYPERLINK(\"x\") test the glue (due {due:%Y-%m-%d}, done {done_on:%Y-%m-%d})"),
            ("Verified by a follow-up visit on", f"{verified_on:%Y-%m-%d}"),
            ("Closed on", "—"),
        ],
        "zh-hans": [
            ("客户", "acme"),
            ("投诉日期", f"{received_on:%Y-%m-%d}"),
            ("类别", "质量"),
            ("投诉", "<script>alert(1)</script> labels fell off"),
            ("解决方案", "Relabelled every box."),
            ("根本原因", "产品缺陷"),
            ("查明的根本原因", "The glue batch 7 failed in the cold."),
            ("改进措施", "Cold-resistant glue on every line."),
            ("措施：质量",
             f"=HYPERLINK(\"x\") test the glue（截止 {due:%Y-%m-%d}，完成 {done_on:%Y-%m-%d}）"),
            ("回访验证日期", f"{verified_on:%Y-%m-%d}"),
            ("结单日期", "—"),
        ],
    }  # fmt: skip
    for language, rows in expected.items():
        response = client.get(url, {"lang": language, "format": "xlsx"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        cells = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
        assert cells[1:] == rows, language
        action = sheet.cell(row=10, column=2)  # text, never a formula
        assert (action.data_type, action.quotePrefix) == ("s", True)
        html = client.get(url, {"lang": language}).content.decode()
        assert "css/report.css" in html  # A4 and @media print
        assert f'<html lang="{language}">' in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert" not in html
        for needle in ("The glue batch 7 failed in the cold.", "Cold-resistant glue"):
            assert needle in html
        # no internal notes, no first response, no names of ours
        for hidden in ("INTERNAL", "Called back.", "Lee Quality", "qa_lee", "kam_a"):
            assert hidden not in html
            assert all(hidden not in str(value) for row in cells for value in row)


def _tasks(team, complaint, count):
    due = timezone.localdate() + timedelta(days=2)
    force = None
    for number in range(count):
        task = _assign(team, complaint, "qa_lee", f"task {number}", due)
        force = task.task_force
    return force


@pytest.mark.parametrize("count", [3, 30])
def test_the_pages_read_in_a_fixed_number_of_queries(
    client, team, django_assert_num_queries, count
):
    complaint = _serious(team)
    _tasks(team, complaint, count)
    client.force_login(team.user("kam_a"))
    page = reverse("taskforce:complaint", args=[complaint.pk])
    client.get(page)  # warm the session and the caches
    with django_assert_num_queries(9):
        assert client.get(page).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(page, HTTP_HX_REQUEST="true").status_code == 200
    with django_assert_num_queries(5):  # the panel loads from its own URL
        assert client.get(complaint.get_absolute_url()).status_code == 200
    client.force_login(team.user("qa_lee"))
    client.get(reverse("taskforce:my-tasks"))
    with django_assert_num_queries(4):
        html = client.get(reverse("taskforce:my-tasks")).content.decode()
    assert html.count("data-task=") == count


def test_admins_configure_the_departments_with_their_history(client, team):
    client.force_login(team.user("kam_a"))
    assert client.get(reverse("taskforce:departments")).status_code == 404
    client.force_login(team.user("ops"))
    url = reverse("taskforce:departments")
    html = client.get(url).content.decode()
    quality = team.departments["Quality"]
    [form] = [form for form in page_forms(html, method="post") if form.id == "departments-form"]
    [prefix] = [
        name.split("-")[1]
        for name, value in form.entries()
        if name.endswith("-id") and value == str(quality.pk)
    ]
    response = _post_form(
        client, html, "departments-form", **{f"form-{prefix}-name_zh": "品质", "form-5-name": "IT",
                                             "form-5-name_zh": "信息技术", "form-5-order": "60"}
    )  # fmt: skip
    assert response.status_code == 302
    quality.refresh_from_db()
    assert quality.name_zh == "品质"
    assert Department.objects.filter(name="IT", name_zh="信息技术").exists()
    assert DepartmentEvent.objects.filter(pgh_obj_id=quality.pk, pgh_label="update").exists()
    html = client.get(url).content.decode()
    assert "品质" in html
    assert 'id="history"' in html
