"""Sessions end after 30 idle minutes (staff 15) and after 12 hours whatever happens."""

import time

import pytest
from django.urls import reverse

from creditbank.models import AuditEvent

pytestmark = pytest.mark.django_db


def _signed_in(client, user, *, idle_minutes=0, age_minutes=0):
    client.force_login(user)
    session = client.session
    now = int(time.time())
    session["_cb_started"] = now - age_minutes * 60
    session["_cb_seen"] = now - idle_minutes * 60
    session.save()
    return client


@pytest.mark.parametrize(
    ("role", "idle", "signed_out"),
    [
        ("learner", 29, False),
        ("learner", 31, True),
        ("branch_staff", 14, False),
        ("branch_staff", 16, True),
        ("centre_admin", 16, True),
        ("institution_clerk", 16, True),
    ],
)
def test_idle_limits(client, people, role, idle, signed_out):
    _signed_in(client, people[role], idle_minutes=idle)
    response = client.get(reverse("accounts:desk"))
    if signed_out:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert "_auth_user_id" not in client.session
        assert AuditEvent.objects.filter(action="auth.session_expired", actor=people[role]).exists()
    else:
        assert response.status_code == 200


def test_twelve_hours_end_a_session_even_when_it_is_in_use(client, people):
    _signed_in(client, people["learner"], idle_minutes=1, age_minutes=12 * 60 + 1)
    response = client.get(reverse("accounts:desk"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_using_the_portal_keeps_the_session_alive(client, people):
    _signed_in(client, people["learner"], idle_minutes=20)
    assert client.get(reverse("accounts:desk")).status_code == 200
    assert time.time() - client.session["_cb_seen"] < 5


def test_the_signed_out_person_is_told_why(client, people):
    _signed_in(client, people["learner"], idle_minutes=31)
    response = client.get(reverse("accounts:desk"), follow=True)
    assert "会话已结束" in response.content.decode() or "session has ended" in str(response.content)
