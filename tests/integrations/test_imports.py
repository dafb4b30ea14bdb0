"""Accounts and contacts from Excel/CSV: column mapping, preview naming the row and
column of every error, all-or-nothing commit, and re-imports that update."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Account, Contact

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows, name="accounts.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


def _confirm(client, url, response):
    """Post the preview's form back with its mapping, as the Import button does."""
    import re

    html = response.content.decode()
    token = re.search(r'name="upload" value="([^"]*)"', html).group(1)
    data = {"upload": token, "confirm": "1"}
    for index, selected in re.findall(
        r'name="map-(\d+)".*?<option value="([^"]*)" selected', html, re.S
    ):
        data[f"map-{index}"] = selected
    return client.post(url, data)


HEADER = ["External id", "Name", "Region", "Unified social credit code", "Owner (username)"]


def test_an_excel_import_with_one_bad_row_imports_nothing_and_names_row_and_column(client, world):
    client.force_login(world.user("kam_a"))
    url = reverse("integrations:account-import")
    upload = _xlsx(
        [
            HEADER,
            ["X-1", "Alpha", "East China", "", "kam_a"],
            ["X-2", "Beta", "Atlantis", "", "kam_a"],
            ["X-3", "Gamma", "south", "", ""],
        ]
    )
    response = client.post(url, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-error-line="3"' in html
    assert "Line 3, column Region" in html
    assert 'id="confirm-import"' not in html
    # posting the confirmation anyway writes nothing
    _confirm(client, url, response)
    assert not Account.objects.filter(external_id__startswith="X-").exists()


def test_an_import_creates_then_a_reimport_updates_instead_of_duplicating(client, world):
    client.force_login(world.user("kam_a"))
    url = reverse("integrations:account-import")
    first = client.post(
        url,
        {
            "file": _xlsx(
                [
                    HEADER,
                    ["X-1", "Alpha", "East China", "91350100M000100Y43", ""],
                    ["X-2", "Beta", "华南", "", ""],
                ]
            )
        },
    )
    assert 'id="confirm-import"' in first.content.decode()
    done = _confirm(client, url, first)
    assert done.status_code == 302
    assert Account.objects.filter(external_id__startswith="X-").count() == 2
    assert Account.objects.get(external_id="X-2").region == "south"  # a Chinese label

    # the ERP file again, renamed, and a row matched by its credit code alone
    second = client.post(
        url,
        {
            "file": _xlsx(
                [
                    HEADER,
                    ["", "Alpha Group", "north", "91350100M000100Y43", ""],
                    ["X-2", "Beta Ltd", "", "", ""],
                ]
            )
        },
    )
    done = _confirm(client, url, second)
    assert done.status_code == 302
    assert Account.objects.filter(external_id__startswith="X-").count() == 2
    alpha = Account.objects.get(external_id="X-1")
    assert (alpha.name, alpha.region) == ("Alpha Group", "north")
    beta = Account.objects.get(external_id="X-2")
    assert (beta.name, beta.region) == ("Beta Ltd", "south")  # an empty cell keeps the value


def test_contacts_import_from_csv_with_a_remapped_column(client, world):
    Account.objects.filter(pk=world.accounts["acme"].pk).update(external_id="ACME")
    client.force_login(world.user("kam_a"))
    url = reverse("integrations:contact-import")
    content = "account,external_id,name,职位\nACME,C-1,Li Lei,CTO\n".encode()
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", content)})
    html = response.content.decode()
    assert "Line 2, column Account external id" in html  # "account" is not a known header
    import re

    token = re.search(r'name="upload" value="([^"]*)"', html).group(1)
    data = {"upload": token, "map-0": "account_external_id", "map-1": "external_id",
            "map-2": "name", "map-3": "title", "confirm": "1"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    contact = Contact.objects.get(external_id="C-1")
    assert (contact.name, contact.title, contact.account.name) == ("Li Lei", "CTO", "acme")


def test_the_template_downloads_in_both_languages(client, world):
    client.force_login(world.user("kam_a"))
    url = reverse("integrations:import-template")
    for language, first in (("en", "External id"), ("zh-hans", None)):
        response = client.get(url, {"kind": "accounts", "lang": language})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        header = [cell.value for cell in sheet[1]]
        if first:
            assert header[0] == first
        else:
            assert header[0] != "External id"
    csv_response = client.get(url, {"kind": "contacts", "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")


def test_executives_cannot_import(client, world):
    client.force_login(world.user("exec"))
    assert client.get(reverse("integrations:account-import")).status_code == 404


def _rejected(client, world, upload, url_name="integrations:account-import"):
    client.force_login(world.user("ops"))
    response = client.post(reverse(url_name), {"file": upload})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url_name", ["integrations:account-import", "plans:actual-import"])
def test_an_oversized_file_is_refused_unread(client, world, settings, url_name):
    settings.IMPORT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.csv", b"External id,Name\n" + b"X-1,Alpha\n" * 200)
    html = _rejected(client, world, big, url_name)
    assert "an import takes at most 1.0" in html
    assert not Account.objects.filter(external_id="X-1").exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00binary"), "Upload a CSV (.csv) or Excel"),
        (SimpleUploadedFile("fake.xlsx", b"External id,Name\n"), "not a readable Excel file"),
        (SimpleUploadedFile("data.csv", b"External id\x00,Name\n"), "Save the file as UTF-8 CSV"),
    ],
    ids=["other type", "xlsx that is not one", "binary csv"],
)
def test_a_file_of_the_wrong_type_is_refused(client, world, upload, message):
    html = _rejected(client, world, upload)
    assert message in html
    assert "invalid-feedback" in html  # shown on the file field
