"""History pages (one per tracked object), the admin-only purge and its log."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from accounts.models import Account
from accounts.tiering.models import ScoringModel
from audit import services
from audit.history import PAGES, TRACKED, object_history
from audit.models import PurgeLog
from kam.capabilities import CapabilityRequiredMixin
from kam.scoping import DELETE
from kam.views import ScopedDetailView, ScopedViewMixin


class HistoryView(ScopedDetailView):
    """The history of one record: who changed which fields, from what to what, and when.
    The record itself goes through the visibility rule (invisible = 404)."""

    template_name = "audit/history.html"
    context_object_name = "object"
    kind = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.queryset = TRACKED[self.kind].pgh_tracked_model._default_manager.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entries"] = object_history(user=self.request.user, obj=self.object)
        context["model_name"] = self.object._meta.verbose_name
        return context


class ScoringModelHistoryView(HistoryView):
    """The scoring model is configuration (everyone reads it): its history has no id."""

    kind = "scoring-model"

    def get_object(self, queryset=None):
        # the saved model, through the visibility rule; the defaults until one is saved
        return self.get_queryset().filter(pk=1).first() or ScoringModel.current()


class _AdminOnlyMixin(CapabilityRequiredMixin):
    capability = "accounts.purge"


class AccountPurgeView(_AdminOnlyMixin, ScopedViewMixin, DetailView):
    """Confirmation page (GET) and the purge itself (POST, the account's name typed)."""

    template_name = "audit/purge_confirm.html"
    queryset = Account.objects.all()
    object_action = DELETE

    def refine_queryset(self, queryset):
        return queryset.filter(archived_at__isnull=False)  # only archived accounts

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = services.purge_preview(account=self.object)
        context.setdefault("errors", [])
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            entry = services.account_purge(
                actor=request.user,
                account_id=self.object.pk,
                confirm_name=request.POST.get("confirm_name", ""),
                reason=request.POST.get("reason", "").strip(),
            )
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages))
        messages.success(request, _("%(name)s is purged.") % {"name": entry.account_name})
        return redirect(reverse("audit:purge-log"))


class PurgeLogView(LoginRequiredMixin, _AdminOnlyMixin, ListView):
    """Every purge: who, what, when (admins only; the log has no account to scope by)."""

    template_name = "audit/purge_log.html"
    queryset = PurgeLog.objects.select_related("actor")
    paginate_by = 50


app_name = "audit"

urlpatterns = [
    *[
        path(f"history/{kind}/<int:pk>/", HistoryView.as_view(kind=kind), name=f"{kind}-history")
        for kind in PAGES
    ],
    path(
        "history/scoring-model/",
        ScoringModelHistoryView.as_view(),
        name="scoring-model-history",
    ),
    path("purge/<int:pk>/", AccountPurgeView.as_view(), name="account-purge"),
    path("purges/", PurgeLogView.as_view(), name="purge-log"),
]
