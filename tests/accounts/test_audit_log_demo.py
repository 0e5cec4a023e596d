"""The audit log of the demo data (``seed_demo``, what people meet under ``make run`` and what
tests/browser/test_phone_layout.py walks) is Chinese on every page: every key of every event's
before/after table has a name, and nested values (an achievement's evidence files, its result,
a recognition decision's facts) read as words, never as raw JSON."""

import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from creditbank.models import AuditEvent
from tests.accounts.test_audit_log import rows
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

PER_PAGE = 50  # accounts.views.audit_log


@pytest.fixture
def auditor(client, django_user_model):
    call_command("seed_demo", stdout=StringIO())
    client.force_login(django_user_model.objects.get(username="auditadmin"))
    return client


def test_every_page_of_the_demo_audit_log_is_chinese(auditor):
    pages = math.ceil(AuditEvent.objects.count() / PER_PAGE)
    assert pages >= 1
    for number in range(1, pages + 1):
        response = auditor.get(reverse("accounts:audit_log"), {"page": number})
        assert_chinese(response)
        page = response.content.decode()
        assert "[{" not in page and '{"' not in page and "sha256" not in page


def test_an_achievements_evidence_result_and_decision_read_as_words(auditor):
    response = auditor.get(
        reverse("accounts:audit_log"), {"object_type": "achievements.achievement"}
    )
    text = "\n".join(rows(response))
    assert "证书.pdf（" in text  # the file's name and size
    assert "证明材料" in text
    assert "成绩 通过与否：通过" in text and "成绩 等级：良好" in text  # no "pass:pass"
    assert "类别 training" not in text  # the category's name, not its code
    assert "认定决定" in text
    assert "学分" in text
    assert "pass:pass" not in text and "grade:" not in text
