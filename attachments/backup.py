"""The attachments' files beside the database dump, and the files no row names.

On the local disk the files live in ``MEDIA_ROOT/private/attachments``: ``files_backup``
writes them to one ``.tar.gz`` next to the dump ``make backup`` writes, and
``files_restore`` puts such an archive back. On an S3-compatible store the bucket keeps
them (use its versioning or replication); these functions then say so and do nothing.

``files_sweep`` deletes stored files that no attachment names any more: those of a
purged account (the purge deletes rows, not files) and those of an upload whose
transaction rolled back.
"""

import tarfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from attachments.models import Attachment
from attachments.storage import PrivateFileSystemStorage, attachment_storage


class NotOnDiskError(RuntimeError):
    pass


def _root() -> Path:
    storage = attachment_storage()
    if not isinstance(storage, PrivateFileSystemStorage):
        raise NotOnDiskError(
            "attachments are kept on an object store: back up the bucket (versioning or "
            "replication), not a folder"
        )
    return Path(storage.location)


def default_backup_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"kam-{stamp}-attachments.tar.gz"


def files_backup(*, path: Path | None = None) -> Path:
    root = _root()
    path = path or default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        if root.exists():
            archive.add(root, arcname="attachments")
        else:
            folder = tarfile.TarInfo("attachments")
            folder.type = tarfile.DIRTYPE
            archive.addfile(folder)
    return path


def files_restore(*, path: Path) -> int:
    """Extracts an archive of ``files_backup`` into the attachments folder (files of
    the same name are replaced); returns the number of files."""
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:gz") as archive:
        members = []
        for member in archive.getmembers():
            if not member.name.startswith("attachments/") or not member.isfile():
                continue
            member.name = member.name.removeprefix("attachments/")
            members.append(member)
        archive.extractall(root, members=members, filter="data")
    return len(members)


def files_sweep(*, older_than=timedelta(hours=1), dry_run=False) -> list[str]:
    """Deletes the stored files no attachment names (older than ``older_than``, so an
    upload in progress keeps its files); returns their names."""
    root = _root()
    if not root.exists():
        return []
    named = set(Attachment.objects.values_list("file", flat=True))
    named |= set(Attachment.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    cutoff = (timezone.now() - older_than).timestamp()
    orphans = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name in named or path.stat().st_mtime > cutoff:
            continue
        orphans.append(name)
        if not dry_run:
            path.unlink()
    return sorted(orphans)
