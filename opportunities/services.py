"""Writes to stages, product lines, opportunities and contracts: the only write path.

UI views, API viewsets and (later) imports call these. Each one runs in a
transaction, validates, re-checks the actor's rights inside it and raises
``ValidationError`` with field errors for bad input.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from kam import events
from kam.capabilities import may
from kam.models import User
from kam.scoping import CHANGE, VIEW, can, ensure_visible
from opportunities.choices import ContractStatus, StageKind
from opportunities.models import (
    Contract,
    Opportunity,
    OpportunityStageChange,
    ProductLine,
    Stage,
)

STAGE_FIELDS = ("name", "name_zh", "order", "probability", "kind", "is_active")
PRODUCT_LINE_FIELDS = ("name", "name_zh", "code", "is_active", "order")
OPPORTUNITY_FIELDS = (
    "name", "type", "product_line", "amount", "currency", "expected_close_on", "probability",
    "owner", "competitors", "next_step", "close_reason",
)  # fmt: skip
CONTRACT_FIELDS = (
    "opportunity", "number", "title", "amount", "currency", "starts_on", "ends_on", "status",
    "confidentiality", "intellectual_property", "payment_terms", "file_reference",
)  # fmt: skip
#: a contract is signed (or in force) only once legal and finance have checked it
REVIEWED_STATUSES = (ContractStatus.SIGNED, ContractStatus.ACTIVE)
REVIEW_CHECKS = ("legal", "finance")


def _refuse_read_only(actor: User) -> None:
    if not may(actor, "records.change"):
        raise PermissionDenied(_("Executives can look at everything but change nothing."))


def _admin_only(actor: User) -> None:
    if not may(actor, "pipeline.configure"):
        raise PermissionDenied(_("Only sales operations change the pipeline settings."))


def _save(obj, *, unique_message=None):
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise ValidationError(unique_message or _("This record conflicts with another one.")) from (
            error
        )


# --- configuration: stages and product lines --------------------------------------------


def _check_stage(stage: Stage) -> None:
    if stage.kind == StageKind.WON and stage.probability != 100:
        raise ValidationError({"probability": _("A won stage has a probability of 100%.")})
    if stage.kind == StageKind.LOST and stage.probability != 0:
        raise ValidationError({"probability": _("A lost stage has a probability of 0%.")})


@transaction.atomic
def stage_create(*, actor: User, **fields) -> Stage:
    _admin_only(actor)
    stage = Stage(**{key: value for key, value in fields.items() if key in STAGE_FIELDS})
    _check_stage(stage)
    _save(stage)
    return stage


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, **fields) -> Stage:
    _admin_only(actor)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    old_kind = stage.kind
    for key, value in fields.items():
        if key in STAGE_FIELDS:
            setattr(stage, key, value)
    if stage.kind != old_kind and stage.opportunities.exists():
        raise ValidationError(
            {"kind": _("Opportunities are in this stage: its kind cannot change any more.")}
        )
    _check_stage(stage)
    _save(stage)
    return stage


@transaction.atomic
def product_line_create(*, actor: User, **fields) -> ProductLine:
    _admin_only(actor)
    line = ProductLine(**{k: v for k, v in fields.items() if k in PRODUCT_LINE_FIELDS})
    _save(line, unique_message={"code": _("Another product line has this code.")})
    return line


@transaction.atomic
def product_line_update(*, actor: User, product_line: ProductLine, **fields) -> ProductLine:
    _admin_only(actor)
    line = ProductLine.objects.select_for_update().get(pk=product_line.pk)
    for key, value in fields.items():
        if key in PRODUCT_LINE_FIELDS:
            setattr(line, key, value)
    _save(line, unique_message={"code": _("Another product line has this code.")})
    return line


# --- opportunities ----------------------------------------------------------------------


def first_open_stage() -> Stage | None:
    return Stage.objects.active().filter(kind=StageKind.OPEN).order_by("order", "pk").first()


def _check_account(actor: User, account: Account | None) -> None:
    if account is None or not can(actor, account, CHANGE):
        raise ValidationError({"account": _("Choose an account you look after.")})


def _check_owner(actor: User, owner: User) -> None:
    if not may(owner, "accounts.own"):
        raise ValidationError(
            {"owner": _("The owner must be an active key account manager or supervisor.")}
        )
    if not User.objects.visible_to(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose an owner from your teams.")})


def _check_contacts(account: Account, contacts: list[Contact]) -> None:
    foreign = [contact.name for contact in contacts if contact.account_id != account.pk]
    if foreign:
        raise ValidationError(
            {"contacts": _("%(names)s: not a contact of %(account)s.")
             % {"names": ", ".join(foreign), "account": account.name}}
        )  # fmt: skip


def _check_product_line(line: ProductLine | None, old_id=None) -> None:
    if line is not None and not line.is_active and line.pk != old_id:
        raise ValidationError({"product_line": _("This product line is no longer offered.")})


def _close(opportunity: Opportunity, stage: Stage, reason: str) -> None:
    """Apply what entering ``stage`` means: closing needs a reason and fixes the dates."""
    reason = (reason or "").strip()
    if stage.is_closed:
        if not reason:
            message = (
                _("Say why the opportunity was won.")
                if stage.kind == StageKind.WON
                else _("Say why the opportunity was lost.")
            )
            raise ValidationError({"close_reason": message})
        opportunity.close_reason = reason
        today = timezone.localdate()
        opportunity.closed_on = today
        opportunity.expected_close_on = today
        opportunity.probability = stage.probability
    else:
        opportunity.closed_on = None


def _record_change(*, opportunity, from_stage, to_stage, actor, when) -> OpportunityStageChange:
    events.publish("opportunity_closed", opportunity, to_stage)  # won/lost: webhooks' outbox
    return OpportunityStageChange.objects.create(
        opportunity=opportunity,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_by=actor,
        changed_at=when,
    )


@transaction.atomic
def opportunity_create(
    *,
    actor: User,
    account: Account,
    stage: Stage | None = None,
    contacts: Iterable[Contact] = (),
    **fields,
) -> Opportunity:
    """Open an opportunity on an account. The stage defaults to the first open one and the
    probability to the stage's; the first stage entry is recorded."""
    _refuse_read_only(actor)
    _check_account(actor, account)
    data = {key: value for key, value in fields.items() if key in OPPORTUNITY_FIELDS}
    if data.get("owner") is None:
        data["owner"] = actor if may(actor, "accounts.own") else account.owner
    if data.get("probability") is None:
        data.pop("probability", None)
    stage = stage or first_open_stage()
    if stage is None or not stage.is_active:
        raise ValidationError({"stage": _("Choose an active stage.")})
    opportunity = Opportunity(account=account, stage=stage, created_by=actor, **data)
    if opportunity.probability is None or stage.is_closed:
        opportunity.probability = stage.probability
    _check_owner(actor, opportunity.owner)
    _check_product_line(opportunity.product_line if opportunity.product_line_id else None)
    _close(opportunity, stage, data.get("close_reason", ""))
    contacts = list(contacts)
    _check_contacts(account, contacts)
    now = timezone.now()
    opportunity.stage_entered_at = now
    _save(opportunity)
    opportunity.contacts.set(contacts)
    _record_change(opportunity=opportunity, from_stage=None, to_stage=stage, actor=actor, when=now)
    ensure_visible(actor, opportunity, CHANGE)
    return opportunity


@transaction.atomic
def opportunity_update(
    *, actor: User, opportunity: Opportunity, contacts: Iterable[Contact] | None = None, **fields
) -> Opportunity:
    """Edit an opportunity's details. The stage changes with ``opportunity_move_stage``."""
    _refuse_read_only(actor)
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    ensure_visible(actor, opportunity, CHANGE)
    if "account" in fields and fields["account"].pk != opportunity.account_id:
        raise ValidationError({"account": _("An opportunity cannot move to another account.")})
    old_owner_id, old_line_id = opportunity.owner_id, opportunity.product_line_id
    for key, value in fields.items():
        if key in OPPORTUNITY_FIELDS:
            setattr(opportunity, key, value)
    if opportunity.probability is None:
        opportunity.probability = opportunity.stage.probability
    if opportunity.stage.is_closed:
        opportunity.probability = opportunity.stage.probability
        if not (opportunity.close_reason or "").strip():
            raise ValidationError({"close_reason": _("A closed opportunity keeps its reason.")})
    if opportunity.owner_id != old_owner_id:
        _check_owner(actor, opportunity.owner)
    _check_product_line(opportunity.product_line, old_line_id)
    _save(opportunity)
    if contacts is not None:
        contacts = list(contacts)
        _check_contacts(opportunity.account, contacts)
        opportunity.contacts.set(contacts)
    ensure_visible(actor, opportunity, VIEW)
    return opportunity


@transaction.atomic
def opportunity_move_stage(
    *,
    actor: User,
    opportunity: Opportunity,
    stage: Stage,
    probability: int | None = None,
    reason: str = "",
) -> Opportunity:
    """Move an opportunity to ``stage`` and record the change (who, when). The
    probability becomes the stage's default unless one is given for an open stage;
    winning or losing needs a reason and closes the opportunity today."""
    _refuse_read_only(actor)
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("stage")
        .get(pk=opportunity.pk)
    )
    ensure_visible(actor, opportunity, CHANGE)
    if stage is None or not stage.is_active:
        raise ValidationError({"stage": _("Choose an active stage.")})
    if opportunity.archived_at is not None:
        raise ValidationError({"stage": _("This opportunity is archived.")})
    if stage.pk == opportunity.stage_id:
        if probability is not None and stage.is_open:
            opportunity.probability = probability
            _save(opportunity)
        return opportunity
    from_stage = opportunity.stage
    opportunity.stage = stage
    opportunity.probability = stage.probability
    if probability is not None and stage.is_open:
        opportunity.probability = probability
    _close(opportunity, stage, reason)
    now = timezone.now()
    opportunity.stage_entered_at = now
    _save(opportunity)
    _record_change(
        opportunity=opportunity, from_stage=from_stage, to_stage=stage, actor=actor, when=now
    )
    return opportunity


# --- contracts --------------------------------------------------------------------------


def _check_contract(actor: User, contract: Contract) -> None:
    opportunity = contract.opportunity if contract.opportunity_id else None
    if opportunity is not None:
        if opportunity.account_id != contract.account_id:
            raise ValidationError({"opportunity": _("Choose an opportunity of the same account.")})
        if not can(actor, opportunity, VIEW):
            raise ValidationError({"opportunity": _("Choose an opportunity you can see.")})
    if contract.status in REVIEWED_STATUSES and not (
        contract.legal_reviewed_at and contract.finance_reviewed_at
    ):
        raise ValidationError(
            {"status": _("Legal and finance must both review a contract before it is signed.")}
        )
    if contract.amount is not None and contract.amount < Decimal(0):
        raise ValidationError({"amount": _("The amount cannot be negative.")})


_NUMBER_TAKEN = {"number": _("Another contract has this number.")}


@transaction.atomic
def contract_create(*, actor: User, account: Account, **fields) -> Contract:
    _refuse_read_only(actor)
    _check_account(actor, account)
    data = {key: value for key, value in fields.items() if key in CONTRACT_FIELDS}
    contract = Contract(account=account, created_by=actor, **data)
    _check_contract(actor, contract)
    _save(contract, unique_message=_NUMBER_TAKEN)
    ensure_visible(actor, contract, CHANGE)
    return contract


@transaction.atomic
def contract_update(*, actor: User, contract: Contract, **fields) -> Contract:
    _refuse_read_only(actor)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    ensure_visible(actor, contract, CHANGE)
    if "account" in fields and fields["account"].pk != contract.account_id:
        raise ValidationError({"account": _("A contract cannot move to another account.")})
    for key, value in fields.items():
        if key in CONTRACT_FIELDS:
            setattr(contract, key, value)
    _check_contract(actor, contract)
    _save(contract, unique_message=_NUMBER_TAKEN)
    return contract


@transaction.atomic
def contract_review(*, actor: User, contract: Contract, check: str) -> Contract:
    """Record that legal or finance checked the contract: who and when."""
    _refuse_read_only(actor)
    if check not in REVIEW_CHECKS:
        raise ValidationError({"check": _("Choose legal or finance.")})
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    ensure_visible(actor, contract, CHANGE)
    setattr(contract, f"{check}_reviewed_by", actor)
    setattr(contract, f"{check}_reviewed_at", timezone.now())
    if contract.status == ContractStatus.DRAFT:
        contract.status = ContractStatus.IN_REVIEW
    _save(contract, unique_message=_NUMBER_TAKEN)
    return contract
