"""Writes of the lifecycle: a new version of the rules, an override set or lifted.

The rules themselves move accounts in ``lifecycle.engine.run`` (set-based)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from kam.capabilities import require
from kam.choices import NotificationKind
from kam.models import User
from lifecycle.models import LifecycleMove, LifecycleOverride, LifecycleRules, MoveRule
from messaging.notifications import notify

RULES_FIELDS = ("red_days", "silent_months", "mature_months", "note")


@transaction.atomic
def rules_change(*, actor: User, **fields) -> LifecycleRules:
    """A new version of the rules' parameters; the earlier ones stay. Versions are
    numbered under a lock, so two changes at once get two numbers."""
    require(actor, "lifecycle.configure")
    last = LifecycleRules.objects.select_for_update().order_by("-version").first()
    data = {key: value for key, value in fields.items() if key in RULES_FIELDS}
    rules = LifecycleRules(version=(last.version + 1) if last else 1, created_by=actor, **data)
    rules.full_clean()
    rules.save()
    return rules


def _visible_account(actor: User, account_id: int) -> Account:
    account = (
        Account.objects.visible_to(actor).active().select_for_update().filter(pk=account_id).first()
    )
    if account is None:
        raise ValidationError({"account": _("This account does not exist or is not yours to see.")})
    return account


@transaction.atomic
def override_set(
    *, actor: User, account_id: int, stage: str, reason: str, until: date | None = None
) -> LifecycleOverride:
    """Set the account's stage by hand: the rules leave it there while the override holds
    (until lifted, or after ``until``). A move to another stage is on the timeline, in the
    history and notified to the owner (unless the owner set it). An earlier override of
    the account is lifted by this one."""
    require(actor, "lifecycle.override")
    account = _visible_account(actor, account_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stage is set by hand.")})
    if until is not None and until < timezone.localdate():
        raise ValidationError({"until": _("The end date cannot be in the past.")})
    now = timezone.now()
    LifecycleOverride.objects.filter(account=account, lifted_at__isnull=True).update(
        lifted_at=now, lifted_by=actor
    )
    override = LifecycleOverride(
        account=account, stage=stage, reason=reason, until=until, created_by=actor
    )
    override.full_clean()
    override.save()
    old = account.status
    if stage != old:
        Account.objects.filter(pk=account.pk).update(status=stage)
        LifecycleMove.objects.create(
            account=account, from_stage=old, to_stage=stage, rule=MoveRule.OVERRIDE,
            reason=reason, moved_by=actor, moved_at=now,
        )  # fmt: skip
        if account.owner_id != actor.pk:
            notify(
                recipients=[account.owner], kind=NotificationKind.LIFECYCLE_MOVED, about=account,
                url=account.get_absolute_url(), account=account.name, old=old, new=stage,
                rule=MoveRule.OVERRIDE.value,
            )  # fmt: skip
    return override


@transaction.atomic
def override_lift(*, actor: User, account_id: int) -> int:
    """Lift the account's override: the next run of the rules moves it again. Returns how
    many were lifted (0 or 1)."""
    require(actor, "lifecycle.override")
    account = _visible_account(actor, account_id)
    return LifecycleOverride.objects.filter(account=account, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=actor
    )
