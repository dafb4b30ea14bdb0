from rest_framework import serializers

from accounts.models import Account, AccountTeamMember


class AccountTeamMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountTeamMember
        fields = ["user", "role"]


class AccountSerializer(serializers.ModelSerializer):
    team_members = AccountTeamMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Account
        fields = ["id", "name", "owner", "team_members", "archived_at", "created_at", "updated_at"]
        read_only_fields = fields
