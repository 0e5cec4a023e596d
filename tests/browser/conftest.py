"""Browser tests: the OS's Chromium driven by Playwright against pytest-django's live server.

Every test runs twice, on a phone and on a desktop viewport, in a fresh browser context. A test
fails if the page logged a console error or threw (a Content-Security-Policy violation is logged
as a console error), and ``check_a11y`` fails it on any serious or critical axe-core finding.

Every page the browser loads is also checked (``check_page``), when it has loaded and again in
``check_a11y``: nothing may be wider than the window (``layout_problem``: no horizontal
scrolling, at 375 px as at 1280 px; the widest element sticking out is named), and a Chinese
page may show no English words (``english_words``), save codes, names, addresses and the few
words in ``ENGLISH_ALLOWED``. What a page showed when it loaded fails the test at its end.

The live server runs in this process, in a thread: e-mails it sends land in
``django.core.mail.outbox`` (pytest-django's ``mailoutbox``) and the settings changed by the
autouse fixtures of ``tests/conftest.py`` apply to it.
"""

import os
import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

# Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses ORM
# calls from a thread with a running loop unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
# For actions and for `expect` (Playwright's defaults are 30 s and 5 s): a local page that takes
# longer is a failure worth seeing soon, and a busy machine should not make `expect` flaky.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
A11Y_BLOCKING_IMPACTS = {"serious", "critical"}
AXE = Axe()  # axe-core as bundled with axe-playwright-python

# Words a Chinese page may show as they are: file formats, units, "IP 地址", the language switch,
# and the technologies Chinese course and certificate names keep in English (Python程序设计,
# Web前端开发, Java语言程序设计: data, not the portal's words).
ENGLISH_ALLOWED = {"PDF", "CSV", "XLSX", "TOTP", "JPEG", "JPG", "PNG", "KB", "MB", "GB", "IP"}
ENGLISH_ALLOWED |= {"English", "Python", "Java", "Web"}
# English words that the Chinese pages still show while their translation is being made at its
# source (allauth's pages, Django's validators and admin): warned about, not failed on. Keep it
# short and say why each is here; remove each word as its translation lands. (Issue 11 emptied
# it: allauth's own catalogue said "验证您的Email地址" and "不正确的 token"; ours now overrides.)
ENGLISH_PENDING: set[str] = set()
# Pages whose English is all pending so (none today).
ENGLISH_PENDING_PATHS: set[str] = set()

# Horizontal overflow: the widest element that sticks out of the window, the innermost ones (none
# of whose children stick out) and the text that sticks out, which are usually the cause.
OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth <= width) return null;
  const describe = (el) => {
    const rect = el.getBoundingClientRect();
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    for (const cls of el.classList) name += "." + cls;
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ");
    return `${name} (${Math.round(rect.width)} px wide, right edge at ${
      Math.round(rect.right + window.scrollX)} px): "${text.slice(0, 60)}"`;
  };
  // What a scrolling box (a table's wrapper) holds does not widen the page, except what is
  // positioned outside it: an absolutely positioned element belongs to its positioned ancestor.
  const clipped = (el) => {
    let position = getComputedStyle(el).position;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      const holds = position === "fixed" ? false
        : position === "absolute" ? style.position !== "static" : true;
      if (holds) {
        if (style.overflowX !== "visible") return true;
        position = style.position;
      }
    }
    return false;
  };
  const sticksOut = (el) => {
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.right + window.scrollX > width + 0.5 && !clipped(el);
  };
  const offending = [...document.body.querySelectorAll("*")].filter(sticksOut);
  const widest = offending.reduce(
    (a, b) => (b.getBoundingClientRect().width > a.getBoundingClientRect().width ? b : a),
    offending[0] || document.body);
  const innermost = offending.filter((el) => ![...el.children].some(sticksOut));
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node && texts.length < 3; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width > 0 && rect.right + window.scrollX > width + 0.5 &&
        getComputedStyle(node.parentElement).overflowX === "visible" &&
        !clipped(node.parentElement)) {
      texts.push(`"${node.textContent.trim().slice(0, 60)}" (to ${
        Math.round(rect.right + window.scrollX)} px)`);
    }
  }
  return {
    scrollWidth: root.scrollWidth, width, widest: describe(widest),
    innermost: innermost.slice(0, 3).map(describe), texts,
  };
}"""

# The visible text (and the text read aloud: aria-label, alt, title, placeholder, button values)
# of a Chinese page, outside code, ``translate="no"`` and parts marked as another language.
TEXTS_JS = """() => {
  if (!document.documentElement.lang.toLowerCase().startsWith("zh")) return null;
  const skip = 'script, style, noscript, template, code, kbd, samp, pre, .mono, ' +
    '[translate="no"], [lang]:not([lang^="zh"])';
  const texts = [];
  // An option shows as its select does; a datalist's options (no select) are not on the page.
  const visible = (el) => el.tagName === "OPTION"
    ? Boolean(el.closest("select")) && visible(el.closest("select"))
    : el.checkVisibility({visibilityProperty: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !visible(el)) continue;
    const text = node.textContent.trim();
    if (text) texts.push(text);
  }
  const attributes = ["aria-label", "alt", "title", "placeholder"];
  for (const el of document.querySelectorAll(attributes.map((a) => `[${a}]`).join(", "))) {
    if (el.closest(skip)) continue;
    for (const a of attributes) if (el.getAttribute(a)) texts.push(el.getAttribute(a));
  }
  for (const el of document.querySelectorAll('input[type="submit"], input[type="button"]')) {
    if (!el.closest(skip) && el.value) texts.push(el.value);
  }
  texts.push(document.title);
  return texts;
}"""
# Data, not words: URLs and paths (with the HTTP method of a request), e-mail addresses and file
# names (an uploaded "certificate.pdf").
DATA = re.compile(
    r"\b(?:https?://|www\.)\S+|\b(?:GET|HEAD|POST|PUT|PATCH|DELETE) /\S*|(?<![\w/])/[\w/.?=&%-]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]+\.(?:pdf|jpe?g|png|gif|webp|txt|csv|xlsx?|docx?|zip)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _check_compiled_messages():
    """The pages are checked in Chinese, so the ``.mo`` files must exist. They are compiled
    outside this process (``make test`` does it): Django has read the catalogues before any
    fixture runs, so compiling here would come too late."""
    command = ".venv/bin/python manage.py compilemessages --ignore .venv --ignore var"
    catalogues = [po for base in settings.LOCALE_PATHS for po in Path(base).glob("*/*/*.po")]
    missing = [po for po in catalogues if not po.with_suffix(".mo").exists()]
    if missing:
        pytest.fail(
            f"{', '.join(map(str, missing))} not compiled: run `{command}` first.", pytrace=False
        )
    stale = [po for po in catalogues if po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if stale:
        warnings.warn(
            f"{', '.join(map(str, stale))} changed after it was compiled; the pages are "
            f"checked against the older .mo (run `{command}`).",
            stacklevel=1,
        )


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive the OS's Chromium. Install Debian's "
            "`chromium` package (apt-get install chromium); do not run `playwright install`.",
            pytrace=False,
        )
    _check_compiled_messages()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(autouse=True)
def site_url_is_the_live_server(live_server, settings):
    """Links in e-mails that a task writes lead to ``CREDITBANK_SITE_URL``: here, the live
    server that the browser follows them to."""
    settings.CREDITBANK_SITE_URL = live_server.url


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def page(request, browser, live_server):
    """A page in a new browser context at the phone or the desktop width, with the live server
    as its base URL. The browser says it prefers English: the portal must still answer in
    Chinese until the visitor chooses otherwise."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", **VIEWPORTS[request.param]
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console.{msg.type}: {msg.text} ({msg.location})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("load", lambda loaded: problems.extend(_problems_on_load(loaded)))
    yield page
    context.close()
    if problems:
        pytest.fail(
            "the browser reported errors (a CSP violation shows up here), or a page it loaded "
            "was wider than the window or showed English in Chinese:\n"
            + "\n".join(dict.fromkeys(problems)),
            pytrace=False,
        )


def layout_problem(page) -> str | None:
    """What makes the page wider than its window, if it is."""
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow is None:
        return None
    return (
        f"{page.url} is {overflow['scrollWidth']} px wide in a {overflow['width']} px window; "
        f"widest: {overflow['widest']}; innermost: {'; '.join(overflow['innermost'])}; "
        f"text sticking out: {'; '.join(overflow['texts']) or 'none'}"
    )


def english_words(page) -> list[tuple[str, str]]:
    """The English words of a Chinese page's text, each with the text it stands in; none on a
    page in another language. Codes (anything with a digit or an underscore), single letters,
    URLs, e-mail addresses, file names, ``ENGLISH_ALLOWED`` and the usernames of the database
    (data, not the portal's words) are not counted."""
    texts = page.evaluate(TEXTS_JS)
    if not texts:
        return []
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    found = []
    for text in dict.fromkeys(texts):
        for word in WORD.findall(DATA.sub(" ", text)):
            word = word.strip("-")
            if (
                len(word) > 1
                and not re.search(r"[\d_]", word)
                and word not in ENGLISH_ALLOWED
                and word not in usernames
            ):
                found.append((word, " ".join(text.split())[:80]))
    return list(dict.fromkeys(found))


def page_problems(page) -> list[str]:
    """The layout problem and the English words of the current page, as messages; English
    known to be pending (``ENGLISH_PENDING``, ``ENGLISH_PENDING_PATHS``) is only warned about,
    in one warning per page."""
    problems = [problem] if (problem := layout_problem(page)) else []
    pending_page = urlsplit(page.url).path in ENGLISH_PENDING_PATHS
    pending = []
    for word, text in english_words(page):
        if pending_page or word in ENGLISH_PENDING:
            pending.append(word)
        else:
            problems.append(f'English on the Chinese page {page.url}: "{word}" in "{text}"')
    if pending:
        words = ", ".join(dict.fromkeys(pending))
        warnings.warn(f"English pending translation on {page.url}: {words}", stacklevel=2)
    return problems


def _problems_on_load(page) -> list[str]:
    try:
        return page_problems(page)
    except PlaywrightError:
        return []  # it navigated on before the check ran: the next page gets its own check


def check_page(page):
    """Fail now if the current page is wider than the window or shows English in Chinese."""
    problems = page_problems(page)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def check_a11y(page):
    """Run axe-core on the current page; fail on every serious or critical violation. Check
    the layout and the language too (``check_page``)."""
    check_page(page)
    results = AXE.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in A11Y_BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe found {len(blocking)} serious/critical violation(s) on {page.url}:"]
        for violation in blocking:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.extend(f"    {' '.join(map(str, node['target']))}" for node in violation["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)
