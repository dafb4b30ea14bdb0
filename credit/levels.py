"""The credit levels an account is at: the one definition, as annotations of an accounts
queryset over ``plans.credit.with_exposure``. The account page, the report, the API, the
credit check and the health check all read them from here (the engines from its SQL)."""

from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Coalesce

from credit.models import CreditSettings
from plans.credit import with_exposure


def _flag(condition: Q):
    return Coalesce(
        ExpressionWrapper(condition, output_field=BooleanField()),
        Value(False),
        output_field=BooleanField(),
    )


def with_levels(accounts, config: CreditSettings | None = None):
    """``accounts`` with the exposure (``plans.credit.with_exposure``) and the levels it is
    at under ``config`` (the settings in force by default):

    - ``credit_at_warning``: share of the limit ≥ ``warning_share``;
    - ``credit_at_limit``: share of the limit ≥ ``limit_share``;
    - ``credit_at_overdue``: overdue more than 90 days > ``overdue_90_above``.

    An account without a credit limit has no share, so it is at neither percentage level."""
    config = config or CreditSettings.in_force()
    return with_exposure(accounts).annotate(
        credit_at_warning=_flag(Q(credit_share__gte=config.warning_share)),
        credit_at_limit=_flag(Q(credit_share__gte=config.limit_share)),
        credit_at_overdue=_flag(Q(credit_overdue_90__gt=config.overdue_90_above)),
    )


def status_of(row) -> str:
    """The badge of a row of ``with_levels``: "over_limit", "warning" or "ok" (the 90-day
    level shows apart)."""
    if row.credit_at_limit:
        return "over_limit"
    if row.credit_at_warning:
        return "warning"
    return "ok"
