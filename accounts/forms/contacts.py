"""Contact forms. They parse and offer scoped choices; accounts.services writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from kam.forms import BootstrapFormMixin
from kam.scoping import CHANGE

STRENGTH_CHOICES = [(value, str(value)) for value in range(1, 6)]


class ContactForm(BootstrapFormMixin, forms.ModelForm):
    """Create (with ``account``) or edit (``instance`` given: the account is fixed)."""

    strength = forms.TypedChoiceField(
        label=_("Relationship strength"),
        choices=STRENGTH_CHOICES,
        coerce=int,
        initial=3,
        widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
        help_text=_("1 = we barely know them, 5 = a trusted relationship."),
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Contact
        fields = [
            "account", "name", "title", "department", "level", "buying_role", "attitude",
            "strength", "reports_to", "phone", "email", "wechat", "has_left", "left_on", "notes",
        ]  # fmt: skip
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "left_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        editing = self.instance.pk is not None
        if editing:
            del self.fields["account"]
            self.initial.setdefault("version", self.instance.updated_at.isoformat())
            account_id = self.instance.account_id
        else:
            del self.fields["version"]
            accounts = Account.objects.visible_to(user, CHANGE).active().order_by("name")
            self.fields["account"].queryset = accounts
            self.fields["account"].empty_label = _("Choose an account…")
            account_id = self.initial.get("account")
        bosses = Contact.objects.visible_to(user).active().select_related("account")
        if editing:
            bosses = bosses.exclude(pk=self.instance.pk)
        if account_id and not self.is_bound:
            # The account is known: offer its people only. A bound form accepts any
            # visible contact and lets the service explain what is wrong with it.
            bosses = bosses.filter(account_id=account_id)
            self.fields["reports_to"].label_from_instance = lambda contact: contact.name
        else:
            self.fields["reports_to"].label_from_instance = lambda contact: (
                f"{contact.name} · {contact.account.name}"
            )
        self.fields["reports_to"].queryset = bosses.order_by("name")
        self.fields["reports_to"].empty_label = _("Nobody (top of the chart)")
        roles = self.fields["buying_role"]
        roles.choices = [("", _("Not known")), *(c for c in roles.choices if c[0])]
        self.style_widgets()

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data

    def is_stale(self, contact: Contact) -> bool:
        """Whether someone saved ``contact`` after this form was opened."""
        version = self.cleaned_data.get("version")
        return bool(version) and version != contact.updated_at.isoformat()

    def refresh_version(self, contact: Contact) -> None:
        """After a conflict, the next save is a deliberate overwrite of the new version."""
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = contact.updated_at.isoformat()
