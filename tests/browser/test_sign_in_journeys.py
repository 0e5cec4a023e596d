"""Signing up, in and out in a real browser, in Chinese first, at phone and desktop widths.

Every page a test visits is checked with axe-core, and the ``page`` fixture fails the test on any
console error (a Content-Security-Policy violation is one).

The words allauth and Django bring (form labels, the log-in error) are asserted literally. The
portal's own words are looked up in ``locale/zh_Hans`` with ``zh()``, which insists that they are
translated, so a change of wording by the translators does not break these tests but a missing
translation does.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import translation
from playwright.sync_api import expect

from creditbank.models import AuditEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.conftest import check_a11y

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")
# allauth's password labels end in a colon: "密码:" and "密码（重复）:".
PASSWORD_LABEL = re.compile(r"^密码\s*[:：]?$")
REPEAT_PASSWORD_LABEL = re.compile(r"^密码（重复）\s*[:：]?$")
CONFIRMATION_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")


def zh(message, **values):
    """The portal's Simplified Chinese for ``message``; fails if it is not translated."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    assert CJK.search(text), (
        f"{message!r} has no Chinese translation in locale/zh_Hans (was compilemessages run?)"
    )
    return text % values if values else text


def exactly(live_server, path):
    """A pattern matching this path of the live server and nothing else (no query, no more)."""
    return re.compile("^" + re.escape(live_server.url + path) + "$")


def sign_in_from_the_home_page(page, login):
    page.goto("/")
    check_a11y(page)
    page.get_by_role("banner").get_by_role("link", name=zh("Sign in"), exact=True).click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("登录")
    check_a11y(page)
    main.get_by_label(zh("Username or e-mail address")).fill(login)
    main.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    main.get_by_role("button", name="登录", exact=True).click()


def test_a_visitor_signs_up_follows_the_e_mailed_link_and_is_signed_in(
    page, live_server, mailoutbox
):
    page.goto("/")
    check_a11y(page)
    header = page.get_by_role("banner")
    header.get_by_role("link", name=zh("Sign up"), exact=True).click()

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("注册")
    check_a11y(page)
    main.get_by_label("电子邮件").fill("wang.fang@example.com")
    main.get_by_label("用户名").fill("wangfang")
    main.get_by_label(PASSWORD_LABEL).fill("Plum-Blossom-2024")
    main.get_by_label(REPEAT_PASSWORD_LABEL).fill("Plum-Blossom-2024")
    main.get_by_role("button", name="注册").click()

    # "Verify your e-mail address": nobody is signed in until the link is followed.
    expect(page).to_have_url(exactly(live_server, "/accounts/confirm-email/"))
    expect(main.get_by_role("heading", level=1)).to_contain_text("验证")
    expect(main.get_by_role("status")).to_contain_text("wang.fang@example.com")
    expect(header.get_by_role("link", name=zh("Sign in"), exact=True)).to_be_visible()
    check_a11y(page)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["wang.fang@example.com"]
    link = CONFIRMATION_LINK.search(mail.body)
    assert link, f"no confirmation link in the e-mail:\n{mail.body}"
    assert link.group(0).startswith(live_server.url + "/")
    page.goto(link.group(0))
    expect(main.get_by_role("heading", level=1)).to_contain_text("确认")
    expect(main).to_contain_text("wang.fang@example.com")
    check_a11y(page)
    main.get_by_role("button", name="确认").click()

    # Confirming signs the new user in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION).
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    expect(header).to_contain_text(zh("Signed in as %(name)s", name="wangfang"))
    expect(header.get_by_role("button", name=zh("Sign out"))).to_be_visible()
    expect(main.get_by_role("heading", level=1)).to_have_text(zh("My desk"))
    check_a11y(page)

    user = get_user_model().objects.get(username="wangfang")
    assert user.email == "wang.fang@example.com"
    assert EmailAddress.objects.filter(
        user=user, email="wang.fang@example.com", verified=True, primary=True
    ).exists()
    assert AuditEvent.objects.filter(action="auth.login", actor=user).count() == 1


@pytest.mark.parametrize("login_with", ["username", "email"])
def test_a_verified_user_signs_in_lands_on_the_desk_and_signs_out(page, live_server, login_with):
    user = UserFactory(username="zhanglei", email="zhang.lei@example.com")

    sign_in_from_the_home_page(page, getattr(user, login_with))

    expect(page).to_have_url(exactly(live_server, "/desk/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(zh("My desk"))
    header = page.get_by_role("banner")
    expect(header).to_contain_text(zh("Signed in as %(name)s", name="zhanglei"))
    check_a11y(page)
    assert AuditEvent.objects.filter(action="auth.login", actor=user).count() == 1

    header.get_by_role("button", name=zh("Sign out")).click()

    expect(page).to_have_url(exactly(live_server, "/"))
    expect(header.get_by_role("link", name=zh("Sign in"), exact=True)).to_be_visible()
    expect(header.get_by_role("button", name=zh("Sign out"))).to_have_count(0)
    expect(header).not_to_contain_text("zhanglei")
    check_a11y(page)
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).count() == 1


def test_a_wrong_password_is_refused_in_chinese_above_the_form(page, live_server):
    user = UserFactory(username="liuyang")

    page.goto("/accounts/login/")
    main = page.get_by_role("main")
    main.get_by_label(zh("Username or e-mail address")).fill("liuyang")
    main.get_by_label(PASSWORD_LABEL).fill("Not-The-Password-1")
    main.get_by_role("button", name="登录", exact=True).click()

    error = main.locator("form").get_by_role("alert")
    expect(error).to_have_text("您提供的用户名或密码不正确。")
    expect(page).to_have_url(exactly(live_server, "/accounts/login/"))
    # The message opens the form, above the fields it is about; the login typed is kept.
    login_field = main.get_by_label(zh("Username or e-mail address"))
    error_box, login_box = error.bounding_box(), login_field.bounding_box()
    assert error_box["y"] + error_box["height"] <= login_box["y"]
    expect(login_field).to_have_value("liuyang")
    expect(main.get_by_label(PASSWORD_LABEL)).to_have_value("")
    expect(page.get_by_role("banner").get_by_role("button", name=zh("Sign out"))).to_have_count(0)
    check_a11y(page)

    failures = AuditEvent.objects.filter(action="auth.login_failed")
    assert [(event.actor_id, event.object_id) for event in failures] == [(None, "liuyang")]
    assert not AuditEvent.objects.filter(action="auth.login", actor=user).exists()


def test_the_site_speaks_chinese_until_english_is_chosen_and_back(page, live_server):
    html = page.locator("html")
    header = page.get_by_role("banner")
    main = page.get_by_role("main")
    site_name = zh("Lifelong Learning Credit Bank")

    # The browser asks for English (the context's locale is en-US): the portal answers in
    # Chinese all the same.
    page.goto("/")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page).to_have_title(site_name)
    expect(main.get_by_role("heading", level=1)).to_have_text(site_name)
    expect(main.get_by_role("heading", name=zh("What the credit bank does"))).to_be_visible()
    check_a11y(page)

    english = header.get_by_role("button", name="English", exact=True)
    expect(english).to_have_attribute("lang", "en")
    english.click()

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(exactly(live_server, "/"))
    expect(page).to_have_title("Lifelong Learning Credit Bank")
    expect(main.get_by_role("heading", level=1)).to_have_text("Lifelong Learning Credit Bank")
    expect(main.get_by_role("heading", name="What the credit bank does")).to_be_visible()
    check_a11y(page)

    # The choice sticks for the next page.
    header.get_by_role("link", name="Sign in", exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/accounts/login/"))
    expect(html).to_have_attribute("lang", "en")
    expect(main.get_by_role("button", name="Sign In", exact=True)).to_be_visible()
    check_a11y(page)

    chinese = header.get_by_role("button", name="简体中文", exact=True)
    expect(chinese).to_have_attribute("lang", "zh-Hans")
    chinese.click()

    expect(page).to_have_url(exactly(live_server, "/accounts/login/"))
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(main.get_by_role("heading", level=1)).to_have_text("登录")
    expect(header.get_by_role("button", name="English", exact=True)).to_be_visible()
    check_a11y(page)


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_main(page, live_server):
    page.goto("/")
    check_a11y(page)
    skip_link = page.get_by_role("link", name=zh("Skip to main content"))
    expect(skip_link).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    main = page.get_by_role("main")
    expect(main).to_be_focused()
    expect(page).to_have_url(exactly(live_server, "/#main"))

    # The next Tab carries on inside the main content, not back in the header.
    page.keyboard.press("Tab")
    expect(main.get_by_role("link").first).to_be_focused()
