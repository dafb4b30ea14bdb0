"""Accounts, contacts and visits over the API: these parse and render, nothing more.

Every relation a client may send is a ``ScopedPrimaryKeyRelatedField``, so an id
out of the user's view answers "does not exist" like a missing one. The writes
themselves happen in ``accounts.services`` (called by the viewsets), never in
``save()`` here.
"""

from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.choices import AccountTeamRole
from accounts.models import Account, AccountHandover, Contact, Visit, VisitComment
from accounts.tiering.models import Tier
from kam.api.fields import ScopedPrimaryKeyRelatedField
from kam.api.rows import ModelSerializer
from kam.models import User
from kam.scoping import CHANGE

# --- accounts ---------------------------------------------------------------------------


class AccountTeamMemberSerializer(serializers.Serializer):
    """One colleague on the account team: who and in which role."""

    user = ScopedPrimaryKeyRelatedField(queryset=User.objects.all())
    role = serializers.ChoiceField(choices=AccountTeamRole.choices)


class AccountSerializer(ModelSerializer):
    owner = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        help_text=_("Defaults to the user creating the account."),
    )
    parent = ScopedPrimaryKeyRelatedField(
        queryset=Account.objects.all(), required=False, allow_null=True
    )
    team = AccountTeamMemberSerializer(
        many=True,
        required=False,
        source="team_members",
        help_text=_("The account team besides the owner; a write replaces the whole team."),
    )
    currency = serializers.SerializerMethodField(
        help_text=_("The currency of the money fields (ISO 4217).")
    )
    last_visit_at = serializers.DateTimeField(read_only=True, allow_null=True)
    # read-only choices that are "" until the account is scored (the schema says so)
    tier = serializers.ChoiceField(choices=Tier.choices, allow_blank=True, read_only=True)
    computed_tier = serializers.ChoiceField(choices=Tier.choices, allow_blank=True, read_only=True)
    approved_tier = serializers.ChoiceField(choices=Tier.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "legal_name",
            "credit_code",
            "external_id",
            "industry",
            "region",
            "parent",
            "owner",
            "team",
            "status",
            "is_industry_leader",
            "is_reference_customer",
            "has_channel_value",
            "cooperation_since",
            "credit_rating",
            "credit_limit",
            "estimated_wallet",
            "annual_revenue_estimate",
            "gross_margin_estimate",
            "growth_potential",
            "tier",
            "computed_tier",
            "approved_tier",
            "tier_score",
            "tier_scored_at",
            "currency",
            "description",
            "address",
            "latitude",
            "longitude",
            "tags",
            "last_visit_at",
            "created_by",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "created_by",
            "archived_at",
            "created_at",
            "updated_at",
            "tier",
            "computed_tier",
            "approved_tier",
            "tier_score",
            "tier_scored_at",
        ]

    def get_currency(self, account) -> str:
        return settings.DEFAULT_CURRENCY

    def validate_team(self, members):
        users = [member["user"].pk for member in members]
        if len(users) != len(set(users)):
            raise serializers.ValidationError(_("Each colleague can be on the team only once."))
        return members


class AccountHandoverSerializer(ModelSerializer):
    class Meta:
        model = AccountHandover
        fields = [
            "id",
            "account",
            "from_user",
            "to_user",
            "performed_by",
            "note",
            "follow_ups_moved",
            "created_at",
        ]
        read_only_fields = fields


class HandoverAssignmentSerializer(serializers.Serializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    to_user = ScopedPrimaryKeyRelatedField(queryset=User.objects.all())


class HandoverSerializer(serializers.Serializer):
    """Hand some or all of one KAM's accounts to colleagues (客户交接)."""

    from_user = ScopedPrimaryKeyRelatedField(queryset=User.objects.all())
    assignments = HandoverAssignmentSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        seen = set()
        errors = []
        for assignment in attrs["assignments"]:
            error = {}
            if assignment["account"].pk in seen:
                error["account"] = [_("This account is already in the list.")]
            if assignment["to_user"].pk == attrs["from_user"].pk:
                error["to_user"] = [_("Choose a different colleague.")]
            seen.add(assignment["account"].pk)
            errors.append(error)
        if any(errors):
            raise serializers.ValidationError({"assignments": errors})
        return attrs

    def service_arguments(self):
        """The keyword arguments of ``services.accounts_handover``."""
        data = self.validated_data
        return {
            "from_user": data["from_user"],
            "assignments": {item["account"].pk: item["to_user"] for item in data["assignments"]},
            "note": data["note"],
        }


# --- contacts ---------------------------------------------------------------------------


class ContactSerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(
        queryset=Account.objects.all(),
        action=CHANGE,
        help_text=_("Fixed once the contact is created."),
    )
    account_name = serializers.CharField(source="account.name", read_only=True)
    reports_to = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    external_id = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True
    )
    last_contacted_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "account_name",
            "name",
            "title",
            "department",
            "level",
            "buying_role",
            "attitude",
            "strength",
            "reports_to",
            "phone",
            "email",
            "wechat",
            "has_left",
            "left_on",
            "notes",
            "external_id",
            "last_contacted_at",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["archived_at", "created_at", "updated_at"]
        # The (account, external_id) uniqueness is checked in validate() with a field
        # error on external_id, instead of DRF's generic non-field message.
        validators = []

    def validate_external_id(self, value):
        return value or None  # NULL, not "", so uniqueness skips blanks

    def validate(self, attrs):
        external_id = attrs.get("external_id")
        account = attrs.get("account") or getattr(self.instance, "account", None)
        if external_id and account is not None:
            others = Contact.objects.filter(account=account, external_id=external_id)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError(
                    {"external_id": _("Another contact has this external id.")}
                )
        return attrs


# --- visits -----------------------------------------------------------------------------


class CoordinateField(serializers.DecimalField):
    """A GPS coordinate: extra decimals from a phone are rounded, not refused."""

    def validate_precision(self, value):
        step = Decimal(1).scaleb(-self.decimal_places)
        whole_digits = self.max_digits - self.decimal_places
        if not value.is_finite() or abs(value) >= Decimal(10) ** whole_digits:
            # "1e30" or 23 digits: too large to round (InvalidOperation), and to keep
            self.fail("max_whole_digits", max_whole_digits=whole_digits)
        return super().validate_precision(value.quantize(step, rounding=ROUND_HALF_EVEN))


class VisitCommentSerializer(ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = VisitComment
        fields = ["id", "author", "author_name", "body", "created_at"]
        read_only_fields = ["author", "created_at"]


class VisitSerializer(ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all(), action=CHANGE)
    account_name = serializers.CharField(source="account.name", read_only=True)
    contacts = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), many=True, required=False, help_text=_("Contacts met.")
    )
    colleagues = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(),
        many=True,
        required=False,
        help_text=_("Colleagues who joined."),
    )
    client_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_(
            "A key chosen by the client for this submission: sending it again returns the "
            "visit already logged (HTTP 200) instead of logging it twice."
        ),
    )
    latitude = CoordinateField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                               min_value=-90, max_value=90)  # fmt: skip
    longitude = CoordinateField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                min_value=-180, max_value=180)  # fmt: skip
    comments = VisitCommentSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "account",
            "account_name",
            "kind",
            "occurred_at",
            "logged_by",
            "contacts",
            "colleagues",
            "purpose",
            "summary",
            "outcome",
            "next_steps",
            "next_visit_on",
            "next_visit_owner",
            "follow_up_closed_at",
            "sentiment",
            "client_key",
            "latitude",
            "longitude",
            "location_accuracy",
            "comments",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "logged_by",
            "next_visit_owner",
            "follow_up_closed_at",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"occurred_at": {"required": False, "help_text": _("Defaults to now.")}}
