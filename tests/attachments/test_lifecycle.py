"""Attachments go with their record: archived and restored with it, purged with it
(the files then swept), and backed up beside the database dump."""

import tarfile
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

from accounts.services import account_archive, account_restore
from attachments.backup import files_backup, files_restore, files_sweep
from attachments.models import Attachment
from attachments.services import attachments_add
from audit.services import account_purge
from kam.choices import Role
from tests.attachments.test_attachments import PDF, jpeg_with_gps, upload
from tests.factories import AccountFactory, UserFactory, VisitFactory


def _stored(settings):
    root = Path(settings.MEDIA_ROOT) / "private" / "attachments"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_archive_restore_and_purge_carry_attachments(client, member, settings):
    admin = UserFactory(role=Role.ADMIN)
    account = AccountFactory(owner=member, name="Acme")
    visit = VisitFactory(account=account, logged_by=member)
    own = attachments_add(actor=member, obj=account, files=[upload("deck.pdf", PDF)])[0]
    photo = attachments_add(actor=member, obj=visit, files=[upload("p.jpg", jpeg_with_gps())])[0]
    assert len(_stored(settings)) == 3  # the PDF, the photo and its thumbnail

    account_archive(actor=member, account=account)
    client.force_login(member)
    for attachment in (own, photo):
        response = client.get(reverse("attachments:download", args=[attachment.pk]))
        assert response.status_code == 200
    account_restore(actor=member, account=account)
    assert Attachment.objects.count() == 2

    account_archive(actor=member, account=account)
    account_purge(actor=admin, account_id=account.pk, confirm_name="Acme")
    assert not Attachment.objects.exists()
    assert client.get(reverse("attachments:download", args=[photo.pk])).status_code == 404
    # the purge removes rows; the sweep then removes the files no row names
    assert files_sweep(older_than=timedelta(hours=1)) == []  # too recent: kept
    assert len(files_sweep(older_than=timedelta(0))) == 3
    assert _stored(settings) == []


def test_backup_and_restore_of_the_files(member, settings, tmp_path):
    account = AccountFactory(owner=member)
    attachment = attachments_add(actor=member, obj=account, files=[upload("a.pdf", PDF)])[0]
    archive = tmp_path / "kam-attachments.tar.gz"
    call_command("attachments_backup", file=str(archive))
    with tarfile.open(archive) as opened:
        assert f"attachments/{attachment.file.name}" in opened.getnames()

    settings.MEDIA_ROOT = tmp_path / "elsewhere"  # a fresh machine
    assert files_restore(path=archive) == 1
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF
    assert files_backup(path=tmp_path / "again.tar.gz").exists()
