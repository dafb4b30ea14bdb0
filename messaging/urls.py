from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("preferences/", views.EmailPreferenceView.as_view(), name="preferences"),
    path("channels/", views.TeamChannelsView.as_view(), name="channels"),
]
