from django import forms
from django.utils.translation import gettext_lazy as _

from kam.forms import BootstrapFormMixin
from taskforce.models import Department
from taskforce.selectors import assignee_choices, department_choices


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.local_name


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class TaskForm(BootstrapFormMixin, forms.Form):
    """A colleague's task in the task force."""

    large = False

    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    assignee = ColleagueChoiceField(label=_("Colleague"), queryset=Department.objects.none())
    description = forms.CharField(
        label=_("Task"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_choices()
        self.fields["assignee"].queryset = assignee_choices()
        self.style_widgets()


class TaskDoneForm(BootstrapFormMixin, forms.Form):
    large = False

    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=2000,
        help_text=_("For colleagues only: never on the customer report."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class FindingsForm(BootstrapFormMixin, forms.Form):
    large = False

    root_cause_detail = forms.CharField(
        label=_("Root cause found"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What caused the complaint, as the customer may read it."),
    )
    improvement = forms.CharField(
        label=_("Improvement made"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What we changed so that it does not happen again, as the customer may read it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class DepartmentForm(BootstrapFormMixin, forms.ModelForm):
    large = False

    class Meta:
        model = Department
        fields = ["name", "name_zh", "order", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


DepartmentFormSet = forms.modelformset_factory(
    Department, form=DepartmentForm, extra=1, can_delete=False
)
