"""Reading an actuals file (CSV or Excel) into rows for plans.services.actuals_upsert."""

import csv
import io
from itertools import islice

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

COLUMNS = (
    "external_id",
    "year",
    "month",
    "revenue",
    "gross_profit",
    "invoiced",
    "collected",
    "overdue_1_30",
    "overdue_31_60",
    "overdue_61_90",
    "overdue_over_90",
)
REQUIRED = ("external_id", "year", "month")
MAX_ROWS = 5000


class FileRejectedError(ValueError):
    pass


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_table(table) -> list[dict]:
    table = [row for row in table if any(_cell(v) for v in row)]
    if not table:
        raise FileRejectedError(_("The file is empty."))
    header = [_cell(name).lower() for name in table[0]]
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise FileRejectedError(
            _("Unknown columns: %(names)s. The columns are: %(columns)s.")
            % {"names": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileRejectedError(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
    if len(table) - 1 > MAX_ROWS:
        raise FileRejectedError(_("At most %(count)s rows per file.") % {"count": MAX_ROWS})
    rows = []
    for values in table[1:]:
        row = {name: _cell(value) for name, value in zip(header, values, strict=False) if name}
        rows.append(row)
    return rows


def read_actuals_file(upload) -> list[dict]:
    """Rows as dicts keyed by column; the first data row is line 2 of the file."""
    return _rows_from_table(read_table(upload))


#: the file types an import takes, by extension
IMPORT_TYPES = (".csv", ".xlsx")
#: rows read from a file at most: enough to say "too many" without reading a huge sheet
READ_ROWS = MAX_ROWS + 100


def _check_upload(upload, name: str) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise FileRejectedError(
            _("The file is %(size)s; an import takes at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    if not name.endswith(IMPORT_TYPES):
        raise FileRejectedError(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


def read_table(upload) -> list:
    """The cells of a CSV (UTF-8 or GB18030) or Excel file's first sheet, as rows of
    values; the accounts and contacts imports (integrations.imports) use it too.

    Refused before parsing: a file over ``IMPORT_MAX_BYTES``, another extension, an
    .xlsx that is not a zip package, a .csv with binary content."""
    name = (upload.name or "").lower()
    _check_upload(upload, name)
    content = upload.read()
    if name.endswith(".xlsx"):
        if not content.startswith(b"PK\x03\x04"):
            raise FileRejectedError(_("This is not a readable Excel file."))
        try:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            return list(islice(book.worksheets[0].iter_rows(values_only=True), READ_ROWS))
        except Exception as error:
            raise FileRejectedError(_("This is not a readable Excel file.")) from error
    if b"\x00" in content:
        raise FileRejectedError(_("Save the file as UTF-8 CSV or Excel."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as error:
            raise FileRejectedError(_("Save the file as UTF-8 CSV or Excel.")) from error
    return list(islice(csv.reader(io.StringIO(text)), READ_ROWS))
