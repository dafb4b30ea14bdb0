from django.urls import path

from credit.views import CreditReportView, CreditReviewView, CreditSettingsView

app_name = "credit"

urlpatterns = [
    path("", CreditReportView.as_view(), name="report"),
    path("settings/", CreditSettingsView.as_view(), name="settings"),
    path("accounts/<int:pk>/review/", CreditReviewView.as_view(), name="review"),
]
