"""Writes to the candidate pool: promote a candidate into a key account, dismiss it, change
the pool settings. Each runs in a transaction and records a ``CandidateEvent``."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import account_create
from candidates.models import (
    IN_POOL,
    Candidate,
    CandidateEvent,
    CandidateEventKind,
    CandidateSettings,
    CandidateStatus,
)
from kam.capabilities import require
from kam.choices import NotificationKind
from messaging.notifications import notify


def _locked(actor, candidate_id) -> Candidate:
    """The candidate, locked, if the actor may review it and it is still in the pool."""
    require(actor, "candidates.review")
    candidate = (
        Candidate.objects.visible_to(actor).select_for_update(of=("self",)).filter(
            pk=candidate_id
        ).first()
    )  # fmt: skip
    if candidate is None:
        raise Http404
    if candidate.status not in IN_POOL:
        raise ValidationError(_("This candidate has left the pool already."))
    return candidate


def margin_of(candidate) -> Decimal | None:
    """The gross margin % an account made of the candidate starts with: gross profit /
    revenue × 100 (2 decimals, 0–100), None without revenue."""
    if not candidate.revenue or candidate.gross_profit is None:
        return None
    margin = (candidate.gross_profit * 100 / candidate.revenue).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return min(max(margin, Decimal(0)), Decimal(100))


@transaction.atomic
def candidate_promote(*, actor, candidate_id: int, owner):
    """Make the candidate a key account owned by ``owner`` (through the accounts' one
    creation service: the same checks and history as any new account), with the
    candidate's name, credit code, external id, industry, region, revenue and margin as
    its estimates. The candidate leaves the pool; its history and the account's timeline
    keep where the account came from, with the score. The new owner is notified."""
    candidate = _locked(actor, candidate_id)
    account = account_create(
        actor=actor,
        owner=owner,
        name=candidate.name,
        credit_code=candidate.credit_code,
        external_id=candidate.external_id or None,
        industry=candidate.industry,
        region=candidate.region,
        annual_revenue_estimate=candidate.revenue,
        gross_margin_estimate=margin_of(candidate),
    )
    now = timezone.now()
    candidate.status = CandidateStatus.PROMOTED
    candidate.account = account
    candidate.save(update_fields=["status", "account", "updated_at"])
    CandidateEvent.objects.create(
        candidate=candidate,
        kind=CandidateEventKind.PROMOTED,
        at=now,
        actor=actor,
        score=candidate.score,
        proposed_because=candidate.proposed_because,
        account=account,
    )
    notify(
        recipients=[owner],
        kind=NotificationKind.ACCOUNT_RECEIVED,
        about=account,
        url=account.get_absolute_url(),
        account=account.name,
        by=actor.display_name,
    )
    return account


@transaction.atomic
def candidate_dismiss(*, actor, candidate_id: int, reason: str) -> Candidate:
    """Take the candidate out of the pool with a reason (kept in its history)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the candidate is dismissed.")})
    candidate = _locked(actor, candidate_id)
    candidate.status = CandidateStatus.DISMISSED
    candidate.save(update_fields=["status", "updated_at"])
    CandidateEvent.objects.create(
        candidate=candidate,
        kind=CandidateEventKind.DISMISSED,
        at=timezone.now(),
        actor=actor,
        score=candidate.score,
        reason=reason,
    )
    return candidate


@transaction.atomic
def candidate_settings_change(*, actor, profit_share, score_threshold) -> CandidateSettings:
    require(actor, "candidates.configure")
    config = CandidateSettings.current()
    config.profit_share = profit_share
    config.score_threshold = score_threshold
    config.updated_by = actor
    config.full_clean()
    config.save()
    return config
