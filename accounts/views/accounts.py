"""The key-account pages: list, 360° page, create/edit, archive/restore, handover.

Views pick the queryset (the visibility rule is applied by kam.views), call one
service and render. Every page runs a fixed number of queries whatever the
number of rows.
"""

import copy

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import CreateView, TemplateView, UpdateView
from django.views.generic.detail import SingleObjectMixin

from accounts import services
from accounts.choices import ContactLevel
from accounts.filtersets import AccountFilterSet
from accounts.forms.accounts import (
    AccountForm,
    HandoverForm,
    HandoverPickForm,
)
from accounts.forms.tiering import TierOverrideForm
from accounts.health.selectors import health_card
from accounts.models import Account, last_visit_at
from accounts.nested import USER_FIELDS
from accounts.selectors import (
    ACCOUNT_CARD_ROWS,
    ACCOUNT_CARDS,
    account_timeline,
    page_sections,
    relationship_map,
    with_page_sections,
)
from accounts.service.selectors import account_service_card
from accounts.tiering.models import ScoringModel
from accounts.tiering.selectors import explain_score
from kam.capabilities import CapabilityRequiredMixin, may
from kam.forms import add_service_errors
from kam.models import User
from kam.queries import select_related_fields
from kam.scoping import CHANGE, DELETE
from kam.views import (
    ScopedDetailView,
    ScopedListView,
    ScopedViewMixin,
    WriteRoleRequiredMixin,
    sort_columns,
)
from savedviews.selectors import SavedViewsMixin

#: the filters shown in the list page's filter panel, in order
FILTER_FIELDS = (
    "owner",
    "team",
    "tier",
    "health",
    "status",
    "industry",
    "region",
    "strategic",
    "tag",
    "archived",
)
#: sortable columns: the FilterSet's ordering value and the column heading
SORTABLE_COLUMNS = (
    ("name", _("Account")),
    ("owner", _("Owner")),
    ("tier", _("Tier")),
    ("health", _("Health")),
    ("status", _("Status")),
    ("updated", _("Updated")),
)

LEVEL_ORDER = {level: index for index, level in enumerate(ContactLevel.values)}


def _style_filter_form(form):
    """Bootstrap classes on the FilterSet's widgets; "any" instead of "unknown"."""
    for name, field in form.fields.items():
        widget = field.widget
        if name in ("strategic", "archived"):
            widget.choices = [
                ("", gettext("Any")),
                ("true", gettext("Yes")),
                ("false", gettext("No")),
            ]
            widget.attrs["class"] = "form-select"
        elif getattr(widget, "allow_multiple_selected", False):
            widget.attrs.update({"class": "form-select kam-multiselect", "size": 4})
        elif hasattr(widget, "choices"):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class AccountListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "accounts"
    queryset = select_related_fields(
        Account.objects.annotate(last_visit_at=last_visit_at()), {"owner": USER_FIELDS}
    )
    filterset_class = AccountFilterSet
    template_name = "accounts/account_list.html"
    ordering = ["name", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = self.filterset.form
        _style_filter_form(form)
        context["filter_fields"] = [form[name] for name in FILTER_FIELDS]
        context["active_filter_count"] = sum(
            1 for name in FILTER_FIELDS if any(self.request.GET.getlist(name))
        )
        context["ordering"] = self.request.GET.get("ordering", "")
        context["sort_columns"] = sort_columns(self.request, SORTABLE_COLUMNS, "name")
        context["can_create"] = may(user, "records.change")
        context["can_handover"] = may(user, "accounts.handover")
        return context


class AccountDetailView(ScopedDetailView):
    """The 360° page: profile, group, team, relationship map, contacts, timeline.

    A query per section: the account itself with what hangs off it alone (the user's
    rights, team, tier score and override, health trend), the group, the contacts, the
    timeline, the service card, the plan card and the scoring model."""

    queryset = Account.objects.select_related("owner", "created_by")
    template_name = "accounts/account_detail.html"

    def refine_queryset(self, queryset):
        for annotate in ACCOUNT_CARD_ROWS.values():  # the cards' figures (credit)
            queryset = annotate(queryset)
        return with_page_sections(queryset, user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.object
        user = self.request.user
        sections = page_sections(account)

        # The parent and the children in one query, both limited to what the user sees.
        group = Q(parent=account)
        if account.parent_id:
            group |= Q(pk=account.parent_id)
        related = Account.objects.visible_to(user).filter(group).select_related("owner")
        related = list(related.order_by("name", "pk"))
        context["parent"] = next((a for a in related if a.pk == account.parent_id), None)
        context["children"] = [a for a in related if a.parent_id == account.pk]
        context["parent_hidden"] = account.parent_id is not None and context["parent"] is None

        context["team_members"] = sections["team_members"]
        relationships = relationship_map(account=account)
        context["relationships"] = relationships
        context["coverage"] = relationships.coverage
        context["contacts"] = sorted(
            relationships.contacts,
            key=lambda c: (c.has_left, LEVEL_ORDER.get(c.level, 9), c.name.lower()),
        )
        timeline = account_timeline(account=account)
        context["timeline"] = timeline
        context["last_visit_at"] = next((e.when for e in timeline if e.kind == "visit"), None)
        context["can_change"] = sections["can_change"]
        context["can_delete"] = sections["can_delete"]
        context.update(self._tiering(account, sections, can_override=context["can_delete"]))
        context["account_cards"] = []
        for name, (template, build) in ACCOUNT_CARDS.items():
            context[name] = build(account)
            context["account_cards"].append(template)
        context["service_card"] = account_service_card(account=account)
        context.update(health_card(account=account, snapshots=sections["health_snapshots"]))
        return context

    def _tiering(self, account, sections, *, can_override):
        """The tier card: latest score explained, the active override, the cadence."""
        score = sections["tier_score"]
        can_override = can_override and may(self.request.user, "tiers.override")
        model = ScoringModel.current()
        return {
            "tier_score": score,
            "tier_lines": explain_score(score),
            "tier_override": sections["tier_override"],
            "tier_cadence": model.cadences.get(account.tier.lower()) if account.tier else None,
            "can_override": can_override and not account.archived_at,
            "override_form": TierOverrideForm(initial={"tier": account.tier or None})
            if can_override
            else None,
        }


class AccountFormMixin:
    form_class = AccountForm
    template_name = "accounts/account_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if kwargs.get("instance") is not None:
            # The form writes the posted values onto its instance; keep the page's object intact.
            kwargs["instance"] = copy.copy(kwargs["instance"])
        return kwargs

    def form_valid(self, form):
        try:
            account = self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except Http404:
            # The service refused a result the user could not see or change afterwards.
            form.add_error(
                "owner",
                gettext("With this owner the account would leave your view: choose another."),
            )
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"name": account.name})
        return redirect(account)


class AccountCreateView(LoginRequiredMixin, WriteRoleRequiredMixin, AccountFormMixin, CreateView):
    success_message = _("%(name)s is created.")

    def get_initial(self):
        initial = super().get_initial()
        parent = self.request.GET.get("parent", "")
        if parent.isdigit():  # "Add subsidiary"; the field only offers visible accounts
            initial["parent"] = int(parent)
        return initial

    def save(self, form):
        return services.account_create(
            actor=self.request.user, team=form.team(), **form.service_fields()
        )


class AccountUpdateView(WriteRoleRequiredMixin, ScopedViewMixin, AccountFormMixin, UpdateView):
    queryset = Account.objects.select_related("owner")
    object_action = CHANGE
    success_message = _("%(name)s is saved.")

    def save(self, form):
        return services.account_update(
            actor=self.request.user,
            account=self.object,
            team=form.team() if form.team_changed() else None,
            **form.service_fields(),
        )


class _AccountActionView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    """A POST-only action on one account, for who may archive it."""

    queryset = Account.objects.all()
    object_action = DELETE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        account = self.get_object()
        account = self.perform(account)
        messages.success(request, self.success_message % {"name": account.name})
        return redirect(account)


class AccountArchiveView(_AccountActionView):
    success_message = _("%(name)s is archived. It has left the lists; its page stays.")

    def perform(self, account):
        return services.account_archive(actor=self.request.user, account=account)


class AccountRestoreView(_AccountActionView):
    success_message = _("%(name)s is restored.")

    def perform(self, account):
        return services.account_restore(actor=self.request.user, account=account)


class AccountHandoverView(LoginRequiredMixin, CapabilityRequiredMixin, TemplateView):
    """Hand some or all of one KAM's accounts to colleagues (客户交接)."""

    capability = "accounts.handover"
    template_name = "accounts/account_handover.html"

    def get(self, request, *args, **kwargs):
        data = request.GET if "from_user" in request.GET else None
        pick_form = HandoverPickForm(data, user=request.user)
        form = None
        if pick_form.is_valid():
            form = self._handover_form(pick_form.cleaned_data["from_user"])
        return self.render_to_response(self.get_context_data(pick_form=pick_form, form=form))

    def post(self, request, *args, **kwargs):
        pick_form = HandoverPickForm(request.POST, user=request.user)
        if not pick_form.is_valid():
            return self.render_to_response(self.get_context_data(pick_form=pick_form))
        from_user = pick_form.cleaned_data["from_user"]
        form = self._handover_form(from_user, data=request.POST)
        if form.is_valid():
            try:
                handovers = services.accounts_handover(
                    actor=request.user,
                    from_user=from_user,
                    assignments=form.assignments,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                count = len(handovers)
                messages.success(
                    request,
                    ngettext(
                        "%(count)s account handed over from %(name)s.",
                        "%(count)s accounts handed over from %(name)s.",
                        count,
                    )
                    % {"count": count, "name": from_user.display_name},
                )
                return redirect(reverse("accounts:list"))
        context = self.get_context_data(pick_form=pick_form, form=form)
        return self.render_to_response(context)

    def _handover_form(self, from_user, data=None):
        user = self.request.user
        open_revisits = Q(
            visits__next_visit_owner=from_user,
            visits__next_visit_on__isnull=False,
            visits__follow_up_closed_at__isnull=True,
            visits__archived_at__isnull=True,
        )
        accounts = (
            Account.objects.visible_to(user, DELETE)
            .active()
            .filter(owner=from_user)
            .annotate(open_revisits=Count("visits", filter=open_revisits))
            .order_by("name", "pk")
        )
        colleagues = (
            User.objects.visible_to(user)
            .owners(active_only=True)
            .exclude(pk=from_user.pk)
            .order_by("full_name", "username")
        )
        form = HandoverForm(data, accounts=accounts, colleagues=colleagues)
        form.from_user = from_user
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["from_user"] = getattr(form, "from_user", None)
        return context


urlpatterns = [
    path("", AccountListView.as_view(), name="list"),
    path("new/", AccountCreateView.as_view(), name="create"),
    path("handover/", AccountHandoverView.as_view(), name="handover"),
    path("<int:pk>/", AccountDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", AccountUpdateView.as_view(), name="edit"),
    path("<int:pk>/archive/", AccountArchiveView.as_view(), name="archive"),
    path("<int:pk>/restore/", AccountRestoreView.as_view(), name="restore"),
]
