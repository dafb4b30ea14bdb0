"""Forms of the plan pages: they parse; plans.services validates the rules and writes."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Account
from kam.forms import BootstrapFormMixin
from kam.models import Team, User
from kam.scoping import CHANGE
from plans.choices import QUARTERS
from plans.models import ActionItem

SWOT = ("strengths", "weaknesses", "opportunities", "threats")
QUARTER_FIELDS = ("revenue", "new_business", "gross_margin", "share_of_wallet")
YEAR_FIELDS = (
    "revenue_target",
    "new_business_target",
    "gross_margin_target",
    "share_of_wallet_target",
)


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PlanForm(BootstrapFormMixin, forms.Form):
    """A plan: account and year (on creation), objectives, SWOT, competitors,
    year targets and the four quarters."""

    large = False

    account = forms.ModelChoiceField(queryset=Account.objects.none(), label=_("Account"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    objectives = forms.CharField(
        label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    strengths = forms.CharField(
        label=_("Strengths"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    weaknesses = forms.CharField(
        label=_("Weaknesses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    opportunities = forms.CharField(
        label=pgettext_lazy("SWOT", "Opportunities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    threats = forms.CharField(
        label=_("Threats"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    competitors = forms.CharField(
        label=_("Competitor landscape"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One competitor per line: name | share of wallet % | position."),
    )
    product_lines = forms.CharField(
        label=_("Product lines to penetrate"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    revenue_target = forms.DecimalField(
        label=_("Revenue target"), min_value=0, decimal_places=2, max_digits=16
    )
    new_business_target = forms.DecimalField(
        label=_("New-business revenue target"),
        min_value=0,
        decimal_places=2,
        max_digits=16,
        initial=0,
    )
    gross_margin_target = forms.DecimalField(
        label=_("Gross margin target %"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    share_of_wallet_target = forms.DecimalField(
        label=_("Share of wallet target %"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )

    def __init__(self, *args, user, plan=None, **kwargs):
        self.plan = plan
        if plan is not None:
            kwargs["initial"] = {**self.initial_from(plan), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        for quarter in QUARTERS:
            self.fields[f"q{quarter}_revenue"] = forms.DecimalField(
                label=_("Revenue"), min_value=0, decimal_places=2, max_digits=16, initial=0
            )
            self.fields[f"q{quarter}_new_business"] = forms.DecimalField(
                label=_("New business"), min_value=0, decimal_places=2, max_digits=16, initial=0
            )
            self.fields[f"q{quarter}_gross_margin"] = forms.DecimalField(
                label=_("Gross margin %"),
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=2,
            )
            self.fields[f"q{quarter}_share_of_wallet"] = forms.DecimalField(
                label=_("Share of wallet %"),
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=2,
            )
        if plan is None:
            self.fields["account"].queryset = (
                Account.objects.visible_to(user, CHANGE).active().order_by("name")
            )
            self.fields["year"].initial = timezone.localdate().year
        else:
            del self.fields["account"], self.fields["year"]
        self.style_widgets()

    @staticmethod
    def initial_from(plan):
        initial = {name: getattr(plan, name) for name in ("objectives", *YEAR_FIELDS)}
        for name in (*SWOT, "product_lines"):
            initial[name] = "\n".join(getattr(plan, name))
        initial["competitors"] = "\n".join(
            " | ".join([c["name"], c.get("share") or "", c.get("position") or ""]).rstrip(" |")
            for c in plan.competitors
        )
        for target in plan.targets.all():
            for name in QUARTER_FIELDS:
                initial[f"q{target.quarter}_{name}"] = getattr(target, name)
        return initial

    def clean_competitors(self):
        rows = []
        for number, line in enumerate(_lines(self.cleaned_data["competitors"]), start=1):
            parts = [part.strip() for part in line.split("|")]
            share = parts[1] if len(parts) > 1 and parts[1] else None
            if share is not None:
                share = share.rstrip("%").strip()
                try:
                    float(share)
                except ValueError:
                    raise forms.ValidationError(
                        _("Line %(n)s: the share must be a number.") % {"n": number}
                    ) from None
            rows.append(
                {"name": parts[0], "share": share, "position": parts[2] if len(parts) > 2 else ""}
            )
        return rows

    def service_arguments(self):
        data = self.cleaned_data
        arguments = {name: data.get(name) for name in ("objectives", *YEAR_FIELDS)}
        arguments["new_business_target"] = arguments["new_business_target"] or 0
        for name in (*SWOT, "product_lines"):
            arguments[name] = _lines(data.get(name))
        arguments["competitors"] = data.get("competitors") or []
        arguments["targets"] = {
            q: {name: data.get(f"q{q}_{name}") for name in QUARTER_FIELDS} for q in QUARTERS
        }
        if self.plan is None:
            arguments["account"] = data["account"]
            arguments["year"] = data["year"]
        return arguments

    def quarter_rows(self):
        return [
            (quarter, [self[f"q{quarter}_{name}"] for name in QUARTER_FIELDS])
            for quarter in QUARTERS
        ]


class DecisionForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class ActionItemForm(BootstrapFormMixin, forms.ModelForm):
    large = False

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "due_on", "status", "department", "note"]
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        account = plan.account
        team = account.team_members.values("user_id")
        self.fields["owner"].queryset = User.objects.filter(
            Q(pk=account.owner_id) | Q(pk__in=team)
        ).order_by("full_name", "username")
        if not self.instance.pk:
            self.fields["owner"].initial = account.owner_id
            self.fields["due_on"].initial = timezone.localdate()
        self.style_widgets()


class ActualImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("CSV or Excel (.xlsx) with a header row."),
    )
    upload = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class QuotaPickForm(BootstrapFormMixin, forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Team"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.style_widgets()


class QuotaForm(BootstrapFormMixin, forms.Form):
    """The team's year and quarters, and one row per member."""

    large = False

    def __init__(self, *args, members, quota=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        splits = {split.user_id: split for split in (quota.splits.all() if quota else [])}
        names = ("annual", "q1", "q2", "q3", "q4")
        for name in names:
            self.fields[name] = forms.DecimalField(
                label=_("Annual") if name == "annual" else name.upper(),
                min_value=0,
                decimal_places=2,
                max_digits=16,
                initial=getattr(quota, name, 0),
            )
        for member in self.members:
            split = splits.get(member.pk)
            for name in names:
                self.fields[f"u{member.pk}_{name}"] = forms.DecimalField(
                    label=name,
                    min_value=0,
                    decimal_places=2,
                    max_digits=16,
                    initial=getattr(split, name, 0),
                )
        self.style_widgets()

    def team_row(self):
        return [self[name] for name in ("annual", "q1", "q2", "q3", "q4")]

    def member_rows(self):
        return [
            (m, [self[f"u{m.pk}_{n}"] for n in ("annual", "q1", "q2", "q3", "q4")])
            for m in self.members
        ]

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "annual": data["annual"],
            "quarters": [data[f"q{q}"] for q in QUARTERS],
            "splits": [
                (m, data[f"u{m.pk}_annual"], [data[f"u{m.pk}_q{q}"] for q in QUARTERS])
                for m in self.members
            ],
        }
