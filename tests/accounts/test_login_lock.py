"""The log-in lock holds for second-factor codes, per client address, and under concurrency.

Issue 9, items 1 and 2: a known password let anyone guess the six-digit code without limit, and
concurrent log-ins read, changed and wrote back the failure count, so more than five passwords
were checked and the account was "locked" several times.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.db import connections
from django.test import Client
from django.urls import reverse

from accounts import lockout
from accounts.models import LoginGuard
from creditbank.models import AuditEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.test_mfa import totp_now
from tests.conftest import with_totp

LOGIN = reverse("account_login")
MFA = reverse("mfa_authenticate")
LOCKED = "账户已被锁定"


def _password(client, login, password=PASSWORD):
    return client.post(LOGIN, {"login": login, "password": password})


def _code(client, code):
    return client.post(MFA, {"code": code})


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _actions(*names):
    return list(
        AuditEvent.objects.filter(action__in=names).order_by("id").values_list("action", flat=True)
    )


@pytest.fixture
def staff(db):
    user = UserFactory(username="zhaolei", email="zhaolei@example.com")
    return user, with_totp(user)


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_account_and_then_the_right_code_is_refused(client, staff):
    user, secret = staff
    assert _password(client, "zhaolei").url == MFA
    for _ in range(4):
        page = _code(client, "000000").content.decode()
        assert LOCKED not in page
    fifth = _code(client, "000000").content.decode()
    assert LOCKED in fifth

    # The right code is refused with the same message the password step gives.
    refused = _code(client, totp_now(secret)).content.decode()
    assert LOCKED in refused and not _signed_in(client)
    assert LOCKED in _password(Client(), "zhaolei").content.decode()

    assert _actions("auth.mfa_failed", "auth.account_locked") == ["auth.mfa_failed"] * 5 + [
        "auth.account_locked"
    ]
    failed = AuditEvent.objects.filter(action="auth.mfa_failed")
    assert {(e.object_type, e.object_id) for e in failed} == {("accounts.user", str(user.pk))}
    assert all("000000" not in str(e.summary) for e in failed)


@pytest.mark.django_db
def test_wrong_passwords_and_wrong_codes_count_together(client, staff):
    _user, secret = staff
    for _ in range(3):
        _password(client, "zhaolei", "wrong-password")
    _password(client, "zhaolei")
    assert LOCKED not in _code(client, "123456").content.decode()
    assert LOCKED in _code(client, "654321").content.decode()
    assert LOCKED in _code(client, totp_now(secret)).content.decode()
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="auth.account_locked").count() == 1


@pytest.mark.django_db
def test_wrong_recovery_codes_count_and_the_right_one_is_refused_while_locked(client, staff):
    user, _secret = staff
    good = RecoveryCodes.activate(user).get_unused_codes()[0]
    _password(client, "zhaolei")
    for _ in range(5):
        _code(client, "ABCD-EFGH-0000"[: len(good)])
    response = _code(client, good)
    assert LOCKED in response.content.decode()
    assert not _signed_in(client)
    codes = RecoveryCodes(user.authenticator_set.get(type="recovery_codes"))
    assert good in codes.get_unused_codes()


@pytest.mark.django_db
def test_the_lock_ends_after_thirty_minutes_and_counting_starts_afresh(client, staff, monkeypatch):
    _user, secret = staff
    clock = [time.time()]
    monkeypatch.setattr(lockout.time, "time", lambda: clock[0])
    _password(client, "zhaolei")
    for _ in range(5):
        _code(client, "000000")
    clock[0] += 31 * 60
    assert _password(client, "zhaolei").url == MFA
    assert _code(client, totp_now(secret)).status_code == 302
    assert _signed_in(client)
    assert LoginGuard.objects.get(subject=lockout.user_subject(_user)).failures == []


@pytest.mark.django_db
def test_one_address_cannot_try_many_accounts(settings):
    settings.CREDITBANK_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    people = [UserFactory(username=f"person{i}") for i in range(7)]
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for person in people[:5]:
        assert LOCKED not in _password(attacker, person.username, "wrong").content.decode()
    # The sixth failure from the address locks the address, whichever account it tried.
    page = _password(attacker, people[5].username, "wrong").content.decode()
    assert "网络地址" in page
    page = _password(attacker, people[6].username).content.decode()
    assert "网络地址" in page and not _signed_in(attacker)
    assert AuditEvent.objects.filter(action="auth.address_locked").count() == 1

    # Another address is not affected, and no single account was locked.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert _password(other, people[6].username).status_code == 302
    assert not AuditEvent.objects.filter(action="auth.account_locked").exists()


@pytest.mark.django_db
def test_the_address_limit_covers_codes_too(settings):
    settings.CREDITBANK_LOGIN_ADDRESS_FAILURE_LIMIT = 4
    people = [UserFactory(username=f"staff{i}") for i in range(3)]
    for person in people:
        with_totp(person)
    attacker = Client(REMOTE_ADDR="203.0.113.10")
    for person in people[:2]:
        _password(attacker, person.username)
        _code(attacker, "000000")
        _code(attacker, "000000")
        attacker.post(reverse("account_logout"))
    # The address is locked for every account; another address is not.
    assert "网络地址" in _password(attacker, people[2].username).content.decode()
    assert _password(Client(REMOTE_ADDR="198.51.100.8"), people[2].username).url == MFA
    assert not AuditEvent.objects.filter(action="auth.account_locked").exists()


@pytest.mark.django_db
def test_pruning_forgets_old_guards_and_keeps_recent_ones(client, monkeypatch):
    clock = [time.time()]
    monkeypatch.setattr(lockout.time, "time", lambda: clock[0])
    UserFactory(username="old")
    _password(client, "old", "wrong")
    clock[0] += 20 * 60
    UserFactory(username="new")
    _password(client, "new", "wrong")
    lockout.prune()
    subjects = set(LoginGuard.objects.values_list("subject", flat=True))
    assert lockout.account_subject("new") in subjects
    assert lockout.account_subject("old") not in subjects


# --- Concurrency: real threads, each with its own PostgreSQL connection -------------------------


def _at_once(jobs):
    """Run the callables in threads released together; return their results in order."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait()
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


@pytest.fixture
def slow_hashing(settings):
    # The real Argon2 hasher: each password check takes long enough for attempts to overlap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    # allauth's own "30 log-ins a minute per address" limit serialises its counter through a
    # cache lock it waits for at most one second and then answers 429: on a loaded machine one
    # of twelve simultaneous requests can wait longer (seen once in a run of the whole suite).
    # That limit is not what these tests are about; the log-in guard's rows are.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": False}


@pytest.mark.django_db(transaction=True)
def test_twelve_wrong_passwords_at_once_check_five_and_lock_once(slow_hashing):
    UserFactory(username="liuyang")

    def attempt():
        response = _password(Client(), "liuyang", "wrong-password")
        return response.status_code, response.content.decode()

    pages = _at_once([attempt] * 12)

    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    assert AuditEvent.objects.filter(action="auth.account_locked").count() == 1
    # The fifth failure and the seven after it say the account is locked.
    assert [status for status, _page in pages] == [200] * 12
    assert sum(LOCKED in page for _status, page in pages) == 8, [
        page[page.find('class="errorlist') :][:300] for _status, page in pages if LOCKED not in page
    ]
    client = Client()
    assert LOCKED in _password(client, "liuyang").content.decode()
    assert not _signed_in(client)


@pytest.mark.django_db(transaction=True)
def test_eleven_wrong_and_one_right_password_at_once(slow_hashing):
    UserFactory(username="chenjing")

    def attempt(password):
        def run():
            client = Client()
            response = _password(client, "chenjing", password)
            return getattr(response.wsgi_request, "login_checked_at", None)

        return run

    jobs = [attempt("wrong-password")] * 11
    jobs.insert(6, attempt(PASSWORD))
    signed_in_at = [at for at in _at_once(jobs) if at is not None]

    failures = AuditEvent.objects.filter(action="auth.login_failed").order_by("id")
    assert failures.count() == 5
    assert AuditEvent.objects.filter(action="auth.account_locked").count() == 1
    # The right password signs in only when it was checked before the fifth failure.
    if signed_in_at:
        (checked_at,) = signed_in_at
        assert checked_at < failures.last().created_at
    assert len(signed_in_at) == AuditEvent.objects.filter(action="auth.login").count()


@pytest.mark.django_db(transaction=True)
def test_twelve_wrong_codes_at_once_count_five_and_lock_once():
    user = UserFactory(username="sunmei")
    secret = with_totp(user)
    clients = []
    for _ in range(12):
        client = Client()
        assert _password(client, "sunmei").url == MFA
        clients.append(client)

    results = _at_once([lambda c=c: LOCKED in _code(c, "000000").content.decode() for c in clients])

    assert AuditEvent.objects.filter(action="auth.mfa_failed").count() == 5
    assert AuditEvent.objects.filter(action="auth.account_locked").count() == 1
    assert sum(results) == 8
    last = clients[0]
    assert LOCKED in _code(last, totp_now(secret)).content.decode()
    assert not _signed_in(last)
