from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import CreditRating
from credit.models import CreditSettings
from credit.services import SETTINGS_FIELDS
from kam.forms import BootstrapFormMixin


class CreditSettingsForm(BootstrapFormMixin, forms.ModelForm):
    """The thresholds; saving makes a new version
    (credit.services.credit_settings_change)."""

    class Meta:
        model = CreditSettings
        fields = list(SETTINGS_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, current=None, **kwargs):
        if current is not None:
            initial = kwargs.setdefault("initial", {})
            for name in SETTINGS_FIELDS:
                if name != "note":
                    initial.setdefault(name, getattr(current, name))
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.style_widgets()

    def clean(self):
        cleaned = super().clean()
        warning, limit = cleaned.get("warning_share"), cleaned.get("limit_share")
        if warning is not None and limit is not None and limit <= warning:
            self.add_error("limit_share", _("The limit level must be above the warning level."))
        return cleaned

    def _post_clean(self):
        """The service numbers the version and saves; the form only parses."""


class CreditReviewForm(BootstrapFormMixin, forms.Form):
    """A credit review's result (credit.services.credit_review_record)."""

    new_rating = forms.ChoiceField(
        label=_("New credit rating"),
        choices=[("", _("No rating")), *CreditRating.choices],
        required=False,
    )
    new_limit = forms.DecimalField(
        label=_("New credit limit"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Empty: no credit limit (the percentage warnings do not apply)."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, account=None, **kwargs):
        if account is not None:
            initial = kwargs.setdefault("initial", {})
            initial.setdefault("new_rating", account.credit_rating)
            initial.setdefault("new_limit", account.credit_limit)
        super().__init__(*args, **kwargs)
        self.style_widgets()
