from accounts.health import views as health
from accounts.policy import views as policy
from accounts.service import views as service
from accounts.views import accounts, contacts, tiering, visits

app_name = "accounts"

# Each views module owns its routes: accounts/, accounts/contacts/, accounts/visits/,
# accounts/tiering/.
urlpatterns = [
    *accounts.urlpatterns,
    *contacts.urlpatterns,
    *visits.urlpatterns,
    *tiering.urlpatterns,
    *service.urlpatterns,
    *health.urlpatterns,
    *policy.urlpatterns,
]
