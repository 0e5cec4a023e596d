"""The audit log page speaks words: the action's name, the object's name, who acted and what
changed, before and after; its filters are chosen from lists and narrow the rows; bad filters
get a message."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Institution
from accounts.services import institution_approve, institution_suspend, role_grant
from creditbank.audit import audit_record
from tests.accounts.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(people):
    """An institution approved, then suspended, by the centre administrator (with a name); a
    role granted by the system administrator; a sign-in of the learner."""
    admin = people["centre_admin"]
    admin.first_name, admin.last_name = "明", "王"
    admin.save(update_fields=["first_name", "last_name"])
    institution = InstitutionFactory(name="重庆开放大学", status=Institution.Status.APPLIED)
    institution_approve(acting_user=admin, institution=institution)
    institution_suspend(acting_user=admin, institution=institution, reason="年检未通过")
    role_grant(acting_user=people["system_admin"], user=people["outsider"], role="expert")
    audit_record(actor=people["learner"], action="auth.login", target=people["learner"])
    return institution


@pytest.fixture
def auditor(client, people):
    client.force_login(people["audit_admin"])  # in Chinese, as the portal speaks by default
    return client


def rows(response) -> list[str]:
    """The visible text of each row of the events table, newest first."""
    chunks = response.content.decode().split('<tr id="event-')[1:]
    return [" ".join(re.sub(r"<[^>]+>", " ", c.split("\n    </tr>")[0]).split()) for c in chunks]


def test_each_event_reads_as_words(auditor, events):
    response = auditor.get(reverse("accounts:audit_log"), {"object_type": "accounts.institution"})
    suspended, approved = rows(response)
    # Who (name and username), the action's name and code, the object's type and name, and
    # what changed: each field's name, before, after.
    assert "明 王 (centre_admin) 暂停机构 institution.suspend" in suspended
    assert f"机构 重庆开放大学 (#{events.pk})" in suspended
    assert "状态 已通过 已暂停" in suspended
    assert "理由 — 年检未通过" in suspended
    assert "批准机构 institution.approve" in approved
    assert "状态 已申请 已通过" in approved


def test_a_role_grant_names_the_role_and_a_sign_in_its_person(auditor, events, people):
    sign_in, grant = rows(auditor.get(reverse("accounts:audit_log")))[:2]
    assert f"system_admin 授予角色 role.grant 用户 outsider (#{people['outsider'].pk})" in grant
    assert "角色 专家" in grant
    assert f"learner 登录 auth.login 用户 learner (#{people['learner'].pk}) —" in sign_in


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "institution.suspend"}, {"institution.suspend"}),
        ({"object_type": "accounts.institution"}, {"institution.approve", "institution.suspend"}),
        ({"actor": "王"}, {"institution.approve", "institution.suspend"}),
        ({"actor": "SYSTEM_ad"}, {"role.grant"}),
        ({"action": "auth.login", "actor": "learner"}, {"auth.login"}),
    ],
)
def test_the_filters_narrow_the_rows(auditor, events, query, expected):
    response = auditor.get(reverse("accounts:audit_log"), query)
    assert response.status_code == 200
    assert {row.event.action for row in response.context["rows"]} == expected


def test_the_date_range_narrows_the_rows(auditor, events):
    today = timezone.localdate()
    url = reverse("accounts:audit_log")
    assert len(auditor.get(url, {"date_from": today, "date_to": today}).context["rows"]) >= 4
    tomorrow = today + timedelta(days=1)
    assert auditor.get(url, {"date_from": tomorrow}).context["rows"] == []
    yesterday = today - timedelta(days=1)
    assert auditor.get(url, {"date_to": yesterday}).context["rows"] == []


def test_the_filters_offer_lists_in_chinese(auditor, events):
    page = auditor.get(reverse("accounts:audit_log")).content.decode()
    assert '<select name="action"' in page
    assert '<optgroup label="学习账户">' in page
    assert '<option value="learner_account.verify">学习账户通过核验</option>' in page
    assert '<select name="object_type"' in page
    assert '<option value="accounts.institution">' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"action": "no.such_action"}, "选择一个有效的选项"),
        ({"object_type": "auth.permission"}, "选择一个有效的选项"),
        ({"date_from": "2026-13-45"}, "请输入有效的日期。"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "结束日期早于开始日期。"),
    ],
)
def test_bad_filters_get_a_message_and_no_rows(auditor, events, query, message):
    response = auditor.get(reverse("accounts:audit_log"), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert response.context["rows"] == []
    assert "请更正上方的筛选条件后查看事件。" in page


def test_the_pages_keep_the_filter(auditor, people):
    for _ in range(55):
        audit_record(actor=people["learner"], action="auth.login", target=people["learner"])
    page = auditor.get(reverse("accounts:audit_log"), {"action": "auth.login"}).content.decode()
    assert 'href="?action=auth.login&amp;page=2"' in page


def test_an_event_of_an_older_version_shows_its_codes(auditor, people):
    audit_record(actor=None, action="old.action", object_type="accounts.user", object_id="abc")
    audit_record(actor=None, action="auth.login", object_type="accounts.user", object_id="999999")
    missing, old = rows(auditor.get(reverse("accounts:audit_log")))[:2]
    assert "未登录用户 old.action old.action 用户 #abc" in old
    assert "用户 #999999" in missing  # a row since gone: its key


def test_an_object_with_a_text_key_is_named(auditor, people):
    from branches.models import District

    district = District.objects.get(code="500103")  # the reference data's
    audit_record(actor=people["centre_admin"], action="district.load", target=district)
    row = rows(auditor.get(reverse("accounts:audit_log")))[0]
    assert f"导入区县 district.load 区县 {district.name_zh} (#500103)" in row
