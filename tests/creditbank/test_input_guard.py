"""Input that once reached a 500, and text that was stored with characters nobody could see.

Control characters (NUL and the other C0/C1 characters but TAB, LF and CR) in any query-string
key or value or form field get the bad-request page (creditbank.inputguard) and write nothing,
on every page of the URL conf. Bidirectional controls and zero-width characters are dropped by
the shared text fields (creditbank.fields) before anything is stored.
"""

from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.handlers import wsgi
from django.db import transaction
from django.http import QueryDict
from django.http import request as http_request
from django.test import Client
from django.urls import reverse

from accounts.models import Institution, InstitutionStaff, LearnerAccount
from achievements import services as achievement_services
from achievements.batch.reader import template_xlsx
from achievements.models import Achievement, AchievementCategory, ImportBatch
from branches.models import StaffAssignment
from creditbank.fields import OneLineTextField, PlainTextField, SearchField, strip_invisible
from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.accounts.learner_factories import open_account, resident_id
from tests.accounts.test_institution_views import GOOD as APPLICATION
from tests.achievements.factories import (
    PNG_BYTES,
    active_account,
    deposit,
    deposit_form_data,
    upload,
)
from tests.branches.factories import AllianceMembershipFactory
from tests.conftest import with_totp
from tests.test_role_matrix import (
    EXPECTED,
    PAYLOADS,
    ROLES,
    _fingerprint,
    build_world,
)
from tests.test_url_walk import _sample, _takes_arguments, named_urls

pytestmark = pytest.mark.django_db

# NUL (PostgreSQL refuses it in text), SOH, ESC, DEL and NEL (a C1 character).
CONTROL = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]
URLENCODED = "application/x-www-form-urlencoded"
BIDI_AND_ZERO_WIDTH = "\u202e\u2066\u200b\u200d\u2060\ufeff\u200f\u061c"


def writes() -> tuple:
    """What a refused request must leave as it was: the guarded rows and the audit log."""
    return _fingerprint(), AuditEvent.objects.count()


def assert_bad_request(response, where):
    assert response.status_code == 400, (where, response.status_code)
    page = response.content.decode()
    assert "请求无效" in page, where


# --- which parameters each page reads ---------------------------------------------------------

READ: dict[str, set] = {"GET": set(), "POST": set()}


class RecordingQueryDict(QueryDict):
    """Query-string or form data that notes every key a view (or its form) looks up."""

    method = "GET"

    def __getitem__(self, key):
        READ[self.method].add(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        READ[self.method].add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        READ[self.method].add(key)
        return super().__contains__(key)


class RecordingFormData(RecordingQueryDict):
    method = "POST"


def _keys_read(client, method, url) -> set:
    """The keys the page reads from a request carrying only ``probe`` (so that forms bound
    with ``request.GET or None`` are bound); whatever the request writes is rolled back."""
    READ[method].clear()
    with transaction.atomic():
        if method == "GET":
            client.get(url, {"probe": "1"})
        else:
            client.post(url, "probe=1", content_type=URLENCODED)
        transaction.set_rollback(True)
    return READ[method] - {"probe"}


def _first_role_answered(name, statuses):
    """The first signed-in role of the role matrix whose request on its own object is answered
    with the first of ``statuses`` that any role gets, else ``None``."""
    expected = EXPECTED.get(name, {"*": None})
    for wanted in statuses:
        for role in (r for r in ROLES if r != "anonymous"):
            status = expected.get(role, expected["*"])
            if (status[0] if isinstance(status, tuple) else status) == wanted:
                return role
    return None


def _user_of(name):
    """A role that opens the page, else one whose POST goes through; the admin's pages are
    used by a superuser."""
    if name.startswith("admin:"):
        return "superuser"
    return _first_role_answered(name, [200, 302])


def _url(name, pattern, objects):
    if not _takes_arguments(pattern):
        return reverse(name)
    if name in EXPECTED:
        return reverse(name, kwargs=objects(name, 0))
    return reverse(name, kwargs=_sample(name, pattern))


class SignedInClients:
    """``clients(role)``: a client as a fresh one signed in as ``role`` (``None``: an anonymous
    visitor) would be — no cookie but the role's session, and that session as it was stored at
    sign-in (its copy in the cache, which a rolled-back request may have changed, is dropped, as
    the role matrix does). Each role signs in once: signing in for every page took a third of
    the walk."""

    def __init__(self, people):
        self.people = people
        self.made = {}

    def __call__(self, role):
        if role not in self.made:
            client = Client(raise_request_exception=False)
            if role is not None:
                client.force_login(self.people[role])
            session = client.cookies.get(settings.SESSION_COOKIE_NAME)
            self.made[role] = client, session.value if session else None
        client, session_key = self.made[role]
        client.cookies.clear()
        if session_key is not None:
            caches[settings.SESSION_CACHE_ALIAS].delete(SessionStore(session_key).cache_key)
            client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        return client


@pytest.fixture
def world(people, settings, tmp_path):
    """The role matrix's two of everything, built here for the per-test ``people``."""
    settings.MEDIA_ROOT = tmp_path
    return build_world(people)


def test_every_form_and_filter_answers_400_to_control_characters(
    people,
    world,
    monkeypatch,
):
    """Each page is opened once with GET and once with POST by a person who may use it, noting
    which parameters the view and its forms read; each of those then gets each control
    character, in its value and in its key, from that person and from an anonymous visitor."""
    superuser = UserFactory(is_staff=True, is_superuser=True)
    with_totp(superuser)
    clients = SignedInClients({**people, "superuser": superuser})
    monkeypatch.setattr(wsgi, "QueryDict", RecordingQueryDict)
    monkeypatch.setattr(http_request, "QueryDict", RecordingFormData)
    read_by_page, failures = {"GET": {}, "POST": {}}, []
    for name, pattern in named_urls():
        url = _url(name, pattern, world)
        for method in ("GET", "POST"):
            # The matrix's user or, when that one reads nothing, a signed-in person without
            # roles or a learning account (who gets the form to open one).
            for user in (_user_of(name), "outsider"):
                read = _keys_read(clients(user), method, url)
                if read:
                    break
            else:
                continue
            read_by_page[method][name] = read
            visitors = {role: clients(role) for role in (None, user)}  # log-ins write
            before = writes()
            for role, client in visitors.items():
                for character in CONTROL:
                    queries = [urlencode({key: f"a{character}b"}) for key in sorted(read)]
                    queries.append(f"{quote(character + min(read))}=1")
                    for query in queries:
                        if method == "GET":
                            response = client.get(f"{url}?{query}")
                        else:
                            response = client.post(url, query, content_type=URLENCODED)
                        if response.status_code != 400:
                            failures.append((name, method, role, query, response.status_code))
            if writes() != before:
                failures.append((name, method, "wrote"))
    assert failures == []
    # The walk found the filters and forms it must: the page among them.
    found = read_by_page["GET"]
    assert {"q", "status", "page"} <= found["branches:desk_accounts"]
    assert {"action", "actor", "date_from", "date_to", "page"} <= found["accounts:audit_log"]
    assert {"status", "page"} <= found["accounts:institution_list"]
    assert "q" in found["branches:service_points"] and "q" in found["achievements:standard_list"]
    assert "next" in found["account_login"]
    found = read_by_page["POST"]
    assert {"name", "address", "contact_name"} <= found["accounts:institution_apply"]
    assert {"real_name", "work_unit"} <= found["branches:account_open"]
    assert {"title", "issuer_name"} <= found["achievements:achievement_deposit"]
    assert "reason" in found["accounts:institution_decide"]
    assert len(read_by_page["GET"]) >= 20 and len(read_by_page["POST"]) >= 30


def test_the_walks_clients_are_their_role_whatever_a_rolled_back_request_did(people):
    clients = SignedInClients(people)
    assert clients("branch_staff").get("/desk/accounts/").status_code == 200
    assert clients("learner").get("/desk/accounts/").status_code == 403
    assert clients(None).get("/desk/accounts/").status_code == 302
    with transaction.atomic():
        assert clients("branch_staff").post(reverse("account_logout")).status_code == 302
        assert clients("branch_staff").get("/desk/accounts/").status_code == 302
        transaction.set_rollback(True)
    assert clients("branch_staff").get("/desk/accounts/").status_code == 200


def test_a_nul_in_the_account_desk_search_is_a_bad_request_not_a_500(client, people):
    """Issue 9: ``GET /desk/accounts/?q=%00`` as branch staff raised DataError."""
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    open_account(branch=branch, real_name="王芳")
    client.force_login(people["branch_staff"])
    before = writes()
    response = client.get("/desk/accounts/?q=%00")
    assert_bad_request(response, "q=%00")
    assert "default-src" in response["Content-Security-Policy"]  # the guard sits inside CSP
    assert_bad_request(client.get("/desk/accounts/?q=%E7%8E%8B%00"), "q=王%00")
    assert writes() == before
    assert "王芳" in client.get("/desk/accounts/?q=%E7%8E%8B").content.decode()


def test_tab_line_feed_and_carriage_return_pass(client, people):
    client.force_login(people["branch_staff"])
    assert client.get("/desk/accounts/", {"q": "王\t芳\r\n"}).status_code == 200


def test_a_control_character_in_the_path_is_a_bad_request(client):
    assert_bad_request(client.get("/announcements/%00/"), "path")


def test_a_malformed_multipart_body_gets_the_same_page(client, people):
    client.force_login(people["learner"])
    response = client.post(
        reverse("accounts:institution_apply"), data=b"--x\r\n", content_type="multipart/form-data"
    )
    assert_bad_request(response, "no boundary")
    assert not Institution.objects.filter(applied_by__isnull=False).exists()


# --- forms ------------------------------------------------------------------------------------


def _writer_of(name):
    """A role whose POST the role matrix lets through: answered with a redirect (done) or,
    failing that, with the page again (refused by the service's rules)."""
    role = _first_role_answered(name, [302, 200])
    assert role is not None, f"no one writes {name}"
    return role


def test_every_posted_field_with_a_control_character_is_refused_and_writes_nothing(
    people,
    world,
):
    """Every form of the role matrix's writes, as multipart (a browser's upload form) and as
    urlencoded (every other form), with NUL or another control character in each field."""
    failures, clients = [], SignedInClients(people)
    for name, payload in PAYLOADS.items():
        if not payload:
            continue
        role = _writer_of(name)
        client = clients(role)
        url = reverse(name, kwargs=world(name, 0))
        for field in payload:
            for character in CONTROL:
                data = payload | {field: f"{payload[field]}{character}"}
                before = writes()
                multipart = client.post(url, data)
                urlencoded = client.post(url, urlencode(data), content_type=URLENCODED)
                for response in (multipart, urlencoded):
                    if response.status_code != 400:
                        failures.append((name, role, field, character, response.status_code))
                if writes() != before:
                    failures.append((name, role, field, character, "wrote"))
    assert failures == []


@pytest.fixture
def learner(people):
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    institution = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    AllianceMembershipFactory(institution=institution, branch=branch)
    account = active_account(branch=branch, user=people["learner"])
    return {"account": account, "branch": branch, "institution": institution}


def test_a_deposit_with_nul_in_its_title_is_refused_but_files_may_hold_any_bytes(
    client, people, learner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["learner"])
    assert b"\x00" in PNG_BYTES
    before = Achievement.objects.count()
    refused = client.post(
        reverse("achievements:achievement_deposit"),
        deposit_form_data(title="培训\x00") | {"files": [upload("a.pdf")]},
    )
    assert_bad_request(refused, "title")
    assert Achievement.objects.count() == before
    accepted = client.post(
        reverse("achievements:achievement_deposit"),
        deposit_form_data() | {"files": [upload("a.png", PNG_BYTES)]},
    )
    assert accepted.status_code == 302
    assert Achievement.objects.count() == before + 1


def test_a_result_file_may_hold_any_bytes_but_a_field_with_nul_is_refused(
    client, people, learner, settings, tmp_path
):
    """Batch recognition: a workbook (a ZIP, full of NUL bytes) goes through; NUL in the mode
    is refused and writes nothing."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["institution_clerk"])
    url = reverse("achievements:batch_new")
    workbook = template_xlsx()
    assert b"\x00" in workbook
    category = AchievementCategory.objects.active().first()

    def data(mode):
        return {"category": category.pk, "mode": mode, "file": upload("成绩.xlsx", workbook)}

    before = writes()
    assert_bad_request(client.post(url, data("valid\x00")), "mode")
    assert writes() == before and not ImportBatch.objects.exists()
    accepted = client.post(url, data("valid"))
    assert accepted.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.file_format, batch.institution) == ("xlsx", learner["institution"])


def test_an_application_with_nul_in_its_name_is_refused(client, people):
    client.force_login(people["learner"])
    events = AuditEvent.objects.count()
    data = APPLICATION | {"name": "重庆新桥\x00职业培训学校"}
    assert_bad_request(client.post(reverse("accounts:institution_apply"), data), "name")
    assert not Institution.objects.filter(applied_by__isnull=False).exists()
    assert AuditEvent.objects.count() == events


def test_the_csrf_check_still_reads_the_token_from_a_multipart_form(people):
    """The guard parses the form before the CSRF middleware looks for its token in it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["learner"])
    url = reverse("accounts:institution_apply")
    assert client.post(url, APPLICATION).status_code == 403
    client.get(url)
    token = client.cookies["csrftoken"].value
    assert client.post(url, APPLICATION | {"csrfmiddlewaretoken": token}).status_code == 302
    assert Institution.objects.filter(applied_by=people["learner"]).exists()


# --- bidirectional controls and zero-width characters -----------------------------------------


def hidden(text: str) -> str:
    """``text`` with the invisible characters woven between its letters."""
    return "".join(
        f"{c}{BIDI_AND_ZERO_WIDTH[i % len(BIDI_AND_ZERO_WIDTH)]}" for i, c in enumerate(text)
    )


def test_a_title_is_stored_without_invisible_characters(client, people, learner):
    client.force_login(people["learner"])
    response = client.post(
        reverse("achievements:achievement_deposit"),
        deposit_form_data(
            title=hidden("养老护理员培训"), issuer_name=hidden("重庆市职业技能鉴定中心")
        )
        | {"files": [upload()]},
    )
    assert response.status_code == 302
    achievement = Achievement.objects.get(title="养老护理员培训")
    assert achievement.issuer_name == "重庆市职业技能鉴定中心"


def test_a_reason_is_stored_without_invisible_characters(client, people):
    institution = InstitutionStaff.objects.get(user=people["institution_admin"]).institution
    client.force_login(people["centre_admin"])
    response = client.post(
        reverse("accounts:institution_decide", args=[institution.pk]),
        {"decision": "suspend", "reason": hidden("资质已过期") + "\r\n" + hidden("请补交")},
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.status, institution.status_reason) == ("suspended", "资质已过期\n请补交")


def test_an_institution_name_and_address_are_stored_without_invisible_characters(client, people):
    client.force_login(people["learner"])
    data = APPLICATION | {
        "name": "\ufeff" + hidden("重庆新桥职业培训学校"),
        "address": hidden("重庆市沙坪坝区新桥正街1号"),
        "contact_name": hidden("王芳"),
    }
    assert client.post(reverse("accounts:institution_apply"), data).status_code == 302
    institution = Institution.objects.get(applied_by__isnull=False)
    assert institution.name == "重庆新桥职业培训学校"
    assert institution.address == "重庆市沙坪坝区新桥正街1号"
    assert institution.contact_name == "王芳"


def test_a_work_unit_and_a_real_name_are_stored_without_invisible_characters(client, people):
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    client.force_login(UserFactory())
    data = {
        "real_name": "王\u200b芳\u202c",
        "id_type": "resident_id",
        "id_number": resident_id(21),
        "mobile": "13912345678",
        "education": "junior_college",
        "work_unit": hidden("重庆市第一中学"),
        "branch": branch.pk,
    }
    assert client.post(reverse("branches:account_open"), data).status_code == 302
    account = LearnerAccount.objects.get()
    assert (account.real_name, account.work_unit) == ("王芳", "重庆市第一中学")


def test_a_note_is_stored_without_invisible_characters(client, people, learner):
    achievement = achievement_services.achievement_submit(
        acting_user=people["learner"],
        achievement=deposit(
            account=learner["account"], issuer_institution=learner["institution"], issuer_name=""
        ),
    )
    client.force_login(people["branch_staff"])
    response = client.post(
        reverse("achievements:review_forward", args=[achievement.pk]),
        {"forward-note": hidden("材料齐全。")},
    )
    assert response.status_code == 302
    assert achievement.events.latest("created_at").note == "材料齐全。"


def test_an_audit_filter_ignores_invisible_characters(client, people):
    client.force_login(people["audit_admin"])
    response = client.get(reverse("accounts:audit_log"), {"actor": hidden("audit_admin")})
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["actor"] == "audit_admin"


@pytest.mark.parametrize(
    ("field", "typed", "cleaned"),
    [
        (OneLineTextField(), "\u202e 养老\u200b护理 \u2069", "养老护理"),
        (PlainTextField(), "第一行\u200f\t甲\r\n\u2066第二行\u2069", "第一行\t甲\n第二行"),
        (SearchField(), "\ufeff王\u200d芳 ", "王芳"),
        (OneLineTextField(required=False), "\u200b\u200c", ""),
    ],
)
def test_the_shared_fields_drop_invisible_characters_and_keep_tabs_and_lines(field, typed, cleaned):
    assert field.clean(typed) == cleaned


def test_only_invisible_characters_count_as_empty():
    with pytest.raises(ValidationError) as refused:
        OneLineTextField().clean("\u200b\u202e")
    assert refused.value.code == "required"


def test_strip_invisible_keeps_every_visible_character():
    text = "买买提·艾力 𠮷 O'Neil <b> ١٢٣ العربية"
    assert strip_invisible(text) == text
    assert strip_invisible(f"\u202a{text}\u202c") == text
