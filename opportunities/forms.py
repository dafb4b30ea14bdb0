"""Forms of the opportunity pages. They parse and offer scoped choices; services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from kam.forms import BootstrapFormMixin
from kam.models import User
from kam.scoping import CHANGE
from opportunities.models import Contract, Opportunity, ProductLine, Stage

#: who may own an opportunity (kam.capabilities)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpportunityForm(BootstrapFormMixin, forms.ModelForm):
    """Create (account and stage chosen here) or edit (the stage moves on its own form)."""

    probability = forms.IntegerField(
        label=_("Win probability (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Leave empty to use the stage's default."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "account", "name", "type", "product_line", "amount", "expected_close_on", "stage",
            "probability", "owner", "contacts", "competitors", "next_step", "close_reason",
        ]  # fmt: skip
        widgets = {
            "expected_close_on": DATE,
            "close_reason": forms.Textarea(attrs={"rows": 2}),
            "contacts": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        editing = self.instance.pk is not None
        lines = ProductLine.objects.visible_to(user).order_by("order", "name")
        if editing:
            del self.fields["account"]
            del self.fields["stage"]
            account_id = self.instance.account_id
            lines = lines.filter(is_active=True) | lines.filter(pk=self.instance.product_line_id)
            if self.instance.stage.is_open:
                del self.fields["close_reason"]
        else:
            accounts = Account.objects.visible_to(user, CHANGE).active().order_by("name")
            self.fields["account"].queryset = accounts
            self.fields["account"].empty_label = _("Choose an account…")
            self.fields["stage"].queryset = Stage.objects.active().order_by("order", "pk")
            self.fields["stage"].required = False
            self.fields["stage"].empty_label = _("The first stage")
            self.fields["close_reason"].required = False
            lines = lines.filter(is_active=True)
            account_id = self.initial.get("account")
        self.fields["product_line"].queryset = lines
        owners = User.objects.visible_to(user).owners(active_only=True)
        self.fields["owner"].queryset = owners.order_by("full_name", "username")
        self.fields["owner"].required = False
        self.fields["owner"].empty_label = _("Me (or the account owner)")
        contacts = Contact.objects.visible_to(user).current().select_related("account")
        if account_id and not self.is_bound:
            contacts = contacts.filter(account_id=account_id)
        self.fields["contacts"].queryset = contacts.order_by("name")
        self.fields["contacts"].label_from_instance = lambda c: f"{c.name} · {c.account.name}"
        self.fields["competitors"].help_text = _("Separate names with commas.")
        self.style_widgets()

    def _post_clean(self):
        pass  # the service validates the whole opportunity and reports field errors

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class StageMoveForm(BootstrapFormMixin, forms.Form):
    """Move an opportunity to another stage; a reason when it is won or lost."""

    large = False

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none())
    probability = forms.IntegerField(
        label=_("Win probability (%)"), required=False, min_value=0, max_value=100,
        help_text=_("Leave empty to use the stage's default."),
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Win/loss reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.active().order_by("order", "pk")
        self.style_widgets()


class ContractForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "account", "opportunity", "number", "title", "amount", "starts_on", "ends_on",
            "status", "confidentiality", "intellectual_property", "payment_terms",
            "file_reference",
        ]  # fmt: skip
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "confidentiality": forms.Textarea(attrs={"rows": 2}),
            "intellectual_property": forms.Textarea(attrs={"rows": 2}),
            "payment_terms": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        opportunities = Opportunity.objects.visible_to(user).active().select_related("account")
        if self.instance.pk is not None:
            del self.fields["account"]
            opportunities = opportunities.filter(account_id=self.instance.account_id)
        else:
            accounts = Account.objects.visible_to(user, CHANGE).active().order_by("name")
            self.fields["account"].queryset = accounts
            self.fields["account"].empty_label = _("Choose an account…")
        self.fields["opportunity"].queryset = opportunities.order_by("name")
        self.fields["opportunity"].label_from_instance = lambda o: f"{o.name} · {o.account.name}"
        self.style_widgets()

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on <= starts_on:
            self.add_error("ends_on", _("The end date must be after the start date."))
        return cleaned

    def _post_clean(self):
        pass  # the service runs full_clean (with the account it sets) and reports field errors


class StageForm(BootstrapFormMixin, forms.ModelForm):
    large = False

    class Meta:
        model = Stage
        fields = ["name", "name_zh", "order", "probability", "kind", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class ProductLineForm(BootstrapFormMixin, forms.ModelForm):
    large = False

    class Meta:
        model = ProductLine
        fields = ["name", "name_zh", "code", "order", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def _post_clean(self):
        pass  # uniqueness of the code is reported by the service
