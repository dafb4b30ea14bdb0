from django.apps import AppConfig, apps
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class KamConfig(AppConfig):
    name = "kam"
    verbose_name = _("Users and teams")


#: the back office speaks the product's words, not its libraries' names ("KNOX", "AXES"):
#: (app label, app's name, {model name: (verbose name, plural)})
ADMIN_NAMES = {
    "knox": (
        _("API sign-in tokens"),
        {"authtoken": (_("API sign-in token"), _("API sign-in tokens"))},
    ),
    "axes": (
        _("Sign-in protection"),
        {
            "accessattempt": (_("locked-out sign-in"), _("locked-out sign-ins")),
            "accesslog": (_("sign-in record"), _("sign-in records")),
            "accessfailurelog": (_("failed sign-in"), _("failed sign-ins")),
        },
    ),
    "django_celery_beat": (_("Scheduled jobs"), {}),
}
#: schedules the product never uses (its jobs run on intervals and crontabs)
UNUSED_ADMIN_MODELS = (
    ("django_celery_beat", "solarschedule"),
    ("django_celery_beat", "clockedschedule"),
)


class KamAdminConfig(AdminConfig):
    default_site = "kam.admin_site.KamAdminSite"

    def ready(self):
        super().ready()  # every app's admin module is registered now
        from django.contrib import admin

        for label, (app_name, models) in ADMIN_NAMES.items():
            if label not in apps.app_configs:
                continue
            config = apps.get_app_config(label)
            config.verbose_name = app_name
            for model_name, (singular, plural) in models.items():
                meta = config.get_model(model_name)._meta
                meta.verbose_name, meta.verbose_name_plural = singular, plural
        for label, model_name in UNUSED_ADMIN_MODELS:
            model = apps.get_model(label, model_name)
            if admin.site.is_registered(model):
                admin.site.unregister(model)
