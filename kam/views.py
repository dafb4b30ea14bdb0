"""Base views that apply the visibility rule, and the site-wide pages."""

import logging
import math

import redis
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from kam.capabilities import CapabilityRequiredMixin, require
from kam.scoping import CHANGE, DELETE, VIEW, can

logger = logging.getLogger(__name__)

ACTION_BY_METHOD = {
    "GET": VIEW,
    "HEAD": VIEW,
    "OPTIONS": VIEW,
    "POST": CHANGE,
    "PUT": CHANGE,
    "PATCH": CHANGE,
    "DELETE": DELETE,
}


class ScopedViewMixin(LoginRequiredMixin):
    """Every page that shows model rows goes through this mixin.

    It signs the user in, restricts ``queryset`` with ``visible_to(user)`` and
    checks object-level writes against the same rule. Subclasses narrow the rows
    with ``refine_queryset``; overriding ``get_queryset`` is refused at import
    time so the rule cannot be bypassed by accident. ``filterset_class`` (a
    django-filter FilterSet, shared with the API) filters lists.
    """

    queryset = None
    filterset_class = None
    #: the action needed on the object for every method (e.g. CHANGE on edit pages);
    #: None means "view" for reads and "change" for writes
    object_action = None
    #: what changing an object needs beyond the visibility rule (kam.capabilities)
    change_capability = "records.change"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__}: override refine_queryset(), not get_queryset(); "
                "the visibility rule is applied by ScopedViewMixin."
            )

    def refine_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset.")
        queryset = self.queryset.all().visible_to(self.request.user, VIEW)
        queryset = self.refine_queryset(queryset)
        ordering = self.get_ordering() if hasattr(self, "get_ordering") else None
        if ordering:
            queryset = queryset.order_by(*ordering)
        if self.filterset_class is not None and isinstance(self, ListView):
            # Always bound: defaults (e.g. archived rows hidden) apply to a bare URL too.
            self.filterset = self.filterset_class(
                self.request.GET, queryset=queryset, request=self.request
            )
            queryset = self.filterset.qs if self.filterset.is_valid() else queryset.none()
        return queryset

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)  # 404 when not visible, the same as missing
        action = self.object_action or ACTION_BY_METHOD.get(self.request.method, CHANGE)
        if action != VIEW:
            if self.change_capability is not None:
                require(self.request.user, self.change_capability)
            if not can(self.request.user, obj, action):
                raise PermissionDenied
        return obj

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = getattr(self, "filterset", None)
        return context


def sort_columns(request, columns, default):
    """Header links for a sortable table driven by a FilterSet's ``ordering`` param:
    a click sorts by the column, a second click reverses it. ``columns`` is
    ((key, label), ...); returns {key: {"label", "direction", "query"}}."""
    current = (request.GET.get("ordering", "").split(",")[0] or default).strip()
    result = {}
    for key, label in columns:
        if current == key:
            direction, target = "asc", f"-{key}"
        elif current == f"-{key}":
            direction, target = "desc", key
        else:
            direction, target = "", key
        query = request.GET.copy()
        query.pop("page", None)
        query["ordering"] = target
        result[key] = {"label": label, "direction": direction, "query": query.urlencode()}
    return result


class WriteRoleRequiredMixin(CapabilityRequiredMixin):
    """For pages that create or change things: executives read only (404)."""

    capability = "records.change"


class HtmxPartialMixin:
    """An htmx request (not boosted) gets the named partial of the page's template."""

    partial_name = "results"

    def get_template_names(self):
        names = super().get_template_names()
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:
            return [f"{names[0]}#{self.partial_name}"]
        return names

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response.headers["Vary"] = "HX-Request"
        return response


class ScopedListView(ScopedViewMixin, HtmxPartialMixin, ListView):
    paginate_by = 50


class ScopedDetailView(ScopedViewMixin, DetailView):
    pass


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user keeps the choice."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language and translation.check_for_language(language):
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@never_cache
def healthz(request):
    """Liveness for load balancers: the database and the broker both answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        logger.exception("health check: database")
        checks["database"] = "error"
    try:
        broker = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
        )
        broker.ping()
        broker.close()
        checks["broker"] = "ok"
    except Exception:
        logger.exception("health check: broker")
        checks["broker"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _problem(request, status, title):
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": title},
        status=status,
        content_type="application/problem+json",
    )


def _wants_problem(request):
    return request.path.startswith("/api/")


def handler400(request, exception=None):
    if _wants_problem(request):
        return _problem(request, 400, _("Bad request."))
    return render(request, "400.html", status=400)


def handler403(request, exception=None):
    if _wants_problem(request):
        return _problem(request, 403, _("You do not have permission to perform this action."))
    return render(request, "403.html", status=403)


def handler404(request, exception=None):
    if _wants_problem(request):
        return _problem(request, 404, _("Not found."))
    return render(request, "404.html", status=404)


def handler500(request):
    if _wants_problem(request):
        return _problem(request, 500, _("A server error occurred."))
    return render(request, "500.html", status=500)


def lockout(request, original_response=None, credentials=None):
    """What a sign-in refused by django-axes answers: the sign-in page (or, on the API,
    our problem shape) saying when the user may try again, with 429 Too Many Requests."""
    from axes.helpers import get_client_username, get_cool_off
    from axes.models import AccessAttempt
    from django.contrib.auth.forms import AuthenticationForm
    from django.db.models import Max
    from django.utils import timezone
    from django.utils.formats import time_format

    username = get_client_username(request, credentials) or ""
    last_failure = (
        AccessAttempt.objects.filter(
            username=username, ip_address=getattr(request, "axes_ip_address", None)
        ).aggregate(last=Max("attempt_time"))["last"]
        or timezone.now()
    )
    retry_at = last_failure + get_cool_off(request)
    wait = max(math.ceil((retry_at - timezone.now()).total_seconds()), 1)
    minutes = max(round(wait / 60), 1)
    message = ngettext(
        "Too many failed sign-in attempts. For your security, signing in as this user from "
        "your address is paused for %(minutes)s minute (until %(time)s). Check your "
        "password, try again then, or ask your administrator to unlock it now.",
        "Too many failed sign-in attempts. For your security, signing in as this user from "
        "your address is paused for %(minutes)s minutes (until %(time)s). Check your "
        "password, try again then, or ask your administrator to unlock it now.",
        minutes,
    ) % {"minutes": minutes, "time": time_format(timezone.localtime(retry_at), "H:i")}
    if _wants_problem(request):
        response = JsonResponse(
            {
                "type": "about:blank",
                "title": _("Too many failed sign-in attempts."),
                "status": 429,
                "detail": message,
                "code": "locked_out",
                "retry_after": str(wait),
            },
            status=429,
            content_type="application/problem+json",
        )
    else:
        form = AuthenticationForm(request, initial={"username": username})
        context = {"form": form, "locked_out": message, "next": request.POST.get("next", "")}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def csrf_failure(request, reason=""):
    return render(request, "403.html", {"csrf_failed": True}, status=403)
