from accounts.api.views import AccountViewSet, ContactViewSet, VisitViewSet
from accounts.policy import api as policy_routes
from accounts.tiering.api import ScoringModelViewSet, TierOverrideViewSet, TierScoreViewSet


def register(router):
    """Register this app's API resources on the project router."""
    router.register("accounts", AccountViewSet, basename="account")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("visits", VisitViewSet, basename="visit")
    router.register("tier-scores", TierScoreViewSet, basename="tier-score")
    router.register("scoring-model", ScoringModelViewSet, basename="scoring-model")
    router.register("tier-overrides", TierOverrideViewSet, basename="tier-override")
    policy_routes.register(router)
