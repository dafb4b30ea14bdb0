from plans.views import urlpatterns as plan_urlpatterns

app_name = "plans"

urlpatterns = plan_urlpatterns
