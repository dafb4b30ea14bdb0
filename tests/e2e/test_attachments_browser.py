"""On a phone, in a real browser: the app installs its service worker, photos are
attached to a visit and shown, and a page that cannot be fetched offline shows the
offline page from the worker's cache."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from attachments.models import Attachment
from tests.factories import PASSWORD, AccountFactory, UserFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(path, colour):
    out = io.BytesIO()
    image = Image.new("RGB", (1200, 900), colour)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    image.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def test_phone_installs_attaches_photos_and_goes_offline(
    phone, live_server, sign_in, screenshot, tmp_path
):
    user = UserFactory(username="roadkam")
    visit = VisitFactory(account=AccountFactory(owner=user, name="acme"), logged_by=user)
    sign_in(phone, "roadkam", PASSWORD)

    # the worker registers at the root scope and takes the page
    scope = phone.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/"
    manifest = phone.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
    )
    assert manifest["display"] == "standalone"

    for language in ("en", "zh-hans"):
        phone.goto(f"{live_server.url}{visit.get_absolute_url()}")
        if language == "zh-hans":
            phone.click("button[name=language][value=zh-hans]")
            expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
        panel = phone.locator("section#attachments")
        expect(panel).to_be_visible()  # loaded by htmx into the visit's page
        if language == "en":
            photos = [_photo(tmp_path / "board.jpg", "navy"), _photo(tmp_path / "card.jpg", "teal")]
            phone.set_input_files(f"#camera-visit-{visit.pk}", [str(p) for p in photos])
            phone.click("section#attachments button[type=submit]")
            expect(phone.locator("section#attachments img")).to_have_count(2)
        else:
            expect(panel).to_contain_text("附件")
        screenshot(phone, f"visit-photos-{language}-phone")
    assert Attachment.objects.filter(visit=visit, is_image=True).count() == 2

    # offline: the worker answers a page it cannot fetch with its cached offline page
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/accounts/")
    # (in the language of the moment the worker cached it)
    expect(phone.locator("h1")).to_contain_text(re.compile("You are offline|您已离线"))
    screenshot(phone, "offline-phone")
    phone.context.set_offline(False)
