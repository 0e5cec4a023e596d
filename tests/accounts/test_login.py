"""Signing in and out: audit events, a new session key, and the lock after repeated failures."""

import time

import pytest
from django.urls import reverse

from accounts import lockout
from creditbank.models import AuditEvent
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def _login(client, login, password=PASSWORD):
    return client.post(LOGIN, {"login": login, "password": password})


@pytest.fixture
def person():
    return UserFactory(username="wangfang", email="wangfang@example.com")


@pytest.mark.parametrize("login", ["wangfang", "wangfang@example.com", "WangFang@Example.com"])
def test_a_person_signs_in_by_username_or_email_and_it_is_audited(client, person, login):
    response = _login(client, login)
    assert response.status_code == 302
    assert response.url == reverse("accounts:desk")
    assert AuditEvent.objects.filter(action="auth.login", actor=person).count() == 1


def test_signing_in_gives_a_new_session_key(client, person):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _login(client, "wangfang")
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(person.pk)


def test_signing_out_is_audited(client, person):
    client.force_login(person)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout", actor=person).exists()


def test_a_wrong_password_is_refused_audited_and_never_stored(client, person):
    response = _login(client, "wangfang", "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.object_id == "wangfang"
    assert "not-the-password" not in str(event.summary) + event.object_id


def test_five_failures_in_fifteen_minutes_lock_the_account_for_thirty(client, person, monkeypatch):
    clock = [time.time()]
    monkeypatch.setattr(lockout.time, "time", lambda: clock[0])
    for _ in range(4):
        assert "locked" not in _login(client, "wangfang", "wrong").content.decode()
        clock[0] += 60
    fifth = _login(client, "wangfang", "wrong")
    assert "账户已被锁定" in fifth.content.decode() or "locked" in fifth.content.decode()
    assert AuditEvent.objects.filter(action="auth.account_locked").count() == 1

    # The right password does not help while the lock lasts, whichever identifier is used.
    clock[0] += 29 * 60
    for login in ("wangfang", "wangfang@example.com"):
        response = _login(client, login)
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    clock[0] += 2 * 60
    assert _login(client, "wangfang").status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(client, person, monkeypatch):
    clock = [time.time()]
    monkeypatch.setattr(lockout.time, "time", lambda: clock[0])
    for _ in range(6):
        _login(client, "wangfang", "wrong")
        clock[0] += 4 * 60  # five failures span 16 minutes
    assert not AuditEvent.objects.filter(action="auth.account_locked").exists()
    assert _login(client, "wangfang").status_code == 302


def test_the_lock_page_says_so_in_chinese(client, person):
    for _ in range(5):
        response = _login(client, "wangfang", "wrong")
    page = response.content.decode()
    assert "锁定" in page
    assert "30" in page


def test_an_unknown_login_is_locked_too_and_looks_the_same(client):
    for _ in range(5):
        response = _login(client, "nobody-here", "wrong")
    assert "锁定" in response.content.decode()


def test_the_admin_log_in_goes_through_the_same_lock(client, person):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
