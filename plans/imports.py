"""An actuals file (CSV or Excel, read by kam.uploads) as rows for
plans.services.actuals_upsert."""

from django.utils.translation import gettext as _

from kam import uploads
from kam.uploads import FileRejectedError

__all__ = ["COLUMNS", "MAX_ROWS", "FileRejectedError", "actuals_from_table", "read_actuals_file"]

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


def _cell(value):
    return value if isinstance(value, str) else uploads._cell(value)


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
    rows = []
    for values in table[1:]:
        row = {name: _cell(value) for name, value in zip(header, values, strict=False) if name}
        rows.append(row)
    return rows


def actuals_from_table(table) -> list[dict]:
    """Rows as dicts keyed by column; the first data row is line 2 of the file."""
    return _rows_from_table(table)


def read_actuals_file(upload) -> list[dict]:
    """An uploaded file's rows, read with the import limits (kam.uploads.read_table)."""
    table = uploads.read_table(name=upload.name or "", content=upload.read(), max_rows=MAX_ROWS)
    return actuals_from_table(table)
