"""Writes of credit: a new version of the settings, a credit review recorded and applied.

The credit check itself is ``credit.engine.credit_check`` (set-based)."""

import calendar
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import CreditRating
from accounts.models import Account
from accounts.policy.models import policy_in_force
from accounts.services import account_update
from credit.models import CreditReview, CreditSettings
from kam.capabilities import require
from kam.models import User
from plans.credit import with_exposure

SETTINGS_FIELDS = ("warning_share", "limit_share", "overdue_90_above", "note")


def review_months(tier: str) -> int:
    """How many months after a review the next is due: the tier service policy's credit
    review cadence for ``tier`` (no tier: tier D's), the one place it is set."""
    return policy_in_force()[tier or "D"]["credit_review_months"]


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` months on; the 31st of a shorter month is its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@transaction.atomic
def credit_settings_change(*, actor: User, **fields) -> CreditSettings:
    """A new version of the credit settings; the earlier ones stay. Versions are numbered
    under a lock, so two changes at once get two numbers."""
    require(actor, "credit.configure")
    last = CreditSettings.objects.select_for_update().order_by("-version").first()
    data = {key: value for key, value in fields.items() if key in SETTINGS_FIELDS}
    config = CreditSettings(version=(last.version + 1) if last else 1, created_by=actor, **data)
    config.full_clean()
    config.save()
    return config


@transaction.atomic
def credit_review_record(
    *,
    actor: User,
    account_id: int,
    new_rating: str,
    new_limit: Decimal | None,
    reason: str,
    reviewed_on: date | None = None,
) -> CreditReview:
    """Record a credit review (信用评审) of an account the actor may change, apply its
    rating and limit to the account (``accounts.services.account_update``: the account's
    history keeps the change) and schedule the next review by the account's tier (the
    tier service policy's cadence, counted from the review's date). Another check runs
    on commit, as a new limit moves the levels."""
    require(actor, "credit.review")
    account = Account.objects.visible_to(actor).filter(pk=account_id).first()
    if account is None:
        raise Http404
    errors = {}
    if new_rating and new_rating not in CreditRating.values:
        errors["new_rating"] = [_("Choose one of the credit ratings.")]
    if new_limit is not None and new_limit < 0:
        errors["new_limit"] = [_("A credit limit cannot be negative.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why: the review's reason is kept with it.")]
    reviewed_on = reviewed_on or timezone.localdate()
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = [_("A review cannot be dated in the future.")]
    if errors:
        raise ValidationError(errors)
    exposure = with_exposure(Account.objects.filter(pk=account.pk)).get().credit_exposure
    old_rating, old_limit = account.credit_rating, account.credit_limit
    account = account_update(
        actor=actor, account=account, credit_rating=new_rating or "", credit_limit=new_limit
    )
    review = CreditReview(
        account=account,
        reviewed_on=reviewed_on,
        reviewed_by=actor,
        old_rating=old_rating,
        new_rating=new_rating or "",
        old_limit=old_limit,
        new_limit=new_limit,
        exposure=exposure,
        reason=reason.strip(),
        next_review_on=add_months(reviewed_on, review_months(account.tier)),
    )
    review.full_clean()
    review.save()
    from credit.tasks import credit_check_task

    transaction.on_commit(credit_check_task.delay)
    return review
