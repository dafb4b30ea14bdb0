from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kam.choices import NotificationKind
from kam.forms import BootstrapFormMixin
from kam.models import Team
from messaging.models import Provider


class EmailPreferenceForm(BootstrapFormMixin, forms.Form):
    """Kinds are validated against ``NotificationKind`` here (the column has no choices:
    new kinds appear without a migration of this app)."""

    kinds = forms.MultipleChoiceField(
        label=_("Send me these notifications by e-mail"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weekly_digest = forms.BooleanField(
        label=_("Send me the weekly digest of my teams on Mondays"), required=False
    )

    def __init__(self, *args, show_digest=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_digest:
            del self.fields["weekly_digest"]
        self.style_widgets()


class TeamChannelForm(BootstrapFormMixin, forms.Form):
    large = False

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    provider = forms.ChoiceField(label=_("Provider"), choices=Provider.choices)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    webhook_url = forms.URLField(
        label=_("Webhook URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The group robot's address, with its access token."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        help_text=_("DingTalk only: the robot's signing secret (starts with SEC), if set."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Notifications posted"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Site default")), *settings.LANGUAGES],
        required=False,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
