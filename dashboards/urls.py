from django.urls import path

from dashboards import reports
from dashboards.views import MyDayView, ReportIndexView, ReportView, TeamDashboardView

app_name = "dashboards"

urlpatterns = [
    path("my-day/", MyDayView.as_view(), name="my-day"),
    path("team/", TeamDashboardView.as_view(), name="team"),
    path("reports/", ReportIndexView.as_view(), name="reports"),
    *[
        path(
            f"reports/{key}/",
            ReportView.as_view(report_key=key),
            name=f"report-{key}",
        )
        for key in reports.REPORTS
    ],
]
