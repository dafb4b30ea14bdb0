"""Saved views over the API: ``/api/v1/saved-views/``, the same rules as the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers

from kam.api.viewsets import ScopedViewSet
from kam.models import Team
from savedviews import services
from savedviews.lists import ListKey
from savedviews.models import SavedView


class _VisibleTeams(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Team.objects.visible_to(self.context["request"].user)


class SavedViewSerializer(serializers.ModelSerializer):
    list = serializers.ChoiceField(choices=ListKey.choices)
    team = _VisibleTeams(allow_null=True, required=False)
    owner = serializers.CharField(source="owner.username", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = SavedView
        fields = ["id", "list", "name", "query", "pinned", "team", "owner", "url", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def _call(self, function, **kwargs):
        try:
            return function(actor=self.context["request"].user, **kwargs)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error

    def create(self, validated_data):
        return self._call(
            services.saved_view_create,
            key=validated_data["list"],
            name=validated_data["name"],
            query=validated_data.get("query", ""),
            pinned=validated_data.get("pinned", False),
            team=validated_data.get("team"),
        )

    def update(self, instance, validated_data):
        if "list" in validated_data:
            validated_data.setdefault("query", instance.query)
        return self._call(services.saved_view_update, view=instance, **validated_data)


class SavedViewViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    queryset = SavedView.objects.select_related("owner")
    serializer_class = SavedViewSerializer
    #: a saved view is a personal setting: anyone signed in keeps their own (executives
    #: too); a read-only token only reads
    write_capability = None

    def refine_queryset(self, queryset):
        key = self.request.query_params.get("list")
        return queryset.for_list(key) if key else queryset

    def perform_destroy(self, instance):
        services.saved_view_delete(actor=self.request.user, view=instance)


def register(router):
    router.register("saved-views", SavedViewViewSet, basename="saved-view")
