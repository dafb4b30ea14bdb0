"""The site's home page: it sends each role to its own start (My day, the team
dashboard); anyone else (an administrator) gets the operations home: what an
administrator of the CRM checks in the morning, one card per subject, each with its
figures and a link to the page where it is handled. A card is shown to those who may
use its page (``kam.capabilities.may``); every figure is a queryset of the app that
owns the rows, one query each."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.generic import TemplateView

from accounts.health.models import HealthSnapshot
from accounts.models import Account
from accounts.tiering.models import ScoringRun
from dashboards.views import MyDayView, TeamDashboardView
from integrations.models import ApiToken, WebhookDelivery, WebhookSubscription
from kam.capabilities import home_page, may
from kam.choices import Role
from kam.lockouts import locked_out_now
from kam.models import User
from opportunities.models import ProductLine, Stage

#: how far back the failed webhook deliveries are counted
FAILED_DELIVERIES_WINDOW = timedelta(hours=24)


def _changelist(model, **lookups):
    """The admin site's list of ``model`` ("app_model") filtered as a figure counts it."""
    return f"{reverse(f'admin:{model}_changelist')}?{urlencode(lookups)}"


def _people(user):
    by_role = User.objects.active_by_role()
    figures = [
        {
            "label": label,
            "value": by_role.get(role, 0),
            "key": f"users-{role}",
            "url": _changelist("kam_user", is_active__exact=1, role__exact=role),
        }
        for role, label in Role.choices
    ]
    figures += [
        {
            "label": _("Accounts without an active owner"),
            "value": Account.objects.visible_to(user).without_active_owner().count(),
            "key": "accounts-without-owner",
            "url": reverse("accounts:handover"),
            "warn": True,
        },
        {
            "label": _("Sign-ins locked out now"),
            "value": locked_out_now().count(),
            "key": "lockouts",
            "url": _changelist(
                "axes_accessattempt",
                failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                attempt_time__gt=(timezone.now() - settings.AXES_COOLOFF_TIME).isoformat(),
            ),
            "warn": True,
        },
    ]
    return {
        "key": "people",
        "icon": "bi-people",
        "title": _("People"),
        "figures": figures,
        "links": [
            (_("Users"), reverse("admin:kam_user_changelist")),
            (_("Teams"), reverse("teams:list")),
        ],
    }


def _integrations(user):
    since = timezone.now() - FAILED_DELIVERIES_WINDOW
    return {
        "key": "integrations",
        "icon": "bi-plug",
        "title": _("Integrations"),
        "figures": [
            {
                "label": _("Active API tokens"),
                "value": ApiToken.objects.active().count(),
                "key": "tokens",
                "url": _changelist("integrations_apitoken", revoked_at__isnull=1, digest__isnull=0),
            },
            {
                "label": _("Active webhooks"),
                "value": WebhookSubscription.objects.visible_to(user).active().count(),
                "key": "webhooks",
                "url": _changelist("integrations_webhooksubscription", is_active__exact=1),
            },
            {
                "label": _("Deliveries failed in the last 24 hours"),
                "value": WebhookDelivery.objects.visible_to(user).failed_since(since).count(),
                "key": "failed-deliveries",
                "url": _changelist(
                    "integrations_webhookdelivery",
                    status__exact="failed",
                    last_attempt_at__gte=since.isoformat(),
                ),
                "warn": True,
            },
        ],
        "links": [
            (pgettext_lazy("operations home", "Webhooks"), reverse("integrations:webhooks")),
            (_("Service users"), reverse("integrations:service-users")),
        ],
    }


def _imports(user):
    return {
        "key": "imports",
        "icon": "bi-upload",
        "title": _("Imports"),
        "figures": [],
        "links": [
            (_("Import accounts"), reverse("integrations:account-import")),
            (_("Import contacts"), reverse("integrations:contact-import")),
        ],
    }


def _scoring(user):
    return {
        "key": "scoring",
        "icon": "bi-bar-chart-steps",
        "title": _("Latest scoring run"),
        "run": ScoringRun.objects.first(),
        "figures": [],
        "links": [(_("Tiering"), reverse("accounts:tiering"))],
    }


def _health(user):
    return {
        "key": "health",
        "icon": "bi-heart-pulse",
        "title": _("Latest health check"),
        "check": HealthSnapshot.objects.latest_check(),
        "figures": [],
        "links": [(_("Health settings"), reverse("accounts:health-settings"))],
    }


def _settings(user):
    return {
        "key": "settings",
        "icon": "bi-sliders",
        "title": _("Pipeline settings"),
        "figures": [
            {
                "label": _("Active pipeline stages"),
                "value": Stage.objects.active().count(),
                "key": "stages",
                "url": _changelist("opportunities_stage", is_active__exact=1),
            },
            {
                "label": _("Active product lines"),
                "value": ProductLine.objects.active().count(),
                "key": "product-lines",
                "url": _changelist("opportunities_productline", is_active__exact=1),
            },
        ],
        "links": [],
    }


def _history(user):
    return {
        "key": "history",
        "icon": "bi-clock-history",
        "title": _("History"),
        "figures": [],
        "links": [
            (_("Purge log"), reverse("audit:purge-log")),
            (_("Scoring model history"), reverse("audit:scoring-model-history")),
        ],
    }


#: (the capability of the card's page, the card): a card only for those who may use it
OPERATIONS_CARDS = [
    ("users.manage", _people),
    ("webhooks.manage", _integrations),
    ("accounts.import", _imports),
    ("scoring.configure", _scoring),
    ("health.configure", _health),
    ("pipeline.configure", _settings),
    ("accounts.purge", _history),
]


def operations_cards(user):
    return [card(user) for capability, card in OPERATIONS_CARDS if may(user, capability)]


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "kam/home.html"

    def get(self, request, *args, **kwargs):
        # A KAM's home is My day; supervisors and executives land on the team dashboard.
        home = home_page(request.user)
        if home == "my-day":
            return MyDayView.as_view()(request, *args, **kwargs)
        if home == "team":
            return TeamDashboardView.as_view()(request, *args, **kwargs)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = operations_cards(self.request.user)
        return context
