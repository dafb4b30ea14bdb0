"""Attachments: uploaded by who may change the record, read by who sees it, checked by
their content, photos rebuilt without their location, every upload and removal in the
history."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from attachments.models import Attachment, AttachmentEvent
from tests.factories import (
    AccountFactory,
    AccountTeamMemberFactory,
    ComplaintFactory,
    ContactFactory,
    ContractFactory,
    PlanFactory,
    UserFactory,
    VisitFactory,
)

GPS_IFD = 0x8825


def jpeg_with_gps(size=(64, 48)):
    image = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture has one
    return data


def png_bytes(size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 200)).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def docx_bytes(main_part="word/document.xml"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<w:document/>")
    return out.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def visit(member):
    return VisitFactory(account=AccountFactory(owner=member), logged_by=member)


@pytest.fixture
def colleague(visit):
    """Sees the visit: on the account's team, not its owner."""
    user = UserFactory()
    AccountTeamMemberFactory(account=visit.account, user=user)
    return user


def post_files(client, visit, *files, **extra):
    return client.post(
        reverse("attachments:visit-upload", args=[visit.pk]), {"files": list(files), **extra}
    )


def stored_bytes(attachment):
    with attachment.file.open("rb") as handle:
        return handle.read()


def test_owner_uploads_and_colleague_downloads_outsider_gets_404(
    client, member, colleague, outsider, visit, settings
):
    client.force_login(member)
    response = post_files(
        client, visit, upload("whiteboard.jpg", jpeg_with_gps()), upload("minutes.pdf", PDF)
    )
    assert response.status_code == 302
    assert response["Location"] == visit.get_absolute_url() + "#attachments"
    photo, minutes = (
        Attachment.objects.get(name="whiteboard.jpg"),
        Attachment.objects.get(name="minutes.pdf"),
    )
    assert (photo.visit, photo.account, photo.uploaded_by) == (visit, visit.account, member)
    assert (photo.content_type, photo.is_image, bool(photo.thumbnail)) == ("image/jpeg", True, True)
    assert minutes.content_type == "application/pdf"
    # stored privately under a random name: nothing of the file's name or owner
    root = Path(settings.MEDIA_ROOT) / "private" / "attachments"
    assert (root / minutes.file.name).read_bytes() == PDF
    assert "minutes" not in minutes.file.name

    client.force_login(colleague)
    response = client.get(reverse("attachments:download", args=[minutes.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert b"".join(response.streaming_content) == PDF
    assert client.get(reverse("attachments:thumbnail", args=[photo.pk]))["Content-Type"] == (
        "image/jpeg"
    )
    panel = client.get(reverse("attachments:visit-list", args=[visit.pk]))
    assert panel.status_code == 200
    assert reverse("attachments:download", args=[photo.pk]) in panel.content.decode()
    assert reverse("attachments:thumbnail", args=[photo.pk]) in panel.content.decode()

    client.force_login(outsider)
    for name in ("attachments:download", "attachments:thumbnail"):
        assert client.get(reverse(name, args=[photo.pk])).status_code == 404
    assert client.get(reverse("attachments:visit-list", args=[visit.pk])).status_code == 404
    assert post_files(client, visit, upload("x.pdf", PDF)).status_code == 404
    assert client.post(reverse("attachments:delete", args=[photo.pk])).status_code == 404
    assert Attachment.objects.count() == 2


def test_anonymous_is_sent_to_sign_in(client, member, visit):
    client.force_login(member)
    post_files(client, visit, upload("minutes.pdf", PDF))
    client.logout()
    attachment = Attachment.objects.get()
    response = client.get(reverse("attachments:download", args=[attachment.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("scan.pdf", png_bytes(), "PNG image"),
        ("photo.jpg", EXE, "not a file KAM accepts"),
        ("notes.docx", docx_bytes("other/part.xml"), "not a file KAM accepts"),
        ("report.xlsx", docx_bytes(), "Word document"),
        ("noextension", PDF, "PDF document"),
    ],
    # named by the file: the bytes hold a zip's build time, which the parallel workers'
    # collections must not see differ
    ids=["scan.pdf", "photo.jpg", "notes.docx", "report.xlsx", "noextension"],
)
def test_files_are_checked_by_their_content(client, member, visit, name, data, says):
    client.force_login(member)
    response = post_files(client, visit, upload(name, data, "image/jpeg"))
    assert response.status_code == 200
    errors = [str(e) for e in response.context["form"].errors["files"]]
    assert len(errors) == 1
    assert name in errors[0]
    assert says in errors[0]
    assert not Attachment.objects.exists()


def test_one_refused_file_refuses_the_upload(client, member, visit):
    client.force_login(member)
    response = post_files(client, visit, upload("minutes.pdf", PDF), upload("virus.jpg", EXE))
    assert response.status_code == 200
    assert not Attachment.objects.exists()


def test_office_documents_are_accepted(client, member, visit):
    client.force_login(member)
    response = post_files(
        client,
        visit,
        upload("offer.docx", docx_bytes()),
        upload("prices.xlsx", docx_bytes("xl/workbook.xml")),
    )
    assert response.status_code == 302
    assert set(Attachment.objects.values_list("content_type", flat=True)) == {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


def test_location_is_removed_from_photos_unless_kept(client, member, visit):
    client.force_login(member)
    post_files(client, visit, upload("card.jpg", jpeg_with_gps()))
    stripped = Image.open(io.BytesIO(stored_bytes(Attachment.objects.get())))
    assert not stripped.getexif().get_ifd(GPS_IFD)
    assert len(stripped.getexif()) == 0  # nothing of the camera's block is left
    assert "exif" not in stripped.info

    post_files(client, visit, upload("checkin.jpg", jpeg_with_gps()), keep_location="on")
    kept = Attachment.objects.get(name="checkin.jpg")
    assert kept.location_kept
    gps = Image.open(io.BytesIO(stored_bytes(kept))).getexif().get_ifd(GPS_IFD)
    assert gps[1] == "N"
    assert float(gps[2][0]) == 31.0


def test_large_photos_are_resized(client, member, visit, settings):
    settings.ATTACHMENT_IMAGE_MAX_SIDE = 100
    client.force_login(member)
    post_files(client, visit, upload("wide.png", png_bytes((400, 200))))
    attachment = Attachment.objects.get()
    stored = Image.open(io.BytesIO(stored_bytes(attachment)))
    assert stored.size == (100, 50) == (attachment.width, attachment.height)
    assert stored.format == "PNG"
    assert attachment.size == len(stored_bytes(attachment))


def test_size_limit_is_a_form_error(client, member, visit, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    client.force_login(member)
    response = post_files(client, visit, upload("big.pdf", PDF + b"0" * 2000))
    assert response.status_code == 200
    errors = [str(e) for e in response.context["form"].errors["files"]]
    assert errors == ["big.pdf is 2.0\xa0KB; a file may be at most 1000\xa0bytes."]
    assert "big.pdf is 2.0" in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_and_removal_are_in_the_history(client, member, visit):
    client.force_login(member)
    post_files(client, visit, upload("minutes.pdf", PDF))
    attachment = Attachment.objects.get()
    response = client.post(reverse("attachments:delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    events = list(AttachmentEvent.objects.order_by("pgh_id"))
    assert [(e.pgh_label, e.name, e.visit_id) for e in events] == [
        ("insert", "minutes.pdf", visit.pk),
        ("delete", "minutes.pdf", visit.pk),
    ]
    assert {e.pgh_context.metadata["user"] for e in events} == {member.pk}
    page = client.get(reverse("audit:visit-history", args=[visit.pk])).content.decode()
    assert "minutes.pdf" in page


def test_an_executive_cannot_upload(client, visit):
    from kam.choices import Role

    client.force_login(UserFactory(role=Role.EXECUTIVE))
    assert client.get(reverse("attachments:visit-list", args=[visit.pk])).status_code == 200
    assert post_files(client, visit, upload("x.pdf", PDF)).status_code == 404
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("kind", "make", "page"),
    [
        ("account", lambda account: account, "accounts:detail"),
        ("contact", lambda account: ContactFactory(account=account), "accounts:contact-detail"),
        ("visit", lambda account: VisitFactory(account=account), "accounts:visit-detail"),
        (
            "contract",
            lambda account: ContractFactory(account=account),
            "opportunities:contract-detail",
        ),
        (
            "complaint",
            lambda account: ComplaintFactory(account=account),
            "accounts:complaint-detail",
        ),
        ("plan", lambda account: PlanFactory(account=account), "plans:detail"),
    ],
)
def test_every_record_page_shows_its_attachments(client, member, kind, make, page):
    record = make(AccountFactory(owner=member))
    client.force_login(member)
    response = client.post(
        reverse(f"attachments:{kind}-upload", args=[record.pk]),
        {"files": [upload("a.pdf", PDF)]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.record == record
    assert list(Attachment.objects.of(record)) == [attachment]
    html = client.get(reverse(page, args=[record.pk])).content.decode()
    assert f'hx-get="{reverse(f"attachments:{kind}-list", args=[record.pk])}"' in html
