from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notifications"),
    path("read/", views.NotificationReadView.as_view(), name="notifications-read-all"),
    path("<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("preferences/", views.EmailPreferenceView.as_view(), name="preferences"),
    path("channels/", views.TeamChannelsView.as_view(), name="channels"),
]
