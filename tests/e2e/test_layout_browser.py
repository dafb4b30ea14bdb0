"""Every page at every width and in both languages, in the browser.

The pages are the access matrix's GET pages (``tests/kam/test_access_matrix.py``'s
``URLS`` of kind page, list, detail and edit), so a page added there is walked here
too. Each page is opened once per role and language and then measured at each width
by resizing the window at 390, 1280, 1440 and 1920 px (the layout is media-query
driven: one load instead of four); the roles of a language are walked at the same time,
each in a thread with a browser of its own. Roles: a KAM and a supervisor on every page they may
open, an executive on the dashboards; the language is the user's ``language`` field.

What fails a page, per width:
- the document scrolls sideways (scrollWidth > clientWidth);
- a table wider than one of its containers without a scrolling container between
  them (tables scroll inside their card, they are never clipped by it);
- the navbar wrapping onto a second line, a nav entry or "Log visit" wrapped, the
  user menu off-screen;
- the language switch covered by a fixed element (the phone's "+" button);
- in the Chinese UI, an English word in a visible text node, a placeholder, a title
  or an aria-label, unless it is on the allow-list below or a word of the data;
- a console error or a Content-Security-Policy refusal.

Screenshots (test-artifacts/layout/): the first failures, and a few named pages
that people look at by eye (My day, the account page on a phone, the board at
1440 px, the team dashboard at 1440 px).
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from accounts.models import Account, Contact
from kam.models import Team, User
from opportunities.models import ProductLine
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import PASSWORD, OpportunityFactory, VisitFactory
from tests.kam import test_access_matrix as matrix

URLS, _url_for = matrix.URLS, matrix._url_for
world = matrix.world  # the access matrix's world: a record of every kind for every page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "layout"
# from 1400 px the page is a 1320 px container: 1440 and 1920 stand for every laptop above
WIDTHS = {390: 844, 1280: 800, 1440: 900, 1920: 1080}
TEXT_WIDTHS = {390, 1920}  # what text shows changes at the phone and the wide breakpoints
LANGUAGES = ("en", "zh-hans")
ROLES = {"kam": "kam_a", "supervisor": "sup_east", "executive": "exec", "admin": "ops"}
PAGE_KINDS = ("page", "list", "detail", "edit")
# not pages of their own: htmx fragments, a file download and the visit form's offline JSON
NOT_PAGES = {
    "accounts:visit-contact-options",
    "accounts:visit-offline-choices",
    "opportunities:board-column",
    "integrations:import-template",
    "coaching:visit-tags",
    "coaching:plan-tags",
}
# pages looked at by eye on every run: (url name, role, width, language)
NAMED_SCREENSHOTS = {
    ("dashboards:my-day", "kam", 390, "en"),
    ("home", "admin", 390, "zh-hans"),
    ("home", "admin", 1440, "en"),
    ("dashboards:my-day", "kam", 1440, "zh-hans"),
    ("accounts:detail", "kam", 390, "en"),
    ("accounts:detail", "kam", 390, "zh-hans"),
    ("opportunities:board", "supervisor", 1440, "en"),
    ("dashboards:team", "supervisor", 1440, "en"),
    ("dashboards:team", "supervisor", 1440, "zh-hans"),
}
MAX_FAILURE_SCREENSHOTS = 25

# English that belongs in the Chinese UI: abbreviations and names of things
ALLOWED_ENGLISH = {
    "KAM", "KA", "ERP", "NPS", "CSAT", "API", "Q", "CSV", "Excel", "URL", "ID", "IM", "SLA",
    "JSON", "REST", "HTTP", "HTTPS", "OpenAPI", "SWOT", "CNY", "HMAC", "UTF", "SMTP", "PNG",
    "SVG", "XLSX", "BI", "IT", "CEO", "CFO", "CTO", "VP", "WeCom", "DingTalk", "Feishu", "PDF",
    "Word", "PowerPoint", "KB", "MB", "GB", "xlsx", "csv",
}  # fmt: skip
# configuration whose names are shown in the reader's language (an English and a Chinese
# name each; the default stages also in the catalog): their English names are not data
CONFIGURED = {"opportunities.Stage", "opportunities.ProductLine", "coaching.Competence"}

MEASURE = """
async (zh) => {
  const out = [];
  const doc = document.documentElement;
  const shown = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const label = el => {
    if (el.id) return '#' + el.id;
    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
    const names = classes.filter(Boolean).slice(0, 3).map(c => '.' + c);
    return el.tagName.toLowerCase() + names.join('');
  };
  const clipped = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement)
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    return false;
  };
  if (doc.scrollWidth > doc.clientWidth + 1) {
    const wide = [...document.querySelectorAll('body *')].filter(el =>
      shown(el) && el.getBoundingClientRect().right > doc.clientWidth + 1
      && !clipped(el) && getComputedStyle(el).position !== 'fixed');
    const culprit = wide.length ? label(wide[wide.length - 1]) : '?';
    out.push(`page scrolls sideways (${doc.scrollWidth} > ${doc.clientWidth} px; ${culprit})`);
  }
  for (const table of document.querySelectorAll('main table')) {
    if (!shown(table)) continue;
    let right = table.getBoundingClientRect().right;
    for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      const box = el.getBoundingClientRect();
      const ox = getComputedStyle(el).overflowX;
      if (ox === 'auto' || ox === 'scroll') { right = box.right; continue; }
      if (right > box.right + 1) {
        out.push(`table ${label(table)} (${Math.round(table.getBoundingClientRect().width)} px) `
          + `clipped by ${label(el)} (${Math.round(box.width)} px)`);
        break;
      }
    }
  }
  const nav = document.querySelector('nav.kam-navbar');
  if (nav) {
    const height = Math.round(nav.getBoundingClientRect().height);
    if (height > 80) out.push(`navbar on two lines (${height} px)`);
    for (const link of nav.querySelectorAll('.nav-link, .btn')) {
      const tall = link.getBoundingClientRect().height > 44;
      if (shown(link) && tall && !link.closest('.dropdown-menu'))
        out.push(`navbar entry wrapped: ${link.textContent.trim()}`);
    }
    const menu = nav.querySelector('.dropdown > button');
    const box = menu && menu.getBoundingClientRect();
    if (!menu || !shown(menu) || box.right > doc.clientWidth || box.left < 0)
      out.push('user menu not visible');
  }
  const language = document.querySelector('.kam-language-switch');
  if (language) {
    window.scrollTo({top: doc.scrollHeight, behavior: 'instant'});
    for (const button of language.querySelectorAll('button')) {
      const r = button.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (hit && !button.contains(hit)) out.push(`language switch covered by ${label(hit)}`);
    }
    window.scrollTo({top: 0, behavior: 'instant'});
  }
  const texts = [];
  if (zh) {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.nodeValue.trim();
      const skip = 'script, style, noscript, code, pre, [translate=no], [lang=en]';
      if (!text || !parent || parent.closest(skip)) continue;
      if (!parent.getClientRects().length) continue;
      texts.push(text);
    }
    for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
      if (!el.getClientRects().length || el.closest('[translate=no], [lang=en]')) continue;
      for (const name of ['placeholder', 'title', 'aria-label'])
        if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  return {findings: out, texts};
}
"""

WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*[A-Za-z]|[A-Za-z]")
NOT_WORDS = re.compile(
    r"https?://\S+|\S+@\S+|[\w.-]*[_/\\][\w./\\-]*|\b\w*\d\w*\b|\.{3}"  # URLs, e-mails, ids
)

LONG_NAMES = {
    "kam_a": "Alexandra Montgomery-Fitzwilliam",
    "kam_b": "欧阳振华",
    "kam_c": "Bartholomew Okonkwo-Lindqvist",
    "sup_east": "司马长风",
    "exec": "Maximilian von Hohenberg",
}
LONG_ACCOUNTS = {
    "acme": "Shanghai Pudong International Precision Manufacturing Group Co., Ltd.",
    "globex": "中国东方航空国际物流供应链管理（上海）集团有限公司",
}


def _realistic(world):
    """Long names in both scripts where people's and accounts' names are shown."""
    for name, (tier, status, score) in {
        "acme": ("A", "red", 30),
        "globex": ("B", "green", 80),
    }.items():
        Account.objects.filter(pk=world.accounts[name].pk).update(
            tier=tier, health_status=status, health_score=score
        )
    acme = world.accounts["acme"]
    today = timezone.localdate()
    VisitFactory(
        account=acme, logged_by=acme.owner, summary="Quarterly business review with the buyers",
        next_visit_on=today - timedelta(days=2), next_visit_owner=acme.owner,
    )  # fmt: skip
    OpportunityFactory(
        account=acme, name="Five-axis machining centres for the Suzhou plant",
        stage=world.stages["Proposal"], amount=Decimal("12500000"),
        product_line=world.product_lines["line-x"],
    )  # fmt: skip
    ProductLine.objects.filter(pk=world.product_lines["line-x"].pk).update(
        name="Precision machining", name_zh="精密加工"
    )
    for username, full_name in LONG_NAMES.items():
        User.objects.filter(username=username).update(full_name=full_name)
    for name, long_name in LONG_ACCOUNTS.items():
        Account.objects.filter(pk=world.accounts[name].pk).update(name=long_name)
    Team.objects.filter(pk=world.teams["East"].pk).update(
        name="East China Key Accounts & Strategic Partnerships"
    )
    Contact.objects.filter(pk=world.contacts["contact-acme"].pk).update(
        name="Wilhelmina Featherstonehaugh-Cholmondeley", title="Vice President, Global Sourcing"
    )


def _data_words():
    """Every word people typed into the data (names, notes, titles): shown as written in
    either language. Choices and configured names are not data: they are translated."""
    words = set()
    for model in apps.get_models():
        if model._meta.app_label in ("auth", "contenttypes", "sessions", "admin"):
            continue
        if model._meta.label in CONFIGURED or not model._meta.managed or model._meta.proxy:
            continue
        fields = [
            field.name
            for field in model._meta.get_fields()
            if isinstance(field, models.CharField | models.TextField) and not field.choices
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            for value in row:
                if value:
                    words.update(word.lower() for word in WORD.findall(str(value)))
    return words


def _english(texts, data_words):
    found = set()
    for text in texts:
        for word in WORD.findall(NOT_WORDS.sub(" ", text)):
            if word in ALLOWED_ENGLISH or word.lower() in data_words:
                continue
            if len(word) == 1 and word.isupper():  # tiers A-D, quarters
                continue
            found.add(word)
    return found


def _pages(role):
    """(url name, url) of every page the role may open."""
    pages = []
    for name, spec in sorted(URLS.items()):
        if spec.kind not in PAGE_KINDS or name in NOT_PAGES:
            continue
        if ROLES[role] not in spec.roles:
            continue
        if role == "executive" and not name.startswith("dashboards:"):
            continue
        if role == "admin" and name != "home":  # the operations home (its own page)
            continue
        pages.append(name)
    return pages


def _walk(base_url, world, role, language, data_words, budget):
    """Every page ``role`` may open, in ``language``, measured at each width: (findings,
    pages visited). Runs in a thread of its own with its own browser: the roles of one
    language are walked in parallel (the users' language is set before)."""
    findings, visited = [], 0
    username = ROLES[role]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        context.set_default_timeout(30_000)
        page = context.new_page()
        errors = []
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.goto(f"{base_url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base_url}/")
        for name in _pages(role):
            url = base_url + _url_for(world, name, URLS[name]) + URLS[name].query
            page.set_viewport_size({"width": 1920, "height": 1080})
            errors.clear()
            try:
                response = page.goto(url)
            except PlaywrightError as error:
                if "Download is starting" in str(error):  # a file, not a page
                    continue
                raise
            if response.status in (403, 404):  # not this role's record
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue  # an image or a file shown by the browser, not a page
            visited += 1
            where = f"{name} [{role}, {language}]"
            if response.status != 200:
                findings.append(f"{where}: HTTP {response.status}")
                continue
            for width, height in sorted(WIDTHS.items(), reverse=True):
                page.set_viewport_size({"width": width, "height": height})
                # the resize event and its handlers (charts redraw) run before the next
                # frame: measure the page as a person sees it after resizing
                page.evaluate(
                    "() => new Promise(done => requestAnimationFrame("
                    "() => requestAnimationFrame(done)))"
                )
                result = page.evaluate(MEASURE, language != "en" and width in TEXT_WIDTHS)
                problems = list(result["findings"])
                # the API reference (Swagger UI) shows the API's own names: not UI text
                english = [] if name == "api-docs" else _english(result["texts"], data_words)
                if english:
                    problems.append("English in the Chinese UI: " + ", ".join(sorted(english)))
                for problem in problems:
                    findings.append(f"{where} @{width}: {problem}")
                named = (name, role, width, language) in NAMED_SCREENSHOTS
                if named or (problems and budget.take()):
                    slug = f"{name.replace(':', '-')}-{role}-{width}-{language}"
                    page.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)
            for error in errors:
                findings.append(f"{where}: console error: {error[:200]}")
        context.close()
        browser.close()
    return findings, visited


class _Budget:
    """How many failure screenshots are left, shared by the threads."""

    def __init__(self, count):
        self.count, self.lock = count, threading.Lock()

    def take(self) -> bool:
        with self.lock:
            self.count -= 1
            return self.count >= 0


@pytest.mark.timeout(900)  # a loaded machine; about two minutes on a quiet one
def test_every_page_fits_every_width_in_both_languages(world, live_server):
    _realistic(world)
    data_words = _data_words()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    findings = []
    visited = 0
    budget = _Budget(MAX_FAILURE_SCREENSHOTS)
    for language in LANGUAGES:
        User.objects.filter(username__in=ROLES.values()).update(language=language)
        with ThreadPoolExecutor(max_workers=len(ROLES)) as pool:
            walks = [
                pool.submit(_walk, live_server.url, world, role, language, data_words, budget)
                for role in ROLES
            ]
            for walk in walks:
                found, count = walk.result()
                findings.extend(found)
                visited += count
    # the walk reached the pages (a broken sign-in would pass everything)
    assert visited > 100, visited
    report = sorted(set(findings))
    assert report == [], f"{len(report)} layout findings:\n" + "\n".join(report)
