"""No English on a Chinese page: allauth's pages, Django's password messages, the two-factor
pages, the error pages (400, 403, 404, 500, 503, the refused form), the admin's tables; and one
word per thing on the way in: 注册 signs up for a log-in, 开户 opens a learning account.

The visible text is read as the browser journeys read it (tests/browser/conftest.py): outside
code, ``translate="no"`` and parts marked as another language; with the titles, labels read
aloud and placeholders. Codes, URLs, e-mail addresses and usernames are data, not words."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import path, reverse

from creditbank.urls import urlpatterns as portal_urlpatterns
from tests.accounts.factories import PASSWORD
from tests.achievements.factories import UnitStandardFactory
from tests.conftest import new_people
from tests.creditbank.test_unavailable import database_unreachable

pytestmark = pytest.mark.django_db

# Names, file types and units that Chinese pages write in Latin letters (programming languages
# and the web in course names: Python程序设计, Java语言程序设计, Web前端开发).
ALLOWED = {"PDF", "TOTP", "JPEG", "JPG", "PNG", "ID", "IP", "KB", "MB", "GB", "XLSX", "CSV"}
ALLOWED |= {"Python", "Java", "Web"}
SKIPPED_TAGS = {"script", "style", "noscript", "template", "code", "kbd", "samp", "pre"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
READ_ALOUD = ("aria-label", "alt", "title", "placeholder")
# URLs, e-mail addresses and file names: data, as tests/browser/conftest.py's DATA.
URL_OR_EMAIL = re.compile(
    r"\b(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|[\w.-]+\.(?:pdf|jpe?g|png|gif|webp|txt|csv|xlsx?|docx?|zip)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class _Texts(HTMLParser):
    """The texts of a page a Chinese reader meets (see the module's docstring)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: whether it is skipped
        self.texts: list[str] = []

    def _skipped(self, tag, attrs) -> bool:
        lang = attrs.get("lang")
        return (
            tag in SKIPPED_TAGS
            or "mono" in (attrs.get("class") or "").split()
            or attrs.get("translate") == "no"
            or (lang is not None and not lang.lower().startswith("zh"))
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (bool(self.stack) and self.stack[-1]) or self._skipped(tag, attrs)
        if not skipped:
            self.texts.extend(attrs[name] for name in READ_ALOUD if attrs.get(name))
            if tag == "input" and attrs.get("type") in {"submit", "button"}:
                self.texts.append(attrs.get("value") or "")
        if tag not in VOID_TAGS:
            self.stack.append(skipped)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not (self.stack and self.stack[-1]):
            self.texts.append(data)


def english_words(html: str) -> list[str]:
    """The English words of the page's text, each with the text it stands in."""
    parser = _Texts()
    parser.feed(html)
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    found = []
    for text in parser.texts:
        for word in WORD.findall(URL_OR_EMAIL.sub(" ", text)):
            word = word.strip("-")
            if (
                len(word) > 1
                and not re.search(r"[\d_]", word)
                and word not in ALLOWED
                and word not in usernames
            ):
                found.append(f'"{word}" in "{" ".join(text.split())[:80]}"')
    return list(dict.fromkeys(found))


def assert_chinese(response, status=200):
    assert response.status_code == status, response
    page = response.content.decode()
    assert re.search(r'<html lang="zh-hans"', page, re.IGNORECASE)
    assert english_words(page) == []


def test_the_check_finds_english_and_lets_codes_and_other_languages_be():
    page = (
        '<html lang="zh-Hans"><head><title>Sign in</title></head><body>'
        '<p>登录 Email <code>auth.login</code> CB-0001 <span class="mono">ABC</span></p>'
        '<button aria-label="Close">×</button><a lang="en">English</a><img src="x" alt="照片">'
        "<script>var x = 'Hello';</script></body></html>"
    )
    assert english_words(page) == [
        '"Sign" in "Sign in"',
        '"in" in "Sign in"',
        '"Email" in "登录 Email"',
        '"Close" in "Close"',
    ]


# --- allauth's pages, the password rules, two-factor authentication ---------------------------


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "home"]
)
def test_the_pages_on_the_way_in_are_chinese(client, name):
    assert_chinese(client.get(reverse(name)))


def test_the_password_rules_broken_on_sign_up_are_told_in_chinese(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "li.lei@example.com",
            "username": "lilei",
            "password1": "123",
            "password2": "123",
        },
    )
    page = response.content.decode()
    assert "密码太短，至少需要 10 个字符。" in page
    assert "密码只包含数字。" in page
    assert_chinese(response)


@pytest.fixture
def learner_client(client):
    """A learner who has just given their password again (allauth asks for it before the
    e-mail and two-factor pages)."""
    client.force_login(new_people("zhaolei", totp=False)["zhaolei"])
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "mfa_index",
        "mfa_activate_totp",
        "account_reauthenticate",
        "branches:account_open",
    ],
)
def test_the_account_settings_pages_are_chinese(learner_client, name):
    assert_chinese(learner_client.get(reverse(name)))


def test_the_e_mail_page_says_电子邮箱_not_email(learner_client):
    page = learner_client.get(reverse("account_email")).content.decode()
    assert "添加电子邮箱" in page
    assert "以下电子邮箱地址已关联到您的账号" in page


def test_the_two_factor_pages_of_a_person_with_totp_are_chinese(client):
    user = new_people("qianwei")["qianwei"]
    client.force_login(user)
    assert_chinese(client.get(reverse("mfa_index")))
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "qianwei", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert_chinese(response)


# --- the error pages ----------------------------------------------------------------------------


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *portal_urlpatterns]
handler400 = "creditbank.views.error_400"
handler403 = "creditbank.views.error_403"
handler404 = "creditbank.views.error_404"
handler500 = "creditbank.views.error_500"


@pytest.fixture
def visitor():
    # Django's test client re-raises what a view raised; a browser gets the handler's page.
    return Client(raise_request_exception=False)


def test_the_404_and_403_pages_are_chinese(visitor, settings, people):
    settings.DEBUG = False
    assert_chinese(visitor.get("/no-such-page/"), 404)
    visitor.force_login(people["learner"])
    assert_chinese(visitor.get(reverse("accounts:audit_log")), 403)


def test_the_400_page_is_chinese_with_the_stylesheet_and_a_way_home(visitor):
    response = visitor.get("/", {"q": "\x00"})
    assert_chinese(response, 400)
    page = response.content.decode()
    assert "请求无效" in page
    assert "/static/css/site.css" in page
    assert f'href="{reverse("home")}"' in page


@pytest.mark.urls(__name__)
def test_the_500_page_is_chinese_and_english_when_chosen(visitor, settings, people):
    settings.DEBUG = False
    visitor.force_login(people["learner"])
    response = visitor.get("/boom/")
    assert_chinese(response, 500)
    assert "服务暂时不可用" in response.content.decode()
    assert "/static/css/site.css" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    english_response = visitor.get("/boom/", {"lang": "en"})
    assert english_response["Content-Language"] == "en"
    english = english_response.content.decode()
    assert '<html lang="en">' in english
    assert "Something went wrong on our side" in english
    assert "系统出现了问题" in visitor.get("/boom/", {"lang": "xx"}).content.decode()
    visitor.cookies["creditbank_language"] = "en"
    assert "Something went wrong on our side" in visitor.get("/boom/").content.decode()


def test_the_503_page_is_chinese_and_english_for_the_language_cookie(visitor):
    with database_unreachable():
        response = visitor.get(reverse("branches:service_points"))
        assert "/static/css/site.css" in response.content.decode()
        visitor.cookies["creditbank_language"] = "en"
        english = visitor.get(reverse("branches:service_points")).content.decode()
    assert_chinese(response, 503)  # the usernames it leaves out come from the database
    assert "Service temporarily unavailable" in english
    assert "服务暂时不可用" not in english


def test_a_form_sent_without_its_security_token_gets_a_chinese_page(people):
    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(people["learner"])
    response = visitor.post(reverse("account_logout"))
    assert_chinese(response, 403)
    assert "表单已失效" in response.content.decode()
    assert "CSRF" not in response.content.decode()


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_tables_are_chinese(client, people):
    UnitStandardFactory()
    root = new_people("root")["root"]
    get_user_model().objects.filter(pk=root.pk).update(is_staff=True, is_superuser=True)
    client.force_login(root)
    assert_chinese(client.get(reverse("admin:index")))
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
        # The rows and the filters' choices are data (the reference tables keep English names
        # beside the Chinese, and the districts their city's code).
        page = re.sub(r"(?s)<tbody>.*?</tbody>", "", response.content.decode())
        page = page.split('<nav id="changelist-filter"')[0]
        assert english_words(page) == [], url
        first = model._default_manager.first()
        if first is not None:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk]
            )
            # The values are data; the labels are words.
            labels = re.findall(r"(?s)<label[^>]*>.*?</label>", client.get(url).content.decode())
            assert labels and english_words("".join(labels)) == [], url


def test_the_audit_log_is_chinese(client, people):
    from accounts.services import institution_approve, role_grant
    from branches.models import StaffAssignment
    from tests.accounts.factories import InstitutionFactory
    from tests.accounts.learner_factories import open_account

    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    open_account(branch=branch, user=people["learner"])
    institution = InstitutionFactory(status="applied")
    institution_approve(acting_user=people["centre_admin"], institution=institution)
    role_grant(acting_user=people["system_admin"], user=people["outsider"], role="expert")
    client.force_login(people["audit_admin"])
    response = client.get(reverse("accounts:audit_log"))
    assert "学习账户开户" in response.content.decode()
    assert_chinese(response)


# --- one word per thing: 注册 signs up, 开户 opens a learning account ------------------------


def test_the_header_and_home_page_say_注册_for_signing_up(client):
    page = client.get(reverse("home")).content.decode()
    signup = reverse("account_signup")
    assert re.findall(rf'<a [^>]*href="{signup}"[^>]*>([^<]*)</a>', page) == ["注册", "注册"]
    assert "如何开户" in page
    assert "开户</a>" not in page
    signup_page = client.get(signup).content.decode()
    assert re.search(r"<h1>\s*注册\s*</h1>", signup_page)
    assert "开户" not in signup_page


def test_the_pages_that_open_a_learning_account_say_开户(client, people):
    client.force_login(people["learner"])
    page = client.get(reverse("branches:account_open")).content.decode()
    assert "<h1>在线开户</h1>" in page
    assert "提交开户申请" in page
    assert "注册" not in page.split("<main")[1]
    client.force_login(people["branch_staff"])
    page = client.get(reverse("branches:desk_account_new")).content.decode()
    assert "现场开户" in page
    assert "注册" not in page.split("<main")[1]
