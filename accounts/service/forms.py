"""Forms for complaints, their transitions, surveys and risk events.

They parse and offer scoped choices; accounts.service.services writes, and its field
errors land back on these forms.
"""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, Visit
from accounts.service.models import (
    ComplaintCategory,
    ComplaintChannel,
    RiskEvent,
    RiskLevel,
    RiskType,
    RootCause,
    Severity,
)
from accounts.service.services import resolved_minute
from kam.forms import BootstrapFormMixin
from kam.models import User
from kam.scoping import CHANGE

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0)


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.account.name} · {obj.name}"


class _AccountFormMixin(BootstrapFormMixin):
    """An account the user looks after and, optionally, one of its contacts."""

    def _scope(self, user):
        accounts = Account.objects.visible_to(user, CHANGE).active().order_by("name")
        self.fields["account"].queryset = accounts
        if "contact" in self.fields:
            self.fields["contact"].queryset = (
                Contact.objects.visible_to(user, CHANGE)
                .current()
                .select_related("account")
                .order_by("account__name", "name")
            )
        if "owner" in self.fields:
            self.fields["owner"].queryset = User.objects.visible_to(user).filter(is_active=True)
        self.style_widgets()


class ComplaintForm(_AccountFormMixin, forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.none(), empty_label=_("Choose an account…")
    )
    contact = ContactChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        initial=_now_local,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=ComplaintChannel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=ComplaintCategory.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL
    )
    description = forms.CharField(
        label=_("What the customer says"), widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The account owner"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(user)


class ComplaintRespondForm(BootstrapFormMixin, forms.Form):
    response = forms.CharField(
        label=_("How the customer was answered"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class ComplaintResolveForm(BootstrapFormMixin, forms.Form):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}))
    root_cause = forms.ChoiceField(
        label=_("Root cause"), choices=[("", _("Choose…")), *RootCause.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class VisitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        local = timezone.localtime(obj.occurred_at)
        when = date_format(local, "SHORT_DATETIME_FORMAT")
        return f"{when} · {obj.get_kind_display()} · {obj.summary[:40]}"


class ComplaintVerifyForm(BootstrapFormMixin, forms.Form):
    visit = VisitChoiceField(
        label=_("Follow-up visit"),
        queryset=Visit.objects.none(),
        empty_label=_("Choose the visit…"),
    )

    def __init__(self, *args, user, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        visits = Visit.objects.visible_to(user).active().filter(account_id=complaint.account_id)
        if complaint.resolved_at:
            visits = visits.filter(occurred_at__gte=resolved_minute(complaint))
        self.fields["visit"].queryset = visits.order_by("-occurred_at")
        self.style_widgets()


class ComplaintCloseForm(BootstrapFormMixin, forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Customer satisfaction"),
        coerce=int,
        choices=[(value, str(value)) for value in range(5, 0, -1)],
        help_text=_("5 = very satisfied, 1 = very dissatisfied."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class SurveyForm(_AccountFormMixin, forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.none(), empty_label=_("Choose an account…")
    )
    contact = ContactChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    taken_on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    nps = forms.IntegerField(label=_("NPS score (0–10)"), min_value=0, max_value=10, required=False)
    csat = forms.IntegerField(label=_("CSAT (1–5)"), min_value=1, max_value=5, required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(user)


class RiskEventForm(_AccountFormMixin, forms.ModelForm):
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.none(), empty_label=_("Choose an account…")
    )
    type = forms.ChoiceField(label=_("Type"), choices=RiskType.choices)
    level = forms.ChoiceField(label=_("Level"), choices=RiskLevel.choices)
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The account owner"),
    )

    class Meta:
        model = RiskEvent
        fields = ["account", "type", "level", "description", "mitigation", "owner", "status"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope(user)
        if self.instance.pk:
            del self.fields["account"]

    def _post_clean(self):
        """The service validates and saves; the form only parses."""
