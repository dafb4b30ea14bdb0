"""The credit levels an account is at: the one definition, as annotations of an accounts
queryset over ``plans.credit.with_exposure``. The account page, the report, the API, the
credit check and the health check all read them from here (the engines from its SQL)."""

from decimal import Decimal

from django.db.models import BooleanField, DecimalField, ExpressionWrapper, Q, Subquery, Value
from django.db.models.functions import Coalesce

from credit.models import CreditSettings
from plans.credit import with_exposure


def _flag(condition: Q):
    return Coalesce(
        ExpressionWrapper(condition, output_field=BooleanField()),
        Value(False),
        output_field=BooleanField(),
    )


THRESHOLD = DecimalField(max_digits=16, decimal_places=2)


def _threshold(name: str):
    """The setting ``name`` in force, read in the statement itself: the latest version's,
    or the default before the first save (no query of its own)."""
    default = Decimal(CreditSettings._meta.get_field(name).default)
    latest = CreditSettings.objects.order_by("-version").values(name)[:1]
    return Coalesce(
        Subquery(latest, output_field=THRESHOLD), Value(default), output_field=THRESHOLD
    )


def _thresholds(config: CreditSettings | None) -> dict:
    names = ("warning_share", "limit_share", "overdue_90_above")
    if config is None:
        return {name: _threshold(name) for name in names}
    return {name: getattr(config, name) for name in names}


def with_levels(accounts, config: CreditSettings | None = None):
    """``accounts`` with the exposure (``plans.credit.with_exposure``) and the levels it is
    at under ``config`` (the settings in force by default):

    - ``credit_at_warning``: share of the limit ≥ ``warning_share``;
    - ``credit_at_limit``: share of the limit ≥ ``limit_share``;
    - ``credit_at_overdue``: overdue more than 90 days > ``overdue_90_above``.

    An account without a credit limit has no share, so it is at neither percentage level.
    Without ``config``, the statement reads the settings in force itself (a subquery)."""
    limits = _thresholds(config)
    return with_exposure(accounts).annotate(
        credit_at_warning=_flag(Q(credit_share__gte=limits["warning_share"])),
        credit_at_limit=_flag(Q(credit_share__gte=limits["limit_share"])),
        credit_at_overdue=_flag(Q(credit_overdue_90__gt=limits["overdue_90_above"])),
    )


def status_of(row) -> str:
    """The badge of a row of ``with_levels``: "over_limit", "warning" or "ok" (the 90-day
    level shows apart)."""
    if row.credit_at_limit:
        return "over_limit"
    if row.credit_at_warning:
        return "warning"
    return "ok"
