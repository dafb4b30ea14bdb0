"""Tiering (分级): the scoring model, every score kept with its breakdown, overrides.

This module must not import ``accounts.models`` (that module imports ``Tier`` from
here); relations to accounts are named by string.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.scoping import ScopedQuerySet


class Tier(models.TextChoices):
    A = "A", _("A · Strategic")
    B = "B", _("B · Key")
    C = "C", _("C · Growth")
    D = "D", _("D · Maintain")


class Criterion(models.TextChoices):
    ANNUAL_PURCHASE = "annual_purchase", _("Annual purchase amount")
    PROFIT_CONTRIBUTION = "profit_contribution", _("Profit contribution")
    REVENUE_SHARE = "revenue_share", _("Share of company revenue")
    STRATEGIC_SIGNIFICANCE = "strategic_significance", _("Strategic significance")
    GROWTH_POTENTIAL = "growth_potential", _("Growth potential")
    RELATIONSHIP_DEPTH = "relationship_depth", _("Relationship depth")


DEFAULT_WEIGHTS = {
    Criterion.ANNUAL_PURCHASE.value: 25,
    Criterion.PROFIT_CONTRIBUTION.value: 15,
    Criterion.REVENUE_SHARE.value: 15,
    Criterion.STRATEGIC_SIGNIFICANCE.value: 15,
    Criterion.GROWTH_POTENTIAL.value: 15,
    Criterion.RELATIONSHIP_DEPTH.value: 15,
}


def default_weights():
    return dict(DEFAULT_WEIGHTS)


class ScoringModelQuerySet(ScopedQuerySet):
    """Not account-scoped: every signed-in user reads it, only admins change it."""

    scope = "configuration"


class ScoringModel(models.Model):
    """The one current scoring model (pk 1): weights, tier thresholds and cadences."""

    weights = models.JSONField(_("weights"), default=default_weights)
    threshold_a = models.PositiveSmallIntegerField(_("tier A from score"), default=80)
    threshold_b = models.PositiveSmallIntegerField(_("tier B from score"), default=60)
    threshold_c = models.PositiveSmallIntegerField(_("tier C from score"), default=40)
    cadence_a = models.PositiveSmallIntegerField(_("tier A visit cadence (days)"), default=14)
    cadence_b = models.PositiveSmallIntegerField(_("tier B visit cadence (days)"), default=30)
    cadence_c = models.PositiveSmallIntegerField(_("tier C visit cadence (days)"), default=60)
    cadence_d = models.PositiveSmallIntegerField(_("tier D visit cadence (days)"), default=90)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScoringModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")

    def __str__(self):
        return str(_("Scoring model"))

    @classmethod
    def current(cls):
        """The model in force: the saved one, or the defaults until an admin saves it."""
        return cls.objects.filter(pk=1).select_related("updated_by").first() or cls(pk=1)

    @property
    def thresholds(self):
        return {"a": self.threshold_a, "b": self.threshold_b, "c": self.threshold_c}

    @property
    def cadences(self):
        return {
            "a": self.cadence_a,
            "b": self.cadence_b,
            "c": self.cadence_c,
            "d": self.cadence_d,
        }

    def as_dict(self):
        """A JSON snapshot: what a change records and a run keeps."""
        return {
            "weights": dict(self.weights),
            "thresholds": self.thresholds,
            "cadences": self.cadences,
        }


class ScoringModelChange(models.Model):
    """One change of the scoring model: who, when, before and after."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    old = models.JSONField(_("before"))
    new = models.JSONField(_("after"))

    objects = ScoringModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("scoring model change")
        verbose_name_plural = _("scoring model changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.changed_by} · {self.changed_at:%Y-%m-%d %H:%M}"


class ScoringRun(models.Model):
    """One scoring of all active accounts, with the model it used."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the nightly schedule ran it."),
    )
    account_count = models.PositiveIntegerField(_("accounts scored"), default=0)
    model = models.JSONField(_("scoring model used"), default=dict)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.account_count})"


class TierScoreQuerySet(ScopedQuerySet):
    account_path = "account"


class TierScore(models.Model):
    """An account's score in one run, with the breakdown that explains it."""

    run = models.ForeignKey(
        ScoringRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="scores"
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="tier_scores",
    )
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    breakdown = models.JSONField(_("breakdown"), default=dict)

    objects = TierScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier score")
        verbose_name_plural = _("tier scores")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="tier_score_run_account")
        ]
        indexes = [models.Index(fields=["account", "-id"], name="tier_score_account_latest")]

    def __str__(self):
        return f"{self.account_id}: {self.total} ({self.tier})"


class TierOverrideQuerySet(ScopedQuerySet):
    account_path = "account"

    def active(self):
        return self.filter(removed_at__isnull=True)


class TierOverride(models.Model):
    """A supervisor's decision that an account is in a tier, whatever its score."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="tier_overrides",
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("removed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    objects = TierOverrideQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(removed_at__isnull=True),
                name="tier_override_one_active",
                violation_error_message=_("This account already has a tier override."),
            )
        ]

    def __str__(self):
        return f"{self.account_id}: {self.tier}"

    @property
    def is_active(self):
        return self.removed_at is None


class TierChangeSource(models.TextChoices):
    SCORE = "score", _("Scoring run")
    OVERRIDE = "override", _("Override")
    OVERRIDE_REMOVED = "override_removed", _("Override removed")
    REVIEW = "review", _("Tier review")


class TierChangeQuerySet(ScopedQuerySet):
    account_path = "account"


class TierChange(models.Model):
    """A change of an account's effective tier: what the timeline shows and notifies."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="tier_changes",
    )
    old_tier = models.CharField(_("from tier"), max_length=1, choices=Tier.choices, blank=True)
    new_tier = models.CharField(_("to tier"), max_length=1, choices=Tier.choices)
    source = models.CharField(_("source"), max_length=20, choices=TierChangeSource.choices)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    run = models.ForeignKey(
        ScoringRun, verbose_name=_("run"), on_delete=models.SET_NULL, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)

    objects = TierChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["account", "-changed_at"], name="tier_change_account")]

    def __str__(self):
        return f"{self.account_id}: {self.old_tier or '–'} → {self.new_tier}"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class TierReviewQuerySet(ScopedQuerySet):
    """A review belongs to a team: its supervisor and members see it, executives and
    admins see all. Who may do what to it is decided by the review services."""

    scope = "team_record"


class TierReview(models.Model):
    """A re-grading of a team's accounts (年度分级评审), approved up the chain."""

    team = models.ForeignKey(
        "kam.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="tier_reviews"
    )
    period = models.CharField(
        _("period"), max_length=20, help_text=_("For example 2027 or 2027-Q1.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    run = models.ForeignKey(
        ScoringRun,
        verbose_name=_("scores from run"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    objects = TierReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier review")
        verbose_name_plural = _("tier reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "period"], name="tier_review_team_period")
        ]

    def __str__(self):
        return f"{self.team} · {self.period}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("accounts:tier-review-detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class TierReviewLineQuerySet(ScopedQuerySet):
    account_path = "account"


class TierReviewLine(models.Model):
    """One account in a review: its computed tier and the proposed adjustments."""

    review = models.ForeignKey(
        TierReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="lines"
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="tier_review_lines",
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    computed_tier = models.CharField(_("computed tier"), max_length=1, choices=Tier.choices)
    current_tier = models.CharField(
        _("tier before the review"), max_length=1, choices=Tier.choices, blank=True
    )
    kam_tier = models.CharField(_("KAM's proposal"), max_length=1, choices=Tier.choices, blank=True)
    kam_reason = models.TextField(_("KAM's reason"), blank=True)
    supervisor_tier = models.CharField(
        _("supervisor's proposal"), max_length=1, choices=Tier.choices, blank=True
    )
    supervisor_reason = models.TextField(_("supervisor's reason"), blank=True)

    objects = TierReviewLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier review line")
        verbose_name_plural = _("tier review lines")
        constraints = [
            models.UniqueConstraint(fields=["review", "account"], name="tier_review_line_account")
        ]

    def __str__(self):
        return f"{self.review_id}: {self.account_id} → {self.proposed_tier}"

    @property
    def proposed_tier(self):
        """The supervisor's word, else the KAM's, else the computed tier."""
        return self.supervisor_tier or self.kam_tier or self.computed_tier
