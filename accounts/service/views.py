"""Service and risk pages: complaints by SLA state and their steps, surveys, risk events,
and the service report.

Views pick the queryset (scoped by the base classes), call one service and render.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from accounts.selectors import review_panels
from accounts.service import services
from accounts.service.filtersets import ComplaintFilterSet, RiskEventFilterSet, SurveyFilterSet
from accounts.service.forms import (
    ComplaintCloseForm,
    ComplaintForm,
    ComplaintResolveForm,
    ComplaintRespondForm,
    ComplaintVerifyForm,
    RiskEventForm,
    SurveyForm,
)
from accounts.service.models import (
    Complaint,
    ComplaintStatus,
    RiskEvent,
    Survey,
)
from accounts.service.selectors import service_report, team_nps
from kam.capabilities import may
from kam.conflicts import EditConflictMixin
from kam.forms import add_service_errors
from kam.scoping import CHANGE, can
from kam.views import (
    ScopedDetailView,
    ScopedListView,
    ScopedViewMixin,
    WriteRoleRequiredMixin,
)
from savedviews.selectors import SavedViewsMixin


def _style_filter_form(form):
    for field in form.fields.values():
        widget = field.widget
        if getattr(widget, "allow_multiple_selected", False):
            widget.attrs.update({"class": "form-select kam-multiselect", "size": 4})
        elif hasattr(widget, "choices"):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


def _initial_account(request, initial):
    account_id = request.GET.get("account", "")
    if account_id.isdigit():
        initial["account"] = int(account_id)  # offered only if the user looks after it
    return initial


# --- complaints -------------------------------------------------------------------------


class ComplaintListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "complaints"
    queryset = Complaint.objects.select_related("account", "owner", "contact")
    filterset_class = ComplaintFilterSet
    template_name = "accounts/service/complaint_list.html"
    ordering = ["-received_at", "-pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _style_filter_form(self.filterset.form)
        current = self.request.GET.get("sla", "")
        context.update(
            tabs=[("", _("All")), *ComplaintFilterSet.SLA_CHOICES],
            current_tab=current,
            can_record=may(self.request.user, "records.change"),
            now=timezone.now(),
        )
        return context


class ComplaintCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    form_class = ComplaintForm
    template_name = "accounts/service/complaint_form.html"

    def get_initial(self):
        return _initial_account(self.request, super().get_initial())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            complaint = services.complaint_record(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Complaint recorded: answer it before %(due)s.")
            % {
                "due": date_format(
                    timezone.localtime(complaint.response_due), "SHORT_DATETIME_FORMAT"
                )
            },
        )
        return HttpResponseRedirect(complaint.get_absolute_url())


#: the step that comes next from each status: (url name, form class, button label)
NEXT_STEP = {
    ComplaintStatus.OPEN: "respond",
    ComplaintStatus.RESPONDED: "resolve",
    ComplaintStatus.RESOLVED: "verify",
    ComplaintStatus.VERIFIED: "close",
}


class ComplaintDetailView(ScopedDetailView):
    queryset = Complaint.objects.select_related(
        "account", "owner", "contact", "created_by", "verification_visit"
    )
    template_name = "accounts/service/complaint_detail.html"

    def step_form(self, data=None):
        complaint = self.object
        step = NEXT_STEP.get(complaint.status)
        if step == "respond":
            return ComplaintRespondForm(data)
        if step == "resolve":
            return ComplaintResolveForm(data)
        if step == "verify":
            return ComplaintVerifyForm(data, user=self.request.user, complaint=complaint)
        if step == "close":
            return ComplaintCloseForm(data)
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        complaint = self.object
        can_change = may(self.request.user, "records.change") and can(
            self.request.user, complaint, CHANGE
        )
        step = NEXT_STEP.get(complaint.status)
        if can_change and step:
            context.setdefault("step_form", self.step_form())
            context["step"] = step
            context["step_url"] = reverse(f"accounts:complaint-{step}", args=[complaint.pk])
        context["review_panels"] = review_panels("complaint", complaint)
        context["statuses"] = ComplaintStatus.choices
        context["status_index"] = ComplaintStatus.values.index(complaint.status)
        return context


class _ComplaintStepView(WriteRoleRequiredMixin, ComplaintDetailView):
    """POST only: move a complaint one step on; errors show on the detail page."""

    http_method_names = ["post"]
    step = ""
    success_message = ""

    def post(self, request, *args, **kwargs):
        self.object = complaint = self.get_object()
        if NEXT_STEP.get(complaint.status) != self.step:
            messages.error(request, _("This step is not possible now: the page was out of date."))
            return HttpResponseRedirect(complaint.get_absolute_url())
        form = self.step_form(request.POST)
        if form.is_valid():
            try:
                self.perform(complaint, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(complaint.get_absolute_url())
        return self.render_to_response(self.get_context_data(step_form=form))


class ComplaintRespondView(_ComplaintStepView):
    step = "respond"
    success_message = _("First response recorded.")

    def perform(self, complaint, data):
        services.complaint_respond(
            actor=self.request.user, complaint=complaint, response=data["response"]
        )


class ComplaintResolveView(_ComplaintStepView):
    step = "resolve"
    success_message = _("Complaint resolved: verify it on the next visit.")

    def perform(self, complaint, data):
        services.complaint_resolve(actor=self.request.user, complaint=complaint, **data)


class ComplaintVerifyView(_ComplaintStepView):
    step = "verify"
    success_message = _("Complaint verified by the follow-up visit.")

    def perform(self, complaint, data):
        services.complaint_verify(actor=self.request.user, complaint=complaint, visit=data["visit"])


class ComplaintCloseView(_ComplaintStepView):
    step = "close"
    success_message = _("Complaint closed.")

    def perform(self, complaint, data):
        services.complaint_close(
            actor=self.request.user, complaint=complaint, satisfaction=data["satisfaction"]
        )


# --- surveys ----------------------------------------------------------------------------


class SurveyListView(ScopedListView):
    queryset = Survey.objects.select_related("account", "contact", "recorded_by")
    filterset_class = SurveyFilterSet
    template_name = "accounts/service/survey_list.html"
    ordering = ["-taken_on", "-pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _style_filter_form(self.filterset.form)
        context["can_record"] = may(self.request.user, "records.change")
        return context


class SurveyCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    form_class = SurveyForm
    template_name = "accounts/service/survey_form.html"

    def get_initial(self):
        return _initial_account(self.request, super().get_initial())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            survey = services.survey_record(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Survey recorded."))
        return HttpResponseRedirect(survey.account.get_absolute_url() + "#service-card")


# --- risk events ------------------------------------------------------------------------


class RiskEventListView(ScopedListView):
    queryset = RiskEvent.objects.select_related("account", "owner")
    filterset_class = RiskEventFilterSet
    template_name = "accounts/service/risk_list.html"
    ordering = ["-created_at", "-pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _style_filter_form(self.filterset.form)
        context["can_record"] = may(self.request.user, "records.change")
        return context


class RiskEventDetailView(ScopedDetailView):
    queryset = RiskEvent.objects.select_related("account", "owner", "created_by")
    template_name = "accounts/service/risk_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_change"] = may(self.request.user, "records.change") and can(
            self.request.user, self.object, CHANGE
        )
        return context


class RiskEventCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    form_class = RiskEventForm
    template_name = "accounts/service/risk_form.html"

    def get_initial(self):
        return _initial_account(self.request, super().get_initial())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            risk = services.risk_raise(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Risk event recorded."))
        return HttpResponseRedirect(risk.get_absolute_url())


class RiskEventUpdateView(
    EditConflictMixin, WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, FormView
):
    queryset = RiskEvent.objects.select_related("account", "owner")
    object_action = CHANGE
    form_class = RiskEventForm
    template_name = "accounts/service/risk_form.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def form_valid(self, form):
        try:
            risk = services.risk_update(
                actor=self.request.user, risk=self.object, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Risk event saved."))
        return HttpResponseRedirect(risk.get_absolute_url())


# --- the report -------------------------------------------------------------------------


class ServiceReportView(LoginRequiredMixin, TemplateView):
    """Complaint categories by month, root causes, time to first response, NPS per team.
    Every figure is over what the user may see (the selectors start from visible_to)."""

    template_name = "accounts/service/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = service_report(actor=self.request.user)
        context["team_nps"] = team_nps(actor=self.request.user)
        return context


urlpatterns = [
    path("complaints/", ComplaintListView.as_view(), name="complaint-list"),
    path("complaints/new/", ComplaintCreateView.as_view(), name="complaint-create"),
    path("complaints/<int:pk>/", ComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/respond/", ComplaintRespondView.as_view(), name="complaint-respond"),
    path("complaints/<int:pk>/resolve/", ComplaintResolveView.as_view(), name="complaint-resolve"),
    path("complaints/<int:pk>/verify/", ComplaintVerifyView.as_view(), name="complaint-verify"),
    path("complaints/<int:pk>/close/", ComplaintCloseView.as_view(), name="complaint-close"),
    path("surveys/", SurveyListView.as_view(), name="survey-list"),
    path("surveys/new/", SurveyCreateView.as_view(), name="survey-create"),
    path("risks/", RiskEventListView.as_view(), name="risk-list"),
    path("risks/new/", RiskEventCreateView.as_view(), name="risk-create"),
    path("risks/<int:pk>/", RiskEventDetailView.as_view(), name="risk-detail"),
    path("risks/<int:pk>/edit/", RiskEventUpdateView.as_view(), name="risk-edit"),
    path("service/report/", ServiceReportView.as_view(), name="service-report"),
]
