"""The visit log form (the most used screen) and the supervisor's comment form.

They parse and offer scoped choices; accounts.services.visit_log and
visit_comment_add write, and their field errors land back on these forms.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Sentiment, VisitKind
from accounts.models import REVISIT_HORIZON_DAYS, VISIT_NOTE_MAX_LENGTH, Account, Contact
from attachments.forms import MultipleFileField, MultipleFileInput
from kam.forms import BootstrapFormMixin
from kam.models import User
from kam.scoping import CHANGE

KIND_ICONS = {
    VisitKind.ONSITE: "bi-building",
    VisitKind.CALL: "bi-telephone",
    VisitKind.MEETING: "bi-people",
    VisitKind.EXECUTIVE_MEETING: "bi-award",
    VisitKind.EMAIL: "bi-envelope",
    VisitKind.WECHAT: "bi-wechat",
    VisitKind.EVENT: "bi-calendar-event",
}
SENTIMENT_STYLES = {
    Sentiment.POSITIVE: ("bi-emoji-smile", "success"),
    Sentiment.NEUTRAL: ("bi-emoji-neutral", "secondary"),
    Sentiment.NEGATIVE: ("bi-emoji-frown", "danger"),
}
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
#: how far in the future "when" may be: phone clocks drift, visits do not happen ahead
FUTURE_TOLERANCE = timedelta(minutes=15)
#: how many accounts (the user's own first) a phone keeps, with their contacts, for
#: logging visits offline
OFFLINE_ACCOUNTS = 200


def loggable_accounts(user):
    """The accounts ``user`` may log a visit on: in their care (the visibility rule's
    CHANGE) and not archived; their own first (``mine`` 0)."""
    return (
        Account.objects.visible_to(user, CHANGE)
        .active()
        .annotate(
            mine=Case(
                When(owner=user, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("mine", "name")
    )


def loggable_contacts(user):
    """The people a visit can be logged with: visible to ``user`` and still at their
    account."""
    return Contact.objects.visible_to(user).current()


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0)


class AccountSelect(forms.Select):
    """The account select; an option of an account whose address has coordinates carries
    them (data-latitude, data-longitude), for the check-in's distance shown in the browser."""

    places = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        place = self.places.get(str(value))
        if place:
            option["attrs"]["data-latitude"], option["attrs"]["data-longitude"] = place
        return option


class VisitForm(BootstrapFormMixin, forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"),
        queryset=Account.objects.none(),
        widget=AccountSelect,
        empty_label=_("Choose an account…"),
        error_messages={
            # also what a visit saved offline hears when its account changed meanwhile
            "invalid_choice": _(
                "This account is archived or no longer in your care: choose another account."
            )
        },
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=VisitKind.choices,
        initial=VisitKind.ONSITE,
        widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        initial=_now_local,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Who did you meet?"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=VISIT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What happened, in a few lines")}),
    )
    sentiment = forms.ChoiceField(
        label=_("How did it go?"),
        choices=Sentiment.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
    )
    next_visit_on = forms.DateField(
        label=_("Planned revisit"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=VISIT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        max_length=VISIT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    colleagues = forms.ModelMultipleChoiceField(
        label=_("Colleagues who joined"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/*", "capture": "environment", "multiple": True}
        ),
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    location_accuracy = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)

    #: fields in the collapsed "More" section, opened when one of them has an error
    MORE_FIELDS = ("purpose", "outcome", "next_steps", "colleagues")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # the date picker offers no day past the revisit horizon (Visit.clean refuses it)
        horizon = timezone.localdate() + timedelta(days=REVISIT_HORIZON_DAYS)
        self.fields["next_visit_on"].widget.attrs["max"] = horizon.isoformat()
        if not self.is_bound:
            self.initial.setdefault("client_key", uuid.uuid4())
        accounts = loggable_accounts(user)
        self.fields["account"].queryset = accounts
        self.fields["account"].choices = self._account_choices(accounts)
        self.fields["contacts"].queryset = Contact.objects.visible_to(user).active()
        self.fields["colleagues"].queryset = (
            User.objects.visible_to(user)
            .filter(is_active=True)
            .exclude(pk=user.pk)
            .order_by("full_name", "username")
        )
        self.style_widgets()

    def _account_choices(self, accounts):
        """The user's own accounts first, then the others they look after: one query."""
        rows = list(accounts.values_list("pk", "name", "mine", "latitude", "longitude"))
        mine = [(pk, name) for pk, name, rank, *_place in rows if rank == 0]
        others = [(pk, name) for pk, name, rank, *_place in rows if rank != 0]
        self.fields["account"].widget.places = {
            str(pk): (str(lat), str(lon))
            for pk, _name, _rank, lat, lon in rows
            if lat is not None and lon is not None
        }
        if len(rows) == 1 and not self.is_bound:
            self.initial.setdefault("account", rows[0][0])  # nothing to choose
        empty = [("", self.fields["account"].empty_label)]
        if mine and others:
            return [*empty, (_("My accounts"), mine), (_("Other accounts I look after"), others)]
        return [*empty, *mine, *others]

    # --- cleaning --------------------------------------------------------------------------

    def clean_occurred_at(self):
        when = self.cleaned_data["occurred_at"]
        now = timezone.now()
        if when > now + FUTURE_TOLERANCE:
            raise forms.ValidationError(_("Log a visit once it has happened."))
        if when <= now < when + timedelta(minutes=1):
            # "Now", as prefilled: the input shows minutes, the timeline orders by the second.
            return now
        return when

    def clean_latitude(self):
        return self._coordinate(self.cleaned_data.get("latitude"))

    def clean_longitude(self):
        return self._coordinate(self.cleaned_data.get("longitude"))

    def clean_location_accuracy(self):
        accuracy = self.cleaned_data.get("location_accuracy")
        return None if accuracy is None else round(accuracy, 1)

    @staticmethod
    def _coordinate(value):
        # Browsers report 15 decimals; the column keeps 6 (about 10 cm).
        return None if value is None else Decimal(f"{value:.6f}")

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            # Half a location is no location: keep the visit, drop the check-in.
            cleaned["latitude"] = cleaned["longitude"] = cleaned["location_accuracy"] = None
        if cleaned.get("latitude") is None:
            cleaned["location_accuracy"] = None
        return cleaned

    def service_data(self) -> dict:
        """Keyword arguments for accounts.services.visit_log (the photos go to
        attachments.services.attachments_add)."""
        data = dict(self.cleaned_data)
        data.pop("photos", None)
        return data

    # --- rendering helpers ------------------------------------------------------------------

    def selected_account(self):
        """The chosen (or preselected) account if the user may log visits on it."""
        value = self["account"].value()
        if value in (None, ""):
            return None
        try:
            return self.fields["account"].queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None

    def selected_contact_ids(self) -> set[str]:
        return {str(value) for value in self["contacts"].value() or []}

    def kind_options(self):
        return [(radio, KIND_ICONS.get(radio.data["value"], "bi-dot")) for radio in self["kind"]]

    def sentiment_options(self):
        return [
            (radio, *SENTIMENT_STYLES.get(radio.data["value"], ("bi-dot", "secondary")))
            for radio in self["sentiment"]
        ]

    def more_open(self) -> bool:
        """Open the "More" section when one of its fields has an error or a value."""
        if not self.is_bound:
            return False
        return any(name in self.errors or self[name].value() for name in self.MORE_FIELDS)

    def has_location(self) -> bool:
        return not any(
            name in self.errors for name in ("latitude", "longitude", "location_accuracy")
        ) and bool(self["latitude"].value() and self["longitude"].value())


def contact_options(user, account):
    """The people still at ``account`` that a visit can be logged with."""
    if account is None:
        return Contact.objects.none()
    return loggable_contacts(user).filter(account=account).order_by("name")


def offline_choices(user) -> dict:
    """What a phone keeps to log visits without a network: the accounts the user may
    log on (own first, at most OFFLINE_ACCOUNTS) with the contacts the form offers for
    each. Two queries."""
    accounts = list(loggable_accounts(user).values("pk", "name")[:OFFLINE_ACCOUNTS])
    people = {account["pk"]: [] for account in accounts}
    contacts = (
        loggable_contacts(user)
        .filter(account_id__in=list(people))
        .order_by("name", "pk")
        .values_list("pk", "account_id", "name", "title")
    )
    for pk, account_id, name, title in contacts:
        people[account_id].append({"id": pk, "name": name, "title": title})
    return {
        "user": user.pk,
        "accounts": [
            {"id": account["pk"], "name": account["name"], "contacts": people[account["pk"]]}
            for account in accounts
        ],
    }


def revisit_shortcuts():
    """One-tap revisit dates: (label, ISO date)."""
    today = timezone.localdate()
    return [
        (_("+1 week"), (today + timedelta(days=7)).isoformat()),
        (_("+2 weeks"), (today + timedelta(days=14)).isoformat()),
        (_("+1 month"), (today + timedelta(days=30)).isoformat()),
        (_("+3 months"), (today + timedelta(days=91)).isoformat()),
    ]


class VisitCommentForm(forms.Form):
    # Not required here: the service decides who may comment before it checks the text,
    # so a refused author is told so (403) whatever they typed.
    body = forms.CharField(
        label=_("Your comment"),
        required=False,
        max_length=VISIT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "class": "form-control", "placeholder": _("Feedback for the KAM")}
        ),
    )
