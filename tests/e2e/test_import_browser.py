"""A KAM imports 10,000 accounts from an Excel file in the browser: the preview, the
Import button, then the progress page polling a real Celery worker to the summary."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from openpyxl import Workbook
from playwright.sync_api import expect

from accounts.models import Account
from config.celery import app
from tests.factories import PASSWORD
from tests.utils import database_url

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 10_000


@pytest.fixture
def worker():
    """One real worker on the test queue, test database and media root."""
    app.control.purge()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("unacked", "unacked_index", "unacked_mutex")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "--pool", "solo",
         "--loglevel", "warning", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-n", "import@%h"],
        cwd=settings.BASE_DIR,
        env=environment,
    )  # fmt: skip
    yield process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    broker.delete("unacked", "unacked_index", "unacked_mutex")
    broker.close()


def _workbook(path: Path) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("accounts")
    sheet.append(["外部编码", "姓名", "区域"])  # the Chinese template's headers
    for index in range(ROWS):
        sheet.append([f"B-{index:05d}", f"华东重点客户{index}", "华东"])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def test_a_kam_imports_ten_thousand_accounts_and_watches_the_progress(
    desktop, world, live_server, sign_in, screenshot, worker, tmp_path
):
    upload = _workbook(tmp_path / "客户.xlsx")
    assert upload.stat().st_size < settings.IMPORT_MAX_BYTES
    page = desktop
    page.set_default_timeout(120_000)
    sign_in(page, "kam_a", PASSWORD)
    page.goto(f"{live_server.url}/integrations/import/accounts/")
    page.set_input_files("#import-form input[type=file]", str(upload))
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#import-summary")).to_contain_text("10000 rows are ready to import")
    screenshot(page, "import-10000-preview")
    page.locator("#confirm-import").click()
    progress = page.locator("#import-progress")
    expect(progress).to_be_visible()
    screenshot(page, "import-10000-progress")
    expect(progress).to_have_attribute("data-state", "done", timeout=180_000)
    expect(progress).to_contain_text("10000 created, 0 updated, 0 unchanged.")
    screenshot(page, "import-10000-done")
    assert Account.objects.filter(external_id__startswith="B-").count() == ROWS
    page.locator("#import-progress a").click()
    page.wait_for_url("**/accounts/")
