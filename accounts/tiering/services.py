"""Writes for tiering: the scoring model, overrides and scoring runs.

Keyword-only, the actor first, each in a transaction; bad input raises
``ValidationError`` with field errors, a forbidden actor ``PermissionDenied``.
Scoring runs and overrides take the same transaction-level advisory lock, so an
override set while a run is under way cannot be overwritten by the run.
"""

import zlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from accounts.tiering import engine
from accounts.tiering.models import (
    Criterion,
    ReviewStatus,
    ScoringModel,
    ScoringModelChange,
    ScoringRun,
    Tier,
    TierChange,
    TierChangeSource,
    TierOverride,
    TierReview,
    TierReviewLine,
    TierScore,
)
from kam import events
from kam.batch import plan_for_whole_tables
from kam.capabilities import may, roles_with
from kam.choices import NotificationKind
from kam.models import Notification, Team, TeamMembership, User
from kam.scoping import DELETE, active_supervisor_ids, ensure_visible, leads_team, supervisors_of
from messaging.notifications import notify

_LOCK_KEY = zlib.crc32(b"accounts.tiering")


def _lock_tiering() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


# --- the scoring model ------------------------------------------------------------------


def _as_int(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _check_weights(weights) -> dict:
    expected = set(Criterion.values)
    if not isinstance(weights, dict) or set(weights) != expected:
        raise ValidationError(
            {"weights": _("Give one weight for each criterion: %(names)s.")
             % {"names": ", ".join(Criterion.values)}}
        )  # fmt: skip
    try:
        weights = {key: _as_int(weights[key]) for key in Criterion.values}
    except TypeError:
        raise ValidationError({"weights": _("Weights are whole numbers.")}) from None
    if any(value < 0 for value in weights.values()):
        raise ValidationError({"weights": _("A weight cannot be negative.")})
    total = sum(weights.values())
    if total != 100:
        raise ValidationError(
            {"weights": _("The weights must add up to 100; they add up to %(sum)s.")
             % {"sum": total}}
        )  # fmt: skip
    return weights


def _merge(current: dict, given, keys, field) -> dict:
    if given is None:
        return dict(current)
    if not isinstance(given, dict) or not set(given) <= set(keys):
        raise ValidationError({field: _("Use the keys %(keys)s.") % {"keys": ", ".join(keys)}})
    merged = {**current, **given}
    try:
        return {key: _as_int(merged[key]) for key in keys}
    except TypeError:
        raise ValidationError({field: _("Use whole numbers.")}) from None


@transaction.atomic
def scoring_model_update(*, actor: User, weights=None, thresholds=None, cadences=None):
    """Change the scoring model (admins only) and record the change."""
    if not may(actor, "scoring.configure"):
        raise PermissionDenied(_("Only an admin changes the scoring model."))
    ScoringModel.objects.get_or_create(pk=1)
    model = ScoringModel.objects.select_for_update().get(pk=1)
    old = model.as_dict()
    new_weights = old["weights"] if weights is None else _check_weights(weights)
    new_thresholds = _merge(old["thresholds"], thresholds, ("a", "b", "c"), "thresholds")
    new_cadences = _merge(old["cadences"], cadences, ("a", "b", "c", "d"), "cadences")
    a, b, c = new_thresholds["a"], new_thresholds["b"], new_thresholds["c"]
    if not 100 >= a > b > c > 0:
        raise ValidationError(
            {"thresholds": _("Overlapping thresholds: they must satisfy 100 ≥ A > B > C > 0.")}
        )
    if any(days <= 0 for days in new_cadences.values()):
        raise ValidationError({"cadences": _("A visit cadence must be at least one day.")})
    model.weights = new_weights
    model.threshold_a, model.threshold_b, model.threshold_c = a, b, c
    model.cadence_a = new_cadences["a"]
    model.cadence_b = new_cadences["b"]
    model.cadence_c = new_cadences["c"]
    model.cadence_d = new_cadences["d"]
    model.updated_by = actor
    model.save()
    new = model.as_dict()
    if new != old:
        ScoringModelChange.objects.create(changed_by=actor, old=old, new=new)
    return model


# --- overrides --------------------------------------------------------------------------


def _notify_tier_change(account: Account, old: str, new: str) -> None:
    if not old or not new or old == new:
        return
    change = {"id": account.pk, "name": account.name, "old": old, "new": new}
    events.publish("tier_changed", [change])
    owner = account.owner
    notify(
        recipients=[owner, *supervisors_of(owner)],
        kind=NotificationKind.TIER_CHANGED,
        about=account,
        url=account.get_absolute_url(),
        account=account.name,
        old=old,
        new=new,
    )


def _locked_account(actor: User, account: Account) -> Account:
    if not may(actor, "tiers.override"):
        raise PermissionDenied(_("Only a supervisor or an admin overrides a tier."))
    _lock_tiering()
    account = Account.objects.select_for_update().get(pk=account.pk)
    ensure_visible(actor, account, DELETE)  # the owner's supervisor or an admin
    return account


def _set_effective_tier(account: Account, tier: str, *, actor, source, reason="") -> None:
    old = account.tier
    if old == tier:
        return
    account.tier = tier
    account.save(update_fields=["tier", "updated_at"])
    TierChange.objects.create(
        account=account,
        old_tier=old,
        new_tier=tier,
        source=source,
        changed_at=timezone.now(),
        changed_by=actor,
        reason=reason,
    )
    _notify_tier_change(account, old, tier)


@transaction.atomic
def tier_override_set(*, actor: User, account: Account, tier: str, reason: str) -> TierOverride:
    """Put ``account`` in ``tier`` whatever its score, with a written reason."""
    account = _locked_account(actor, account)
    errors = {}
    if tier not in Tier.values:
        errors["tier"] = _("Choose a tier.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why this account belongs in another tier.")
    if account.archived_at is not None:
        errors["account"] = _("Archived accounts are not tiered.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    TierOverride.objects.filter(account=account, removed_at__isnull=True).update(
        removed_by=actor, removed_at=now
    )
    override = TierOverride.objects.create(
        account=account, tier=tier, reason=reason.strip(), created_by=actor
    )
    _set_effective_tier(
        account, tier, actor=actor, source=TierChangeSource.OVERRIDE, reason=override.reason
    )
    return override


@transaction.atomic
def tier_override_remove(*, actor: User, account: Account) -> TierOverride:
    """Remove the account's override; it falls back to its computed tier."""
    account = _locked_account(actor, account)
    override = (
        TierOverride.objects.select_for_update()
        .filter(account=account, removed_at__isnull=True)
        .first()
    )
    if override is None:
        raise ValidationError({"account": _("This account has no tier override.")})
    override.removed_by = actor
    override.removed_at = timezone.now()
    override.save(update_fields=["removed_by", "removed_at"])
    fallback = account.approved_tier or account.computed_tier
    if fallback:
        _set_effective_tier(
            account, fallback, actor=actor, source=TierChangeSource.OVERRIDE_REMOVED
        )
    elif account.tier:
        # Never scored: nothing stands behind the tier any more; the next run grades it.
        account.tier = ""
        account.save(update_fields=["tier", "updated_at"])
    return override


# --- scoring runs -----------------------------------------------------------------------


def _notify_changes(changes: list[dict]) -> list[Notification]:
    """One notification to the owner and each of their supervisors per changed
    account: two reads, then one insert per 1,000 notifications."""
    if not changes:
        return []
    events.publish("tier_changed", changes)  # the webhooks' outbox, in this transaction
    owner_ids = {change["owner_id"] for change in changes}
    active_ids = set(
        User.objects.filter(pk__in=owner_ids, is_active=True).values_list("pk", flat=True)
    )
    supervisors = active_supervisor_ids(owner_ids)
    rows = []
    for change in changes:
        recipients = supervisors.get(change["owner_id"], set()) - {change["owner_id"]}
        if change["owner_id"] in active_ids:
            recipients = {change["owner_id"], *recipients}
        url = Account(pk=change["id"]).get_absolute_url()
        params = {"account": change["name"], "old": change["old"], "new": change["new"]}
        rows.extend(
            Notification(
                recipient_id=recipient,
                kind=NotificationKind.TIER_CHANGED,
                account_id=change["id"],
                url=url,
                params=params,
            )
            for recipient in sorted(recipients)
        )
    return Notification.objects.bulk_create(rows, batch_size=1000)


@transaction.atomic
def accounts_score(*, actor: User | None = None) -> ScoringRun:
    """Score every active account with the current model, keep the scores, update the
    accounts' tiers and tell owners and supervisors about effective tier changes.
    Running it twice only adds a second run: nobody is told twice."""
    if actor is not None and not may(actor, "scoring.configure"):
        raise PermissionDenied(_("Only an admin starts a scoring run."))
    _lock_tiering()
    plan_for_whole_tables()
    snapshot = ScoringModel.current().as_dict()
    now = timezone.now()
    run = ScoringRun.objects.create(started_at=now, triggered_by=actor, model=snapshot)
    count = engine.score_accounts(run=run, snapshot=snapshot, today=timezone.localdate(now))
    changes = engine.apply_scores(run=run, scored_at=now)
    _notify_changes(changes)
    run.account_count = count
    run.finished_at = timezone.now()
    run.save(update_fields=["account_count", "finished_at"])
    return run


# --- the tier review cycle --------------------------------------------------------------
#
# A supervisor (or an admin) opens a review of a team's accounts from the latest
# scoring run; the KAMs propose adjustments on their own accounts and the supervisor
# on any, each with a reason; the supervisor submits it; an admin approves it (the
# tiers change only then) or returns it with a comment for another round.


def _leads(actor: User, team: Team) -> bool:
    if not may(actor, "tier_reviews.review"):
        return False
    return leads_team(actor, team)


def _locked_review(review: TierReview) -> TierReview:
    return TierReview.objects.select_for_update().select_related("team").get(pk=review.pk)


@transaction.atomic
def tier_review_open(*, actor: User, team: Team, period: str) -> TierReview:
    """Open a review of ``team``'s active accounts, proposing the latest computed tiers."""
    if not _leads(actor, team):
        raise PermissionDenied(_("Only the team's supervisor or an admin opens a tier review."))
    period = (period or "").strip()
    if not period:
        raise ValidationError({"period": _("Name the period, for example 2027.")})
    if TierReview.objects.filter(team=team, period=period).exists():
        raise ValidationError(
            {"period": _("This team already has a review for %(period)s.") % {"period": period}}
        )
    run = ScoringRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    if run is None:
        raise ValidationError(
            {"period": _("No account has been scored yet: run the scoring first.")}
        )
    review = TierReview.objects.create(team=team, period=period, run=run, created_by=actor)
    members = TeamMembership.objects.filter(team=team).values("user_id")
    scores = TierScore.objects.filter(
        run=run, account__owner__in=members, account__archived_at__isnull=True
    ).values_list("account_id", "total", "tier", "account__tier")
    TierReviewLine.objects.bulk_create(
        [
            TierReviewLine(
                review=review,
                account_id=account_id,
                score=total,
                computed_tier=tier,
                current_tier=current,
            )
            for account_id, total, tier, current in scores
        ],
        batch_size=1000,
    )
    return review


@transaction.atomic
def tier_review_line_update(
    *, actor: User, line: TierReviewLine, tier: str, reason: str
) -> TierReviewLine:
    """Propose ``tier`` for one account of an open review. The account's owner speaks
    as the KAM; the team's supervisor or an admin as the supervisor. An empty tier
    withdraws the proposal."""
    review = _locked_review(line.review)
    line = TierReviewLine.objects.select_for_update().select_related("account").get(pk=line.pk)
    if _leads(actor, review.team):
        tier_field, reason_field = "supervisor_tier", "supervisor_reason"
    elif line.account.owner_id == actor.pk:
        tier_field, reason_field = "kam_tier", "kam_reason"
    else:
        raise PermissionDenied(_("Only the account's owner or the team's supervisor adjusts it."))
    if not review.is_open:
        raise ValidationError(
            {"tier": _("This review is %(status)s: it cannot be changed.")
             % {"status": review.get_status_display().lower()}}
        )  # fmt: skip
    tier = tier or ""
    reason = (reason or "").strip()
    errors = {}
    if tier and tier not in Tier.values:
        errors["tier"] = _("Choose a tier.")
    elif tier and tier != line.computed_tier and not reason:
        errors["reason"] = _("Say why this account belongs in another tier.")
    if errors:
        raise ValidationError(errors)
    setattr(line, tier_field, tier)
    setattr(line, reason_field, reason if tier else "")
    line.save(update_fields=[tier_field, reason_field])
    return line


@transaction.atomic
def tier_review_submit(*, actor: User, review: TierReview) -> TierReview:
    review = _locked_review(review)
    if not _leads(actor, review.team):
        raise PermissionDenied(_("Only the team's supervisor or an admin submits the review."))
    if not review.is_open:
        raise ValidationError({"status": _("Only a draft or returned review can be submitted.")})
    review.status = ReviewStatus.SUBMITTED
    review.submitted_by = actor
    review.submitted_at = timezone.now()
    review.save(update_fields=["status", "submitted_by", "submitted_at"])
    admins = User.objects.filter(role__in=roles_with("tier_reviews.decide"), is_active=True)
    notify(
        recipients=admins,
        kind=NotificationKind.TIER_REVIEW_SUBMITTED,
        url=review.get_absolute_url(),
        team=review.team.name,
        period=review.period,
        by=actor.display_name,
    )
    return review


def _check_decider(actor: User, review: TierReview) -> None:
    if not may(actor, "tier_reviews.decide"):
        raise PermissionDenied(_("Only an admin approves or returns a tier review."))
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted review can be decided.")})


@transaction.atomic
def tier_review_return(*, actor: User, review: TierReview, comment: str) -> TierReview:
    """Send the review back to the supervisor with a comment."""
    review = _locked_review(review)
    _check_decider(actor, review)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should change before it is approved.")})
    review.status = ReviewStatus.RETURNED
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.decision_comment = comment
    review.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    notify(
        recipients=[review.submitted_by, review.team.supervisor],
        kind=NotificationKind.TIER_REVIEW_RETURNED,
        url=review.get_absolute_url(),
        team=review.team.name,
        period=review.period,
        by=actor.display_name,
    )
    return review


_APPROVE_SQL = """
WITH applied AS (
    UPDATE {account} AS a
    SET approved_tier = COALESCE(NULLIF(l.supervisor_tier, ''), NULLIF(l.kam_tier, ''),
                                 l.computed_tier),
        tier = COALESCE(o.tier, NULLIF(l.supervisor_tier, ''), NULLIF(l.kam_tier, ''),
                        l.computed_tier),
        updated_at = %(now)s
    FROM {line} l
    JOIN {account} old ON old.id = l.account_id
    LEFT JOIN {override} o ON o.account_id = l.account_id AND o.removed_at IS NULL
    WHERE l.review_id = %(review)s AND a.id = l.account_id AND a.archived_at IS NULL
    RETURNING a.id, a.name, a.owner_id, old.tier AS old_tier, a.tier AS new_tier
),
logged AS (
    INSERT INTO {change} (account_id, old_tier, new_tier, source, changed_at,
                          changed_by_id, reason)
    SELECT id, old_tier, new_tier, %(source)s, %(now)s, %(actor)s, %(reason)s
    FROM applied WHERE old_tier IS DISTINCT FROM new_tier
)
SELECT id, name, owner_id, old_tier, new_tier FROM applied
WHERE old_tier <> '' AND old_tier <> new_tier
"""


@transaction.atomic
def tier_review_approve(*, actor: User, review: TierReview, comment: str = "") -> TierReview:
    """Approve the review: each account takes its proposed tier (an active override
    still wins), in one statement; owners and supervisors hear of every change."""
    _lock_tiering()
    review = _locked_review(review)
    _check_decider(actor, review)
    now = timezone.now()
    tables = {
        "account": connection.ops.quote_name(Account._meta.db_table),
        "line": connection.ops.quote_name(TierReviewLine._meta.db_table),
        "override": connection.ops.quote_name(TierOverride._meta.db_table),
        "change": connection.ops.quote_name(TierChange._meta.db_table),
    }
    params = {
        "review": review.pk,
        "now": now,
        "actor": actor.pk,
        "source": TierChangeSource.REVIEW.value,
        "reason": f"{review.team.name} · {review.period}",
    }
    with connection.cursor() as cursor:
        cursor.execute(_APPROVE_SQL.format(**tables), params)
        rows = cursor.fetchall()
    changes = [
        {"id": pk, "name": name, "owner_id": owner_id, "old": old, "new": new}
        for pk, name, owner_id, old, new in rows
    ]
    _notify_changes(changes)
    review.status = ReviewStatus.APPROVED
    review.decided_by = actor
    review.decided_at = now
    review.decision_comment = (comment or "").strip()
    review.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    return review
