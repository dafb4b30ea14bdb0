from kam.notification_views import urlpatterns

app_name = "kam"

__all__ = ["app_name", "urlpatterns"]
