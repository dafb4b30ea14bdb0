"""Visit pages: the log form (phone first), the list, the detail and the review comment.

Writes go through accounts.services.visit_log and visit_comment_add.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch
from django.http import Http404, HttpResponseRedirect, JsonResponse, QueryDict
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from accounts import services
from accounts.choices import VisitKind
from accounts.filtersets import VisitFilterSet
from accounts.forms.visits import (
    VisitCommentForm,
    VisitForm,
    contact_options,
    offline_choices,
    revisit_shortcuts,
)
from accounts.models import Account, Contact, Visit, VisitComment
from accounts.nested import USER_FIELDS, Nested, with_nested
from accounts.selectors import review_panels
from accounts.views.lists import AccountOptions, LookaheadPaginator, requested_page
from attachments.services import attachments_add
from kam.capabilities import may
from kam.forms import add_service_errors
from kam.queries import select_related_fields
from kam.scoping import CHANGE, VIEW
from kam.views import ScopedDetailView, ScopedListView, WriteRoleRequiredMixin
from savedviews.selectors import SavedViewsMixin


def default_tab(user) -> str:
    """Whose visits the list opens on: a KAM's own, a supervisor's team's, else all."""
    if may(user, "teams.lead"):
        return "team"
    if may(user, "accounts.own"):
        return "mine"
    return "all"


class VisitListFilterSet(VisitFilterSet):
    """The list page's tabs: ``who`` is mine, team or all, and defaults by role."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("who") and request is not None:
            data["who"] = default_tab(request.user)
        super().__init__(data, queryset, request=request, prefix=prefix)


def _visit_rows(ids):
    """The visits of a page, with what the list shows (the ids are already in view)."""
    return with_nested(
        select_related_fields(
            Visit.objects.filter(pk__in=ids), {"account": ("name",), "logged_by": USER_FIELDS}
        ),
        contacts=Nested(
            Contact.objects.filter(visits=OuterRef("pk")).order_by("name", "pk"),
            fields=("id", "account", "name", "has_left"),
        ),
    )


class VisitListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "visits"
    queryset = Visit.objects.all()
    filterset_class = VisitListFilterSet
    template_name = "accounts/visit_list.html"
    ordering = ["-occurred_at", "-pk"]

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return LookaheadPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            number=requested_page(self.request, self.page_kwarg),
            rows=_visit_rows,
            recent="occurred_at",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        tabs = []
        if may(user, "records.change"):
            tabs.append(("mine", _("My visits")))
        if may(user, "teams.lead"):
            tabs.append(("team", _("Team visits")))
        tabs.append(("all", _("All I can see")))
        context.update(
            tabs=tabs,
            current_tab=self.filterset.data.get("who"),
            # Lazy: only the full page renders the filter bar, the htmx partial does not.
            account_options=AccountOptions(
                Account.objects.visible_to(user).active(), selected=self.request.GET.get("account")
            ),
            kind_choices=VisitKind.choices,
            follow_up_choices=VisitFilterSet.base_filters["follow_up"].extra["choices"],
            can_log=may(user, "records.change"),
            today=timezone.localdate(),
        )
        return context


class VisitCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    """Log a visit in under 30 seconds on a phone."""

    form_class = VisitForm
    template_name = "accounts/visit_form.html"

    def get_initial(self):
        initial = super().get_initial()
        account_id = self.request.GET.get("account", "")
        if account_id.isdigit():
            initial["account"] = int(account_id)  # shown only if the user may log on it
        # From a contact's page: tick them (only the chosen account's people are shown).
        contacts = [int(pk) for pk in self.request.GET.getlist("contact") if pk.isdigit()]
        if contacts:
            initial["contacts"] = contacts
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        account = form.selected_account()
        context.update(
            account=account,
            contacts=contact_options(self.request.user, account),
            selected=form.selected_contact_ids(),
            revisit_shortcuts=revisit_shortcuts(),
        )
        return context

    def _queued(self) -> bool:
        """A visit saved offline, sent by the phone's queue (static/js/visit-queue.js):
        it reads the answer as JSON instead of following a page."""
        return self.request.headers.get("Accept", "").startswith("application/json")

    def post(self, request, *args, **kwargs):
        queued_by = request.headers.get("X-KAM-User")
        if self._queued() and queued_by is not None and queued_by != str(request.user.pk):
            # saved on this phone by someone else: only they may send it
            return JsonResponse(
                {
                    "type": "about:blank",
                    "status": 403,
                    "title": _("This visit was saved by another user."),
                    "detail": _("This visit was saved by another user."),
                },
                status=403,
                content_type="application/problem+json",
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            # the visit and its photos together: a retry of the same client_key finds
            # the visit (created False) and attaches nothing twice
            with transaction.atomic():
                visit, created = services.visit_log(actor=self.request.user, **form.service_data())
                photos = form.cleaned_data.get("photos") or []
                if created and photos:
                    attachments_add(actor=self.request.user, obj=visit, files=photos)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "client_key" in error.error_dict:
                # The key belongs to someone else's visit: this form needs a fresh one.
                form.data = form.data.copy()
                form.data[form.add_prefix("client_key")] = str(uuid.uuid4())
            if hasattr(error, "error_dict") and "files" in error.error_dict:
                error = ValidationError({"photos": error.error_dict["files"]})
            add_service_errors(form, error)
            return self.form_invalid(form)
        if self._queued():
            return JsonResponse(
                {"id": visit.pk, "url": visit.get_absolute_url(), "created": created},
                status=201 if created else 200,
            )
        if created:
            messages.success(
                self.request, _("Visit to %(account)s logged.") % {"account": visit.account.name}
            )
        else:
            messages.info(self.request, _("This visit was already saved: it is not logged twice."))
        # the new entry itself, wherever its date puts it in the timeline
        return HttpResponseRedirect(f"{visit.account.get_absolute_url()}#visit-{visit.pk}")

    def form_invalid(self, form):
        if self._queued():
            # the API's error shape (kam.api.exceptions): the queue shows the messages
            return JsonResponse(
                {
                    "type": "about:blank",
                    "status": 400,
                    "title": _("Invalid input."),
                    "detail": _("One or more fields are invalid."),
                    "errors": {name: list(errors) for name, errors in form.errors.items()},
                },
                status=400,
                content_type="application/problem+json",
            )
        return super().form_invalid(form)


class VisitOfflineChoicesView(WriteRoleRequiredMixin, LoginRequiredMixin, View):
    """JSON: the accounts and contacts a phone keeps to log visits offline
    (accounts.forms.visits.offline_choices, the visit form's own choices)."""

    def get(self, request):
        response = JsonResponse(offline_choices(request.user))
        response["Cache-Control"] = "private, no-store"
        return response


class VisitContactOptionsView(WriteRoleRequiredMixin, ScopedDetailView):
    """htmx: the contact checkboxes of the account chosen on the visit form."""

    queryset = Account.objects.active()
    object_action = CHANGE
    context_object_name = "account"
    template_name = "accounts/_visit_contact_options.html"

    def get(self, request, *args, **kwargs):
        account_id = request.GET.get("account", "")
        if not account_id:
            self.object = None
            return self.render_to_response(self.get_context_data(contacts=[]))
        if not account_id.isdigit():
            raise Http404
        self.kwargs["pk"] = int(account_id)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        if self.object is not None:
            kwargs["contacts"] = contact_options(self.request.user, self.object)
        kwargs.setdefault("selected", set())
        return super().get_context_data(**kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response.headers["Cache-Control"] = "private, no-store"
        return response


class VisitDetailView(ScopedDetailView):
    queryset = Visit.objects.select_related(
        "account", "logged_by", "next_visit_owner"
    ).prefetch_related(
        "contacts",
        "colleagues",
        Prefetch("comments", queryset=VisitComment.objects.select_related("author")),
    )
    template_name = "accounts/visit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_comment"] = may(self.request.user, "visits.comment")
        context["review_panels"] = review_panels("visit", self.object)
        context.setdefault("comment_form", VisitCommentForm())
        return context


class VisitCommentView(WriteRoleRequiredMixin, VisitDetailView):
    """POST only: a supervisor's review note (kam.capabilities "visits.comment")."""

    capability = "visits.comment"
    http_method_names = ["post"]
    object_action = VIEW

    def post(self, request, *args, **kwargs):
        self.object = visit = self.get_object()
        form = VisitCommentForm(request.POST)
        if form.is_valid():
            try:
                services.visit_comment_add(
                    actor=request.user, visit=visit, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Comment added; %(name)s is notified.")
                    % {"name": visit.logged_by.display_name},
                )
                return HttpResponseRedirect(visit.get_absolute_url() + "#comments")
        return self.render_to_response(self.get_context_data(comment_form=form))


urlpatterns = [
    path("visits/", VisitListView.as_view(), name="visit-list"),
    path("visits/new/", VisitCreateView.as_view(), name="visit-create"),
    path(
        "visits/offline-choices/", VisitOfflineChoicesView.as_view(), name="visit-offline-choices"
    ),
    path(
        "visits/contact-options/",
        VisitContactOptionsView.as_view(),
        name="visit-contact-options",
    ),
    path("visits/<int:pk>/", VisitDetailView.as_view(), name="visit-detail"),
    path("visits/<int:pk>/comment/", VisitCommentView.as_view(), name="visit-comment"),
]
