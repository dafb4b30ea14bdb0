"""The pool of candidate key accounts (潜在大客户): customers that are not key accounts yet.

A candidate is a lighter record than an account: name, unified social credit code,
industry, region, the team whose supervisor reviews it, and its annual revenue and gross
profit as the ERP reports them (the figures of the last twelve months, sent by the import
and the bulk API: a candidate has no monthly actuals of its own). The nightly scoring
(candidates.engine) scores every candidate in the pool with the accounts' scoring model
and proposes those at the top of the pool; the supervisor promotes one into an account or
dismisses it. Every step is a ``CandidateEvent`` (the candidate's history).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import Industry, Region
from accounts.validators import validate_credit_code
from kam.scoping import ScopedQuerySet

MONEY = {"max_digits": 16, "decimal_places": 2}


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("In the pool")
    PROPOSED = "proposed", pgettext_lazy("candidate", "Proposed")
    PROMOTED = "promoted", _("Promoted")
    DISMISSED = "dismissed", _("Dismissed")


#: the statuses of the candidates still in the pool (scored nightly)
IN_POOL = (CandidateStatus.OPEN, CandidateStatus.PROPOSED)


class ProposedBecause(models.TextChoices):
    PROFIT = "profit", _("Top share of profit contribution")
    SCORE = "score", _("Score above the threshold")
    BOTH = "both", _("Top share of profit contribution and score above the threshold")


class CandidateSettingsQuerySet(ScopedQuerySet):
    """Configuration: every signed-in user reads it, admins change it."""

    scope = "configuration"


class CandidateSettings(models.Model):
    """The proposal rule (one row, pk 1): a candidate is proposed when its gross profit
    ranks in the top ``profit_share`` % of the candidates in the pool, or when its score
    reaches ``score_threshold``."""

    profit_share = models.DecimalField(
        _("top share of profit contribution (%)"),
        max_digits=4,
        decimal_places=1,
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    score_threshold = models.DecimalField(
        _("proposed from score"),
        max_digits=5,
        decimal_places=2,
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CandidateSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidate pool settings")
        verbose_name_plural = _("candidate pool settings")

    def __str__(self):
        return str(_("Candidate pool settings"))

    @classmethod
    def current(cls):
        """The settings in force: the saved ones, or the defaults."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class CandidateQuerySet(ScopedQuerySet):
    """Scoped by the candidate's team: its supervisor (and members) see it, executives
    and admins every candidate (kam.scoping "team_record")."""

    scope = "team_record"

    def in_pool(self):
        return self.filter(status__in=IN_POOL)


class Candidate(models.Model):
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    external_id = models.CharField(  # noqa: DJ001 - NULL, not "", so uniqueness skips blanks
        _("external id"), max_length=64, null=True, blank=True
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    team = models.ForeignKey(
        "kam.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="candidates"
    )
    revenue = models.DecimalField(_("annual revenue"), null=True, blank=True, **MONEY)
    gross_profit = models.DecimalField(_("annual gross profit"), null=True, blank=True, **MONEY)
    status = models.CharField(
        _("status"), max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    proposed_because = models.CharField(
        _("proposed because"), max_length=8, choices=ProposedBecause.choices, blank=True
    )
    account = models.OneToOneField(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidate key account")
        verbose_name_plural = _("candidate key accounts")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["status", "team"])]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="candidate_credit_code_unique",
            ),
            models.UniqueConstraint(fields=["external_id"], name="candidate_external_id_unique"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("candidates:detail", args=[self.pk])

    @property
    def in_pool(self):
        return self.status in IN_POOL

    @property
    def score(self):
        """The total of the latest scoring, or None (not scored, or out of the pool)."""
        try:
            return self.scoring.total
        except ObjectDoesNotExist:
            return None


class CandidateScore(models.Model):
    """A candidate's score in the latest scoring of the pool: the total, the tier, the rank
    by gross profit and the six criterion scores in the order of
    ``accounts.tiering.models.Criterion`` (their weights: ``CandidateScoring.model``).
    The nightly scoring writes the whole table anew (a narrow table written at once: a
    fraction of the cost of rewriting 200,000 candidate rows)."""

    candidate = models.OneToOneField(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="scoring",
        # no constraint in the database: the scoring empties the table with TRUNCATE,
        # which a pending deferred constraint check in the same transaction refuses; the
        # rows are written from the candidates themselves
        db_constraint=False,
    )
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=1)
    profit_rank = models.PositiveIntegerField(_("rank by gross profit"))
    criteria = ArrayField(
        models.DecimalField(max_digits=5, decimal_places=2), verbose_name=_("criterion scores")
    )

    class Meta:
        verbose_name = _("candidate score")
        verbose_name_plural = _("candidate scores")

    def __str__(self):
        return f"{self.candidate_id}: {self.total}"


class CandidateScoring(models.Model):
    """The latest scoring of the pool (one row, pk 1): when, with which scoring model
    (``ScoringModel.as_dict()``), how many candidates it scored and proposed."""

    scored_at = models.DateTimeField(_("scored at"))
    model = models.JSONField(_("scoring model"))
    scored = models.PositiveIntegerField(_("scored"))
    proposed = models.PositiveIntegerField(_("proposed"))

    class Meta:
        verbose_name = _("candidate scoring")
        verbose_name_plural = _("candidate scorings")

    def __str__(self):
        return str(self.scored_at)


class CandidateEventKind(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("candidate", "Proposed")
    PROMOTED = "promoted", _("Promoted into a key account")
    DISMISSED = "dismissed", _("Dismissed")


class CandidateEvent(models.Model):
    """A step of a candidate's history: proposed by the scoring (with its score and why),
    promoted (the account it became) or dismissed (the reason)."""

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CandidateEventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    proposed_because = models.CharField(
        _("proposed because"), max_length=8, choices=ProposedBecause.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate_events",
    )

    class Meta:
        verbose_name = _("candidate event")
        verbose_name_plural = _("candidate events")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.candidate_id} {self.kind}"
