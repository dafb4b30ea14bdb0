"""Forms of the key-account pages: the profile form and the handover form.

Forms parse and offer choices; the services in accounts.services write. Every
choice comes from what the requesting user may see (``visible_to``).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import construct_instance
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import AccountTeamRole
from accounts.models import Account
from kam.capabilities import may
from kam.forms import BootstrapFormMixin
from kam.models import User

#: who may own an account (kam.capabilities)
MAX_TAGS = 20
TAG_MAX_LENGTH = 40
TAG_SEPARATORS = re.compile(r"[,，、;；]")

#: form field name -> account team role, in the order the form shows them
TEAM_FIELDS = {
    "team_support": AccountTeamRole.SUPPORT,
    "team_technical": AccountTeamRole.TECHNICAL,
    "team_executive_sponsor": AccountTeamRole.EXECUTIVE_SPONSOR,
}


def parse_tags(value):
    """ "steel, 集团，export" -> ["steel", "集团", "export"]: trimmed, no blanks, no repeats."""
    tags = []
    for raw in TAG_SEPARATORS.split(value or ""):
        tag = " ".join(raw.split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _kam_choices(user):
    """Active key account managers and supervisors the user can see."""
    return User.objects.visible_to(user).owners(active_only=True)


class AccountForm(BootstrapFormMixin, forms.ModelForm):
    """The account profile, its tags and its account team.

    ``user`` is the person filling it in; a KAM's owner field is locked (to
    themselves on a new account, to the current owner on an existing one).
    """

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas, e.g. steel, state-owned, export."),
    )
    team_support = forms.ModelMultipleChoiceField(
        label=_("Support"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    team_technical = forms.ModelMultipleChoiceField(
        label=_("Technical"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    team_executive_sponsor = forms.ModelMultipleChoiceField(
        label=_("Executive sponsor"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Account
        fields = [
            "name", "legal_name", "credit_code", "external_id", "industry", "region",
            "parent", "owner", "status", "is_industry_leader", "is_reference_customer",
            "has_channel_value", "cooperation_since", "credit_rating", "credit_limit",
            "estimated_wallet", "annual_revenue_estimate", "gross_margin_estimate",
            "growth_potential", "description", "address", "latitude", "longitude",
        ]  # fmt: skip
        widgets = {
            "cooperation_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "credit_limit": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "estimated_wallet": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "annual_revenue_estimate": forms.NumberInput(
                attrs={"step": "0.01", "inputmode": "decimal"}
            ),
            "gross_margin_estimate": forms.NumberInput(
                attrs={"step": "0.01", "inputmode": "decimal"}
            ),
            "growth_potential": forms.NumberInput(
                attrs={"min": 1, "max": 5, "inputmode": "numeric"}
            ),
            "description": forms.Textarea(attrs={"rows": 4}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "credit_code": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false", "maxlength": 18}
            ),
        }

    #: the sections of the page, in order: (heading, field names)
    sections = (
        (_("Profile"), ("name", "legal_name", "credit_code", "external_id", "industry", "region")),
        (_("Address"), ("address", "latitude", "longitude")),
        (_("Status and ownership"), ("status", "owner", "parent")),
        (_("Strategic significance"),
         ("is_industry_leader", "is_reference_customer", "has_channel_value", "tags")),
        (_("Commercial"),
         ("cooperation_since", "credit_rating", "credit_limit", "estimated_wallet")),
        (_("Tiering inputs"),
         ("annual_revenue_estimate", "gross_margin_estimate", "growth_potential")),
        (_("Account team"), tuple(TEAM_FIELDS)),
        (_("Notes"), ("description",)),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        account = self.instance
        editing = account.pk is not None

        current_owner = account.owner_id if editing else None
        owner = self.fields["owner"]
        if not may(user, "accounts.assign"):
            locked_owner = current_owner or user.pk
            owner.queryset = User.objects.filter(pk=locked_owner)
            owner.initial = locked_owner
            owner.disabled = True
            owner.help_text = _(
                "You own the accounts you create. Your supervisor hands accounts over."
            )
        else:
            owner.queryset = User.objects.filter(
                Q(pk__in=_kam_choices(user).values("pk")) | Q(pk=current_owner)
            )
            if not editing and may(user, "accounts.own"):
                owner.initial = user.pk
        owner.empty_label = None if owner.disabled else owner.empty_label

        current_parent = account.parent_id if editing else None
        parents = Account.objects.visible_to(user).filter(
            Q(archived_at__isnull=True) | Q(pk=current_parent)
        )
        if editing:
            parents = parents.exclude(pk=account.pk)
        self.fields["parent"].queryset = parents.order_by("name")
        if current_parent and not parents.filter(pk=current_parent).exists():
            self.fields["parent"].help_text = _(
                "This account belongs to a group outside your view. Choose a parent account "
                "you can see, or leave this empty to take it out of that group."
            )

        current_team = {}
        if editing:
            for member in account.team_members.all():
                current_team.setdefault(member.role, []).append(member.user_id)
        members = [pk for pks in current_team.values() for pk in pks]
        team_choices = User.objects.filter(
            Q(pk__in=User.objects.visible_to(user).filter(is_active=True).values("pk"))
            | Q(pk__in=members)
        )
        for name, role in TEAM_FIELDS.items():
            field = self.fields[name]
            field.queryset = team_choices
            field.initial = current_team.get(role, [])

        if editing:
            self.fields["tags"].initial = ", ".join(account.tags)
            self.fields["version"].initial = self.version_of(account)
        self.style_widgets()

    @property
    def fieldsets(self):
        """(heading, bound fields) for each section of the page."""
        return [(heading, [self[name] for name in names]) for heading, names in self.sections]

    @staticmethod
    def version_of(account):
        return account.updated_at.isoformat() if account.updated_at else ""

    def _post_clean(self):
        # Each field's own validators run here, for instant field errors. Uniqueness and
        # the other rules across rows are the services' to check (accounts.services), so
        # they are checked once, in the transaction, and come back as field errors.
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
        except ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            self._update_errors(error)

    def clean_tags(self):
        tags = parse_tags(self.cleaned_data.get("tags"))
        if len(tags) > MAX_TAGS:
            raise ValidationError(
                _("Use at most %(max)s tags."), code="too_many_tags", params={"max": MAX_TAGS}
            )
        long = [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]
        if long:
            raise ValidationError(
                _("A tag has at most %(max)s characters: %(tags)s."),
                code="tag_too_long",
                params={"max": TAG_MAX_LENGTH, "tags": ", ".join(long)},
            )
        return tags

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for name in TEAM_FIELDS:
            for member in cleaned.get(name) or ():
                if member.pk in seen and seen[member.pk] != name:
                    self.add_error(
                        name,
                        gettext("%(name)s already has another role on the account team.")
                        % {"name": member.display_name},
                    )
                seen.setdefault(member.pk, name)
        version = cleaned.get("version")
        if self.instance.pk and version and version != self.initial_version:
            from kam.conflicts import conflict_rows

            self.conflicts = conflict_rows(self, self.instance)  # both versions, on the page
            self.data = self.data.copy()  # saving again keeps this user's version
            self.data[self.add_prefix("version")] = self.initial_version
            raise ValidationError(
                _(
                    "Someone else changed this account while you were editing it. "
                    "Reload the page to see their changes, then make yours again."
                ),
                code="conflict",
            )
        return cleaned

    @property
    def initial_version(self):
        return self.fields["version"].initial or ""

    def service_fields(self):
        """The cleaned profile fields, as keyword arguments for the account services."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["tags"] = self.cleaned_data["tags"]
        return data

    def team(self):
        """The account team as (user, role) pairs for ``account_team_set``."""
        return [
            (member, role)
            for name, role in TEAM_FIELDS.items()
            for member in self.cleaned_data.get(name) or ()
        ]

    def team_changed(self):
        return any(name in self.changed_data for name in TEAM_FIELDS)


class HandoverPickForm(BootstrapFormMixin, forms.Form):
    """Step 1 of a handover: whose accounts."""

    from_user = forms.ModelChoiceField(
        label=_("Hand over the accounts of"), queryset=User.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Inactive KAMs stay pickable: a departed colleague's accounts are the usual case.
        field = self.fields["from_user"]
        field.queryset = User.objects.visible_to(user).owners()
        field.label_from_instance = _user_label
        field.empty_label = _("Choose a key account manager")
        self.style_widgets()


def _user_label(user):
    if not user.is_active:
        return gettext("%(name)s (inactive)") % {"name": user.display_name}
    return user.display_name


class HandoverForm(BootstrapFormMixin, forms.Form):
    """Step 2 of a handover: which accounts go to whom.

    ``accounts`` are from_user's accounts the actor may hand over and
    ``colleagues`` the people who can take them; both are evaluated once, so a
    long list renders with a fixed number of queries.
    """

    large = False
    accounts = forms.MultipleChoiceField(
        label=_("Accounts"), widget=forms.CheckboxSelectMultiple, required=False
    )
    assign_all = forms.ChoiceField(label=_("Assign all checked accounts to"), required=False)
    note = forms.CharField(
        label=_("Note for the new owners"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, accounts, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_list = list(accounts)
        self.colleagues = {str(colleague.pk): colleague for colleague in colleagues}
        choices = [("", gettext("Choose a colleague"))] + [
            (pk, colleague.display_name) for pk, colleague in self.colleagues.items()
        ]
        self.fields["accounts"].choices = [(str(a.pk), a.name) for a in self.account_list]
        self.fields["assign_all"].choices = choices
        for account in self.account_list:
            self.fields[self.to_field_name(account)] = forms.ChoiceField(
                label=gettext("New owner of %(account)s") % {"account": account.name},
                choices=choices,
                required=False,
            )
        self.style_widgets()

    @staticmethod
    def to_field_name(account):
        return f"to_{account.pk}"

    @property
    def rows(self):
        checked = set(self["accounts"].value() or ())
        return [
            (account, str(account.pk) in checked, self[self.to_field_name(account)])
            for account in self.account_list
        ]

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("accounts") or []
        if "accounts" in cleaned and not chosen:
            self.add_error("accounts", gettext("Check at least one account to hand over."))
        fallback = cleaned.get("assign_all") or ""
        assignments = {}
        for account in self.account_list:
            if str(account.pk) not in chosen:
                continue
            name = self.to_field_name(account)
            to = cleaned.get(name) or fallback
            if not to:
                self.add_error(name, gettext("Choose who takes this account over."))
                continue
            assignments[account.pk] = self.colleagues[to]
        self.assignments = assignments
        return cleaned
