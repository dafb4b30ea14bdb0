from django.urls import path

from workreports import views

app_name = "workreports"

urlpatterns = [
    path("", views.MyReportsView.as_view(), name="mine"),
    path("team/", views.TeamReportsView.as_view(), name="team"),
    path("<int:pk>/", views.WorkReportDetailView.as_view(), name="detail"),
    path("<int:pk>/update/", views.WorkReportUpdateView.as_view(), name="update"),
    path("<int:pk>/refresh/", views.WorkReportRefreshView.as_view(), name="refresh"),
    path("<int:pk>/comment/", views.WorkReportCommentView.as_view(), name="comment"),
]
