"""On the road, on a phone, without signal: the visit form opens from the service
worker's cache, a visit with two photos is saved in the phone's queue, shown as
waiting, and sent once the network is back: one visit with two attachments on the
server however many times the sending is triggered. With no page of the queue open,
the worker's Background Sync sends a queued visit by itself. A visit whose account was
archived meanwhile comes back with the reason and stays until the user decides."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.models import Account, Visit
from attachments.models import Attachment
from tests.factories import PASSWORD, AccountFactory, ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE = "#visit-queue"
FORGOTTEN = """async () => {
  for (let i = 0; i < 50; i++) {
    const page = await caches.has("kam-pages");
    const kept = await new Promise((resolve) => {
      const open = indexedDB.open("kam-offline");
      open.onsuccess = () => {
        const read = open.result.transaction("choices").objectStore("choices").count();
        read.onsuccess = () => resolve(read.result);
      };
    });
    if (!page && kept === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}"""
KEPT = """async (user) => {
  for (let i = 0; i < 100; i++) {
    const kept = await window.KAMVisitQueue.store.choices(user).catch(() => null);
    if (kept) return kept.accounts.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 0;
}"""


def _photo(path, colour):
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def _open_form_online(page, url, user, accounts):
    """Online, the form is fetched through the worker (which keeps it) and the accounts
    and contacts are kept on the phone."""
    page.goto(url)
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
    assert page.evaluate(KEPT, user.pk) == accounts


def _fill_offline(page, account, summary, photos=()):
    page.select_option("#id_account", label=account)
    # the contacts come from the phone: htmx cannot reach the server
    expect(page.locator("#visit-contacts input[name=contacts]")).to_have_count(1)
    page.locator("#visit-contacts label").first.tap()
    page.fill("#id_summary", summary)
    if photos:
        page.set_input_files("#id_photos", list(photos))
    page.locator("[data-submit]").tap()


def test_visit_logged_offline_is_sent_once_with_its_photos(
    phone, live_server, sign_in, screenshot, tmp_path
):
    user = UserFactory(username="roadkam")
    acme = AccountFactory(owner=user, name="Acme Works")
    globex = AccountFactory(owner=user, name="Globex Depot")
    for account in (acme, globex):
        Account.objects.filter(pk=account.pk).update(
            created_at=timezone.now() - timedelta(days=400)
        )
    ContactFactory(account=acme, name="Ann An", title="Plant manager")
    ContactFactory(account=globex, name="Gu Gao", title="Buyer")
    photos = [_photo(tmp_path / "whiteboard.jpg", "navy"), _photo(tmp_path / "card.jpg", "teal")]
    form_url = f"{live_server.url}/accounts/visits/new/"
    context = phone.context
    sign_in(phone, "roadkam", PASSWORD)

    # installable: the manifest is linked and the worker registers at the root
    manifest = phone.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
    )
    assert manifest["display"] == "standalone"
    scope = phone.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/"
    phone.reload()  # now controlled by the worker
    _open_form_online(phone, form_url, user, 2)

    # --- no network: the form still opens, from the worker's cache
    context.set_offline(True)
    phone.reload()
    expect(phone.locator("h1")).to_have_text("Log visit")
    expect(phone.locator(QUEUE)).to_be_hidden()  # nothing waiting yet
    saved_at = timezone.now()
    _fill_offline(phone, "Acme Works", "Whiteboard of the new line, offline.", photos)
    queue = phone.locator(QUEUE)
    expect(queue).to_be_visible()
    item = queue.locator("[data-queue-item]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Acme Works")
    expect(item).to_contain_text("Waiting to send")
    expect(item).to_contain_text("Photos: 2")
    # a second visit, on an account about to be archived
    _fill_offline(phone, "Globex Depot", "Stock count in the basement.")
    expect(queue.locator("[data-queue-item]")).to_have_count(2)
    assert Visit.objects.count() == 0
    phone.evaluate("window.scrollTo(0, 0)")
    screenshot(phone, "offline-queue-en-phone")
    # the queued items, kept aside to send them again after they are sent
    phone.evaluate("KAMVisitQueue.store.all().then((items) => { window.keptItems = items; })")

    # meanwhile, on the server, the second visit's account is archived
    Account.objects.filter(pk=globex.pk).update(archived_at=timezone.now())

    # --- the network is back: the page sends (on "online"), and more triggers follow:
    # two concurrent queue flushes, the same items posted again directly, two reloads
    context.set_offline(False)
    phone.evaluate(
        """() => Promise.all([
            KAMVisitQueue.sendAll(KAMVisitQueue.user),
            KAMVisitQueue.sendAll(KAMVisitQueue.user),
            ...window.keptItems.map((item) => KAMVisitQueue.send(item)),
            ...window.keptItems.map((item) => KAMVisitQueue.send(item)),
        ])"""
    )
    phone.reload()
    phone.reload()
    item = queue.locator("[data-queue-item]")
    expect(item).to_have_count(1)  # the archived account's visit stays, with the reason
    expect(item).to_contain_text("Globex Depot")
    expect(item).to_contain_text("archived or no longer in your care")

    visit = Visit.objects.get()
    assert visit.account == acme
    assert visit.summary == "Whiteboard of the new line, offline."
    assert [contact.name for contact in visit.contacts.all()] == ["Ann An"]
    # the time of the visit (saved offline), not of the upload
    assert abs(visit.occurred_at - saved_at) < timedelta(seconds=30)
    assert Attachment.objects.filter(visit=visit, is_image=True).count() == 2
    assert Attachment.objects.count() == 2

    phone.goto(f"{live_server.url}{visit.get_absolute_url()}")
    expect(phone.locator("section#attachments img")).to_have_count(2)
    screenshot(phone, "visit-photos-offline-en-phone")

    # --- in Chinese: the queue (the refused visit and a new one waiting), then the visit
    phone.click("button[name=language][value=zh-hans]")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    _open_form_online(phone, form_url, user, 1)  # Globex is archived
    expect(queue.locator("[data-queue-item]")).to_have_count(1)
    context.set_offline(True)
    phone.reload()
    _fill_offline(phone, "Acme Works", "Second call, offline.", photos[:1])
    expect(queue.locator("[data-queue-item]")).to_have_count(2)
    expect(queue).to_contain_text("待发送")
    # the refusal heard in English is said in the page's language now
    expect(queue.locator("[data-queue-item]").first).to_contain_text("该客户已归档或已不由您负责")
    expect(queue).not_to_contain_text("no longer in your care")
    phone.evaluate("window.scrollTo(0, 0)")
    screenshot(phone, "offline-queue-zh-hans-phone")
    # no page of the queue open (the offline page has none): the worker's Background
    # Sync sends it when the network is back
    phone.goto(f"{live_server.url}/accounts/")
    # (the offline page is in the language of the moment the worker cached it)
    expect(phone.locator("h1")).to_contain_text(re.compile("You are offline|您已离线"))
    context.set_offline(False)
    for _wait in range(100):
        if Visit.objects.filter(summary="Second call, offline.").exists():
            break
        phone.wait_for_timeout(100)
    assert Visit.objects.filter(summary="Second call, offline.").count() == 1
    phone.goto(form_url)
    expect(queue.locator("[data-queue-item]")).to_have_count(1)

    # the user decides: the archived account's visit is discarded
    phone.once("dialog", lambda dialog: dialog.accept())
    queue.locator("[data-queue-discard]").tap()
    expect(queue).to_be_hidden()
    assert Visit.objects.count() == 2

    phone.goto(f"{live_server.url}{visit.get_absolute_url()}")
    expect(phone.locator("section#attachments img")).to_have_count(2)
    expect(phone.locator("section#attachments")).to_contain_text("附件")
    screenshot(phone, "visit-photos-offline-zh-hans-phone")

    # signing out forgets the kept form and the accounts and contacts kept for it
    phone.evaluate("document.querySelector('form[data-sign-out]').requestSubmit()")
    phone.wait_for_url("**/login/**")
    assert phone.evaluate(FORGOTTEN)
