"""Writes to plans, action items, actuals and quotas: the only write path.

UI views, API viewsets, imports and tasks all call these. Each runs in a
transaction, re-checks the actor's rights inside it and raises
``ValidationError`` with field errors for bad input (nothing is half-written).
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, AccountTeamMember
from kam import events
from kam.batch import BatchRejectedError, in_key_order, once_more_after_a_lost_race
from kam.capabilities import may
from kam.choices import NotificationKind
from kam.models import Team, TeamMembership, User
from kam.scoping import CHANGE, VIEW, ensure_visible, leads_team, leads_user, supervisors_of
from messaging.notifications import notify
from plans.choices import QUARTERS, ActionStatus, PlanEvent, PlanStatus
from plans.models import (
    AccountPlan,
    ActionItem,
    KamQuota,
    PlanTarget,
    PlanTransition,
    TeamQuota,
)

PLAN_FIELDS = (
    "objectives",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
    "competitors",
    "revenue_target",
    "new_business_target",
    "gross_margin_target",
    "share_of_wallet_target",
    "product_lines",
)
TARGET_FIELDS = ("revenue", "new_business", "gross_margin", "share_of_wallet")
#: quarter figures that must add up to the plan's year figure
SUMMED_TARGETS = {"revenue": "revenue_target", "new_business": "new_business_target"}
ACTION_FIELDS = ("title", "owner", "due_on", "status", "department", "note")
ACTUAL_FIGURES = (
    "revenue",
    "gross_profit",
    "invoiced",
    "collected",
    "overdue_1_30",
    "overdue_31_60",
    "overdue_61_90",
    "overdue_over_90",
)
ZERO = Decimal("0")


def _refuse_read_only(actor: User) -> None:
    if not may(actor, "records.change"):
        raise PermissionDenied(_("Executives can look at everything but change nothing."))


def _money(value) -> str:
    return f"{value:,.2f}"


# --- plans ------------------------------------------------------------------------------


def _check_competitors(competitors) -> list:
    if competitors in (None, ""):
        return []
    if not isinstance(competitors, list):
        raise ValidationError({"competitors": _("Give a list of competitors.")})
    clean = []
    for index, item in enumerate(competitors, start=1):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ValidationError(
                {"competitors": _("Competitor %(n)s needs a name.") % {"n": index}}
            )
        share = item.get("share")
        if share not in (None, ""):
            try:
                share = Decimal(str(share))
            except ArithmeticError:
                share = None
            if share is None or not ZERO <= share <= 100:
                raise ValidationError(
                    {
                        "competitors": _("The share of %(name)s must be between 0 and 100.")
                        % {"name": item["name"]}
                    }
                )
            share = str(share)
        else:
            share = None
        clean.append(
            {
                "name": str(item["name"]).strip()[:120],
                "share": share,
                "position": str(item.get("position") or "").strip()[:120],
            }
        )
    total = sum(Decimal(item["share"]) for item in clean if item["share"])
    if total > 100:
        raise ValidationError(
            {
                "competitors": _("The competitors' shares add up to %(total)s%%, over 100%%.")
                % {"total": total}
            }
        )
    return clean


def _check_targets(plan: AccountPlan, targets: dict) -> None:
    """Quarter revenue and new-business targets must add up to the year's."""
    errors = {}
    for quarter_field, year_field in SUMMED_TARGETS.items():
        total = sum((Decimal(targets[q].get(quarter_field) or 0) for q in QUARTERS), ZERO)
        year_value = getattr(plan, year_field) or ZERO
        if total != year_value:
            errors[year_field] = _(
                "The quarters add up to %(total)s, the year target is %(year)s: "
                "a difference of %(difference)s."
            ) % {
                "total": _money(total),
                "year": _money(year_value),
                "difference": _money(total - year_value),
            }
    if errors:
        raise ValidationError(errors)


def _normalise_targets(targets) -> dict:
    """{quarter: {field: value}} from a dict keyed by quarter or a list of rows."""
    if targets is None:
        return None
    rows = targets.items() if isinstance(targets, dict) else ((t["quarter"], t) for t in targets)
    result = {q: {} for q in QUARTERS}
    for quarter, values in rows:
        quarter = int(quarter)
        if quarter not in QUARTERS:
            raise ValidationError({"targets": _("Quarters are 1 to 4.")})
        result[quarter] = {key: values.get(key) for key in TARGET_FIELDS}
    return result


def _save_targets(plan: AccountPlan, targets: dict) -> None:
    existing = {target.quarter: target for target in plan.targets.all()}
    rows = []
    for quarter in QUARTERS:
        target = existing.get(quarter) or PlanTarget(plan=plan, quarter=quarter)
        for key in TARGET_FIELDS:
            value = targets[quarter].get(key)
            if key in ("revenue", "new_business"):
                value = value or ZERO
            setattr(target, key, value)
        target.full_clean(exclude=["plan"])
        rows.append(target)
    PlanTarget.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["plan", "quarter"],
        update_fields=list(TARGET_FIELDS),
    )


def _record(plan, *, actor, event, from_status, comment=""):
    return PlanTransition.objects.create(
        plan=plan,
        event=event,
        from_status=from_status,
        to_status=plan.status,
        revision=plan.revision,
        actor=actor,
        comment=comment,
    )


def _current_targets(plan: AccountPlan) -> dict:
    existing = {
        target.quarter: {key: getattr(target, key) for key in TARGET_FIELDS}
        for target in plan.targets.all()
    }
    return {quarter: existing.get(quarter, {}) for quarter in QUARTERS}


@transaction.atomic
def plan_create(*, actor: User, account: Account, year: int, targets=None, **fields) -> AccountPlan:
    """Draft the plan of ``account`` for ``year``; quarter targets default to zero."""
    _refuse_read_only(actor)
    ensure_visible(actor, account, CHANGE)
    if account.archived_at:
        raise ValidationError({"account": _("This account is archived.")})
    plan = AccountPlan(account=account, year=year, created_by=actor)
    for key, value in fields.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value)
    plan.competitors = _check_competitors(plan.competitors)
    targets = _normalise_targets(targets) or {q: {} for q in QUARTERS}
    _check_targets(plan, targets)
    if AccountPlan.objects.filter(account=account, year=year).exists():
        raise ValidationError({"year": _("This account already has a plan for that year.")})
    plan.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:
        raise ValidationError(
            {"year": _("This account already has a plan for that year.")}
        ) from error
    _save_targets(plan, targets)
    _record(plan, actor=actor, event=PlanEvent.CREATED, from_status="")
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: AccountPlan, targets=None, **fields) -> AccountPlan:
    """Change a draft or returned plan; approved and submitted plans are frozen."""
    _refuse_read_only(actor)
    plan = AccountPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_visible(actor, plan, CHANGE)
    if not plan.is_editable:
        raise ValidationError(
            _("A %(status)s plan cannot be changed: open a new revision first.")
            % {"status": plan.get_status_display().lower()}
        )
    for key, value in fields.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value)
    plan.competitors = _check_competitors(plan.competitors)
    targets = _normalise_targets(targets) or _current_targets(plan)
    _check_targets(plan, targets)
    plan.full_clean()
    plan.save()
    _save_targets(plan, targets)
    return plan


def _leads_owner(actor: User, plan: AccountPlan) -> bool:
    """The supervisor of a team the account's owner belongs to (or an admin)."""
    if not may(actor, "plans.approve"):
        return False
    return leads_user(actor, plan.account.owner_id)


def _locked_plan(actor: User, plan: AccountPlan) -> AccountPlan:
    _refuse_read_only(actor)
    plan = AccountPlan.objects.select_for_update().select_related("account").get(pk=plan.pk)
    ensure_visible(actor, plan, VIEW)
    return plan


def _refuse_transition(plan: AccountPlan, action: str):
    raise ValidationError(
        {
            "status": _("A %(status)s plan cannot be %(action)s.")
            % {"status": plan.get_status_display().lower(), "action": action}
        }
    )


def _notify(plan, kind, recipients, actor, comment=""):
    notify(
        recipients=recipients,
        kind=kind,
        about=plan.account,
        url=plan.get_absolute_url(),
        by=actor.display_name,
        year=plan.year,
        comment=comment,
        account=plan.account.name,
    )


@transaction.atomic
def plan_submit(*, actor: User, plan: AccountPlan) -> AccountPlan:
    """The KAM who owns the account submits a draft (or returned) plan."""
    plan = _locked_plan(actor, plan)
    if plan.account.owner_id != actor.pk and not may(actor, "plans.submit_any"):
        raise PermissionDenied(_("Only the account's owner submits its plan."))
    if not plan.is_editable:
        _refuse_transition(plan, _("submitted"))
    old = plan.status
    plan.status = PlanStatus.SUBMITTED
    plan.save(update_fields=["status", "updated_at"])
    _record(plan, actor=actor, event=PlanEvent.SUBMITTED, from_status=old)
    _notify(plan, NotificationKind.PLAN_SUBMITTED, supervisors_of(plan.account.owner), actor)
    return plan


@transaction.atomic
def plan_approve(*, actor: User, plan: AccountPlan, comment: str = "") -> AccountPlan:
    plan = _locked_plan(actor, plan)
    if not _leads_owner(actor, plan):
        raise PermissionDenied(_("Only the supervisor of the owner's team approves this plan."))
    if plan.status != PlanStatus.SUBMITTED:
        _refuse_transition(plan, _("approved"))
    plan.status = PlanStatus.APPROVED
    plan.save(update_fields=["status", "updated_at"])
    _record(
        plan,
        actor=actor,
        event=PlanEvent.APPROVED,
        from_status=PlanStatus.SUBMITTED,
        comment=(comment or "").strip(),
    )
    _notify(plan, NotificationKind.PLAN_APPROVED, [plan.account.owner], actor)
    events.publish("plan_approved", plan, actor)  # the webhooks' outbox, in this transaction
    return plan


@transaction.atomic
def plan_return(*, actor: User, plan: AccountPlan, comment: str) -> AccountPlan:
    plan = _locked_plan(actor, plan)
    if not _leads_owner(actor, plan):
        raise PermissionDenied(_("Only the supervisor of the owner's team returns this plan."))
    if plan.status != PlanStatus.SUBMITTED:
        _refuse_transition(plan, _("returned"))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs to change.")})
    plan.status = PlanStatus.RETURNED
    plan.save(update_fields=["status", "updated_at"])
    _record(
        plan,
        actor=actor,
        event=PlanEvent.RETURNED,
        from_status=PlanStatus.SUBMITTED,
        comment=comment,
    )
    _notify(plan, NotificationKind.PLAN_RETURNED, [plan.account.owner], actor, comment)
    return plan


@transaction.atomic
def plan_revise(*, actor: User, plan: AccountPlan, comment: str = "") -> AccountPlan:
    """Open a new revision of an approved plan: it becomes a draft again."""
    plan = _locked_plan(actor, plan)
    if plan.account.owner_id != actor.pk and not _leads_owner(actor, plan):
        raise PermissionDenied(
            _("Only the account's owner or their supervisor opens a new revision.")
        )
    if plan.status != PlanStatus.APPROVED:
        _refuse_transition(plan, _("revised"))
    plan.status = PlanStatus.DRAFT
    plan.revision += 1
    plan.save(update_fields=["status", "revision", "updated_at"])
    _record(
        plan,
        actor=actor,
        event=PlanEvent.REVISED,
        from_status=PlanStatus.APPROVED,
        comment=(comment or "").strip(),
    )
    return plan


# --- action items -----------------------------------------------------------------------


def _check_action_owner(plan: AccountPlan, owner) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Every action item needs an owner.")})
    account = plan.account
    on_team = (
        owner.pk == account.owner_id
        or AccountTeamMember.objects.filter(account=account, user=owner).exists()
    )
    if not on_team or not owner.is_active:
        raise ValidationError({"owner": _("The owner must be on the account team.")})


def _set_completion(item: ActionItem) -> None:
    if item.status == ActionStatus.DONE and item.completed_at is None:
        item.completed_at = timezone.now()
    elif item.status != ActionStatus.DONE:
        item.completed_at = None


@transaction.atomic
def action_item_create(*, actor: User, plan: AccountPlan, **fields) -> ActionItem:
    _refuse_read_only(actor)
    plan = AccountPlan.objects.select_related("account").get(pk=plan.pk)
    ensure_visible(actor, plan, CHANGE)
    item = ActionItem(plan=plan, created_by=actor)
    for key, value in fields.items():
        if key in ACTION_FIELDS:
            setattr(item, key, value)
    item.owner = fields.get("owner") or actor
    _check_action_owner(plan, item.owner)
    _set_completion(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_update(*, actor: User, item: ActionItem, **fields) -> ActionItem:
    _refuse_read_only(actor)
    item = ActionItem.objects.select_for_update().select_related("plan__account").get(pk=item.pk)
    ensure_visible(actor, item, CHANGE)
    for key, value in fields.items():
        if key in ACTION_FIELDS:
            setattr(item, key, value)
    _check_action_owner(item.plan, item.owner)
    _set_completion(item)
    item.full_clean()
    item.save()
    return item


# --- actuals ----------------------------------------------------------------------------


def _row_error(errors: dict, index: int, field: str, message) -> None:
    errors.setdefault(index, {}).setdefault(field, []).append(str(message))


def actuals_validate(*, actor: User, rows: list[dict]):
    """Check a batch; returns (clean rows, {row index: {field: [messages]}}).

    Rows carry ``external_id`` (the account's ERP key), ``year``, ``month`` and the
    figures (missing ones are 0). Accounts must be ones the actor may change.
    """
    errors: dict = {}
    keys = {str(row.get("external_id") or "").strip() for row in rows}
    accounts = dict(
        Account.objects.visible_to(actor, CHANGE)
        .filter(external_id__in=keys - {""})
        .values_list("external_id", "pk")
    )
    seen = {}
    clean = []
    for index, row in enumerate(rows):
        external_id = str(row.get("external_id") or "").strip()
        if not external_id:
            _row_error(errors, index, "external_id", _("This field is required."))
        elif external_id not in accounts:
            _row_error(errors, index, "external_id", _("No account of yours has this external id."))
        values = {"account_id": accounts.get(external_id)}
        for name, low, high in (("year", 2000, 2100), ("month", 1, 12)):
            try:
                number = int(str(row.get(name, "")).strip())
            except ValueError:
                _row_error(errors, index, name, _("Enter a whole number."))
                continue
            if not low <= number <= high:
                _row_error(
                    errors,
                    index,
                    name,
                    _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
                )
            values[name] = number
        for name in ACTUAL_FIGURES:
            raw = row.get(name)
            raw = "0" if raw in (None, "") else str(raw).strip().replace(",", "")
            try:
                number = Decimal(raw)
            except ArithmeticError:
                _row_error(errors, index, name, _("Enter a number."))
                continue
            if not number.is_finite() or abs(number) >= Decimal("1e14"):
                _row_error(errors, index, name, _("Enter a number."))
                continue
            if name.startswith("overdue") and number < 0:
                _row_error(errors, index, name, _("Overdue amounts cannot be negative."))
            values[name] = number.quantize(Decimal("0.01"))
        key = (values.get("account_id"), values.get("year"), values.get("month"))
        if None not in key:
            if key in seen:
                _row_error(
                    errors,
                    index,
                    "month",
                    _("Row %(row)s already gives this month.") % {"row": seen[key] + 1},
                )
            seen[key] = index
        clean.append(values)
    return clean, errors


@transaction.atomic
def actuals_upsert(*, actor: User, rows: list[dict], source: str = "api") -> int:
    """Insert or update a batch of monthly actuals by (account, year, month), all or
    nothing, in one statement. Sending the same batch twice changes nothing.
    Returns the number of rows written. Rows go in key order, and a race lost to a
    concurrent batch runs once more, then is a 400 (``kam.batch``), as for accounts."""
    _refuse_read_only(actor)
    if not may(actor, "actuals.import"):
        raise PermissionDenied(_("Actuals come from the ERP: only sales operations load them."))
    return once_more_after_a_lost_race(lambda: _actuals_write(actor, rows, source))


def _actuals_write(actor: User, rows: list[dict], source: str) -> int:
    clean, errors = actuals_validate(actor=actor, rows=rows)
    if errors:
        raise BatchRejectedError(errors)
    if not clean:
        return 0
    clean = in_key_order(clean, "account_id", "year", "month")
    columns = ["account_id", "year", "month", *ACTUAL_FIGURES]
    arrays = [[row[column] for row in clean] for column in columns]
    types = ["bigint[]", "smallint[]", "smallint[]", *["numeric[]"] * len(ACTUAL_FIGURES)]
    unnest = ", ".join(f"%s::{kind}" for kind in types)
    names = ", ".join(columns)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in ACTUAL_FIGURES)
    changed = " OR ".join(f"t.{name} IS DISTINCT FROM EXCLUDED.{name}" for name in ACTUAL_FIGURES)
    sql = (
        f"INSERT INTO plans_actual ({names}, source, updated_by_id, created_at, updated_at) "  # noqa: S608
        f"SELECT {names}, %s, %s, now(), now() FROM unnest({unnest}) AS u({names}) "
        f"ON CONFLICT (account_id, year, month) DO UPDATE SET {updates}, "
        "source = EXCLUDED.source, updated_by_id = EXCLUDED.updated_by_id, updated_at = now() "
        f"WHERE {changed}"
    )
    sql = sql.replace("INSERT INTO plans_actual", "INSERT INTO plans_actual AS t", 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, [source, actor.pk, *arrays])
    events.publish("actuals_loaded", actor=actor, rows=len(clean))  # the credit check
    return len(clean)


# --- quotas -----------------------------------------------------------------------------


def _leads_team(actor: User, team: Team) -> bool:
    if not may(actor, "quotas.set"):
        return False
    return leads_team(actor, team)


def _check_quarters(prefix: str, annual, quarters, errors: dict, field: str) -> None:
    total = sum((Decimal(q or 0) for q in quarters), ZERO)
    if total != Decimal(annual or 0):
        errors.setdefault(field, []).append(
            _(
                "%(who)s: the quarters add up to %(total)s, the annual target is %(annual)s: "
                "a difference of %(difference)s."
            )
            % {
                "who": prefix,
                "total": _money(total),
                "annual": _money(Decimal(annual or 0)),
                "difference": _money(total - Decimal(annual or 0)),
            }
        )


@transaction.atomic
def quota_set(*, actor: User, team: Team, year: int, annual, quarters, splits) -> TeamQuota:
    """Set ``team``'s target for ``year`` and split it per KAM. ``quarters`` are the
    four quarter figures; ``splits`` is [(user, annual, [q1..q4]), ...]. The quarters
    must add up to the year, and the KAMs' shares to the team's, per quarter too."""
    _refuse_read_only(actor)
    ensure_visible(actor, team, VIEW)
    if not _leads_team(actor, team):
        raise PermissionDenied(_("Only the team's supervisor or an admin sets its quota."))
    errors: dict = {}
    quarters = [Decimal(q or 0) for q in quarters]
    annual = Decimal(annual or 0)
    _check_quarters(team.name, annual, quarters, errors, "quarters")
    members = set(TeamMembership.objects.filter(team=team).values_list("user_id", flat=True))
    split_rows = []
    for user, kam_annual, kam_quarters in splits:
        if user.pk not in members:
            errors.setdefault("splits", []).append(
                _("%(name)s is not in the team.") % {"name": user.display_name}
            )
            continue
        kam_quarters = [Decimal(q or 0) for q in kam_quarters]
        _check_quarters(user.display_name, kam_annual, kam_quarters, errors, "splits")
        split_rows.append((user, Decimal(kam_annual or 0), kam_quarters))
    if len({user.pk for user, _a, _q in split_rows}) != len(split_rows):
        errors.setdefault("splits", []).append(_("A KAM appears twice in the split."))
    split_annual = sum((row[1] for row in split_rows), ZERO)
    if split_rows and split_annual != annual:
        errors.setdefault("splits", []).append(
            _(
                "The KAMs' targets add up to %(total)s, the team's is %(annual)s: "
                "a difference of %(difference)s."
            )
            % {
                "total": _money(split_annual),
                "annual": _money(annual),
                "difference": _money(split_annual - annual),
            }
        )
    for index in range(4):
        split_q = sum((row[2][index] for row in split_rows), ZERO)
        if split_rows and split_q != quarters[index]:
            errors.setdefault("splits", []).append(
                _("Q%(q)s: the KAMs' targets add up to %(total)s, the team's is %(team)s.")
                % {"q": index + 1, "total": _money(split_q), "team": _money(quarters[index])}
            )
    if errors:
        raise ValidationError(errors)
    quota, _created = TeamQuota.objects.select_for_update().get_or_create(
        team=team,
        year=year,
        defaults={"annual": annual, "q1": 0, "q2": 0, "q3": 0, "q4": 0, "set_by": actor},
    )
    quota.annual = annual
    quota.q1, quota.q2, quota.q3, quota.q4 = quarters
    quota.set_by = actor
    quota.full_clean()
    quota.save()
    quota.splits.all().delete()
    KamQuota.objects.bulk_create(
        [
            KamQuota(quota=quota, user=user, annual=kam_annual, q1=q[0], q2=q[1], q3=q[2], q4=q[3])
            for user, kam_annual, q in split_rows
        ]
    )
    return quota
