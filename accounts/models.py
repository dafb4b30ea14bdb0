from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import (
    AccountStatus,
    AccountTeamRole,
    Attitude,
    BuyingRole,
    ContactLevel,
    CreditRating,
    Industry,
    Region,
    Sentiment,
    VisitKind,
)
from accounts.geo import distance_label, distance_m
from accounts.health.models import (  # noqa: F401 - registers the health models
    HealthChange,
    HealthSettings,
    HealthSnapshot,
    HealthStatus,
)
from accounts.policy.models import (  # noqa: F401 - registers the policy models
    ServicePolicy,
    TierPolicy,
)
from accounts.service.models import (  # noqa: F401 - registers the service models
    Complaint,
    RiskEvent,
    ServiceSettings,
    Survey,
)
from accounts.tiering.models import (  # noqa: F401 - registers the tiering models
    ScoringModel,
    ScoringModelChange,
    ScoringRun,
    Tier,
    TierOverride,
    TierScore,
)
from accounts.validators import validate_credit_code
from kam.display import ChoiceLabels
from kam.queries import on_days
from kam.records import Archivable, ArchivableQuerySet
from kam.scoping import ScopedQuerySet
from kam.textsearch import (
    PinyinField,
    SearchableQuerySet,
    array_text,
    digits,
    search_fields,
    search_index,
)


class AccountQuerySet(ArchivableQuerySet, SearchableQuerySet, ScopedQuerySet):
    account_path = ""

    def without_active_owner(self):
        """Live accounts whose owner has left (is no longer active): nobody looks after them."""
        return self.active().filter(owner__is_active=False)

    def with_cadence_due(self, *, today=None, as_of=None, every_account=False):
        """The visit cadence rule, defined here once and read by the lists, My day, the
        team dashboard, the API, the exports and the reminder sweep (which selects from
        this queryset's SQL). Annotates:

        - ``last_visit_at``: the latest visit not archived (``last_visit_at()``; with
          ``as_of``, a datetime, none after it);
        - ``cadence_days``: the current scoring model's cadence for the tier (no tier:
          tier D's), read in SQL (``cadence_days()``);
        - ``cadence_since``: the local date of the last visit, or of the account's
          creation when it was never visited (a new account is not overdue at once);
        - ``cadence_due_on``: ``cadence_since`` + ``cadence_days``; none for a lost
          account (no visit is due there);
        - with ``today``, ``past_cadence``: due before ``today``.

        ``every_account`` (the sweep over all accounts) reads the last visits in one
        aggregate over the visits instead of an index probe per account; same rule.
        """
        rows = self.annotate(
            last_visit_at=last_visit_at(as_of=as_of, aggregate=every_account),
            cadence_days=cadence_days(),
            cadence_since=Coalesce(TruncDate("last_visit_at"), TruncDate("created_at")),
            cadence_due_on=Case(
                When(status=AccountStatus.LOST, then=Value(None)),
                default=ExpressionWrapper(
                    F("cadence_since") + F("cadence_days"), output_field=models.DateField()
                ),
                output_field=models.DateField(),
            ),
        )
        if today is not None:
            rows = rows.annotate(
                past_cadence=Coalesce(
                    ExpressionWrapper(
                        Q(cadence_due_on__lt=today), output_field=models.BooleanField()
                    ),
                    False,
                )
            )
        return rows

    def with_policy_shortfalls(self, *, today=None):
        """Where each account falls short of its tier's service policy: the one
        definition (``accounts.policy.rules``), read by the account card, My day, the team
        dashboard, the API and the reminder sweep."""
        from accounts.policy.rules import annotate_shortfalls

        return annotate_shortfalls(self, today=today or timezone.localdate())

    def with_executive_meetings(self, *, today=None):
        """``executive_meetings_this_year``: each account's executive meetings this year
        (``VisitQuerySet.executive_meetings``), up to ``today``."""
        from accounts.policy.rules import executive_meetings_count

        today = today or timezone.localdate()
        return self.annotate(executive_meetings_this_year=executive_meetings_count(today))

    def past_cadence(self, *, today=None):
        """Active accounts past their visit cadence (``with_cadence_due``), most overdue
        first."""
        today = today or timezone.localdate()
        return (
            self.active()
            .with_cadence_due()
            .filter(cadence_due_on__lt=today)
            .order_by("cadence_due_on", "name", "pk")
        )


class Account(ChoiceLabels, Archivable):
    """A key account: the profile the whole product hangs off."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The key of this account in the ERP."),
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_accounts",
    )
    status = models.CharField(
        _("lifecycle status"),
        max_length=16,
        choices=AccountStatus.choices,
        default=AccountStatus.DEVELOPING,
    )
    is_industry_leader = models.BooleanField(_("industry leader"), default=False)
    is_reference_customer = models.BooleanField(_("reference customer"), default=False)
    has_channel_value = models.BooleanField(_("channel value"), default=False)
    cooperation_since = models.DateField(_("cooperation since"), null=True, blank=True)
    credit_rating = models.CharField(
        _("credit rating"), max_length=4, choices=CreditRating.choices, blank=True
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    estimated_wallet = models.DecimalField(
        _("estimated wallet size"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("What the customer spends a year on what we sell, with us and others."),
    )
    annual_revenue_estimate = models.DecimalField(
        _("estimated annual revenue"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "What we sell to this account in a year; used for tiering until ERP actuals arrive."
        ),
    )
    gross_margin_estimate = models.DecimalField(
        _("estimated gross margin %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    growth_potential = models.PositiveSmallIntegerField(
        _("growth potential"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Expected 3–5 year growth and fit with our products: 1 low – 5 high."),
    )
    tier = models.CharField(
        _("tier"),
        max_length=1,
        choices=Tier.choices,
        blank=True,
        help_text=_("The effective tier: the override when there is one, else the computed one."),
    )
    computed_tier = models.CharField(
        _("computed tier"), max_length=1, choices=Tier.choices, blank=True
    )
    approved_tier = models.CharField(
        _("approved tier"),
        max_length=1,
        choices=Tier.choices,
        blank=True,
        help_text=_("Set by the last approved tier review; it wins over the computed tier."),
    )
    tier_score = models.DecimalField(
        _("tier score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    tier_scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    health_score = models.DecimalField(
        _("health score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    health_status = models.CharField(
        _("health"), max_length=8, choices=HealthStatus.choices, blank=True
    )
    health_checked_at = models.DateTimeField(_("health checked at"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # db_default: the set-based inserts (bulk upsert, imports, the bench seed) name only the
    # columns they fill
    address = models.CharField(_("address"), max_length=300, blank=True, db_default="")
    # the address's coordinates, typed in or imported (no geocoding): a check-in is then
    # shown as a distance to the address (accounts.geo)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip
    tags = ArrayField(
        models.CharField(max_length=40), verbose_name=_("tags"), default=list, blank=True
    )
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
    search_text, search_grams = search_fields(
        "name", "legal_name", "credit_code", "external_id", array_text("tags"),
        "name_pinyin", "name_initials",
    )  # fmt: skip

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["credit_code"]),
            GinIndex(fields=["tags"], name="account_tags_gin"),
            search_index("account_search_grams"),
            # The lists' default order over the live accounts (API, executives).
            models.Index(
                fields=["name", "id"],
                condition=Q(archived_at__isnull=True),
                name="account_name_live",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="account_credit_code_unique",
                violation_error_message=_("Another account already has this credit code."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="account_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
        if self.external_id == "":
            self.external_id = None

    @property
    def strategic_flags(self):
        flags = []
        if self.is_industry_leader:
            flags.append(_("Industry leader"))
        if self.is_reference_customer:
            flags.append(_("Reference customer"))
        if self.has_channel_value:
            flags.append(_("Channel value"))
        return flags


class AccountTeamMemberQuerySet(ScopedQuerySet):
    account_path = "account"


class AccountTeamMember(ChoiceLabels, models.Model):
    """A colleague who serves an account beside its owner."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_team_memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=AccountTeamRole.choices)

    objects = AccountTeamMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="account_team_member_unique")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


def last_visit_at(*, as_of=None, aggregate=False):
    """The latest visit of the outer account (archived visits aside; with ``as_of``, none
    after it), as a subquery: the lists annotate it for the rows of the page instead of
    joining every visit (issue 11). ``aggregate``: the same as MAX over the joined visits,
    for a statement over every account."""
    if aggregate:
        where = Q(visits__archived_at__isnull=True)
        if as_of is not None:
            where &= Q(visits__occurred_at__lte=as_of)
        return models.Max("visits__occurred_at", filter=where)
    visits = Visit.objects.filter(account=OuterRef("pk"), archived_at__isnull=True)
    if as_of is not None:
        visits = visits.filter(occurred_at__lte=as_of)
    return Subquery(visits.order_by("-occurred_at").values("occurred_at")[:1])


def cadence_days():
    """The current scoring model's visit cadence for the outer account's tier, in SQL:
    what ``ScoringModel.current().cadences`` gives (the saved model, else the defaults;
    no tier counts as tier D), without a query of its own."""
    current = ScoringModel.objects.filter(pk=1)

    def days(tier):
        name = f"cadence_{tier}"
        default = ScoringModel._meta.get_field(name).default
        return Coalesce(Subquery(current.values(name)[:1]), Value(default))

    return Case(
        *[When(tier=tier.upper(), then=days(tier)) for tier in ("a", "b", "c", "d")],
        default=days("d"),
        output_field=models.IntegerField(),
    )


class ContactQuerySet(ArchivableQuerySet, SearchableQuerySet, ScopedQuerySet):
    account_path = "account"

    def current(self):
        """People still at the account."""
        return self.active().filter(has_left=False)

    def with_last_contacted(self):
        # A correlated subquery, not MAX over a join: computed for the page's rows only
        # and not part of the paginator's COUNT (issue 11, a million visits).
        last = (
            Visit.objects.filter(contacts=OuterRef("pk"))
            .order_by("-occurred_at")
            .values("occurred_at")[:1]
        )
        return self.annotate(last_contacted_at=Subquery(last))


class Contact(ChoiceLabels, Archivable):
    """A person at the account, placed in its org chart."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(_("title"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    level = models.CharField(
        _("level"), max_length=16, choices=ContactLevel.choices, default=ContactLevel.EXECUTION
    )
    buying_role = models.CharField(
        _("buying role"), max_length=20, choices=BuyingRole.choices, blank=True
    )
    attitude = models.CharField(
        _("attitude to us"), max_length=16, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    strength = models.PositiveSmallIntegerField(
        _("relationship strength"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = we barely know them, 5 = a trusted relationship."),
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    has_left = models.BooleanField(_("has left the company"), default=False)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(  # noqa: DJ001 - NULL, not "", so uniqueness skips blanks
        _("external id"), max_length=64, null=True, blank=True
    )
    # search (kam.textsearch): the name's pinyin, and the document a search matches
    name_pinyin = PinyinField(_("name in pinyin"))
    name_initials = PinyinField(_("name in pinyin initials"), initials=True)
    search_text, search_grams = search_fields(
        "name", "title", "phone", digits("phone"), "email", "name_pinyin", "name_initials"
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["account", "name"]),
            search_index("contact_search_grams"),
            # The lists' default order over the live contacts (API, executives).
            models.Index(
                fields=["name", "id"],
                condition=Q(archived_at__isnull=True),
                name="contact_name_live",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(strength__gte=1) & Q(strength__lte=5), name="contact_strength_1_5"
            ),
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=Q(external_id__isnull=False),
                name="contact_external_id_unique",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:contact-detail", args=[self.pk])

    @property
    def is_key(self):
        return self.level in (ContactLevel.EXECUTIVE, ContactLevel.DECISION)


class VisitQuerySet(ArchivableQuerySet, ScopedQuerySet):
    account_path = "account"

    def open_follow_ups(self):
        return self.active().filter(next_visit_on__isnull=False, follow_up_closed_at__isnull=True)

    def executive_meetings(self, *, first=None, last=None):
        """Executive-to-executive meetings (高层互访), the one definition: visits of kind
        executive meeting, not archived, in which an executive sponsor of the account
        (its account team role) took part, by logging the visit or joining it as a
        colleague; with ``first``/``last``, on those local days. The scorecard, the team
        dashboard, the policy's shortfall, the tiering and the health check count these
        (the engines select from this queryset's SQL: ``executive_meetings_by_account``)."""
        sponsors = AccountTeamMember.objects.filter(
            account=OuterRef("account_id"), role=AccountTeamRole.EXECUTIVE_SPONSOR
        )
        joined = Visit.colleagues.through.objects.filter(visit=OuterRef(OuterRef("pk")))
        took_part = Exists(sponsors.filter(user=OuterRef("logged_by_id"))) | Exists(
            sponsors.filter(user__in=joined.values("user_id"))
        )
        rows = self.active().filter(took_part, kind=VisitKind.EXECUTIVE_MEETING)
        if first is not None or last is not None:
            rows = rows.filter(on_days("occurred_at", first, last))
        return rows

    def executive_meetings_by_account(self, *, first=None, last=None):
        """Rows ``account_id, meetings``: the executive meetings per account in the window."""
        return (
            self.executive_meetings(first=first, last=last)
            .order_by()
            .values("account_id")
            .annotate(meetings=models.Count("pk"))
        )


#: the longest note a visit keeps (summary, outcome, next steps) and a comment on it:
#: a full page of text; the forms count down to it, the timeline shows the first lines
VISIT_NOTE_MAX_LENGTH = 4000
#: how far ahead a revisit may be planned (from the visit's day)
REVISIT_HORIZON_DAYS = 2 * 365


def _note_limit():
    return [MaxLengthValidator(VISIT_NOTE_MAX_LENGTH)]


class Visit(ChoiceLabels, Archivable):
    """Any logged contact with the account: a visit, call, meeting, message."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="visits"
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=VisitKind.choices, default=VisitKind.ONSITE
    )
    occurred_at = models.DateTimeField(_("when"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="logged_visits",
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts met"), related_name="visits", blank=True
    )
    colleagues = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleagues who joined"),
        related_name="joined_visits",
        blank=True,
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), validators=_note_limit())
    outcome = models.TextField(_("outcome"), blank=True, validators=_note_limit())
    next_steps = models.TextField(_("next steps"), blank=True, validators=_note_limit())
    next_visit_on = models.DateField(_("planned revisit"), null=True, blank=True)
    next_visit_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revisit by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
    )  # always set with next_visit_on: revisit_owner_for()
    follow_up_closed_at = models.DateTimeField(_("revisit done at"), null=True, blank=True)
    sentiment = models.CharField(
        _("customer sentiment"), max_length=16, choices=Sentiment.choices, blank=True
    )
    client_key = models.UUIDField(
        _("submission key"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("Sent by the form so a resubmission does not log the visit twice."),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip
    location_accuracy = models.FloatField(
        _("location accuracy (m)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["account", "-occurred_at"]),
            models.Index(fields=["logged_by", "-occurred_at"]),
            # The newest visits across all accounts (API cursor, executives): issue 11.
            models.Index(fields=["-occurred_at", "-id"], name="visit_occurred_desc"),
            # A team's or a KAM's newest visits: the list pages its ids from this index alone.
            models.Index(
                fields=["logged_by", "-occurred_at", "-id"],
                include=["account"],
                condition=Q(archived_at__isnull=True),
                name="visit_logger_recent_live",
            ),
            models.Index(
                fields=["next_visit_owner", "next_visit_on"],
                condition=Q(next_visit_on__isnull=False, follow_up_closed_at__isnull=True),
                name="visit_open_follow_up",
            ),
        ]
        constraints = [
            # a planned revisit has its owner (Visit.revisit_owner_for)
            models.CheckConstraint(
                condition=Q(next_visit_on__isnull=True) | Q(next_visit_owner__isnull=False),
                name="visit_revisit_has_owner",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.account} · {self.occurred_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("accounts:visit-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.next_visit_on and self.occurred_at:
            day = timezone.localdate(self.occurred_at)
            if (self.next_visit_on - day).days > REVISIT_HORIZON_DAYS:
                raise ValidationError(
                    {"next_visit_on": _("Plan the revisit within two years of the visit.")}
                )

    @staticmethod
    def revisit_owner_for(account) -> int:
        """Who owns a planned revisit (the one definition): the account's owner when the
        visit is logged, whoever logged it (a colleague's visit is followed up by the
        owner). Stored in ``next_visit_owner``, which My day, the team dashboard, the
        digest and the reminder sweep all read; a handover moves the open ones."""
        return account.owner_id

    @property
    def is_checked_in(self):
        return self.latitude is not None and self.longitude is not None

    @property
    def check_in_distance(self) -> str | None:
        """How far from the account's address the check-in was ("110 m", "2.4 km"), if
        both the check-in and the account have coordinates."""
        account = self.account
        if not self.is_checked_in or account.latitude is None or account.longitude is None:
            return None
        return distance_label(
            distance_m(self.latitude, self.longitude, account.latitude, account.longitude)
        )


class VisitCommentQuerySet(ScopedQuerySet):
    account_path = "visit__account"


class VisitComment(models.Model):
    """A supervisor's review note on a visit."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="visit_comments",
    )
    body = models.TextField(_("comment"), validators=_note_limit())
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisitCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit comment")
        verbose_name_plural = _("visit comments")
        ordering = ["created_at"]

    def __str__(self):
        return self.body[:60]


class HandoverQuerySet(ScopedQuerySet):
    account_path = "account"


class AccountHandover(models.Model):
    """An account moving from one KAM to another (客户交接)."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="handovers"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="handovers_out",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="handovers_in",
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    follow_ups_moved = models.PositiveIntegerField(_("revisits moved"), default=0)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.account}: {self.from_user} → {self.to_user}"
