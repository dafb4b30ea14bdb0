"""The tier service policy's rules in SQL: the one definition of each shortfall, read by
the account card, My day, the team dashboard, the API and the reminder sweep (which
selects from ``AccountQuerySet.with_policy_shortfalls``'s SQL).

For an active account of tier T (no tier: D), on the local day ``today``:

plan
    T requires an annual plan and the account has no plan for ``today``'s year.
sponsor
    T requires an executive sponsor and nobody active holds that role on the account
    team.
contacts
    a contact level T requires is not covered: no current contact of that level (not
    left, not archived) was on a visit (not archived) in the last ``contact_within_days``
    days up to ``today``. ``missing_<level>`` says which.
executive_meetings
    fewer executive meetings this year (``VisitQuerySet.executive_meetings``: with the
    sponsor taking part, 1 January to ``today``) than T's target a year.

``policy_shortfalls`` counts them. Lost accounts owe no service: no shortfall.
"""

from datetime import date, timedelta

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from accounts.choices import AccountStatus, AccountTeamRole, ContactLevel
from accounts.policy.models import DEFAULTS, TIERS, Shortfall, TierPolicy
from kam.queries import on_days

LEVELS = tuple(ContactLevel.values)


def year_window(today: date) -> tuple[date, date]:
    """This year up to ``today``: the executive meetings' window."""
    return date(today.year, 1, 1), today


def _tier_of_outer():
    return Coalesce(NullIf(OuterRef("tier"), Value("")), Value("D"))


def policy_value(name: str, output_field):
    """The policy in force's ``name`` for the outer account's tier (no tier: D's), in SQL:
    the saved version's row, else the default."""
    saved = TierPolicy.objects.in_force().filter(tier=_tier_of_outer()).values(name)[:1]
    default = Case(
        *[When(tier=tier, then=Value(DEFAULTS[tier][name])) for tier in TIERS[:-1]],
        default=Value(DEFAULTS["D"][name]),
        output_field=output_field,
    )
    return Coalesce(Subquery(saved, output_field=output_field), default)


def policy_covers(level: str):
    """Whether the policy in force requires ``level`` for the outer account's tier."""
    saved = (
        TierPolicy.objects.in_force()
        .filter(tier=_tier_of_outer())
        .annotate(covers=ExpressionWrapper(Q(contact_levels__contains=[level]),
                                           output_field=BooleanField()))
        .values("covers")[:1]
    )  # fmt: skip
    default = Case(
        *[When(tier=tier, then=Value(level in DEFAULTS[tier]["contact_levels"]))
          for tier in TIERS[:-1]],
        default=Value(level in DEFAULTS["D"]["contact_levels"]),
        output_field=BooleanField(),
    )  # fmt: skip
    return Coalesce(Subquery(saved, output_field=BooleanField()), default)


def executive_meetings_count(today: date):
    """The outer account's executive meetings this year (the one definition)."""
    from accounts.models import Visit

    first, last = year_window(today)
    meetings = (
        Visit.objects.executive_meetings(first=first, last=last)
        .filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(meetings, output_field=IntegerField()), 0)


def _level_met(level: str, today: date):
    """Whether a current contact of ``level`` was on a visit within the tier's window."""
    from accounts.models import Visit

    visits = (
        Visit.objects.active()
        .filter(
            account=OuterRef("pk"),
            contacts__level=level,
            contacts__has_left=False,
            contacts__archived_at__isnull=True,
        )
        .filter(on_days("occurred_at", last=today))
    )
    since = ExpressionWrapper(
        Value(today + timedelta(days=1)) - OuterRef("policy_contact_within_days"),
        output_field=models.DateField(),
    )
    return Exists(visits.filter(occurred_at__date__gte=since))


def annotate_shortfalls(accounts, *, today: date):
    """``accounts`` with the policy in force and where each falls short of it (see the
    module's docstring): ``policy_<field>``, ``short_<kind>``, ``missing_<level>``,
    ``executive_meetings_this_year`` and ``policy_shortfalls`` (their number)."""
    from accounts.models import AccountTeamMember

    sponsors = AccountTeamMember.objects.filter(
        account=OuterRef("pk"), role=AccountTeamRole.EXECUTIVE_SPONSOR, user__is_active=True
    )
    plans = accounts.model.objects.filter(pk=OuterRef("pk"), plans__year=today.year)
    live = ~Q(status=AccountStatus.LOST) & Q(archived_at__isnull=True)
    rows = accounts.annotate(
        policy_plan_required=policy_value("plan_required", BooleanField()),
        policy_sponsor_required=policy_value("sponsor_required", BooleanField()),
        policy_contact_within_days=policy_value("contact_within_days", IntegerField()),
        policy_executive_meetings=policy_value("executive_meetings", IntegerField()),
        executive_meetings_this_year=executive_meetings_count(today),
        **{f"policy_covers_{level}": policy_covers(level) for level in LEVELS},
    )
    rows = rows.annotate(
        **{
            f"missing_{level}": ExpressionWrapper(
                live & Q(**{f"policy_covers_{level}": True}) & ~Q(_level_met(level, today)),
                output_field=BooleanField(),
            )
            for level in LEVELS
        }
    )
    flags = {
        Shortfall.PLAN: live & Q(policy_plan_required=True) & ~Q(Exists(plans)),
        Shortfall.SPONSOR: live & Q(policy_sponsor_required=True) & ~Q(Exists(sponsors)),
        Shortfall.CONTACTS: Q(*[(f"missing_{level}", True) for level in LEVELS], _connector=Q.OR),
        Shortfall.EXECUTIVE_MEETINGS: live
        & Q(executive_meetings_this_year__lt=F("policy_executive_meetings")),
    }
    rows = rows.annotate(
        **{
            f"short_{kind.value}": ExpressionWrapper(condition, output_field=BooleanField())
            for kind, condition in flags.items()
        }
    )
    total = sum(
        (Case(When(**{f"short_{kind.value}": True}, then=1), default=0) for kind in Shortfall),
        Value(0),
    )
    return rows.annotate(policy_shortfalls=ExpressionWrapper(total, output_field=IntegerField()))


def shortfalls_of(account) -> list[str]:
    """The kinds an annotated account falls short of, in the policy's order."""
    return [kind.value for kind in Shortfall if getattr(account, f"short_{kind.value}")]


def missing_levels(account) -> list[str]:
    return [level for level in LEVELS if getattr(account, f"missing_{level}")]
