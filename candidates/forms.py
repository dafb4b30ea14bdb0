from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import Industry, Region
from candidates.models import CandidateSettings, CandidateStatus
from kam.capabilities import roles_with
from kam.forms import BootstrapFormMixin
from kam.models import Team, User


class PoolFilterForm(BootstrapFormMixin, forms.Form):
    """The pool's filters (GET): status (default: still in the pool), team, region,
    industry and a name."""

    IN_POOL = "pool"
    ALL = "all"

    q = forms.CharField(label=pgettext_lazy("company", "Name"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        initial="pool",
        choices=[
            ("pool", _("In the pool or proposed")),
            ("all", _("All")),
            *CandidateStatus.choices,
        ],
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False)
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("All"))])
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[("", _("All"))])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.visible_to(user).order_by("name")
        self.fields["team"].empty_label = _("All my teams")
        self.fields["region"].choices += Region.choices
        self.fields["industry"].choices += Industry.choices
        self.style_widgets()


class PromoteForm(BootstrapFormMixin, forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            User.objects.visible_to(user)
            .filter(is_active=True, role__in=roles_with("accounts.own"))
            .order_by("full_name", "pk")
        )
        self.fields["owner"].label_from_instance = lambda person: person.display_name
        self.style_widgets()


class DismissForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class CandidateSettingsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CandidateSettings
        fields = ["profit_share", "score_threshold"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
