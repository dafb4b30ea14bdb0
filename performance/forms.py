from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.forms import BootstrapFormMixin
from performance.incentives import bands_text, parse_bands
from performance.models import IncentiveRule, ScorecardMeasure

DEFAULT_BANDS = [["0", "0"], ["80", "0.5"], ["100", "1"], ["120", "1.5"]]


class IncentiveRuleForm(BootstrapFormMixin, forms.ModelForm):
    """The rule's fields; saving makes a new version (performance.incentives)."""

    bands = forms.CharField(
        label=_("Attainment bands"),
        help_text=_("“attainment from %: multiplier”, separated by commas: 0:0, 80:0.5, 100:1"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = IncentiveRule
        fields = ["target_bonus", "bands", "gate_collection_rate", "gate_attainment_ceiling",
                  "cap", "note"]  # fmt: skip
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, current=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if current is not None:
            for name in ("target_bonus", "gate_collection_rate", "gate_attainment_ceiling", "cap"):
                initial.setdefault(name, getattr(current, name))
            initial.setdefault("bands", bands_text(current.bands))
        else:
            initial.setdefault("bands", bands_text(DEFAULT_BANDS))
            initial.setdefault("gate_collection_rate", Decimal(80))
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.style_widgets()

    def clean_bands(self):
        return parse_bands(self.cleaned_data["bands"])


class MeasureForm(BootstrapFormMixin, forms.ModelForm):
    large = False

    class Meta:
        model = ScorecardMeasure
        fields = ["target", "weight", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


MeasureFormSet = forms.modelformset_factory(
    ScorecardMeasure, form=MeasureForm, extra=0, can_delete=False
)
