from opportunities import views

app_name = "opportunities"

urlpatterns = views.urlpatterns
