from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import AccountStatus
from kam.forms import BootstrapFormMixin
from lifecycle.models import LifecycleRules
from lifecycle.services import RULES_FIELDS


class LifecycleRulesForm(BootstrapFormMixin, forms.ModelForm):
    """The rules' parameters; saving makes a new version (lifecycle.services.rules_change)."""

    class Meta:
        model = LifecycleRules
        fields = list(RULES_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, current=None, **kwargs):
        if current is not None:
            initial = kwargs.setdefault("initial", {})
            for name in RULES_FIELDS:
                if name != "note":
                    initial.setdefault(name, getattr(current, name))
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.style_widgets()

    def _post_clean(self):
        """The service numbers the version and saves; the form only parses."""


class LifecycleOverrideForm(BootstrapFormMixin, forms.Form):
    stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=AccountStatus.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    until = forms.DateField(
        label=_("Holds until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: until someone lifts it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
