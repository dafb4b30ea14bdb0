"""Contact pages: list, detail, create and edit. Writes go through accounts.services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, UpdateView

from accounts import services
from accounts.choices import Attitude, BuyingRole, ContactLevel
from accounts.filtersets import ContactFilterSet
from accounts.forms.contacts import ContactForm
from accounts.models import Account, Contact, Visit
from accounts.views.lists import AccountOptions
from kam.capabilities import may
from kam.forms import add_service_errors
from kam.queries import select_related_fields
from kam.scoping import CHANGE, can
from kam.views import (
    ScopedDetailView,
    ScopedListView,
    ScopedViewMixin,
    WriteRoleRequiredMixin,
    sort_columns,
)
from savedviews.selectors import SavedViewsMixin

RECENT_VISITS = 20
FILTER_NAMES = ("account", "level", "buying_role", "attitude", "has_left")
SORTABLE_COLUMNS = (
    ("name", gettext_lazy("Name")),
    ("account", gettext_lazy("Account")),
    ("level", gettext_lazy("Level")),
    ("strength", gettext_lazy("Strength")),
)


class ContactListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "contacts"
    queryset = select_related_fields(Contact.objects.with_last_contacted(), {"account": ("name",)})
    filterset_class = ContactFilterSet
    template_name = "accounts/contact_list.html"
    ordering = ["name", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            # Lazy: only the full page renders the filter bar, the htmx partial does not.
            account_options=AccountOptions(
                Account.objects.visible_to(user).active(), selected=self.request.GET.get("account")
            ),
            level_choices=ContactLevel.choices,
            buying_role_choices=BuyingRole.choices,
            attitude_choices=Attitude.choices,
            ordering=self.request.GET.get("ordering", ""),
            sort_columns=sort_columns(self.request, SORTABLE_COLUMNS, "name"),
            active_filter_count=sum(
                1 for name in FILTER_NAMES if any(self.request.GET.getlist(name))
            ),
            can_create=may(user, "records.change"),
        )
        return context


class ContactDetailView(ScopedDetailView):
    queryset = Contact.objects.select_related(
        "account", "account__owner", "reports_to"
    ).with_last_contacted()
    template_name = "accounts/contact_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, contact = self.request.user, self.object
        context["reports"] = (
            Contact.objects.visible_to(user).active().filter(reports_to=contact).order_by("name")
        )
        context["visits"] = (
            Visit.objects.visible_to(user)
            .active()
            .filter(contacts=contact)
            .select_related("logged_by")
            .prefetch_related("contacts")
            .order_by("-occurred_at")[:RECENT_VISITS]
        )
        context["can_change"] = may(user, "records.change") and can(user, contact, CHANGE)
        return context


class ContactCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    form_class = ContactForm
    template_name = "accounts/contact_form.html"

    def get_initial(self):
        initial = super().get_initial()
        account_id = self.request.GET.get("account", "")
        if account_id.isdigit():
            initial["account"] = int(account_id)  # ignored unless it is one of the choices
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            contact = services.contact_create(actor=self.request.user, **form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was added.") % {"name": contact.name})
        return redirect(contact)


class ContactEditView(WriteRoleRequiredMixin, ScopedViewMixin, UpdateView):
    queryset = Contact.objects.select_related("account")
    object_action = CHANGE  # someone who can see but not change the contact gets 403
    form_class = ContactForm
    template_name = "accounts/contact_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        if form.is_stale(self.object):
            form.add_error(
                None,
                _(
                    "Someone else saved %(name)s while you were editing. Check the fields "
                    "below: saving again keeps your version."
                )
                % {"name": self.object.name},
            )
            from kam.conflicts import conflict_rows

            form.conflicts = conflict_rows(form, self.object)  # both versions, on the page
            form.refresh_version(self.object)
            return self.form_invalid(form)
        try:
            contact = services.contact_update(
                actor=self.request.user, contact=self.object, **form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was saved.") % {"name": contact.name})
        return redirect(contact)


urlpatterns = [
    path("contacts/", ContactListView.as_view(), name="contact-list"),
    path("contacts/new/", ContactCreateView.as_view(), name="contact-create"),
    path("contacts/<int:pk>/", ContactDetailView.as_view(), name="contact-detail"),
    path("contacts/<int:pk>/edit/", ContactEditView.as_view(), name="contact-edit"),
]
