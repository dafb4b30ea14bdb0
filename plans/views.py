"""The plan pages: plans (list, create, 360° plan page, edit, approval cycle),
action items, actuals (read-only list and import), attainment and quotas.

Views pick the queryset (the visibility rule is applied by kam.views), call one
service and render. Every list runs a fixed number of queries.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from accounts.models import Account
from accounts.selectors import review_panels
from kam import uploads
from kam.batch import BatchRejectedError
from kam.capabilities import CapabilityRequiredMixin, may
from kam.conflicts import EditConflictMixin
from kam.forms import add_service_errors
from kam.models import User
from kam.scoping import CHANGE, VIEW, can, led_teams
from kam.views import ScopedDetailView, ScopedListView, ScopedViewMixin, WriteRoleRequiredMixin
from plans import selectors, services
from plans.choices import QUARTERS, PlanStatus
from plans.filtersets import ActionItemFilterSet, ActualFilterSet, PlanFilterSet, QuotaFilterSet
from plans.forms import (
    ActionItemForm,
    ActualImportForm,
    DecisionForm,
    PlanForm,
    QuotaForm,
    QuotaPickForm,
)
from plans.imports import COLUMNS, MAX_ROWS, FileRejectedError, actuals_from_table
from plans.models import AccountPlan, ActionItem, Actual, KamQuota, TeamQuota
from savedviews.selectors import SavedViewsMixin


def _style_filters(form):
    for field in form.fields.values():
        widget = field.widget
        if getattr(widget, "allow_multiple_selected", False):
            widget.attrs.update({"class": "form-select kam-multiselect", "size": 3})
        elif hasattr(widget, "choices"):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


def _error_messages(request, error: ValidationError):
    for errors in getattr(error, "message_dict", {"": error.messages}).values():
        for text in errors:
            messages.error(request, text)


# --- plans ------------------------------------------------------------------------------


class PlanListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "plans"
    queryset = AccountPlan.objects.select_related("account__owner")
    filterset_class = PlanFilterSet
    template_name = "plans/plan_list.html"
    ordering = ["-year", "account__name", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _style_filters(self.filterset.form)
        context["can_create"] = may(self.request.user, "records.change")
        return context


class PlanCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    form_class = PlanForm
    template_name = "plans/plan_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        account = self.request.GET.get("account")
        if account and account.isdigit():
            kwargs.setdefault("initial", {})["account"] = int(account)
        return kwargs

    def form_valid(self, form):
        try:
            plan = services.plan_create(actor=self.request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The plan is drafted."))
        return redirect(plan)


class PlanDetailView(ScopedDetailView):
    queryset = AccountPlan.objects.select_related("account__owner", "created_by")
    template_name = "plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, user = self.object, self.request.user
        targets = {target.quarter: target for target in plan.targets.all()}
        today = timezone.localdate()
        ytd = selectors.account_attainment(account=plan.account, year=plan.year, as_of=today)
        quarters = []
        for quarter in QUARTERS:
            months = range(quarter * 3 - 2, quarter * 3 + 1)
            quarters.append((quarter, targets.get(quarter), months))
        actual_by_month = dict(
            Actual.objects.filter(account=plan.account, year=plan.year).values_list(
                "month", "revenue"
            )
        )
        quarter_rows = []
        for quarter, target, months in quarters:
            actual = sum((actual_by_month.get(m, 0) for m in months), 0)
            goal = target.revenue if target else 0
            quarter_rows.append(
                {
                    "quarter": quarter,
                    "target": target,
                    "actual": actual,
                    "rate": selectors._rate(actual, goal),
                }
            )
        is_owner = plan.account.owner_id == user.pk
        leads = services._leads_owner(user, plan)
        writable = may(user, "records.change") and can(user, plan, CHANGE)
        context.update(
            targets=[targets.get(q) for q in QUARTERS],
            quarter_rows=quarter_rows,
            ytd=ytd,
            action_items=list(plan.action_items.select_related("owner").order_by("due_on", "pk")),
            transitions=list(plan.transitions.select_related("actor")),
            today=today,
            can_edit=writable and plan.is_editable,
            can_add_action=writable,
            can_submit=(is_owner or may(user, "plans.submit_any")) and plan.is_editable,
            can_decide=leads and plan.status == PlanStatus.SUBMITTED,
            can_revise=(is_owner or leads) and plan.status == PlanStatus.APPROVED,
            decision_form=DecisionForm(),
            review_panels=review_panels("plan", plan),
        )
        return context


class PlanEditView(
    EditConflictMixin, WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, FormView
):
    queryset = AccountPlan.objects.select_related("account")
    object_action = CHANGE
    form_class = PlanForm
    template_name = "plans/plan_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, plan=self.object)
        return kwargs

    def form_valid(self, form):
        try:
            plan = services.plan_update(
                actor=self.request.user, plan=self.object, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The plan is saved."))
        return redirect(plan)


class _PlanActionView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    """A POST moving a plan through the approval cycle; the service decides who may."""

    queryset = AccountPlan.objects.select_related("account")
    object_action = VIEW
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = self.get_object()
        form = DecisionForm(request.POST)
        form.is_valid()
        try:
            message = self.perform(plan, form.cleaned_data.get("comment", ""))
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, message)
        return redirect(plan)


class PlanSubmitView(_PlanActionView):
    def perform(self, plan, comment):
        services.plan_submit(actor=self.request.user, plan=plan)
        return gettext("The plan is submitted for approval.")


class PlanApproveView(_PlanActionView):
    capability = "plans.approve"

    def perform(self, plan, comment):
        services.plan_approve(actor=self.request.user, plan=plan, comment=comment)
        return gettext("The plan is approved.")


class PlanReturnView(_PlanActionView):
    capability = "plans.approve"

    def perform(self, plan, comment):
        services.plan_return(actor=self.request.user, plan=plan, comment=comment)
        return gettext("The plan is returned to its owner.")


class PlanReviseView(_PlanActionView):
    def perform(self, plan, comment):
        plan = services.plan_revise(actor=self.request.user, plan=plan, comment=comment)
        return gettext("Revision %(revision)s is open as a draft.") % {"revision": plan.revision}


# --- action items -----------------------------------------------------------------------


class ActionItemPageFilterSet(ActionItemFilterSet):
    """The page lists the user's own open items unless asked otherwise."""

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None:
            data.setdefault("who", "mine")
            data.setdefault("open", "true")
        super().__init__(data, *args, **kwargs)


class ActionItemListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "action_items"
    queryset = ActionItem.objects.select_related("plan__account", "owner")
    filterset_class = ActionItemPageFilterSet
    template_name = "plans/action_item_list.html"
    ordering = ["due_on", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _style_filters(self.filterset.form)
        context["today"] = timezone.localdate()
        return context


class ActionItemCreateView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, FormView):
    queryset = AccountPlan.objects.select_related("account")
    object_action = CHANGE
    form_class = ActionItemForm
    template_name = "plans/action_item_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.object, **kwargs)

    def form_valid(self, form):
        try:
            services.action_item_create(
                actor=self.request.user, plan=self.object, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The action item is added."))
        return redirect(self.object)


class ActionItemEditView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, FormView):
    queryset = ActionItem.objects.select_related("plan__account")
    object_action = CHANGE
    form_class = ActionItemForm
    template_name = "plans/action_item_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.object.plan, "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.object.plan, item=self.object, **kwargs)

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.cleaned_data}
        try:
            services.action_item_update(actor=self.request.user, item=self.object, **data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The action item is saved."))
        return redirect(self.object.plan)


# --- actuals ----------------------------------------------------------------------------


class ActualListView(ScopedListView):
    """Actuals as the ERP sent them: read-only."""

    queryset = Actual.objects.select_related("account")
    filterset_class = ActualFilterSet
    template_name = "plans/actual_list.html"
    ordering = ["-year", "-month", "account__name", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _style_filters(self.filterset.form)
        context["can_import"] = may(self.request.user, "actuals.import")
        return context


#: rows of the actuals preview shown, and wrong rows listed at most
PREVIEW_ROWS, PROBLEM_ROWS = 50, 100


class ActualImportView(CapabilityRequiredMixin, FormView):
    """Upload a file, see a preview and every wrong row, then import all or nothing."""

    capability = "actuals.import"
    form_class = ActualImportForm
    template_name = "plans/actual_import.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(columns=COLUMNS, **kwargs)

    def form_valid(self, form):
        """A new file is staged and previewed; the import names the staged file by its
        token (kam.uploads), so neither request carries the rows back."""
        upload = form.cleaned_data.get("file")
        token = form.cleaned_data.get("upload")
        user = self.request.user
        try:
            if upload:
                staged, table = uploads.upload_stage(
                    actor=user, kind="import:actuals", upload=upload, max_rows=MAX_ROWS
                )
            elif token:
                staged = uploads.upload_get(actor=user, kind="import:actuals", token=token)
                table = uploads.upload_table(staged, max_rows=MAX_ROWS)
            else:
                raise FileRejectedError(gettext("Choose a file."))
            rows = actuals_from_table(table)
        except FileRejectedError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        if upload:  # preview: a page of rows and every wrong row, each wrong cell named
            _clean, errors = services.actuals_validate(actor=user, rows=rows)
            shown = set(range(min(PREVIEW_ROWS, len(rows)))) | set(sorted(errors)[:PROBLEM_ROWS])
            preview = [
                {
                    "line": index + 2,
                    "values": [rows[index].get(c, "") for c in COLUMNS],
                    "errors": errors.get(index, {}),
                }
                for index in sorted(shown)
            ]
            return self.render_to_response(
                self.get_context_data(
                    form=ActualImportForm(initial={"upload": staged.token}),
                    preview=preview,
                    error_count=len(errors),
                    row_count=len(rows),
                    shown_count=len(preview),
                )
            )
        try:
            count = services.actuals_upsert(actor=user, rows=rows, source="import")
        except BatchRejectedError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        uploads.upload_finish(staged, result={"count": count})
        messages.success(self.request, gettext("%(count)s rows imported.") % {"count": count})
        return redirect("plans:actual-list")


# --- attainment -------------------------------------------------------------------------


class AttainmentView(LoginRequiredMixin, TemplateView):
    """Actual against target per team, KAM and account, for a quarter or the year to
    date, with the run-rate forecast."""

    template_name = "plans/attainment.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        year = _int(self.request.GET.get("year"), today.year, 2000, 2100)
        quarter = _int(self.request.GET.get("quarter"), None, 1, 4)
        kam = _int(self.request.GET.get("kam"), None, 1, 2**63 - 1)  # drill-down to one KAM
        user = self.request.user
        arguments = {"user": user, "year": year, "quarter": quarter, "as_of": today}
        kams = selectors.attainment_by_kam(**arguments, kam=kam)
        accounts = None if kam is None else Account.objects.filter(owner_id=kam)
        context.update(
            year=year,
            quarter=quarter,
            kam=kam,
            kam_name=kams[0].label if kam is not None and kams else "",
            years=range(today.year - 3, today.year + 2),
            quarters=QUARTERS,
            teams=selectors.attainment_by_team(**arguments),
            kams=kams,
            accounts=selectors.attainment_by_account(**arguments, accounts=accounts),
        )
        return context


def _int(value, default, low, high):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


# --- quotas -----------------------------------------------------------------------------


class QuotaListView(ScopedListView):
    queryset = TeamQuota.objects.select_related("team").prefetch_related(
        Prefetch("splits", queryset=KamQuota.objects.select_related("user"))
    )
    filterset_class = QuotaFilterSet
    template_name = "plans/quota_list.html"
    ordering = ["-year", "team__name", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_set"] = may(self.request.user, "quotas.set")
        return context


class QuotaEditView(CapabilityRequiredMixin, TemplateView):
    """Pick a team and a year, then set its quarters and the split per KAM."""

    capability = "quotas.set"
    template_name = "plans/quota_form.html"

    def _picked(self, data):
        teams = led_teams(self.request.user)
        pick = (
            QuotaPickForm(data, teams=teams)
            if "team" in data
            else QuotaPickForm(teams=teams, initial={"year": timezone.localdate().year})
        )
        if not pick.is_bound or not pick.is_valid():
            return pick, None, None
        team, year = pick.cleaned_data["team"], pick.cleaned_data["year"]
        members = User.objects.filter(team_memberships__team=team).order_by("full_name", "pk")
        quota = TeamQuota.objects.filter(team=team, year=year).prefetch_related("splits").first()
        return pick, (team, year), (members, quota)

    def get(self, request, *args, **kwargs):
        pick, chosen, extra = self._picked(request.GET)
        form = QuotaForm(members=extra[0], quota=extra[1]) if chosen else None
        return self.render_to_response(self.get_context_data(pick=pick, chosen=chosen, form=form))

    def post(self, request, *args, **kwargs):
        pick, chosen, extra = self._picked(request.GET)
        if not chosen:
            return self.render_to_response(self.get_context_data(pick=pick, chosen=None))
        form = QuotaForm(request.POST, members=extra[0], quota=extra[1])
        if form.is_valid():
            team, year = chosen
            try:
                services.quota_set(
                    actor=request.user, team=team, year=year, **form.service_arguments()
                )
            except ValidationError as error:
                for errors in error.message_dict.values():
                    for text in errors:
                        form.add_error(None, text)
            else:
                messages.success(
                    request,
                    gettext("The quota of %(team)s for %(year)s is set.")
                    % {"team": team.name, "year": year},
                )
                return redirect(reverse("plans:quota-list") + f"?year={year}")
        return self.render_to_response(self.get_context_data(pick=pick, chosen=chosen, form=form))


urlpatterns = [
    path("", PlanListView.as_view(), name="list"),
    path("new/", PlanCreateView.as_view(), name="create"),
    path("<int:pk>/", PlanDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", PlanEditView.as_view(), name="edit"),
    path("<int:pk>/submit/", PlanSubmitView.as_view(), name="submit"),
    path("<int:pk>/approve/", PlanApproveView.as_view(), name="approve"),
    path("<int:pk>/return/", PlanReturnView.as_view(), name="return"),
    path("<int:pk>/revise/", PlanReviseView.as_view(), name="revise"),
    path("<int:pk>/action-items/new/", ActionItemCreateView.as_view(), name="action-item-create"),
    path("action-items/", ActionItemListView.as_view(), name="action-item-list"),
    path("action-items/<int:pk>/", ActionItemEditView.as_view(), name="action-item-edit"),
    path("actuals/", ActualListView.as_view(), name="actual-list"),
    path("actuals/import/", ActualImportView.as_view(), name="actual-import"),
    path("attainment/", AttainmentView.as_view(), name="attainment"),
    path("quotas/", QuotaListView.as_view(), name="quota-list"),
    path("quotas/set/", QuotaEditView.as_view(), name="quota-edit"),
]
