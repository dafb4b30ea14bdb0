"""A large import runs on a worker: the confirmation queues it, the page polls its state
(htmx) until the summary; all or nothing and exactly once hold."""

import re
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import imports
from accounts.models import Account
from accounts.tasks import import_run_task
from kam.models import StagedUpload

URL = "integrations:account-import"


def _confirm_data(html: str) -> dict:
    form = html[html.index('id="import-preview"') :]
    form = form[: form.index("</form>")]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    for index, selected in re.findall(
        r'name="map-(\d+)".*?<option value="([^"]*)" selected', form, re.S
    ):
        data[f"map-{index}"] = selected
    data["confirm"] = "1"
    return data


def _state(client, token):
    response = client.get(reverse(URL), {"upload": token}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(response.content) < 5_000  # the progress fragment alone
    return response.content.decode()


def test_ten_thousand_rows_import_in_the_background_with_progress(client, world):
    lines = ["External id,Name,Region"] + [f"T-{i:05d},客户{i},华东" for i in range(10_000)]
    content = ("\n".join(lines) + "\n").encode()
    client.force_login(world.user("kam_a"))
    started = time.monotonic()
    preview = client.post(reverse(URL), {"file": SimpleUploadedFile("big.csv", content)})
    preview_seconds = time.monotonic() - started
    html = preview.content.decode()
    assert "10000 rows are ready to import" in html
    data = _confirm_data(html)
    queued = client.post(reverse(URL), data)
    assert queued.status_code == 302
    assert queued["Location"].endswith(f"?upload={data['upload']}")
    page = client.get(queued["Location"]).content.decode()
    assert 'data-state="queued"' in page
    assert 'hx-trigger="every 1s"' in page
    assert not Account.objects.filter(external_id__startswith="T-").exists()

    staged = StagedUpload.objects.get(token=data["upload"])
    started = time.monotonic()
    import_run_task(staged_id=staged.pk, actor_id=world.user("kam_a").pk)  # the worker
    import_seconds = time.monotonic() - started
    fragment = _state(client, data["upload"])
    assert 'data-state="done"' in fragment
    assert "10000 created, 0 updated, 0 unchanged." in fragment
    assert "hx-trigger" not in fragment  # polling stops
    assert Account.objects.filter(external_id__startswith="T-").count() == 10_000
    print(f"10,000 rows: preview {preview_seconds:.1f}s, import {import_seconds:.1f}s")  # noqa: T201

    # delivered twice: nothing more happens
    import_run_task(staged_id=staged.pk, actor_id=world.user("kam_a").pk)
    assert Account.objects.filter(external_id__startswith="T-").count() == 10_000
    assert not StagedUpload.objects.get(pk=staged.pk).result.get("wrong")


def test_a_background_import_with_a_wrong_row_imports_nothing(client, world, monkeypatch):
    monkeypatch.setattr(imports, "SYNC_ROWS", 1)
    content = b"External id,Name,Region\nW-1,Alpha,east\nW-2,Beta,Atlantis\n"
    client.force_login(world.user("kam_a"))
    preview = client.post(reverse(URL), {"file": SimpleUploadedFile("w.csv", content)})
    html = preview.content.decode()
    assert 'id="confirm-import"' not in html
    data = _confirm_data(html)  # a forged confirmation
    assert client.post(reverse(URL), data).status_code == 302
    staged = StagedUpload.objects.get(token=data["upload"])
    import_run_task(staged_id=staged.pk, actor_id=world.user("kam_a").pk)
    fragment = _state(client, data["upload"])
    assert 'data-state="failed"' in fragment
    assert "1 row is wrong" in fragment
    assert not Account.objects.filter(external_id__startswith="W-").exists()


def test_another_user_neither_runs_nor_watches_an_import(client, world, monkeypatch):
    monkeypatch.setattr(imports, "SYNC_ROWS", 0)
    client.force_login(world.user("kam_a"))
    preview = client.post(
        reverse(URL), {"file": SimpleUploadedFile("o.csv", b"External id,Name\nO-1,Own\n")}
    )
    data = _confirm_data(preview.content.decode())
    client.post(reverse(URL), data)
    staged = StagedUpload.objects.get(token=data["upload"])
    import_run_task(staged_id=staged.pk, actor_id=world.user("kam_b").pk)
    assert not Account.objects.filter(external_id="O-1").exists()
    client.force_login(world.user("kam_b"))
    page = client.get(reverse(URL), {"upload": data["upload"]}).content.decode()
    assert "import-progress" not in page


def test_an_import_still_waiting_after_a_minute_is_queued_again(client, world, monkeypatch):
    monkeypatch.setattr(imports, "SYNC_ROWS", 0)
    sent = []
    monkeypatch.setattr(
        "kam.queue.enqueue_on_commit", lambda task, **kwargs: sent.append(kwargs["staged_id"])
    )
    client.force_login(world.user("kam_a"))
    preview = client.post(
        reverse(URL), {"file": SimpleUploadedFile("q.csv", b"External id,Name\nQ-1,Queued\n")}
    )
    data = _confirm_data(preview.content.decode())
    client.post(reverse(URL), data)
    staged = StagedUpload.objects.get(token=data["upload"])
    assert sent == [staged.pk]
    _state(client, data["upload"])
    assert sent == [staged.pk]  # still fresh: not sent again
    StagedUpload.objects.filter(pk=staged.pk).update(
        result={**staged.result, "queued_at": "2000-01-01T00:00:00+00:00"}
    )
    assert 'data-state="queued"' in _state(client, data["upload"])
    assert sent == [staged.pk, staged.pk]
