from django.urls import path

from kam import team_views

app_name = "teams"

urlpatterns = [
    path("", team_views.TeamListView.as_view(), name="list"),
    path("<int:pk>/", team_views.TeamDetailView.as_view(), name="detail"),
]
