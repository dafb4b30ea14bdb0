from plans.api.views import ActionItemViewSet, ActualViewSet, PlanViewSet, QuotaViewSet


def register(router):
    """Register this app's API resources on the project router."""
    router.register("plans", PlanViewSet, basename="plan")
    router.register("action-items", ActionItemViewSet, basename="action-item")
    router.register("actuals", ActualViewSet, basename="actual")
    router.register("quotas", QuotaViewSet, basename="quota")
