from django.apps import apps
from django.urls import path

from attachments import views
from attachments.models import TARGETS

app_name = "attachments"

urlpatterns = [
    path("<int:pk>/download/", views.AttachmentDownloadView.as_view(), name="download"),
    path("<int:pk>/thumbnail/", views.AttachmentThumbnailView.as_view(), name="thumbnail"),
    path("<int:pk>/delete/", views.AttachmentDeleteView.as_view(), name="delete"),
]
for kind, label in TARGETS.items():
    model = apps.get_model(label)
    urlpatterns += [
        path(
            f"{kind}/<int:pk>/", views.AttachmentListView.as_view(model=model), name=f"{kind}-list"
        ),
        path(
            f"{kind}/<int:pk>/upload/",
            views.AttachmentUploadView.as_view(model=model),
            name=f"{kind}-upload",
        ),
    ]
