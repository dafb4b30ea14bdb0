from django.urls import path

from savedviews.views import SavedViewChangeView, SavedViewCreateView

app_name = "savedviews"

urlpatterns = [
    path("", SavedViewCreateView.as_view(), name="create"),
    path("<int:pk>/", SavedViewChangeView.as_view(), name="change"),
]
