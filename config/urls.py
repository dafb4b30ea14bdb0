from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.views import HomeView
from kam import views

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", views.set_language, name="set-language"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/", include("accounts.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("plans/", include("plans.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("performance/", include("performance.urls")),
    path("work-reports/", include("workreports.urls")),
    path("credit/", include("credit.urls")),
    path("lifecycle/", include("lifecycle.urls")),
    path("candidates/", include("candidates.urls")),
    path("coaching/", include("coaching.urls")),
    path("task-forces/", include("taskforce.urls")),
    path("search/", include("search.urls")),
    path("views/", include("savedviews.urls")),
    path("teams/", include("kam.team_urls")),
    path("notifications/", include("messaging.urls")),
    path("integrations/", include("integrations.urls")),
    path("audit/", include("audit.urls")),
    path("attachments/", include("attachments.urls")),
    path("", include("attachments.pwa_urls")),  # manifest, service worker (scope "/")
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # the split view serves its script as a file (no inline script); Swagger UI's page
        # carries one small <style> block of its own
        csp_update({"style-src": [UNSAFE_INLINE]})(
            login_required(SpectacularSwaggerSplitView.as_view(url_name="schema"))
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "kam.views.handler400"
handler403 = "kam.views.handler403"
handler404 = "kam.views.handler404"
handler500 = "kam.views.handler500"
