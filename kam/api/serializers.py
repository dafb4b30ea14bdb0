from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kam.api.fields import ScopedPrimaryKeyRelatedField
from kam.api.rows import ModelSerializer
from kam.capabilities import roles_with
from kam.models import Team, User


class UserSerializer(ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    team_ids = serializers.SerializerMethodField()
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "display_name",
            "email",
            "role",
            "phone",
            "language",
            "is_active",
            "team_ids",
            "date_joined",
            "last_login",
            "password",
        ]
        read_only_fields = ["date_joined", "last_login"]

    def get_team_ids(self, user) -> list[int]:
        return sorted(membership.team_id for membership in user.team_memberships.all())


class TeamSerializer(ModelSerializer):
    supervisor = ScopedPrimaryKeyRelatedField(queryset=User.objects.all())
    members = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "supervisor", "members", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_supervisor(self, value):
        if value.role not in roles_with("teams.lead"):
            raise serializers.ValidationError(_("The supervisor must have the supervisor role."))
        return value
