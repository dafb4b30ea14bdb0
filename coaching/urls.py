from coaching.views import urlpatterns as coaching_urlpatterns

app_name = "coaching"

urlpatterns = coaching_urlpatterns
