from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards and reports")

    def ready(self):
        from dashboards.digest import supervisor_digest
        from messaging import services

        services.digest_builder = supervisor_digest  # the weekly digest's rows
