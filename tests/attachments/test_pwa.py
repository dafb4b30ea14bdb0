"""The installable app: the manifest and the service worker are served with their types,
to anyone (browsers fetch them without credentials), and every page links them."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from PIL import Image


def test_manifest(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["short_name"] == "KAM"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/",
        "/",
        "standalone",
    )
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix(static("")))
        width, height = Image.open(path).size
        assert icon["sizes"] == f"{width}x{height}"
        assert icon["type"] == "image/png"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}


def test_manifest_in_chinese(client, db):
    response = client.get("/manifest.webmanifest", headers={"accept-language": "zh-hans"})
    manifest = json.loads(response.content)
    assert manifest["lang"] == "zh-hans"
    assert manifest["name"] == "KAM · 大客户管理"


def test_service_worker_at_the_root_scope(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    precache = json.loads(body.split("const KAM_PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert static("css/kam.css") in precache
    assert static("vendor/htmx/htmx.min.js") in precache
    assert reverse("offline") in precache
    assert 'addEventListener("fetch"' in body
    # every file it precaches is there (one missing file fails the whole install)
    for url in precache:
        assert client.get(url).status_code == 200, url


def test_offline_page_holds_no_user_data(client, member):
    client.force_login(member)
    response = client.get(reverse("offline"))
    assert response.status_code == 200
    assert member.username not in response.content.decode()


@pytest.mark.parametrize("name", ["login", "home"])
def test_pages_link_the_manifest_and_the_worker(client, member, name):
    client.force_login(member)
    response = client.get(reverse(name), follow=True)
    html = response.content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert f'src="{static("js/pwa.js")}" data-service-worker="/sw.js"' in html
    assert client.get(static("js/pwa.js")).status_code == 200
