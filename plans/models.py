"""Account plans (年度客户计划), their targets, action items and approval history;
ERP actuals (实际业绩); and team / per-KAM quotas (业绩指标).

Plans, action items and actuals hang off an account and inherit its visibility
through ``account_path``; quotas belong to a team.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.display import ChoiceLabels
from kam.scoping import ScopedQuerySet, restrict
from plans.choices import ActionStatus, CompetitorPosition, Department, PlanEvent, PlanStatus

MONEY = {"max_digits": 16, "decimal_places": 2}
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}


def _list_field(verbose_name):
    return ArrayField(
        models.CharField(max_length=300), verbose_name=verbose_name, default=list, blank=True
    )


class AccountPlanQuerySet(ScopedQuerySet):
    account_path = "account"


class AccountPlan(ChoiceLabels, models.Model):
    """One plan per account per year; a new revision reopens the same plan."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    objectives = models.TextField(_("objectives"), blank=True)
    strengths = _list_field(_("strengths"))
    weaknesses = _list_field(_("weaknesses"))
    opportunities = _list_field(pgettext_lazy("SWOT", "opportunities"))
    threats = _list_field(_("threats"))
    competitors = models.JSONField(
        _("competitor landscape"),
        default=list,
        blank=True,
        help_text=_("Competitors present at the account: name, share of wallet %, position."),
    )
    revenue_target = models.DecimalField(
        _("revenue target"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    new_business_target = models.DecimalField(
        _("new-business revenue target"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    gross_margin_target = models.DecimalField(
        _("gross margin target %"), **PERCENT, null=True, blank=True
    )
    share_of_wallet_target = models.DecimalField(
        _("share of wallet target %"), **PERCENT, null=True, blank=True
    )
    product_lines = _list_field(_("product lines to penetrate"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AccountPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["-year", "account__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "year"],
                name="plan_one_per_account_year",
                violation_error_message=_("This account already has a plan for that year."),
            )
        ]

    def __str__(self):
        return f"{self.account} {self.year}"

    def get_absolute_url(self):
        return reverse("plans:detail", args=[self.pk])

    @property
    def competitor_rows(self):
        """The competitors with their position in words."""
        labels = dict(CompetitorPosition.choices)
        return [
            {**row, "position_label": labels.get(row.get("position"), row.get("position"))}
            for row in self.competitors or []
        ]

    @property
    def is_editable(self):
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)


class PlanTargetQuerySet(ScopedQuerySet):
    account_path = "plan__account"


class PlanTarget(models.Model):
    """A quarter's share of the plan's year targets."""

    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="targets"
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    revenue = models.DecimalField(
        _("revenue"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    new_business = models.DecimalField(
        _("new-business revenue"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    gross_margin = models.DecimalField(_("gross margin %"), **PERCENT, null=True, blank=True)
    share_of_wallet = models.DecimalField(_("share of wallet %"), **PERCENT, null=True, blank=True)

    objects = PlanTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarter target")
        verbose_name_plural = _("quarter targets")
        ordering = ["plan", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "quarter"], name="plan_target_one_per_quarter"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="plan_target_quarter_range"
            ),
        ]

    def __str__(self):
        return f"{self.plan} Q{self.quarter}"


class PlanTransitionQuerySet(ScopedQuerySet):
    account_path = "plan__account"


class PlanTransition(models.Model):
    """One step of the approval cycle: who did what, when, with which comment."""

    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="transitions"
    )
    event = models.CharField(_("event"), max_length=16, choices=PlanEvent.choices)
    from_status = models.CharField(
        pgettext_lazy("status change", "from"),
        max_length=16,
        choices=PlanStatus.choices,
        blank=True,
    )
    to_status = models.CharField(
        pgettext_lazy("status change", "to"), max_length=16, choices=PlanStatus.choices
    )
    revision = models.PositiveSmallIntegerField(_("revision"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="plan_transitions",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = PlanTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan transition")
        verbose_name_plural = _("plan transitions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.plan}: {self.event}"


class ActionItemQuerySet(ScopedQuerySet):
    account_path = "plan__account"

    def not_done(self):
        return self.exclude(status=ActionStatus.DONE)

    def due_by(self, day):
        """Open items due on or before ``day`` (today's and the overdue ones)."""
        return self.not_done().filter(due_on__lte=day)


class ActionItem(ChoiceLabels, models.Model):
    plan = models.ForeignKey(
        AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(_("what"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="plan_action_items",
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    department = models.CharField(
        _("department involved"), max_length=16, choices=Department.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("plans:action-item-edit", args=[self.pk])


class ActualQuerySet(ScopedQuerySet):
    account_path = "account"

    def collections_by(self, key: str):
        """Invoiced and collected summed per ``key`` (a lookup such as
        ``account__owner_id``) over these actuals: the two sides of the collection rate
        (``plans.selectors.collection_rate``). One query when read."""
        return (
            self.values(key)
            .annotate(invoiced=Sum("invoiced"), collected=Sum("collected"))
            .order_by()
        )

    def in_months(self, first: int, end: int):
        """The actuals of the months ``first`` to ``end`` (excluded), each a month number
        (year × 12 + month − 1)."""
        return self.annotate(period=F("year") * 12 + F("month") - 1).filter(
            period__gte=first, period__lt=end
        )

    def totals_by_account(self):
        """Revenue, gross profit and the number of months with actuals, per account (the
        column ``account_id``) over these actuals: what the tier scoring counts as an
        account's annual revenue and profit (accounts.tiering). One query when read."""
        return (
            self.values("account_id")
            .annotate(revenue=Sum("revenue"), profit=Sum("gross_profit"), months=Count("pk"))
            .order_by()
        )


class Actual(models.Model):
    """What the ERP says happened on an account in a month. Read-only in the UI:
    written by the bulk upsert (API) and the import only."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="actuals",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    revenue = models.DecimalField(_("revenue"), **MONEY, default=0)
    gross_profit = models.DecimalField(_("gross profit"), **MONEY, default=0)
    invoiced = models.DecimalField(_("invoiced"), **MONEY, default=0)
    collected = models.DecimalField(_("collected"), **MONEY, default=0)
    overdue_1_30 = models.DecimalField(_("overdue 1–30 days"), **MONEY, default=0)
    overdue_31_60 = models.DecimalField(_("overdue 31–60 days"), **MONEY, default=0)
    overdue_61_90 = models.DecimalField(_("overdue 61–90 days"), **MONEY, default=0)
    overdue_over_90 = models.DecimalField(_("overdue over 90 days"), **MONEY, default=0)
    receivables_overdue = models.GeneratedField(
        expression=F("overdue_1_30")
        + F("overdue_31_60")
        + F("overdue_61_90")
        + F("overdue_over_90"),
        output_field=models.DecimalField(**MONEY),
        db_persist=True,
        verbose_name=_("receivables overdue"),
    )
    source = models.CharField(_("source"), max_length=16, default="api")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ActualQuerySet.as_manager()

    class Meta:
        verbose_name = _("actual")
        verbose_name_plural = _("actuals")
        ordering = ["-year", "-month", "account__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "year", "month"], name="actual_one_per_account_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="actual_month_range"
            ),
        ]
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self):
        return f"{self.account} {self.year}-{self.month:02d}"


class TeamQuotaQuerySet(ScopedQuerySet):
    # A quota belongs to a team: its supervisor and members see it (the tier-review rule).
    scope = "team_record"


class TeamQuota(models.Model):
    """A team's revenue target for a year, by quarter, split per KAM in ``splits``."""

    team = models.ForeignKey(
        "kam.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="quotas"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    annual = models.DecimalField(_("annual target"), **MONEY, validators=[MinValueValidator(0)])
    q1 = models.DecimalField(_("Q1"), **MONEY, validators=[MinValueValidator(0)])
    q2 = models.DecimalField(_("Q2"), **MONEY, validators=[MinValueValidator(0)])
    q3 = models.DecimalField(_("Q3"), **MONEY, validators=[MinValueValidator(0)])
    q4 = models.DecimalField(_("Q4"), **MONEY, validators=[MinValueValidator(0)])
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TeamQuotaQuerySet.as_manager()

    class Meta:
        verbose_name = _("team quota")
        verbose_name_plural = _("team quotas")
        ordering = ["-year", "team__name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "year"], name="team_quota_one_per_year")
        ]

    def __str__(self):
        return f"{self.team} {self.year}"

    def get_absolute_url(self):
        return reverse("plans:quota-list") + f"?year={self.year}"

    @property
    def quarters(self):
        return [self.q1, self.q2, self.q3, self.q4]


class KamQuotaQuerySet(ScopedQuerySet):
    def visible_to(self, user, action="view"):
        return self.filter(quota__in=restrict(TeamQuota.objects.all(), user, action).values("pk"))


class KamQuota(models.Model):
    """One KAM's share of a team quota."""

    quota = models.ForeignKey(
        TeamQuota, verbose_name=_("team quota"), on_delete=models.CASCADE, related_name="splits"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key account manager"),
        on_delete=models.CASCADE,
        related_name="quotas",
    )
    annual = models.DecimalField(_("annual target"), **MONEY, validators=[MinValueValidator(0)])
    q1 = models.DecimalField(_("Q1"), **MONEY, validators=[MinValueValidator(0)])
    q2 = models.DecimalField(_("Q2"), **MONEY, validators=[MinValueValidator(0)])
    q3 = models.DecimalField(_("Q3"), **MONEY, validators=[MinValueValidator(0)])
    q4 = models.DecimalField(_("Q4"), **MONEY, validators=[MinValueValidator(0)])

    objects = KamQuotaQuerySet.as_manager()

    class Meta:
        verbose_name = _("KAM quota")
        verbose_name_plural = _("KAM quotas")
        ordering = ["quota", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["quota", "user"], name="kam_quota_one_per_user")
        ]

    def __str__(self):
        return f"{self.quota}: {self.user}"

    @property
    def quarters(self):
        return [self.q1, self.q2, self.q3, self.q4]
