"""Weekly and monthly reports: the KAM's list and report, the team page. Thin views over
workreports.selectors (reads) and workreports.services (writes)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kam.capabilities import CapabilityRequiredMixin, may
from kam.scoping import CHANGE
from workreports import selectors, services
from workreports.drafts import latest_period
from workreports.forms import WorkReportCommentForm, WorkReportForm
from workreports.models import ReportKind, WorkReport


def _errors(error: ValidationError) -> list:
    return error.messages


class MyReportsView(CapabilityRequiredMixin, TemplateView):
    """The KAM's reports, newest first, with the current draft of each kind on top."""

    template_name = "workreports/my_reports.html"
    capability = "work_reports.write"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        mine = WorkReport.objects.visible_to(user).filter(kam=user)
        reports = list(mine.order_by("-period_start", "kind")[:80])
        today = timezone.localdate()
        current = {kind: latest_period(kind, today).first for kind in ReportKind.values}
        context.update(
            reports=reports,
            current=[r for r in reports if r.period_start == current[r.kind] and r.is_draft],
        )
        return context


class WorkReportDetailView(LoginRequiredMixin, TemplateView):
    """One report: its figures with the rows behind each, its sections (a form while it is
    the reader's draft), its comments (and the comment form for whoever leads the KAM)."""

    template_name = "workreports/report_detail.html"

    def get(self, request, pk, *args, **kwargs):
        report = self._report(pk)
        return self.render_to_response(self._context(report))

    def _report(self, pk):
        report = (
            WorkReport.objects.visible_to(self.request.user)
            .select_related("kam", "submitted_by")
            .filter(pk=pk)
            .first()
        )
        if report is None:
            raise Http404
        return report

    def _context(self, report, form=None, comment_form=None, errors=()):
        user = self.request.user
        editable = report.is_draft and report.kam_id == user.pk and may(user, "work_reports.write")
        if editable and form is None:
            form = WorkReportForm(
                initial={name: getattr(report, name) for name in services.SECTIONS}
            )
        may_comment = services.may_comment(user, report)
        if may_comment and comment_form is None:
            comment_form = WorkReportCommentForm()
        sections = [
            (name, WorkReportForm.base_fields[name].label, getattr(report, name))
            for name in services.SECTIONS
        ]
        return self.get_context_data(
            report=report, figures=selectors.report_figures(user=user, report=report),
            attainment=report.figures.get("attainment") or {}, editable=editable,
            form=form if editable else None, sections=sections,
            comments=list(report.comments.select_related("author")),
            comment_form=comment_form if may_comment else None, errors=errors,
        )  # fmt: skip


class _ReportAction(CapabilityRequiredMixin, View):
    """A POST on one report; 404 outside what the reader may change."""

    def _render_detail(self, request, pk, status=400, **extra):
        view = WorkReportDetailView()
        view.setup(request, pk=pk)
        report = view._report(pk)
        response = view.render_to_response(view._context(report, **extra))
        response.status_code = status
        return response


class WorkReportUpdateView(_ReportAction):
    """Save the sections of one's draft (action=save) or save and submit it
    (action=submit)."""

    capability = "work_reports.write"

    def post(self, request, pk):
        if not WorkReport.objects.visible_to(request.user, CHANGE).filter(pk=pk).exists():
            raise Http404
        form = WorkReportForm(request.POST)
        if not form.is_valid():
            return self._render_detail(request, pk, form=form)
        submit = request.POST.get("action") == "submit"
        try:
            services.work_report_update(
                actor=request.user, report_id=pk, submit=submit, **form.cleaned_data
            )
        except ValidationError as error:
            return self._render_detail(request, pk, form=form, errors=_errors(error))
        messages.success(
            request, _("The report is submitted.") if submit else _("The draft is saved.")
        )
        return HttpResponseRedirect(reverse("workreports:detail", args=[pk]))


class WorkReportRefreshView(_ReportAction):
    """Build the figures of one's draft again from the data."""

    capability = "work_reports.write"

    def post(self, request, pk):
        try:
            services.work_report_refresh(actor=request.user, report_id=pk)
        except ValidationError as error:
            return self._render_detail(request, pk, errors=_errors(error))
        messages.success(request, _("The figures are built again from the data."))
        return HttpResponseRedirect(reverse("workreports:detail", args=[pk]))


class WorkReportCommentView(_ReportAction):
    """Comment on a report of a KAM one leads; back to where the form was (?next=)."""

    capability = "work_reports.review"

    def post(self, request, pk):
        form = WorkReportCommentForm(request.POST)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
        target = target or reverse("workreports:detail", args=[pk])
        if form.is_valid():
            try:
                services.work_report_comment(
                    actor=request.user, report_id=pk, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                return self._render_detail(request, pk, comment_form=form, errors=_errors(error))
            messages.success(request, _("Your comment is posted; the KAM is told."))
            return HttpResponseRedirect(target)
        # the report must exist for the reader before anything is said about the form
        report = WorkReport.objects.visible_to(request.user).filter(pk=pk).first()
        if report is None or not services.may_comment(request.user, report):
            raise Http404
        return self._render_detail(request, pk, comment_form=form)


class TeamReportsView(CapabilityRequiredMixin, TemplateView):
    """A team's reports of a week or a month, one after another: who has not submitted,
    each report's figures and sections, its comments and a comment form."""

    template_name = "workreports/team_reports.html"
    capability = "work_reports.team"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        page = selectors.team_reports(user=self.request.user, params=self.request.GET, today=today)
        context.update(
            page=page, labels=selectors.figure_labels(page.period.kind),
            kinds=ReportKind.choices, comment_form=WorkReportCommentForm(),
            here=self.request.get_full_path(),
        )  # fmt: skip
        return context
