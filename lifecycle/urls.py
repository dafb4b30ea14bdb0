from django.urls import path

from lifecycle.views import LifecycleOverrideView, LifecycleRulesView, LifetimeValueReportView

app_name = "lifecycle"

urlpatterns = [
    path("", LifetimeValueReportView.as_view(), name="report"),
    path("rules/", LifecycleRulesView.as_view(), name="rules"),
    path("accounts/<int:pk>/override/", LifecycleOverrideView.as_view(), name="override"),
]
