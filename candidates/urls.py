from django.urls import path

from candidates import views

app_name = "candidates"

urlpatterns = [
    path("", views.PoolView.as_view(), name="pool"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("settings/", views.CandidateSettingsView.as_view(), name="settings"),
    path("<int:pk>/", views.CandidateDetailView.as_view(), name="detail"),
    path("<int:pk>/promote/", views.PromoteView.as_view(), name="promote"),
    path("<int:pk>/dismiss/", views.DismissView.as_view(), name="dismiss"),
]
