from accounts.api.serializers import AccountSerializer
from accounts.filtersets import AccountFilterSet
from accounts.models import Account
from kam.api.viewsets import ScopedReadOnlyViewSet


class AccountViewSet(ScopedReadOnlyViewSet):
    queryset = Account.objects.active().prefetch_related("team_members")
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]
