"""Service and risk: complaints with a first-response commitment, satisfaction surveys,
risk events.

This module must not import ``accounts.models`` (that module imports these models);
relations to accounts, contacts and visits are named by string.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.display import ChoiceLabels
from kam.scoping import ScopedQuerySet
from kam.textsearch import SearchableQuerySet, search_fields, search_index

#: an open complaint whose response is due within this window is "due soon"
DUE_SOON = timedelta(hours=4)


class ComplaintChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("In person")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("Quality")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    BILLING = "billing", _("Billing")
    COMMUNICATION = "communication", _("Communication")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("complaint status", "Open")
    RESPONDED = "responded", _("Responded")
    RESOLVED = "resolved", _("Resolved")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")


class RootCause(models.TextChoices):
    PRODUCT = "product", _("Product defect")
    PROCESS = "process", _("Our process")
    LOGISTICS = "logistics", _("Logistics")
    PEOPLE = "people", _("Human error")
    COMMUNICATION = "communication", _("Miscommunication")
    CUSTOMER = "customer", _("Customer side")
    OTHER = "other", _("Other")


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    DUE_SOON = "due_soon", _("Due soon")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Answered in time")


class RiskType(models.TextChoices):
    CREDIT = "credit", _("Credit")
    FINANCIAL_DISTRESS = "financial_distress", _("Financial distress")
    POLICY = "policy", _("Policy or regulation")
    KEY_CONTACT_LEAVING = "key_contact_leaving", _("Key contact leaving")
    COMPETITOR = "competitor", _("Competitor threat")
    DELIVERY = "delivery", _("Delivery")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("risk status", "Open")
    MITIGATING = "mitigating", _("Mitigating")
    CLOSED = "closed", _("Closed")


class ServiceSettingsQuerySet(ScopedQuerySet):
    """Not account-scoped: every signed-in user reads it, only admins change it."""

    scope = "configuration"


class ServiceSettings(models.Model):
    """The one set of first-response commitments (pk 1), in hours per severity."""

    response_hours_low = models.PositiveSmallIntegerField(
        _("first response within (hours), low"), default=24, validators=[MinValueValidator(1)]
    )
    response_hours_normal = models.PositiveSmallIntegerField(
        _("first response within (hours), normal"), default=24, validators=[MinValueValidator(1)]
    )
    response_hours_high = models.PositiveSmallIntegerField(
        _("first response within (hours), high"), default=24, validators=[MinValueValidator(1)]
    )
    response_hours_critical = models.PositiveSmallIntegerField(
        _("first response within (hours), critical"), default=4, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ServiceSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint response commitments")
        verbose_name_plural = _("complaint response commitments")

    def __str__(self):
        return str(_("Complaint response commitments"))

    @classmethod
    def current(cls):
        """The commitments in force: the saved ones, or the defaults."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def response_hours(self, severity) -> int:
        return getattr(self, f"response_hours_{severity}")


def breached_effectively_q(now=None) -> Q:
    """The first-response rule's failure, as a condition: breached, or past due without
    an answer even if the sweep has not run yet (``sla_state`` BREACHED)."""
    now = now or timezone.now()
    return Q(breached=True) | Q(status=ComplaintStatus.OPEN, response_due__lt=now)


def answered_in_time_q() -> Q:
    """The first-response rule kept, as a condition: answered and never marked breached
    (``sla_state`` MET)."""
    return Q(first_response_at__isnull=False, breached=False)


class ComplaintQuerySet(SearchableQuerySet, ScopedQuerySet):
    account_path = "account"

    def unanswered(self):
        return self.filter(status=ComplaintStatus.OPEN)

    def not_closed(self):
        return self.exclude(status=ComplaintStatus.CLOSED)

    def breached_effectively(self, now=None):
        """Breached, or past due without an answer even if the sweep has not run yet."""
        return self.filter(breached_effectively_q(now))

    def answered_in_time(self):
        """First answered within the deadline (``sla_state`` MET)."""
        return self.filter(answered_in_time_q())

    def due_soon(self, now=None):
        now = now or timezone.now()
        return self.filter(
            status=ComplaintStatus.OPEN,
            breached=False,
            response_due__gte=now,
            response_due__lt=now + DUE_SOON,
        )


class Complaint(ChoiceLabels, models.Model):
    """A customer complaint, answered within the committed time (投诉)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    received_at = models.DateTimeField(_("received at"))
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=ComplaintChannel.choices,
        default=ComplaintChannel.PHONE,
    )
    category = models.CharField(_("category"), max_length=16, choices=ComplaintCategory.choices)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.NORMAL
    )
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    response_due = models.DateTimeField(_("response due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    response = models.TextField(_("first response"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    root_cause = models.CharField(
        _("root cause"), max_length=16, choices=RootCause.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    verification_visit = models.ForeignKey(
        "accounts.Visit",
        verbose_name=_("follow-up visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="verified_complaints",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("customer satisfaction at closing"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    breached = models.BooleanField(
        _("response deadline breached"),
        default=False,
        help_text=_("Set once when the first response comes late; never cleared."),
    )
    breached_at = models.DateTimeField(_("breach marked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # search (kam.textsearch): the document a search matches
    search_text, search_grams = search_fields("description")

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-received_at"]),
            search_index("complaint_search_grams"),
            models.Index(
                fields=["response_due"],
                condition=Q(breached=False),
                name="complaint_unbreached_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="complaint_satisfaction_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.account} · {self.get_category_display()} · {self.received_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("accounts:complaint-detail", args=[self.pk])

    def sla_state(self, now=None) -> str:
        now = now or timezone.now()
        if self.breached or (self.first_response_at is None and self.response_due < now):
            return SlaState.BREACHED
        if self.first_response_at is not None:
            return SlaState.MET
        if self.response_due < now + DUE_SOON:
            return SlaState.DUE_SOON
        return SlaState.ON_TRACK

    @property
    def sla(self) -> str:
        return self.sla_state()

    @property
    def sla_label(self):
        return SlaState(self.sla).label

    @property
    def time_to_first_response(self):
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.received_at


class SurveyQuerySet(ScopedQuerySet):
    account_path = "account"


class Survey(ChoiceLabels, models.Model):
    """A satisfaction survey answer: NPS 0–10 and/or CSAT 1–5 (满意度调研)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
    )
    taken_on = models.DateField(_("date"))
    nps = models.PositiveSmallIntegerField(
        _("NPS score (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text=_("How likely they are to recommend us, 0–10."),
    )
    csat = models.PositiveSmallIntegerField(
        _("CSAT (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("How satisfied they are, 1–5."),
    )
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["account", "-taken_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(nps__isnull=False) | Q(csat__isnull=False),
                name="survey_has_a_score",
                violation_error_message=_("Give an NPS score, a CSAT score or both."),
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__lte=10), name="survey_nps_0_10"
            ),
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | (Q(csat__gte=1) & Q(csat__lte=5)),
                name="survey_csat_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.account} · {self.taken_on:%Y-%m-%d}"

    #: a promoter answers 9–10, a detractor 0–6 (the Net Promoter Score's groups)
    PROMOTER_FROM = 9
    DETRACTOR_UP_TO = 6

    @property
    def nps_group(self):
        if self.nps is None:
            return ""
        if self.nps >= self.PROMOTER_FROM:
            return "promoter"
        return "detractor" if self.nps <= self.DETRACTOR_UP_TO else "passive"


class RiskEventQuerySet(ScopedQuerySet):
    account_path = "account"

    def not_closed(self):
        return self.exclude(status=RiskStatus.CLOSED)


class RiskEvent(ChoiceLabels, models.Model):
    """Something that could cost us the account (风险事件)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="risk_events",
    )
    type = models.CharField(_("type"), max_length=24, choices=RiskType.choices)
    level = models.CharField(
        _("level"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    description = models.TextField(_("description"))
    mitigation = models.TextField(_("mitigation plan"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="risk_events",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RiskEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk event")
        verbose_name_plural = _("risk events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self):
        return f"{self.account} · {self.get_type_display()} · {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse("accounts:risk-detail", args=[self.pk])

    @property
    def is_open_high(self):
        return self.level == RiskLevel.HIGH and self.status != RiskStatus.CLOSED
