from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.choices import TagKind
from coaching.models import NOTE_LENGTH, CoachingSession, Competence
from coaching.selectors import competence_choices
from kam.forms import BootstrapFormMixin


class CompetenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.local_name


class TagForm(BootstrapFormMixin, forms.Form):
    """One strength or gap against a competence, on a reviewed visit or plan."""

    large = False

    competence = CompetenceChoiceField(label=_("Competence"), queryset=Competence.objects.none())
    kind = forms.ChoiceField(
        label=_("Strength or gap"), choices=TagKind.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=NOTE_LENGTH, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence"].queryset = competence_choices()
        self.style_widgets()


class SessionForm(BootstrapFormMixin, forms.ModelForm):
    """A coaching session or a training, recorded by the KAM's supervisor."""

    large = False

    class Meta:
        model = CoachingSession
        fields = ["kind", "title", "held_on", "notes", "next_step", "follow_up_on",
                  "private_note"]  # fmt: skip
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "private_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class CompetenceForm(BootstrapFormMixin, forms.ModelForm):
    large = False

    class Meta:
        model = Competence
        fields = ["name", "name_zh", "description", "order", "active"]
        widgets = {"description": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


CompetenceFormSet = forms.modelformset_factory(
    Competence, form=CompetenceForm, extra=1, can_delete=False
)
