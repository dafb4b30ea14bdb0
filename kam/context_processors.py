from django.conf import settings


def product(request):
    """Values every page needs: one query, for the bell's unread count; the section and
    the page the navigation marks (none on a page not found, which has no URL name)."""
    from kam.models import Notification

    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = Notification.objects.visible_to(user).unread().count()
    match = getattr(request, "resolver_match", None)
    page = (match.url_name or "") if match else ""
    return {
        "DEFAULT_CURRENCY": settings.DEFAULT_CURRENCY,
        "notification_count": unread,
        "nav_section": (match.namespace if match else "") or page,
        "nav_page": page,
    }
