"""Every CSV and Excel file the product hands out is written here, and recorded.

A download is columns (a key, a label in the reader's language, a kind) and rows (dicts).
The writer keeps numbers and dates typed and makes every text cell inert:

- CSV: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading ``'`` (the OWASP rule against CSV injection, CWE-1236), so
  Excel, WPS and LibreOffice show it as text instead of evaluating it;
- Excel: every text cell is an explicit string cell (never a formula, whatever it
  begins with) with Excel's own quote prefix on the risky ones, so editing the cell
  does not turn it into a formula either.

The header row is frozen, columns get widths from their contents, date-time headers
name the time zone, and CSV is streamed row by row (constant memory for any row count).
Each download is recorded as an ``ExportRecord``: who, what, which filters, how many rows.
"""

import csv
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.durations import zone_label

TEXT, NUMBER, MONEY, PERCENT = "text", "number", "money", "percent"
DATE, DATETIME = "date", "datetime"
NUMERIC = (NUMBER, MONEY, PERCENT)
CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: a text cell beginning with one of these is a formula to a spreadsheet
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: rows read to size the columns before writing (the rest are streamed)
WIDTH_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
NUMBER_FORMATS = {
    MONEY: "#,##0.00",
    PERCENT: '0.0"%"',
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT


def neutralize(text: str) -> str:
    """The OWASP rule: a leading ``'`` on text a spreadsheet would evaluate."""
    return "'" + text if text.startswith(DANGEROUS) else text


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _text(value) -> str:
    """Text without the control characters XML (and so .xlsx) cannot hold."""
    text = str(value)
    if any(ord(char) < 32 and char not in "\t\n\r" for char in text):
        text = "".join(char for char in text if ord(char) >= 32 or char in "\t\n\r")
    return text


def _local(value: datetime) -> datetime:
    """A moment as the reader's wall clock, without a zone (the header names it)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def header_label(column: Column) -> str:
    label = str(column.label)
    if column.kind == DATETIME:
        return _("%(label)s (%(zone)s)") % {
            "label": label,
            "zone": zone_label(timezone.get_current_timezone_name()),
        }
    return label


# --- CSV --------------------------------------------------------------------------------------


def csv_cell(value, kind: str):
    if value is None:
        return ""
    if _is_number(value):
        return value
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralize(_text(value))


class _Line:
    """A file-like that hands back what the csv writer wrote for one row."""

    def write(self, text):
        return text


def csv_lines(columns: list[Column], rows: Iterable[dict], counter: list | None = None):
    """The file as chunks of UTF-8 bytes, a byte order mark first (Excel then reads
    Chinese text correctly); ``counter[0]`` counts the rows written."""
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow([neutralize(header_label(c)) for c in columns])).encode()
    batch = []
    for row in rows:
        batch.append(writer.writerow([csv_cell(row.get(c.key), c.kind) for c in columns]))
        if counter is not None:
            counter[0] += 1
        if len(batch) >= 500:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


# --- Excel ------------------------------------------------------------------------------------


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _width(value, kind) -> int:
    if value is None:
        return 0
    if kind == DATETIME:
        return 16
    if kind == DATE:
        return 10
    if _is_number(value):
        return len(f"{value:,.2f}") if kind == MONEY else len(str(value))
    return max((_display_width(line) for line in _text(value).splitlines()), default=0)


def xlsx_file(columns: list[Column], rows: Iterable[dict], *, title: str = "") -> tuple:
    """(a temporary file holding the workbook, rows written). openpyxl's write-only mode
    streams the rows to disk, so memory does not grow with them."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(title))
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    labels = [header_label(column) for column in columns]
    for index, (column, label) in enumerate(zip(columns, labels, strict=True), start=1):
        widths = [_width(row.get(column.key), column.kind) for row in sample]
        widest = max([_display_width(label), *widths])
        width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value, kind, font=None):
        if value is not None and not _is_number(value):
            if isinstance(value, datetime):
                value = _local(value)
            elif not isinstance(value, date):
                value = _text(value)
        item = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            item.data_type = "s"  # never a formula, whatever the text begins with
            if value.startswith(DANGEROUS):
                item.quotePrefix = True
        elif kind in NUMBER_FORMATS and value is not None:
            item.number_format = NUMBER_FORMATS[kind]
        if font is not None:
            item.font = font
        return item

    sheet.append([cell(label, TEXT, bold) for label in labels])
    count = 0
    for row in chain(sample, rows):
        sheet.append([cell(row.get(column.key), column.kind) for column in columns])
        count += 1
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    book.save(out)
    out.seek(0)
    return out, count


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in _text(title)).strip()
    return cleaned[:31] or "Sheet1"


# --- the download -----------------------------------------------------------------------------


def _filters(params) -> dict:
    if params is None:
        return {}
    if hasattr(params, "lists"):
        return {key: values if len(values) > 1 else values[0] for key, values in params.lists()}
    return dict(params)


def export_response(
    request,
    *,
    what: str,
    file_format: str,
    columns: list[Column],
    rows: Iterable[dict],
    file_name: str,
    title: str = "",
    filters=None,
):
    """The download of ``rows`` as CSV (streamed) or Excel, recorded for the requesting
    user. ``what`` names the export for the record ("report:pipeline"); ``filters`` are
    the parameters that chose the rows."""
    from kam.models import ExportRecord

    if file_format not in FORMATS:
        raise ValueError(file_format)
    stamp = timezone.localdate().isoformat()
    name = f"{file_name}-{stamp}.{file_format}"
    record = ExportRecord(
        user=request.user if request.user.is_authenticated else None,
        what=what[:100],
        file_format=file_format,
        filters=_filters(filters),
        file_name=name[:200],
    )
    if file_format == XLSX:
        handle, count = xlsx_file(columns, rows, title=title or file_name)
        record.row_count = count
        record.save()
        return FileResponse(
            handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[XLSX]
        )
    record.save()
    response = StreamingHttpResponse(
        _recorded(csv_lines(columns, rows, counter := [0]), record, counter),
        content_type=CONTENT_TYPES[CSV],
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _recorded(chunks: Iterator[bytes], record, counter: list) -> Iterator[bytes]:
    """The chunks, then the row count on the record (also when the reader stops early)."""
    try:
        yield from chunks
    finally:
        type(record).objects.filter(pk=record.pk).update(row_count=counter[0])
