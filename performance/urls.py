from django.urls import path

from performance.views import (
    IncentivePreviewView,
    IncentiveRuleView,
    KamScorecardView,
    MeasuresView,
    ScorecardView,
)

app_name = "performance"

urlpatterns = [
    path("scorecards/", ScorecardView.as_view(), name="scorecard"),
    path("scorecards/measures/", MeasuresView.as_view(), name="measures"),
    path("scorecards/<int:pk>/", KamScorecardView.as_view(), name="kam"),
    path("incentives/", IncentivePreviewView.as_view(), name="incentives"),
    path("incentives/rule/", IncentiveRuleView.as_view(), name="incentive-rule"),
]
