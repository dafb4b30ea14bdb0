"""The tiering pages: overview (model, distribution, Pareto, movements, runs), the
scoring-model editor, overrides on an account, and the tier review cycle.

Views pick the queryset (the visibility rule is applied by kam.views), call one
service and render. Every page runs a fixed number of queries.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin
from django_celery_beat.models import PeriodicTask

from accounts import tasks
from accounts.forms.tiering import (
    ScoringModelForm,
    TierOverrideForm,
    TierReviewDecisionForm,
    TierReviewLineForm,
    TierReviewOpenForm,
)
from accounts.models import Account
from accounts.tiering import selectors, services
from accounts.tiering.models import (
    ReviewStatus,
    ScoringModel,
    ScoringModelChange,
    ScoringRun,
    TierReview,
    TierReviewLine,
    TierScore,
)
from kam.capabilities import may, require
from kam.durations import zone_label
from kam.forms import add_service_errors
from kam.queue import publish
from kam.scoping import DELETE, VIEW, leads_team, led_teams
from kam.views import ScopedDetailView, ScopedListView, ScopedViewMixin, WriteRoleRequiredMixin

#: the beat schedule entry of the nightly scoring run (config.settings.base)
SCHEDULE_NAME = "score-accounts-nightly"


def _admin_only(request):
    require(request.user, "scoring.configure")


def _schedule_text():
    """When the nightly run happens, as ops set it in the beat schedule (django-celery-beat
    keeps it in the database); the settings' default until beat has stored it."""
    task = (
        PeriodicTask.objects.filter(name=SCHEDULE_NAME)
        .select_related("crontab", "interval")
        .first()
    )
    if task is not None and not task.enabled:
        return gettext("Paused by ops.")
    if task is not None and task.crontab is not None:
        hour, minute, zone = task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)
    else:
        schedule = settings.CELERY_BEAT_SCHEDULE[SCHEDULE_NAME]["schedule"]
        hour = ",".join(str(h) for h in sorted(schedule.hour))
        minute = ",".join(str(m) for m in sorted(schedule.minute))
        zone = settings.TIME_ZONE
    if hour.isdigit() and minute.isdigit():
        return gettext("Every night at %(time)s (%(zone)s).") % {
            "time": f"{int(hour):02d}:{int(minute):02d}",
            "zone": zone_label(zone),
        }
    return gettext("On the schedule %(minute)s %(hour)s * * * (%(zone)s).") % {
        "minute": minute,
        "hour": hour,
        "zone": zone_label(zone),
    }


class TieringOverviewView(ScopedViewMixin, TemplateView):
    """Who is in which tier and why it is so: the scoring model, tier distribution,
    revenue concentration, movements between the last two runs, recent runs."""

    queryset = Account.objects.all()
    template_name = "accounts/tiering/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        accounts = self.get_queryset()
        runs = list(ScoringRun.objects.select_related("triggered_by")[:10])
        finished = [run for run in runs if run.finished_at]
        movements = None
        if len(finished) >= 2:
            scores = TierScore.objects.visible_to(user, VIEW)
            movements = selectors.tier_movements(scores, new_run=finished[0], old_run=finished[1])
        model = ScoringModel.current()
        changes = list(ScoringModelChange.objects.select_related("changed_by")[:10])
        for change in changes:
            change.lines = selectors.model_change_lines(change)
        context.update(
            model=model,
            **selectors.model_summary(model),
            distribution=selectors.tier_distribution(accounts),
            concentration=selectors.revenue_concentration(accounts),
            pareto_percent=int(selectors.PARETO_SHARE * 100),
            runs=runs,
            movement_runs=finished[:2],
            movements=movements,
            changes=changes,
            schedule=_schedule_text(),
            is_admin=may(user, "scoring.configure"),
        )
        return context


class ScoreNowView(LoginRequiredMixin, View):
    """An admin asks for a scoring run now; the worker runs it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        _admin_only(request)
        # no transaction is open here: publish now, and say what the broker answered
        if publish(tasks.accounts_score, actor_id=request.user.pk):
            messages.success(
                request, gettext("Scoring started: the new tiers appear here in a moment.")
            )
        else:
            messages.error(
                request,
                gettext(
                    "Scoring could not be started: the task queue is not answering. Try "
                    "again in a few minutes; the nightly run scores every account anyway."
                ),
            )
        return redirect("accounts:tiering")


class ScoringModelEditView(LoginRequiredMixin, FormView):
    form_class = ScoringModelForm
    template_name = "accounts/tiering/model_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _admin_only(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["model"] = ScoringModel.current()
        return kwargs

    def form_valid(self, form):
        try:
            services.scoring_model_update(actor=self.request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("The scoring model is saved. The next scoring run uses it."),
        )
        return redirect("accounts:tiering")


class _OverrideActionView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    """A POST on one account by who may archive it (its owner's supervisor, an admin);
    the service also refuses other roles."""

    capability = "tiers.override"
    queryset = Account.objects.all()
    object_action = DELETE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        account = self.get_object()
        try:
            message = self.perform(account)
        except ValidationError as error:
            for errors in getattr(error, "message_dict", {"": error.messages}).values():
                for text in errors:
                    messages.error(request, text)
        else:
            messages.success(request, message)
        return redirect(account)


class TierOverrideSetView(_OverrideActionView):
    def perform(self, account):
        form = TierOverrideForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            )
        override = services.tier_override_set(
            actor=self.request.user, account=account, **form.cleaned_data
        )
        return gettext("%(name)s is now tier %(tier)s.") % {
            "name": account.name,
            "tier": override.tier,
        }


class TierOverrideRemoveView(_OverrideActionView):
    def perform(self, account):
        services.tier_override_remove(actor=self.request.user, account=account)
        return gettext("The override is removed: %(name)s follows its score again.") % {
            "name": account.name
        }


# --- tier reviews -----------------------------------------------------------------------


class TierReviewListView(ScopedListView):
    queryset = TierReview.objects.select_related("team", "created_by", "decided_by")
    template_name = "accounts/tiering/review_list.html"
    ordering = ["-created_at", "-pk"]

    def get_template_names(self):
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_open = may(user, "tier_reviews.review")
        context["can_open"] = can_open
        if can_open:
            context["form"] = kwargs.get("form") or TierReviewOpenForm(teams=led_teams(user))
        return context

    def post(self, request, *args, **kwargs):
        require(request.user, "tier_reviews.review")
        form = TierReviewOpenForm(request.POST, teams=led_teams(request.user))
        if form.is_valid():
            try:
                review = services.tier_review_open(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, gettext("The tier review is open."))
                return redirect(review)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class TierReviewDetailView(ScopedDetailView):
    queryset = TierReview.objects.select_related(
        "team__supervisor", "run", "created_by", "submitted_by", "decided_by"
    )
    template_name = "accounts/tiering/review_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = self.object
        user = self.request.user
        lines = list(
            TierReviewLine.objects.visible_to(user, VIEW)
            .filter(review=review)
            .select_related("account__owner")
            .order_by("account__name", "pk")
        )
        leads = leads_team(user, review.team)
        for line in lines:
            line.editable = review.is_open and (leads or line.account.owner_id == user.pk)
            if line.editable:
                mine = "supervisor" if leads else "kam"
                line.form = TierReviewLineForm(
                    initial={
                        "tier": getattr(line, f"{mine}_tier"),
                        "reason": getattr(line, f"{mine}_reason"),
                    },
                    prefix=f"line-{line.pk}",
                )
        context.update(
            lines=lines,
            changed_count=sum(1 for line in lines if line.proposed_tier != line.current_tier),
            can_submit=leads and review.is_open,
            can_decide=may(user, "tier_reviews.decide") and review.status == ReviewStatus.SUBMITTED,
            decision_form=TierReviewDecisionForm(),
        )
        return context


class TierReviewLineUpdateView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    """Save one account's proposal; the service decides whose proposal it is."""

    queryset = TierReviewLine.objects.select_related("review", "account")
    object_action = VIEW  # the owner may propose on an account they only view via a team
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        line = self.get_object()
        form = TierReviewLineForm(request.POST, prefix=f"line-{line.pk}")
        if form.is_valid():
            try:
                services.tier_review_line_update(actor=request.user, line=line, **form.cleaned_data)
            except ValidationError as error:
                for errors in error.message_dict.values():
                    for text in errors:
                        messages.error(request, f"{line.account.name}: {text}")
            else:
                messages.success(
                    request, gettext("%(name)s: proposal saved.") % {"name": line.account.name}
                )
        else:
            messages.error(request, gettext("Choose a tier from the list."))
        return redirect(reverse("accounts:tier-review-detail", args=[line.review_id]))


class _ReviewActionView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    queryset = TierReview.objects.select_related("team")
    object_action = VIEW  # who may act is the service's decision
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.get_object()
        form = TierReviewDecisionForm(request.POST)
        form.is_valid()
        comment = form.cleaned_data.get("comment", "")
        try:
            message = self.perform(review, comment)
        except ValidationError as error:
            for errors in error.message_dict.values():
                for text in errors:
                    messages.error(request, text)
        else:
            messages.success(request, message)
        return redirect(review)


class TierReviewSubmitView(_ReviewActionView):
    capability = "tier_reviews.review"

    def perform(self, review, comment):
        services.tier_review_submit(actor=self.request.user, review=review)
        return gettext("The review is submitted for approval.")


class TierReviewApproveView(_ReviewActionView):
    capability = "tier_reviews.decide"

    def perform(self, review, comment):
        services.tier_review_approve(actor=self.request.user, review=review, comment=comment)
        return gettext("The review is approved: the new tiers apply from now on.")


class TierReviewReturnView(_ReviewActionView):
    capability = "tier_reviews.decide"

    def perform(self, review, comment):
        services.tier_review_return(actor=self.request.user, review=review, comment=comment)
        return gettext("The review is returned to the supervisor.")


urlpatterns = [
    path("tiering/", TieringOverviewView.as_view(), name="tiering"),
    path("tiering/score/", ScoreNowView.as_view(), name="tiering-score"),
    path("tiering/model/", ScoringModelEditView.as_view(), name="tiering-model"),
    path("tiering/reviews/", TierReviewListView.as_view(), name="tier-review-list"),
    path("tiering/reviews/<int:pk>/", TierReviewDetailView.as_view(), name="tier-review-detail"),
    path(
        "tiering/reviews/<int:pk>/submit/",
        TierReviewSubmitView.as_view(),
        name="tier-review-submit",
    ),
    path(
        "tiering/reviews/<int:pk>/approve/",
        TierReviewApproveView.as_view(),
        name="tier-review-approve",
    ),
    path(
        "tiering/reviews/<int:pk>/return/",
        TierReviewReturnView.as_view(),
        name="tier-review-return",
    ),
    path(
        "tiering/review-lines/<int:pk>/",
        TierReviewLineUpdateView.as_view(),
        name="tier-review-line",
    ),
    path("<int:pk>/tier-override/", TierOverrideSetView.as_view(), name="tier-override"),
    path(
        "<int:pk>/tier-override/remove/",
        TierOverrideRemoveView.as_view(),
        name="tier-override-remove",
    ),
]
