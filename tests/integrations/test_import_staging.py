"""Imports stage the file once and read it with limits.

A legitimate 1.9 MB Chinese CSV imports (its confirmation names the staged file, it
does not post the table back); a deflate bomb and a workbook declaring the range
A1:XFD1048576 get a clear, small answer quickly; the staged file is private to the
user who sent it and expires.
"""

import io
import re
import time
import zipfile
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Account
from kam import uploads
from kam.models import StagedUpload

URL = "integrations:account-import"


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace_part(content: bytes, part: str, transform) -> bytes:
    """The same package with one part rewritten (compressed with deflate)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = transform(data)
            target.writestr(info.filename, data)
    return out.getvalue()


def _confirm_data(html: str) -> dict:
    """What the Import button posts: the form's hidden fields, the mapping, confirm."""
    form = html[html.index('id="import-preview"') :]
    form = form[: form.index("</form>")]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    for index, selected in re.findall(
        r'name="map-(\d+)".*?<option value="([^"]*)" selected', form, re.S
    ):
        data[f"map-{index}"] = selected
    data["confirm"] = "1"
    return data


def _chinese_csv(count: int, target_bytes: int) -> bytes:
    header = "外部编码,姓名,工商注册名称,区域,描述\n"  # the Chinese template's header
    filler = "华东地区重点客户长期合作伙伴钢铁制造集团股份有限公司年度采购计划稳定增长"
    per_row = (target_bytes - len(header.encode())) // count
    lines = [header]
    for index in range(count):
        start = (
            f"ZH-{index:05d},上海某某钢铁集团有限公司{index},上海某某钢铁集团有限公司{index},华东,"
        )
        room = per_row - len(start.encode()) - 1
        description = (filler * 20)[: max(room // 3, 0)]
        lines.append(f"{start}{description}\n")
    return "".join(lines).encode("utf-8")


@pytest.mark.django_db(transaction=False)
def test_a_two_thousand_row_chinese_csv_of_one_point_nine_megabytes_imports(client, world):
    content = _chinese_csv(2000, 1_900_000)
    assert 1_850_000 < len(content) < 2 * 1024 * 1024
    client.force_login(world.user("kam_a"))
    started = time.monotonic()
    preview = client.post(reverse(URL), {"file": SimpleUploadedFile("客户.csv", content)})
    preview_seconds = time.monotonic() - started
    html = preview.content.decode()
    assert preview.status_code == 200
    assert 'id="confirm-import"' in html, re.findall(r"(?:feedback|summary|Line \d+)[^<]*<", html)[
        :5
    ]
    assert "2000 rows are ready to import" in html
    assert len(preview.content) < 200_000  # a page of rows, not the whole table
    data = _confirm_data(html)
    data["csrfmiddlewaretoken"] = "x" * 64  # what a browser adds
    assert len(urlencode(data).encode()) < 1024, urlencode(data)
    print(f"confirm request body: {len(urlencode(data).encode())} bytes")  # noqa: T201
    started = time.monotonic()
    done = client.post(reverse(URL), data)
    import_seconds = time.monotonic() - started
    assert done.status_code == 302, done.content.decode()[:3000]
    assert Account.objects.filter(external_id__startswith="ZH-").count() == 2000
    account = Account.objects.get(external_id="ZH-01999")
    assert account.name == "上海某某钢铁集团有限公司1999"
    print(f"preview {preview_seconds:.2f}s, import {import_seconds:.2f}s")  # noqa: T201
    # the token is spent: the same confirmation again imports nothing more
    again = client.post(reverse(URL), data)
    assert "upload the file again" in again.content.decode()


def test_the_preview_pages_through_the_staged_rows(client, world):
    rows = [["External id", "Name"]] + [[f"P-{i}", f"Name {i}"] for i in range(120)]
    client.force_login(world.user("kam_a"))
    first = client.post(reverse(URL), {"file": SimpleUploadedFile("p.xlsx", _workbook(rows))})
    html = first.content.decode()
    assert ">P-0<" in html
    assert ">P-60<" not in html
    token = re.search(r'name="upload" value="([^"]*)"', html).group(1)
    second = client.get(reverse(URL), {"upload": token, "page": 2}).content.decode()
    assert ">P-60<" in second
    assert ">P-0<" not in second
    assert "120 rows are ready to import" in second


def _deflate_bomb() -> bytes:
    """A valid workbook whose sheet unpacks to about 100 MB of cells."""
    cell = b'<c t="inlineStr"><is><t>x</t></is></c>'
    row = b"<row>" + cell * 2000 + b"</row>"
    rows = row * (100 * 1024 * 1024 // len(row))

    def swell(xml):
        return re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"<sheetData>" + rows + b"</sheetData>", xml, flags=re.S)  # fmt: skip  # noqa: E501

    return _replace_part(_workbook([["a"]]), "xl/worksheets/sheet1.xml", swell)


def _dimension_bomb() -> bytes:
    """Two rows in a workbook that declares the range A1:XFD1048576."""
    content = _workbook([["External id", "Name"], ["D-1", "Declared"]])
    return _replace_part(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
    )


def test_a_deflate_bomb_is_refused_quickly_and_briefly(client, world):
    bomb = _deflate_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 90 * 2**20
    for url_name in (URL, "integrations:contact-import", "plans:actual-import"):
        client.force_login(world.user("ops"))
        started = time.monotonic()
        response = client.post(reverse(url_name), {"file": SimpleUploadedFile("b.xlsx", bomb)})
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 2, (url_name, elapsed)
        assert len(response.content) < 100_000, (url_name, len(response.content))
        assert "The Excel file unpacks to" in response.content.decode(), url_name
        print(f"{url_name}: {elapsed:.3f}s, {len(response.content)} bytes")  # noqa: T201
    assert not StagedUpload.objects.exists()


def test_a_declared_dimension_bomb_is_read_narrowly(client, world):
    bomb = _dimension_bomb()
    assert len(bomb) < 10_000
    client.force_login(world.user("kam_a"))
    started = time.monotonic()
    response = client.post(reverse(URL), {"file": SimpleUploadedFile("d.xlsx", bomb)})
    elapsed = time.monotonic() - started
    html = response.content.decode()
    assert elapsed < 2, elapsed
    assert len(response.content) < 100_000, len(response.content)
    print(f"declared A1:XFD1048576: {elapsed:.3f}s, {len(response.content)} bytes")  # noqa: T201
    assert len(re.findall(r'<select [^>]*name="map-', html)) == 2  # the header's columns
    assert "1 row is ready to import" in html
    done = client.post(reverse(URL), _confirm_data(html))
    assert done.status_code == 302
    assert Account.objects.get(external_id="D-1").name == "Declared"


def test_a_sheet_with_a_row_a_million_lines_down_is_refused_quickly(client, world):
    content = _workbook([["External id", "Name"], ["F-1", "Far"]])
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>F-2</t></is></c></row>'
    content = _replace_part(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</sheetData>", far + b"</sheetData>"),
    )
    client.force_login(world.user("kam_a"))
    started = time.monotonic()
    response = client.post(reverse(URL), {"file": SimpleUploadedFile("f.xlsx", content)})
    assert time.monotonic() - started < 2
    html = response.content.decode()
    assert "At most 10000 rows per file" in html, re.findall(r"invalid-feedback[^<]*<", html)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("External id,Name\nL-1," + "长" * 6000 + "\n", "longer than 5000 characters"),
        (",".join(f"c{i}" for i in range(80)) + "\n1,2\n", "more than 64 columns"),
        ("External id,Name" + "," * 100_000 + "\nW-1,Wide" + "," * 100_000 + "\n", "ready"),
    ],
    ids=["long cell", "wide header", "wide rows, narrow header"],
)
def test_cells_and_columns_are_limited(client, world, content, message):
    client.force_login(world.user("kam_a"))
    response = client.post(
        reverse(URL), {"file": SimpleUploadedFile("l.csv", content.encode("utf-8"))}
    )
    assert message in response.content.decode()
    assert len(response.content) < 100_000


def test_a_staged_upload_is_private_to_its_user_and_expires(client, world):
    content = b"External id,Name\nS-1,Staged\n"
    client.force_login(world.user("kam_a"))
    html = client.post(reverse(URL), {"file": SimpleUploadedFile("s.csv", content)})
    html = html.content.decode()
    data = _confirm_data(html)
    staged = StagedUpload.objects.get(token=data["upload"])
    assert staged.user == world.user("kam_a")
    path = uploads.staging_storage().path(staged.stored_name)
    assert "/private/imports/" in path
    with open(path, "rb") as handle:
        assert handle.read() == content
    # another user cannot use the token
    client.force_login(world.user("kam_b"))
    response = client.post(reverse(URL), data)
    assert "upload the file again" in response.content.decode()
    # nor can its owner once it expired
    StagedUpload.objects.filter(pk=staged.pk).update(expires_at=timezone.now() - timedelta(1))
    client.force_login(world.user("kam_a"))
    assert "upload the file again" in client.post(reverse(URL), data).content.decode()
    assert not Account.objects.filter(external_id="S-1").exists()
    # expired uploads are swept with their files
    assert uploads.uploads_sweep() == 1
    assert not StagedUpload.objects.filter(pk=staged.pk).exists()
    assert not uploads.staging_storage().exists(staged.stored_name)
