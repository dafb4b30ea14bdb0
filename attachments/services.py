"""Writes of attachments: the only way a file is attached to or removed from a record.

Each upload is checked by its content (``attachments.content``), images are rebuilt
without their metadata (``attachments.images``), and the row goes in with the file in
one transaction; the history (``AttachmentEvent``) records who attached or removed what.
A file removed from its record is deleted from storage once the removal is committed.
"""

import os
import uuid
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from attachments.content import FileRejectedError, check_file
from attachments.images import process_image
from attachments.models import TARGETS, Attachment, kind_of
from attachments.storage import attachment_storage
from kam.capabilities import may
from kam.models import User
from kam.scoping import CHANGE

NAME_LENGTH = 200


def _stored_name(suffix=""):
    """A random name in a dated folder: nothing in it says what or whose the file is."""
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def _display_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip() or "file"
    stem, extension = os.path.splitext(base)
    return stem[: NAME_LENGTH - len(extension)] + extension


def check_size(*, name: str, size: int | None) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    if size is not None and size > limit:
        raise FileRejectedError(
            _("%(name)s is %(size)s; a file may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def _lock_record(*, actor: User, obj):
    """The record again, locked, if ``actor`` may change it; missing (404) otherwise."""
    if not may(actor, "records.change"):
        raise Http404
    model = type(obj)
    if TARGETS.get(kind_of(obj)) != model._meta.label:
        raise Http404
    record = model.objects.visible_to(actor, CHANGE).select_for_update().filter(pk=obj.pk).first()
    if record is None:
        raise Http404
    return record


def _prepare(*, upload, keep_location: bool) -> dict:
    """Checks one uploaded file and returns the fields and contents to store."""
    name = _display_name(getattr(upload, "name", ""))
    check_size(name=name, size=upload.size)
    file_type = check_file(name=name, fileobj=upload)
    fields = {
        "name": name,
        "content_type": file_type.content_type,
        "is_image": file_type.is_image,
        "location_kept": bool(keep_location and file_type.is_image),
    }
    if file_type.is_image:
        image = process_image(
            fileobj=upload, file_type=file_type, name=name, keep_location=keep_location
        )
        fields.update(width=image.width, height=image.height, size=len(image.data))
        return {"fields": fields, "data": image.data, "thumbnail": image.thumbnail}
    upload.seek(0)
    fields["size"] = upload.size
    return {"fields": fields, "data": upload, "thumbnail": None}


@transaction.atomic
def attachments_add(*, actor: User, obj, files, keep_location: bool = False) -> list[Attachment]:
    """Attach ``files`` (uploaded files) to ``obj`` (an account, contact, visit, contract,
    complaint or plan). All or nothing: one refused file refuses the upload, with a
    message per file."""
    record = _lock_record(actor=actor, obj=obj)
    files = list(files)
    if not files:
        raise ValidationError({"files": _("Choose at least one file.")})
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(
            {
                "files": _("Attach at most %(n)s files at once.")
                % {"n": settings.ATTACHMENT_MAX_FILES}
            }
        )
    prepared, errors = [], []
    for upload in files:
        try:
            prepared.append(_prepare(upload=upload, keep_location=keep_location))
        except FileRejectedError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError({"files": errors})
    kind = kind_of(record)
    link = {} if kind == "account" else {kind: record}
    account = record if kind == "account" else record.account
    storage = attachment_storage()
    created, stored = [], []
    try:
        for item in prepared:
            attachment = Attachment(account=account, uploaded_by=actor, **link, **item["fields"])
            data = item["data"]
            content = ContentFile(data) if isinstance(data, bytes) else data
            attachment.file.name = storage.save(_stored_name(), content)
            stored.append(attachment.file.name)
            if item["thumbnail"]:
                attachment.thumbnail.name = storage.save(
                    _stored_name("-thumb"), ContentFile(item["thumbnail"])
                )
                stored.append(attachment.thumbnail.name)
            attachment.full_clean()
            attachment.save()
            created.append(attachment)
    except Exception:
        _delete_files(stored)
        raise
    # (a transaction rolled back later leaves files without a row: attachments_sweep
    # removes them)
    return created


def _delete_files(names):
    storage = attachment_storage()
    for name in names:
        if name:
            storage.delete(name)


@transaction.atomic
def attachment_delete(*, actor: User, attachment_id: int) -> Attachment:
    """Removes an attachment from its record; the file is deleted once that is
    committed. The history keeps who removed which file, and when."""
    if not may(actor, "records.change"):
        raise Http404
    attachment = (
        Attachment.objects.visible_to(actor, CHANGE)
        .select_for_update()
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise Http404
    names = [attachment.file.name, attachment.thumbnail.name]
    attachment.delete()
    transaction.on_commit(partial(_delete_files, names))
    return attachment
