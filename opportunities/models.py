"""Opportunities (商机): pipeline stages, product lines, opportunities with their stage
history, and contracts.

Stages and product lines are configuration: everyone signed in reads them, only
admins change them. Opportunities, their stage changes and contracts hang off an
account and follow its visibility (``account_path``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kam.display import ChoiceLabels
from kam.records import Archivable, ArchivableQuerySet
from kam.scoping import ScopedQuerySet
from kam.textsearch import (
    PinyinField,
    SearchableQuerySet,
    search_fields,
    search_index,
)
from opportunities.choices import ContractStatus, OpportunityType, StageKind


def default_currency():
    return settings.DEFAULT_CURRENCY


class ConfigQuerySet(ScopedQuerySet):
    """Not account-scoped: every signed-in user reads it, only admins change it."""

    scope = "configuration"

    def active(self):
        return self.filter(is_active=True)


class BilingualName(models.Model):
    """A configured name typed by an admin in English and in Chinese; every page shows the
    one of the reader's language (``local_name``, also ``str()``). A name without its
    Chinese form falls back to the catalog (the default stages and lines are in it), then
    to the English name."""

    name = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)

    #: the catalog context of the fallback translation (None: no context)
    catalog_context = None

    class Meta:
        abstract = True

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        if not self.name:
            return self.name_zh or ""
        if (get_language() or "").startswith("zh"):
            if self.name_zh:
                return self.name_zh
            if self.catalog_context:
                return pgettext(self.catalog_context, self.name)
            return gettext(self.name)
        return self.name


class ProductLine(BilingualName):
    """A line of what we sell: the columns of the whitespace matrix."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["order", "name"]


class Stage(BilingualName):
    """A pipeline stage: its place on the board and its default win probability."""

    name = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default win probability (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=100),
                name="stage_probability_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(kind=StageKind.WON) | Q(probability=100),
                name="stage_won_is_100",
                violation_error_message=_("A won stage has a probability of 100%."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=StageKind.LOST) | Q(probability=0),
                name="stage_lost_is_0",
                violation_error_message=_("A lost stage has a probability of 0%."),
            ),
        ]

    catalog_context = "pipeline stage"

    @property
    def is_open(self):
        return self.kind == StageKind.OPEN

    @property
    def is_closed(self):
        return self.kind != StageKind.OPEN


class OpportunityQuerySet(ArchivableQuerySet, SearchableQuerySet, ScopedQuerySet):
    account_path = "account"

    def open(self):
        return self.filter(stage__kind=StageKind.OPEN)

    def won(self):
        return self.filter(stage__kind=StageKind.WON)

    def lost(self):
        return self.filter(stage__kind=StageKind.LOST)

    def with_sales_cycle(self):
        """The sales cycle, defined once: ``opened_on``, the local date of the deal's first
        stage entry; ``won_on``, that of its last move to a won stage (None unless won);
        ``cycle_days``, the whole days between them, at least 1 (a deal won the day it
        opened took a day). Whole days, so the average the forecast page shows is the one
        its pipeline velocity divides by (seconds between two clicks of a demo are not a
        cycle of 0.0 days)."""
        from django.db.models import F, Func, IntegerField, OuterRef, Subquery
        from django.db.models.functions import Greatest, TruncDate

        changes = OpportunityStageChange.objects.filter(opportunity=OuterRef("pk"))
        first = changes.order_by("changed_at", "pk").values("changed_at")[:1]
        won = changes.filter(to_stage__kind=StageKind.WON).order_by("-changed_at", "-pk")
        return self.annotate(
            opened_on=TruncDate(Subquery(first)),
            won_on=TruncDate(Subquery(won.values("changed_at")[:1])),
            cycle_days=Greatest(
                Func(F("won_on"), F("opened_on"), template="(%(expressions)s)", arg_joiner=" - "),
                1,
                output_field=IntegerField(),
            ),
        )


class Opportunity(ChoiceLabels, Archivable):
    """A deal to grow an account: new business, cross-sell, up-sell or renewal."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(
        _("type"), max_length=16, choices=OpportunityType.choices,
        default=OpportunityType.NEW_BUSINESS,
    )  # fmt: skip
    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    expected_close_on = models.DateField(
        _("expected close date"),
        help_text=_("Set to the actual date when the opportunity is won or lost."),
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Defaults to the stage's probability; you may set your own."),
    )
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
    )
    contacts = models.ManyToManyField(
        "accounts.Contact", verbose_name=_("contacts"), related_name="opportunities", blank=True
    )
    competitors = models.CharField(_("competitors"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    close_reason = models.TextField(
        _("win/loss reason"), blank=True, help_text=_("Required when the opportunity closes.")
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # search (kam.textsearch): the name's pinyin, and the document a search matches
    name_pinyin = PinyinField(_("name in pinyin"))
    name_initials = PinyinField(_("name in pinyin initials"), initials=True)
    search_text, search_grams = search_fields("name", "competitors", "name_pinyin", "name_initials")

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["expected_close_on", "pk"]
        indexes = [
            models.Index(fields=["account", "product_line"]),
            models.Index(fields=["owner", "expected_close_on"]),
            models.Index(fields=["stage", "expected_close_on"]),
            search_index("opportunity_search_grams"),
            # The lists' default order over the live opportunities (API, executives).
            models.Index(
                fields=["expected_close_on", "id"],
                condition=Q(archived_at__isnull=True),
                name="opportunity_close_live",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=100),
                name="opportunity_probability_0_100",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("opportunities:detail", args=[self.pk])

    @property
    def weighted_amount(self):
        return (self.amount * self.probability / 100).quantize(self.amount)


#: the kinds of pipeline move a stage change may be (the weekly report counts them)
STAGE_MOVES = ("new", "advanced", "won", "lost")


def stage_move_q(move: str) -> Q:
    """The stage changes that are a pipeline move of the kind ``move``, the one
    definition: "new", an opportunity's first stage entry (it was opened); "advanced", a
    move from an open stage to a later open one; "won" and "lost", a move into a won or a
    lost stage (a deal opened straight into one is new and won, or new and lost)."""
    return {
        "new": Q(from_stage__isnull=True),
        "advanced": Q(
            from_stage__kind=StageKind.OPEN,
            to_stage__kind=StageKind.OPEN,
            to_stage__order__gt=models.F("from_stage__order"),
        ),
        "won": Q(to_stage__kind=StageKind.WON),
        "lost": Q(to_stage__kind=StageKind.LOST),
    }[move]


class StageChangeQuerySet(ScopedQuerySet):
    account_path = "opportunity__account"

    def moves(self, move: str):
        """The stage changes that are a pipeline move of the kind ``move``
        (``stage_move_q``)."""
        return self.filter(stage_move_q(move))


class OpportunityStageChange(models.Model):
    """One move of an opportunity between stages (the first has no ``from_stage``):
    time in stage, conversion and velocity are computed from these rows."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="stage_changes",
    )
    from_stage = models.ForeignKey(
        Stage,
        verbose_name=_("from stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to stage"), on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["opportunity", "changed_at"])]

    def __str__(self):
        return f"{self.opportunity}: {self.from_stage or '—'} → {self.to_stage}"


class ContractQuerySet(ArchivableQuerySet, SearchableQuerySet, ScopedQuerySet):
    account_path = "account"

    def renewals_due(self, *, on):
        """Live contracts (signed or active) that end on ``on``: the reminders issue asks
        for today + 90 and today + 30 days."""
        return self.active().filter(
            ends_on=on, status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE]
        )


class Contract(ChoiceLabels, Archivable):
    """A contract with an account: term, review by legal and finance, key clauses."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
    )
    number = models.CharField(_("contract number"), max_length=64, unique=True)
    title = models.CharField(pgettext_lazy("contract", "title"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), help_text=_("The renewal date."))
    status = models.CharField(
        _("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    legal_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("legal review by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    legal_reviewed_at = models.DateTimeField(_("legal review at"), null=True, blank=True)
    finance_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finance review by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finance_reviewed_at = models.DateTimeField(_("finance review at"), null=True, blank=True)
    confidentiality = models.TextField(_("confidentiality clause"), blank=True)
    intellectual_property = models.TextField(_("intellectual property clause"), blank=True)
    payment_terms = models.TextField(_("payment terms"), blank=True)
    file_reference = models.CharField(
        _("file reference"),
        max_length=300,
        blank=True,
        help_text=_("Where the signed file is kept: a document number, path or link."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # search (kam.textsearch): the title's pinyin, and the document a search matches
    title_pinyin = PinyinField(_("title in pinyin"), source="title")
    title_initials = PinyinField(_("title in pinyin initials"), source="title", initials=True)
    search_text, search_grams = search_fields("number", "title", "title_pinyin", "title_initials")

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["ends_on", "pk"]
        indexes = [
            models.Index(fields=["account", "ends_on"]),
            models.Index(fields=["ends_on"]),
            search_index("contract_search_grams"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="contract_ends_after_start",
                violation_error_message=_("The end date must be after the start date."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_positive"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("opportunities:contract-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": _("The end date must be after the start date.")})

    @property
    def days_to_renewal(self):
        return (self.ends_on - timezone.localdate()).days
