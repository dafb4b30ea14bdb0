"""Task force pages: a complaint's task force (also the panel its complaint page loads),
the tasks given, completed and the findings recorded from it, "my task-force tasks", the
customer report (print page and Excel) and the departments' configuration.

Who sees a complaint's task force: whoever sees the complaint (the account), and each
assignee, who sees the complaint and their own task only (``kam.scoping`` "assigned")."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.service.models import Complaint, ComplaintStatus
from audit.history import history_entries
from kam.capabilities import CapabilityRequiredMixin, may
from kam.exports import Column, export_response
from kam.forms import add_service_errors
from kam.scoping import CHANGE
from taskforce import selectors, services
from taskforce.forms import DepartmentFormSet, FindingsForm, TaskDoneForm, TaskForm
from taskforce.models import Department, DepartmentEvent, Task, TaskEvent, TaskForce, TaskForceEvent

HISTORY_ENTRIES = 50
#: the report's languages: (code, label)
REPORT_LANGUAGES = (("en", "English"), ("zh-hans", "中文"))


def complaint_and_task_force(user, pk):
    """(complaint, its task force or None, whether the user sees the complaint's account)
    for a complaint ``user`` sees, or an assignee of its task force; 404 otherwise."""
    complaint = (
        Complaint.objects.visible_to(user)
        .select_related("account", "owner", "task_force")
        .filter(pk=pk)
        .first()
    )
    if complaint is not None:
        return complaint, getattr(complaint, "task_force", None), True
    task_force = (
        TaskForce.objects.visible_to(user)
        .select_related("complaint__account", "complaint__owner")
        .filter(complaint_id=pk)
        .first()
    )
    if task_force is None:
        raise Http404
    return task_force.complaint, task_force, False


class TaskForceView(LoginRequiredMixin, TemplateView):
    """A complaint's task force: its tasks, the forms to give and complete them, the
    findings and the history. Loaded as a panel by the complaint page (htmx)."""

    template_name = "taskforce/task_force.html"

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["taskforce/task_force.html#panel"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        complaint, task_force, full = complaint_and_task_force(user, self.kwargs["pk"])
        tasks = selectors.tasks_for(actor=user, task_force=task_force)
        open_ = complaint.status != ComplaintStatus.CLOSED
        can_assign = (
            full and open_ and may(user, "records.change") and services.may_assign(user, complaint)
        )
        for task in tasks:
            task.can_complete = (
                open_
                and not task.is_done
                and may(user, "records.change")
                and (task.assignee_id == user.pk or can_assign)
            )
        context.update(
            complaint=complaint,
            task_force=task_force,
            tasks=tasks,
            full=full,
            needed=selectors.needs_task_force(complaint),
            open_tasks=sum(1 for task in tasks if not task.is_done),
            can_assign=can_assign,
            done_form=TaskDoneForm(),
            report_languages=REPORT_LANGUAGES,
        )
        if can_assign:
            context.setdefault("task_form", TaskForm())
            if task_force is not None:
                context.setdefault(
                    "findings_form",
                    FindingsForm(
                        initial={
                            "root_cause_detail": task_force.root_cause_detail,
                            "improvement": task_force.improvement,
                        }
                    ),
                )
        if full and task_force is not None and not self.request.htmx:
            context["entries"] = history_entries(
                user=user,
                sources=[
                    (TaskForceEvent, {"pgh_obj_id": task_force.pk}, str(_("Task force"))),
                    (TaskEvent, {"task_force_id": task_force.pk}, str(_("Task"))),
                ],
            )[:HISTORY_ENTRIES]
        return context


class _TaskForceWriteView(TaskForceView):
    """POST only: one write, then back to the task force page; errors show on it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        complaint = (
            Complaint.objects.visible_to(request.user, CHANGE).filter(pk=kwargs["pk"]).first()
        )
        if complaint is None:
            raise Http404
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(complaint, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(request, self.success_message())
                return HttpResponseRedirect(reverse("taskforce:complaint", args=[complaint.pk]))
        context = self.get_context_data(**{self.form_name: form})
        return self.render_to_response(context, status=400)


class TaskAssignView(_TaskForceWriteView):
    form_class = TaskForm
    form_name = "task_form"

    def success_message(self):
        return _("Task given: the colleague is notified.")

    def perform(self, complaint, data):
        services.task_assign(actor=self.request.user, complaint=complaint, **data)


class FindingsView(_TaskForceWriteView):
    form_class = FindingsForm
    form_name = "findings_form"

    def success_message(self):
        return _("Root cause and improvement saved.")

    def perform(self, complaint, data):
        services.findings_record(actor=self.request.user, complaint=complaint, **data)


class TaskDoneView(LoginRequiredMixin, View):
    """POST: the assignee (or whoever runs the task force) marks a task done."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        task = (
            Task.objects.visible_to(request.user, CHANGE)
            .select_related("task_force")
            .filter(pk=kwargs["pk"])
            .first()
        )
        if task is None:
            raise Http404
        form = TaskDoneForm(request.POST)
        url = reverse("taskforce:complaint", args=[task.task_force.complaint_id])
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return HttpResponseRedirect(url)
        try:
            services.task_complete(actor=request.user, task=task, note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Task done."))
        return HttpResponseRedirect(f"{url}#task-{task.pk}")


class MyTasksView(LoginRequiredMixin, TemplateView):
    """My task-force tasks: open first by due date, then those done."""

    template_name = "taskforce/my_tasks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tasks"] = list(selectors.my_tasks(actor=self.request.user))
        return context


class ReportView(LoginRequiredMixin, TemplateView):
    """The one-page report for the customer, in the language asked (``?lang=``): a print
    page, or an Excel file (``?format=xlsx``). For those who see the complaint's account."""

    template_name = "taskforce/report.html"

    def get(self, request, *args, **kwargs):
        complaint = (
            Complaint.objects.visible_to(request.user)
            .select_related("account", "task_force")
            .filter(pk=kwargs["pk"])
            .first()
        )
        task_force = getattr(complaint, "task_force", None) if complaint else None
        if task_force is None:
            raise Http404
        language = request.GET.get("lang") or translation.get_language()
        if language not in dict(REPORT_LANGUAGES):
            language = "zh-hans" if language.startswith("zh") else "en"
        with translation.override(language):
            report = selectors.customer_report(task_force=task_force)
            if request.GET.get("format") == "xlsx":
                return export_response(
                    request,
                    what="taskforce:report",
                    file_format="xlsx",
                    columns=[Column("section", _("Section")), Column("content", _("Content"))],
                    rows=report_rows(report),
                    file_name=f"complaint-{complaint.pk}-report-{language}",
                    title=_("Complaint report"),
                    filters={"lang": language},
                )
            response = self.render_to_response(
                self.get_context_data(report=report, complaint=complaint, language=language)
            )
            response.render()
        return response


def _date(value):
    if value is None:
        return "—"
    if hasattr(value, "hour"):
        value = localtime(value)
    return date_format(value, "Y-m-d")


def report_rows(report) -> list[dict]:
    """The report as (section, content) rows, in the active language."""
    rows = [
        {"section": _("Customer"), "content": report.account},
        {"section": _("Received on"), "content": _date(report.received_at)},
        {"section": _("Category"), "content": report.category},
        {"section": _("Complaint"), "content": report.description},
        {"section": _("Resolution"), "content": report.resolution or "—"},
        {"section": _("Root cause"), "content": report.root_cause or "—"},
        {"section": _("Root cause found"), "content": report.root_cause_detail or "—"},
        {"section": _("Improvement made"), "content": report.improvement or "—"},
    ]
    for department, task, due_on, done_at in report.actions:
        rows.append(
            {
                "section": _("Action: %(department)s") % {"department": department},
                "content": _("%(task)s (due %(due)s, done %(done)s)")
                % {"task": task, "due": _date(due_on), "done": _date(done_at)},
            }
        )
    rows.append(
        {"section": _("Verified by a follow-up visit on"), "content": _date(report.verified_on)}
    )
    rows.append({"section": _("Closed on"), "content": _date(report.closed_on)})
    return rows


class DepartmentsView(CapabilityRequiredMixin, TemplateView):
    """Admins name the departments task forces draw on (in both languages), order and
    retire them; every change is kept and listed below."""

    template_name = "taskforce/departments.html"
    capability = "taskforce.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", DepartmentFormSet(queryset=Department.objects.all()))
        subject = str(Department._meta.verbose_name)
        context["entries"] = history_entries(
            user=self.request.user, sources=[(DepartmentEvent, {}, subject)]
        )[:HISTORY_ENTRIES]
        return context

    def post(self, request, *args, **kwargs):
        formset = DepartmentFormSet(request.POST, queryset=Department.objects.all())
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(formset=formset), status=400)
        services.departments_save(formset=formset)
        messages.success(request, _("The departments are saved."))
        return HttpResponseRedirect(reverse("taskforce:departments"))
