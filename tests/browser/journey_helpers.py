"""Pieces the account, institution and public journeys share: wording, signing in, TOTP codes.

``t(msgid)`` is ``zh(msgid)`` when the portal's Chinese catalogue translates the string, else the
English msgid, which is what the page then shows. The strings met untranslated are collected in
``UNTRANSLATED``; once they are translated (and compiled) the tests check the Chinese without a
change.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.db import connections
from django.utils import translation
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.browser.conftest import TIMEOUT_MS, VIEWPORTS, _problems_on_load, check_a11y

CJK = re.compile(r"[\u4e00-\u9fff]")
# allauth's password labels end in a colon: "密码:".
PASSWORD_LABEL = re.compile(r"^密码\s*[:：]?$")
UNTRANSLATED: set[str] = set()


def t(message, **values):
    """The portal's Simplified Chinese for ``message`` if it has one, else the English text."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    if not CJK.search(text):
        UNTRANSLATED.add(message)
    return text % values if values else text


def tn(singular, plural, number, **values):
    """``t`` for a plural form."""
    with translation.override("zh-hans"):
        text = translation.ngettext(singular, plural, number)
    if not CJK.search(text):
        UNTRANSLATED.add(singular)
    return text % values if values else text


def label(text):
    """A form label as Django renders it: the text, perhaps followed by a colon."""
    return re.compile(r"^\s*" + re.escape(text) + r"\s*[:：]?\s*$")


def exactly(live_server, path):
    """A pattern matching this path of the live server and nothing else (no query, no more)."""
    return re.compile("^" + re.escape(live_server.url + path) + "$")


def path_pattern(live_server, regex):
    """A pattern for a path of the live server given as a regular expression (no query)."""
    return re.compile("^" + re.escape(live_server.url) + regex + "$")


def totp_code(secret: str) -> str:
    """The current six-digit code for ``secret``. Near the end of a 30-second step, wait for
    the next one: allauth accepts only the current step (no tolerance)."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, login, password=PASSWORD):
    """Sign in on allauth's log-in page (the header's link); stops where allauth sends us."""
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name=t("Sign in"), exact=True).click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Sign In"))
    check_a11y(page)
    main.get_by_label(label(t("Username or e-mail address"))).fill(login)
    main.get_by_label(PASSWORD_LABEL).fill(password)
    main.get_by_role("button", name=t("Sign In"), exact=True).click()


def sign_in_staff(page, live_server, login, secret, password=PASSWORD):
    """Password first, then the authenticator code on allauth's two-factor page."""
    sign_in(page, login, password)
    expect(page).to_have_url(exactly(live_server, "/accounts/2fa/authenticate/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Two-Factor Authentication"))
    check_a11y(page)
    main.get_by_label(label(t("Code"))).fill(totp_code(secret))
    main.get_by_role("button", name=t("Sign In"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    expect(page.get_by_role("banner")).to_contain_text(t("Signed in as %(name)s", name=login))


def main_nav(page):
    """The header's main navigation."""
    return page.get_by_role("navigation", name=t("Main"))


def sign_out(page, live_server):
    page.get_by_role("banner").get_by_role("button", name=t("Sign out")).click()
    expect(page).to_have_url(exactly(live_server, "/"))
    expect(
        page.get_by_role("banner").get_by_role("link", name=t("Sign in"), exact=True)
    ).to_be_visible()


def status_message(page):
    """The flash messages at the top of ``main`` (a polite live region)."""
    return page.get_by_role("main").get_by_role("status").first


def fits_the_viewport(page) -> bool:
    """No horizontal scrolling: nothing wider than the window (the phone check)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def second_page(page, live_server):
    """A second person's browser beside ``page`` (a new context at the same width: another
    cookie jar), for someone who is not signed in or signs in apart. Import it into a test
    module to use it. It fails the test as ``page`` does: console errors, and pages wider than
    the window or with English."""
    width = next(name for name, v in VIEWPORTS.items() if v["viewport"] == page.viewport_size)
    context = page.context.browser.new_context(
        base_url=live_server.url, locale="en-US", **VIEWPORTS[width]
    )
    context.set_default_timeout(TIMEOUT_MS)
    other = context.new_page()
    problems = []
    other.on(
        "console",
        lambda msg: problems.append(f"console.error: {msg.text}") if msg.type == "error" else None,
    )
    other.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    other.on("load", lambda loaded: problems.extend(_problems_on_load(loaded)))
    yield other
    context.close()
    if problems:
        pytest.fail(
            "the second browser reported errors:\n" + "\n".join(dict.fromkeys(problems)),
            pytrace=False,
        )


def in_a_worker_thread(function, /, *args, **kwargs):
    """``function(*args, **kwargs)`` run in a thread of its own, as a Celery worker runs a task, and
    its result. The test thread runs Playwright's event loop, and work that starts one of its
    own (pyHanko signs a PDF with ``asyncio.run``) cannot run there. The thread's database
    connections are closed when it is done."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
