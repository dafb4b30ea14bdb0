from django.conf import settings


def product(request):
    """Values every page needs; no queries here."""
    return {
        "DEFAULT_CURRENCY": settings.DEFAULT_CURRENCY,
        "notification_count": 0,
    }
