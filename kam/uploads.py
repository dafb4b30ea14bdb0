"""Import files: read with limits, and staged once instead of sent back and forth.

An upload is checked and read before anything is kept: its size, its type, and for an
.xlsx the size it unpacks to (from the zip directory, before a byte is inflated). The
reader keeps only the columns the header names (an .xlsx may declare a range as wide as
A1:XFD1048576; openpyxl's read-only reader pads every row to it unless told otherwise),
refuses over-long cells and stops at the row limit. A readable file is then stored in
private storage (under ``MEDIA_ROOT``, which is never served) for the user who sent it,
until it expires; the preview, the column mapping and the import name it by a token, so
a request never carries the table itself.
"""

import csv
import io
import secrets
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

#: the file types an import takes, by extension
IMPORT_TYPES = (".csv", ".xlsx")
#: columns read at most: the header decides how many of them are kept
MAX_COLUMNS = 64
#: characters in one cell at most
MAX_CELL = 5000
#: what an .xlsx may unpack to, and how many parts it may have
MAX_INFLATED = 40 * 1024 * 1024
MAX_PARTS = 500
#: how long a staged upload waits for its import
EXPIRY = timedelta(hours=24)


class FileRejectedError(ValueError):
    """The file cannot be imported; the message says why, for the user."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _limit(setting: str, default: int) -> int:
    return getattr(settings, setting, default)


def check_upload(*, name: str, size: int | None) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise FileRejectedError(
            _("The file is %(size)s; an import takes at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if not name.lower().endswith(IMPORT_TYPES):
        raise FileRejectedError(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


def _too_many(max_rows):
    return FileRejectedError(_("At most %(count)s rows per file.") % {"count": max_rows})


def _narrow(rows, max_rows: int) -> list[list[str]]:
    """The table from the first non-blank row (the header) on: each row cut to the
    header's width, blank rows dropped. More than ``max_rows`` rows (or that many blank
    lines and more) is refused as soon as it is seen, without reading the rest."""
    width = None
    table: list[list[str]] = []
    lines_allowed = 2 * max_rows + 1000  # blank lines count too: a sheet may skip a million
    for line, values in enumerate(rows, start=1):
        if line > lines_allowed:
            raise _too_many(max_rows)
        cells = [_cell(value) for value in values[: width or MAX_COLUMNS + 1]]
        for cell in cells:
            if len(cell) > MAX_CELL:
                raise FileRejectedError(
                    _("Line %(line)s has a cell longer than %(limit)s characters.")
                    % {"line": line, "limit": MAX_CELL}
                )
        if width is None:
            named = [index for index, cell in enumerate(cells) if cell]
            if not named:
                continue
            if len(cells) > MAX_COLUMNS and cells[MAX_COLUMNS]:
                raise FileRejectedError(
                    _("The header has more than %(limit)s columns.") % {"limit": MAX_COLUMNS}
                )
            width = named[-1] + 1
            cells = cells[:width]
        if any(cells):
            table.append(cells + [""] * (width - len(cells)))
            if len(table) - 1 > max_rows:
                raise _too_many(max_rows)
    return table


def _xlsx_rows(content: bytes, max_rows: int) -> list[list[str]]:
    if not content.startswith(b"PK\x03\x04"):
        raise FileRejectedError(_("This is not a readable Excel file."))
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
        parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise FileRejectedError(_("This is not a readable Excel file.")) from error
    inflated = sum(part.file_size for part in parts)
    limit = _limit("IMPORT_MAX_INFLATED_BYTES", MAX_INFLATED)
    if inflated > limit or len(parts) > MAX_PARTS:
        # zipfile never inflates a part past the size its directory declares (a part
        # that claims less fails its check), so this bound holds for what is read
        raise FileRejectedError(
            _("The Excel file unpacks to %(size)s; an import reads at most %(limit)s.")
            % {"size": filesizeformat(inflated), "limit": filesizeformat(limit)}
        )
    try:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # the declared dimension is not believed: it may be A1:XFD1048576 (every row
        # padded to 16,384 cells, a million rows) or smaller than the data (rows lost)
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        return _narrow(rows, max_rows)
    except FileRejectedError:
        raise
    except Exception as error:
        raise FileRejectedError(_("This is not a readable Excel file.")) from error


def _csv_rows(content: bytes, max_rows: int) -> list[list[str]]:
    if b"\x00" in content:
        raise FileRejectedError(_("Save the file as UTF-8 CSV or Excel."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as error:
            raise FileRejectedError(_("Save the file as UTF-8 CSV or Excel.")) from error
    try:
        return _narrow(csv.reader(io.StringIO(text, newline="")), max_rows)
    except csv.Error as error:  # a field past the csv module's own limit
        raise FileRejectedError(
            _("A cell is longer than %(limit)s characters.") % {"limit": MAX_CELL}
        ) from error


def read_table(*, name: str, content: bytes, max_rows: int) -> list[list[str]]:
    """The header and the non-blank rows of a CSV (UTF-8 or GB18030) or of an Excel
    file's first sheet, as text, only as wide as the header; more than ``max_rows``
    data rows are refused."""
    check_upload(name=name, size=len(content))
    if name.lower().endswith(".xlsx"):
        table = _xlsx_rows(content, max_rows)
    else:
        table = _csv_rows(content, max_rows)
    if not table:
        raise FileRejectedError(_("The file is empty."))
    return table


# --- staging ----------------------------------------------------------------------------------


def staging_storage() -> FileSystemStorage:
    """Private: under MEDIA_ROOT, which no URL serves; files readable by the owner only."""
    return FileSystemStorage(
        location=Path(settings.MEDIA_ROOT) / "private" / "imports",
        base_url=None,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


def upload_stage(*, actor, kind: str, upload, max_rows: int):
    """Read ``upload`` (refusing what cannot be imported) and keep it for ``actor``:
    returns (the StagedUpload, its table)."""
    from kam.models import StagedUpload

    name = upload.name or ""
    check_upload(name=name, size=upload.size)
    content = upload.read()
    table = read_table(name=name, content=content, max_rows=max_rows)
    uploads_sweep()
    token = secrets.token_urlsafe(24)
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    stored = staging_storage().save(f"{actor.pk}/{token}{suffix}", ContentFile(content))
    staged = StagedUpload.objects.create(
        token=token,
        user=actor,
        kind=kind,
        original_name=Path(name).name[:255],
        stored_name=stored,
        size=len(content),
        expires_at=timezone.now() + EXPIRY,
    )
    return staged, table


def upload_get(*, actor, kind: str, token: str):
    """The user's own staged upload of this kind, not expired and not imported yet."""
    from kam.models import StagedUpload

    staged = None
    if actor is not None and actor.is_authenticated and isinstance(token, str) and token:
        staged = StagedUpload.objects.filter(
            user=actor,
            kind=kind,
            token=token[:64],
            expires_at__gt=timezone.now(),
            imported_at__isnull=True,
        ).first()
    if staged is None:
        raise FileRejectedError(
            _("This upload has expired or was imported already: upload the file again.")
        )
    return staged


def upload_status(*, actor, kind: str, token: str):
    """The user's own staged upload of this kind, whatever its state (for the progress
    of a background import), or None."""
    from kam.models import StagedUpload

    if actor is None or not actor.is_authenticated or not isinstance(token, str) or not token:
        return None
    return StagedUpload.objects.filter(user=actor, kind=kind, token=token[:64]).first()


def upload_table(staged, *, max_rows: int) -> list[list[str]]:
    with staging_storage().open(staged.stored_name, "rb") as handle:
        content = handle.read()
    return read_table(name=staged.stored_name, content=content, max_rows=max_rows)


def upload_finish(staged, *, result: dict) -> None:
    """Mark the upload imported (its token then names nothing) and delete the file."""
    staged.imported_at = timezone.now()
    staged.result = {**staged.result, **result}
    staged.save(update_fields=["imported_at", "result"])
    staging_storage().delete(staged.stored_name)


def uploads_sweep(limit: int = 200) -> int:
    """Delete expired staged uploads and their files (a few at a time)."""
    from kam.models import StagedUpload

    storage = staging_storage()
    expired = list(
        StagedUpload.objects.filter(expires_at__lte=timezone.now()).values_list(
            "pk", "stored_name"
        )[:limit]
    )
    for _pk, name in expired:
        storage.delete(name)
    StagedUpload.objects.filter(pk__in=[pk for pk, _name in expired]).delete()
    return len(expired)
