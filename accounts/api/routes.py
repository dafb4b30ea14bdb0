from accounts.api.views import AccountViewSet


def register(router):
    """Register this app's API resources on the project router."""
    router.register("accounts", AccountViewSet, basename="account")
