from accounts.api.views import AccountViewSet, ContactViewSet, VisitViewSet


def register(router):
    """Register this app's API resources on the project router."""
    router.register("accounts", AccountViewSet, basename="account")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("visits", VisitViewSet, basename="visit")
