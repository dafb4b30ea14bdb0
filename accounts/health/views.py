"""The health settings page (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext
from django.views.generic import FormView

from accounts.health import services
from accounts.health.forms import HealthSettingsForm
from accounts.health.models import HealthSettings
from kam.capabilities import CapabilityRequiredMixin
from kam.forms import add_service_errors


class HealthSettingsEditView(CapabilityRequiredMixin, FormView):
    capability = "health.configure"
    form_class = HealthSettingsForm
    template_name = "accounts/health/settings_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["config"] = HealthSettings.current()
        return kwargs

    def form_valid(self, form):
        try:
            services.health_settings_update(actor=self.request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, gettext("The health settings are saved. The next check uses them.")
        )
        return redirect("accounts:health-settings")


urlpatterns = [
    path("health/settings/", HealthSettingsEditView.as_view(), name="health-settings"),
]
