"""Writes of the audit app: the admin-only purge of an archived account."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import Account
from audit.models import PurgeLog
from kam.capabilities import may
from kam.models import User
from kam.scoping import DELETE


def purge_preview(*, account: Account) -> dict[str, int]:
    """What a purge would remove: {model verbose name plural: rows}, biggest first."""
    counts: dict[str, int] = {}
    _walk(Account.objects.filter(pk=account.pk), counts, delete=False)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@transaction.atomic
def account_purge(*, actor: User, account_id: int, confirm_name: str, reason: str = "") -> PurgeLog:
    """Remove an archived account and everything under it for good, and log who did it.

    Only admins; the account must be archived first and its name typed to confirm.
    History rows are kept (they are the record of what was there)."""
    if actor is None or not may(actor, "accounts.purge"):
        raise PermissionDenied(_("Only an admin can purge."))
    account = Account.objects.visible_to(actor, DELETE).select_for_update().get(pk=account_id)
    if account.archived_at is None:
        raise ValidationError(_("Archive the account before purging it."))
    if (confirm_name or "").strip() != account.name:
        raise ValidationError({"confirm_name": _("Type the account's name exactly to confirm.")})
    if Account.objects.filter(parent=account).exists():
        raise ValidationError(
            _("This account is the parent of other accounts; move or purge them first.")
        )
    counts: dict[str, int] = {}
    _walk(Account.objects.filter(pk=account.pk), counts, delete=True)
    return PurgeLog.objects.create(
        actor=actor,
        account_id_purged=account.pk,
        account_name=account.name,
        counts=counts,
        reason=reason,
    )


def _walk(queryset, counts, *, delete):
    """Children first: every row that points at ``queryset`` (recursively) is removed, or
    nulled where its foreign key says SET_NULL; DO_NOTHING links (the history) are kept."""
    model = queryset.model
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            continue  # auto-created link tables go with the rows (custom ones are FKs)
        fk = rel.field
        on_delete = fk.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        related = rel.related_model._base_manager.filter(**{f"{fk.name}__in": queryset})
        if on_delete is models.SET_NULL or (rel.related_model is model and fk.null):
            if delete:
                related.update(**{fk.name: None})
            continue
        if rel.related_model is model:
            continue
        _walk(related, counts, delete=delete)
    label = str(model._meta.verbose_name_plural)
    if delete:
        _deleted, per_model = queryset.delete()
        for key, rows in per_model.items():
            if rows:
                name = str(_label_of(key))
                counts[name] = counts.get(name, 0) + rows
    else:
        rows = queryset.count()
        if rows:
            counts[label] = counts.get(label, 0) + rows


def _label_of(model_label):
    from django.apps import apps

    return apps.get_model(model_label)._meta.verbose_name_plural
