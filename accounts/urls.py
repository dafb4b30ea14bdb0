from accounts.views import accounts, contacts, visits

app_name = "accounts"

# Each views module owns its routes: accounts/, accounts/contacts/, accounts/visits/.
urlpatterns = [*accounts.urlpatterns, *contacts.urlpatterns, *visits.urlpatterns]
