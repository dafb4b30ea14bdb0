from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.views import View

from kam.models import Notification
from kam.views import ScopedListView


class NotificationListView(ScopedListView):
    queryset = Notification.objects.select_related("account")
    template_name = "kam/notification_list.html"
    ordering = ["-created_at"]
    paginate_by = 30


class NotificationReadView(View):
    """POST: mark one notification (``pk``) or all of mine as read, then follow it."""

    def post(self, request, pk=None):
        if not request.user.is_authenticated:
            return redirect("login")
        mine = Notification.objects.visible_to(request.user).unread()
        target = "kam:notifications"
        if pk is not None:
            notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
            mine = mine.filter(pk=pk)
            target = notification.url or target
        mine.update(read_at=timezone.now())
        return redirect(target)


urlpatterns = [
    path("", NotificationListView.as_view(), name="notifications"),
    path("read/", NotificationReadView.as_view(), name="notifications-read-all"),
    path("<int:pk>/read/", NotificationReadView.as_view(), name="notification-read"),
]
