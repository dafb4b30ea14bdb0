"""Reading an actuals file (CSV or Excel) into rows for plans.services.actuals_upsert."""

import csv
import io

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


def read_table(upload) -> list:
    """The cells of a CSV (UTF-8 or GB18030) or Excel file's first sheet, as rows of
    values; the accounts and contacts imports (integrations.imports) use it too."""
    name = (upload.name or "").lower()
    content = upload.read()
    if name.endswith(".xlsx"):
        try:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise FileRejectedError(_("This is not a readable Excel file.")) from error
        return list(book.worksheets[0].iter_rows(values_only=True))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as error:
            raise FileRejectedError(_("Save the file as UTF-8 CSV or Excel.")) from error
    return list(csv.reader(io.StringIO(text)))
