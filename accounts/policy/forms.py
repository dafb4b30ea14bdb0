"""The tier service policy page's form: one field per tier and setting (``A_response_hours``
…), the visit cadence with them, and the reason for the change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import ContactLevel
from accounts.policy.models import FIELDS, TIERS, TierPolicy
from kam.forms import BootstrapFormMixin

#: the rows of the page's table: (key, label); "cadence_days" is the scoring model's
ROWS = (
    ("cadence_days", _("Visit cadence (days)")),
    ("response_hours", _("First response to complaints within (hours)")),
    ("plan_required", _("Annual account plan required")),
    ("sponsor_required", _("Executive sponsor required")),
    ("contact_levels", _("Contact levels to cover")),
    ("contact_within_days", _("Contact levels met within (days)")),
    ("executive_meetings", _("Executive meetings a year")),
    ("credit_review_months", _("Credit review every (months)")),
)


def _field(name):
    if name == "cadence_days":
        return forms.IntegerField(min_value=1, max_value=365)
    if name in ("plan_required", "sponsor_required"):
        return forms.BooleanField(required=False)
    if name == "contact_levels":
        return forms.MultipleChoiceField(
            choices=ContactLevel.choices, required=False, widget=forms.CheckboxSelectMultiple
        )
    model_field = TierPolicy._meta.get_field(name)
    return model_field.formfield()


class ServicePolicyForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, policy=None, cadences=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for tier in TIERS:
            for name in FIELDS:
                if policy is not None:
                    initial.setdefault(f"{tier}_{name}", policy[tier][name])
            if cadences is not None:
                initial.setdefault(f"{tier}_cadence_days", cadences[tier.lower()])
        super().__init__(*args, **kwargs)
        for tier in TIERS:
            for name, label in ROWS:
                field = _field(name)
                field.label = f"{label} · {tier}"
                self.fields[f"{tier}_{name}"] = field
        self.fields["note"] = self.fields.pop("note")  # last
        self.style_widgets()

    def table(self):
        """The page's rows: (label, [the bound field of each tier])."""
        return [(label, [self[f"{tier}_{name}"] for tier in TIERS]) for name, label in ROWS]

    def tiers(self) -> dict:
        return {
            tier: {name: self.cleaned_data[f"{tier}_{name}"] for name in FIELDS} for tier in TIERS
        }

    def cadences(self) -> dict:
        return {tier.lower(): self.cleaned_data[f"{tier}_cadence_days"] for tier in TIERS}
