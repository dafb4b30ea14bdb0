"""The tier service policy pages: the policy (admins change it, everyone reads it) and
the accounts that fall short of it (the drill-down of My day's and the team
dashboard's counts). Thin views over accounts.policy.selectors and services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.policy import selectors
from accounts.policy.forms import ROWS, ServicePolicyForm
from accounts.policy.models import TIERS, ServicePolicy, Shortfall, policy_in_force
from accounts.policy.services import service_policy_change
from accounts.tiering.models import ScoringModel
from kam.capabilities import CapabilityRequiredMixin, may
from kam.forms import add_service_errors
from kam.models import Team


def _policy_rows():
    """The page's table: (label, [each tier's value], setting)."""
    policy = policy_in_force()
    cadences = ScoringModel.current().cadences
    return [
        (label, [cadences[tier.lower()] if name == "cadence_days" else policy[tier][name]
                 for tier in TIERS], name)
        for name, label in ROWS
    ]  # fmt: skip


class ServicePolicyView(LoginRequiredMixin, TemplateView):
    """The policy in force per tier and its versions: everyone reads it."""

    template_name = "accounts/policy/policy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tiers"] = TIERS
        context["rows"] = _policy_rows()
        context["versions"] = ServicePolicy.objects.select_related("created_by")[:20]
        context["may_configure"] = may(self.request.user, "policy.configure")
        return context


class ServicePolicyEditView(CapabilityRequiredMixin, TemplateView):
    """Admins change the policy: saving makes a new version, the earlier ones stay."""

    template_name = "accounts/policy/policy_form.html"
    capability = "policy.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cadences = ScoringModel.current().cadences
        context.setdefault("form", ServicePolicyForm(policy=policy_in_force(), cadences=cadences))
        context["tiers"] = TIERS
        return context

    def post(self, request, *args, **kwargs):
        form = ServicePolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = service_policy_change(
                    actor=request.user, tiers=form.tiers(), cadences=form.cadences(),
                    note=form.cleaned_data["note"],
                )  # fmt: skip
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                message = _("Saved as version %(version)s.") % {"version": policy.version}
                messages.success(request, message)
                return HttpResponseRedirect(reverse("accounts:policy"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ShortfallListView(LoginRequiredMixin, TemplateView):
    """The visible accounts that fall short of their tier's policy: ?owner= one KAM's,
    ?team= a team's (one the user sees, else none), ?kind= one shortfall, ?no_meeting=1
    the tier-A accounts without an executive meeting this year."""

    template_name = "accounts/policy/shortfalls.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        user = self.request.user
        owners = None
        if params.get("owner", "").isdigit():
            owners = [int(params["owner"])]
        elif params.get("team", "").isdigit():
            # the rows stay those the user sees (visible_to): a team only narrows them
            team = Team.objects.filter(pk=int(params["team"])).first()
            owners = [] if team is None else team_owners(team)
        kind = params.get("kind", "")
        kind = kind if kind in Shortfall.values else ""
        no_meeting = params.get("no_meeting") == "1"
        rows = selectors.shortfall_accounts(
            user=user, owners=owners, kind=kind, no_meeting=no_meeting
        )
        context["rows"] = [(row, selectors.shortfall_detail(row)) for row in rows]
        context["kind"] = Shortfall(kind).label if kind else ""
        context["no_meeting"] = no_meeting
        return context


def team_owners(team) -> list:
    """A team's KAMs and its supervisor: whose accounts the team dashboard counts."""
    return [*team.memberships.values_list("user_id", flat=True), team.supervisor_id]


urlpatterns = [
    path("service-policy/", ServicePolicyView.as_view(), name="policy"),
    path("service-policy/edit/", ServicePolicyEditView.as_view(), name="policy-edit"),
    path("service-policy/shortfalls/", ShortfallListView.as_view(), name="policy-shortfalls"),
]
