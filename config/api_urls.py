"""The REST API: one router, every resource registered here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import routes as account_routes
from accounts.health.api import HealthSnapshotViewSet
from accounts.service import api as service_routes
from attachments import api as attachment_routes
from candidates import api as candidate_routes
from coaching import api as coaching_routes
from credit import api as credit_routes
from integrations.api import TokenCreateView
from kam.api.views import TeamViewSet, UserViewSet
from lifecycle import api as lifecycle_routes
from messaging.api import NotificationViewSet
from opportunities.api import routes as opportunity_routes
from performance import api as performance_routes
from plans.api import routes as plan_routes
from savedviews import api as saved_view_routes
from taskforce import api as task_force_routes
from workreports import api as work_report_routes

app_name = "api"

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("health-scores", HealthSnapshotViewSet, basename="health-score")
account_routes.register(router)
service_routes.register(router)
opportunity_routes.register(router)
plan_routes.register(router)
saved_view_routes.register(router)
attachment_routes.register(router)
performance_routes.register(router)
credit_routes.register(router)
lifecycle_routes.register(router)
candidate_routes.register(router)
coaching_routes.register(router)
work_report_routes.register(router)
task_force_routes.register(router)

urlpatterns = [
    path("auth/token/", TokenCreateView.as_view(), name="auth-token"),
    path("", include(router.urls)),
]
