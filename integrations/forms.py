from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.imports import FIELDS
from integrations.choices import EventKind
from integrations.models import WebhookSubscription
from kam.choices import Role
from kam.forms import BootstrapFormMixin


class TokenForm(BootstrapFormMixin, forms.Form):
    large = False

    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What uses the token, e.g. ERP sync.")
    )
    read_only = forms.BooleanField(
        label=_("Read-only"), required=False, help_text=_("The token may read but not change.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class ServiceUserForm(BootstrapFormMixin, forms.Form):
    large = False

    username = forms.SlugField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class WebhookForm(BootstrapFormMixin, forms.ModelForm):
    large = False

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"), choices=EventKind.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=128,
        required=False,
        help_text=_("Leave empty to generate one (new subscription) or keep it (editing)."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_kinds", "secret", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["secret"] = ""
        self.style_widgets()


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    large = False

    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("CSV (UTF-8 or GB18030) or Excel (.xlsx) with a header row."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


def mapping_choices(kind):
    return [("", _("(ignore this column)"))] + [
        (name, label) for name, label, _choices in FIELDS[kind]
    ]
