from django.conf import settings


def product(request):
    """Values every page needs: one query, for the bell's unread count."""
    from kam.models import Notification

    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = Notification.objects.visible_to(user).unread().count()
    return {"DEFAULT_CURRENCY": settings.DEFAULT_CURRENCY, "notification_count": unread}
