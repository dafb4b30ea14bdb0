from opportunities.api.views import (
    ContractViewSet,
    OpportunityViewSet,
    ProductLineViewSet,
    StageViewSet,
)


def register(router):
    """Register this app's API resources on the project router."""
    router.register("opportunities", OpportunityViewSet, basename="opportunity")
    router.register("stages", StageViewSet, basename="stage")
    router.register("product-lines", ProductLineViewSet, basename="product-line")
    router.register("contracts", ContractViewSet, basename="contract")
