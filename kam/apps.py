from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class KamConfig(AppConfig):
    name = "kam"
    verbose_name = _("Users and teams")


class KamAdminConfig(AdminConfig):
    default_site = "kam.admin_site.KamAdminSite"
