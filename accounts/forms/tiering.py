"""Forms of the tiering pages: the scoring model, overrides and tier reviews.

Forms parse; accounts.tiering.services validates the rules and writes.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.tiering.models import Criterion, Tier
from kam.forms import BootstrapFormMixin

TIER_CHOICES = [("", _("Keep the computed tier")), *Tier.choices]


class ScoringModelForm(BootstrapFormMixin, forms.Form):
    """Weights per criterion, the score each tier starts at, and visit cadences."""

    threshold_a = forms.IntegerField(label=_("Tier A from score"), min_value=0, max_value=100)
    threshold_b = forms.IntegerField(label=_("Tier B from score"), min_value=0, max_value=100)
    threshold_c = forms.IntegerField(label=_("Tier C from score"), min_value=0, max_value=100)
    cadence_a = forms.IntegerField(label=_("Tier A: visit every (days)"))
    cadence_b = forms.IntegerField(label=_("Tier B: visit every (days)"))
    cadence_c = forms.IntegerField(label=_("Tier C: visit every (days)"))
    cadence_d = forms.IntegerField(label=_("Tier D: visit every (days)"))

    def __init__(self, *args, model, **kwargs):
        initial = {
            **{f"weight_{key}": value for key, value in model.weights.items()},
            **{f"threshold_{key}": value for key, value in model.thresholds.items()},
            **{f"cadence_{key}": value for key, value in model.cadences.items()},
        }
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        weight_fields = {
            f"weight_{key}": forms.IntegerField(label=label, min_value=0, max_value=100)
            for key, label in Criterion.choices
        }
        self.fields = {**weight_fields, **self.fields}
        self.style_widgets()
        for field in self.fields.values():
            field.widget.attrs["inputmode"] = "numeric"

    def weight_fields(self):
        return [self[f"weight_{key}"] for key in Criterion.values]

    def threshold_fields(self):
        return [self[f"threshold_{key}"] for key in ("a", "b", "c")]

    def cadence_fields(self):
        return [self[f"cadence_{key}"] for key in ("a", "b", "c", "d")]

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "weights": {key: data[f"weight_{key}"] for key in Criterion.values},
            "thresholds": {key: data[f"threshold_{key}"] for key in ("a", "b", "c")},
            "cadences": {key: data[f"cadence_{key}"] for key in ("a", "b", "c", "d")},
        }


class TierOverrideForm(BootstrapFormMixin, forms.Form):
    large = False
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    reason = forms.CharField(
        label=_("Reason"),
        error_messages={"required": _("Say why this account belongs in another tier.")},
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the account belongs in this tier; the owner and supervisor read it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class TierReviewOpenForm(BootstrapFormMixin, forms.Form):
    large = False
    team = forms.ModelChoiceField(label=_("Team"), queryset=None)
    period = forms.CharField(label=_("Period"), max_length=20, help_text=_("For example 2027."))

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.style_widgets()


class TierReviewLineForm(BootstrapFormMixin, forms.Form):
    large = False
    tier = forms.ChoiceField(label=_("Proposed tier"), choices=TIER_CHOICES, required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class TierReviewDecisionForm(BootstrapFormMixin, forms.Form):
    large = False
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
