"""Browser tests: the OS's Chromium driven by Playwright against pytest-django's live server.

Every test runs twice, on a phone and on a desktop viewport, in a fresh browser context. A test
fails if the page logged a console error or threw (a Content-Security-Policy violation is logged
as a console error), and ``check_a11y`` fails it on any serious or critical axe-core finding.

The live server runs in this process, in a thread: e-mails it sends land in
``django.core.mail.outbox`` (pytest-django's ``mailoutbox``) and the settings changed by the
autouse fixtures of ``tests/conftest.py`` apply to it.
"""

import os
import warnings
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
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
    yield page
    context.close()
    if problems:
        pytest.fail(
            "the browser reported errors (a CSP violation shows up here):\n" + "\n".join(problems),
            pytrace=False,
        )


def check_a11y(page):
    """Run axe-core on the current page; fail on every serious or critical violation."""
    results = AXE.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in A11Y_BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe found {len(blocking)} serious/critical violation(s) on {page.url}:"]
        for violation in blocking:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.extend(f"    {' '.join(map(str, node['target']))}" for node in violation["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)
