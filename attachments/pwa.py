"""The installable web app: its manifest, its service worker and the page shown offline.

These belong to "On the road" (issue 26) with the attachments. The worker is served
at the site's root (``/sw.js``) so that its scope is the whole site, with the shell to
cache (styles, scripts, icons, the offline page) written in by the server: the names
of static files change with each deployment (hashed by the manifest storage), so the
list is made here with ``static()`` and the worker's version changes with it.
Pages still need the network, except the visit form: the worker keeps the last copy
it fetched and serves it offline, and sends the visits saved there
(static/js/visit-queue.js, Background Sync).
"""

import hashlib
import json
import os
from functools import cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

THEME_COLOR = "#1d4ed8"
#: the shell: what every page loads, from static/
SHELL = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "css/kam.css",
    "img/favicon.svg",
    "vendor/htmx/htmx.min.js",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "js/kam.js",
    "js/search.js",
    "js/pwa.js",
    "js/visit-form.js",
    "js/visit-queue.js",
    "img/icons/icon-192.png",
    "img/icons/icon-512.png",
)
ICONS = (
    ("img/icons/icon-192.png", "192x192", "any"),
    ("img/icons/icon-512.png", "512x512", "any"),
    ("img/icons/maskable-192.png", "192x192", "maskable"),
    ("img/icons/maskable-512.png", "512x512", "maskable"),
)


@require_GET
def manifest(request):
    data = {
        "name": _("KAM · Key account management"),
        "short_name": "KAM",
        "description": _("Key accounts, visits, plans and opportunities."),
        "id": "/",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@cache
def _worker_source() -> str:
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _hashed_names() -> bool:
    """Whether static files are named by their content (the manifest storage of
    production): then a cached copy is never stale and the worker serves it first."""
    return isinstance(staticfiles_storage, ManifestFilesMixin)


@require_GET
def service_worker(request):
    offline = reverse("offline")
    found = [(path, finders.find(path)) for path in SHELL]
    precache = [static(path) for path, location in found if location] + [offline]
    body = _worker_source()
    # a shell file changed in place (unhashed names) changes the version too
    stamps = [(path, os.stat(location).st_mtime_ns) for path, location in found if location]
    version = hashlib.sha256(json.dumps([precache, stamps, body]).encode()).hexdigest()[:12]
    prelude = (
        f"const KAM_VERSION = {json.dumps(version)};\n"
        f"const KAM_PRECACHE = {json.dumps(precache)};\n"
        f"const KAM_STATIC_PREFIX = {json.dumps(static(''))};\n"
        f"const KAM_STATIC_IMMUTABLE = {json.dumps(_hashed_names())};\n"
        f"const KAM_OFFLINE_URL = {json.dumps(offline)};\n"
        f"const KAM_VISIT_FORM_URL = {json.dumps(reverse('accounts:visit-create'))};\n"
        f"const KAM_QUEUE_SCRIPT = {json.dumps(static('js/visit-queue.js'))};\n"
    )
    response = HttpResponse(prelude + body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request):
    """What the worker shows when a page cannot be fetched: no user data, cacheable."""
    return render(request, "attachments/offline.html", {"theme_color": THEME_COLOR})
