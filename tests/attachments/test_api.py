"""Attachments over the API: the same checks as the pages."""

from django.urls import reverse

from attachments.models import Attachment
from tests.attachments.test_attachments import EXE, PDF, jpeg_with_gps, upload
from tests.factories import AccountFactory, AccountTeamMemberFactory, UserFactory, VisitFactory


def test_upload_list_and_download_through_the_api(api_client, member, outsider):
    visit = VisitFactory(account=AccountFactory(owner=member), logged_by=member)
    other = VisitFactory(account=visit.account, logged_by=member)
    colleague = UserFactory()
    AccountTeamMemberFactory(account=visit.account, user=colleague)
    api_client.force_authenticate(member)
    response = api_client.post(
        reverse("api:attachment-list"),
        {
            "record_type": "visit",
            "record_id": visit.pk,
            "files": [upload("a.jpg", jpeg_with_gps()), upload("b.pdf", PDF)],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert [row["name"] for row in response.json()] == ["a.jpg", "b.pdf"]
    assert {row["visit"] for row in response.json()} == {visit.pk}

    api_client.force_authenticate(colleague)
    rows = api_client.get(reverse("api:attachment-list"), {"visit": visit.pk}).json()["results"]
    assert sorted(row["name"] for row in rows) == ["a.jpg", "b.pdf"]
    assert (
        api_client.get(reverse("api:attachment-list"), {"visit": other.pk}).json()["results"] == []
    )
    pdf = Attachment.objects.get(name="b.pdf")
    response = api_client.get(reverse("api:attachment-download", args=[pdf.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="b.pdf"'
    assert b"".join(response.streaming_content) == PDF

    api_client.force_authenticate(outsider)
    assert api_client.get(reverse("api:attachment-download", args=[pdf.pk])).status_code == 404
    assert api_client.get(reverse("api:attachment-detail", args=[pdf.pk])).status_code == 404
    assert api_client.get(reverse("api:attachment-list")).json()["results"] == []
    response = api_client.post(
        reverse("api:attachment-list"),
        {"record_type": "visit", "record_id": visit.pk, "files": [upload("c.pdf", PDF)]},
        format="multipart",
    )
    assert response.status_code == 404
    assert Attachment.objects.count() == 2


def test_a_refused_file_is_a_400_with_the_reason(api_client, member):
    account = AccountFactory(owner=member)
    api_client.force_authenticate(member)
    response = api_client.post(
        reverse("api:attachment-list"),
        {"record_type": "account", "record_id": account.pk, "files": [upload("x.jpg", EXE)]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "x.jpg is not a file KAM accepts" in response.content.decode()
    assert not Attachment.objects.exists()
