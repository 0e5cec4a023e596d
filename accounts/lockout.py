"""Locking sign-in after repeated failures, for passwords and second-factor codes alike.

Rules (settings ``CREDITBANK_LOGIN_*``):

- 5 failed attempts for one account within 15 minutes lock it for 30 minutes, whichever step
  failed: a wrong password, a wrong TOTP code or a wrong recovery code. While it is locked the
  right password and the right code are refused too, with the same message. The count is kept per
  account, whatever identifier (username or e-mail) was typed; a name that matches no account is
  counted under its own name, so that the answer does not reveal whether an account exists.
- Failures from one client address are counted as well (``CREDITBANK_LOGIN_ADDRESS_FAILURE_LIMIT``
  in the same window), so that one source cannot try a few codes or passwords on many accounts.
- Failures are forgotten only with time (the window), not by a successful sign-in: a success in
  the middle of a burst of guesses must not reset the count the guesses around it are making.

Concurrency: each attempt runs in one transaction that locks the rows of its subjects (the account
and the address, in a fixed order) with ``SELECT … FOR UPDATE`` before the secret is checked and
holds them until the failure is counted. Concurrent attempts on one account therefore queue one
behind the other and each sees the failures of those before it: no more than the limit are ever
checked, and exactly one attempt locks the account.

Hand-written on purpose: django-axes forgets failures only after its cool-off period and does not
see second-factor codes, and allauth's ``login_failed`` limit frees the account once the window has
passed and counts in the cache with a read-modify-write; neither gives this exact rule.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q

from creditbank.audit import audit_record

from .models import LoginGuard


@dataclass
class Locked(Exception):
    """The attempt is refused: ``subject_kind`` ("account" or "address") is locked until
    ``until``."""

    until: datetime
    subject_kind: str

    @property
    def minutes_left(self) -> int:
        return max(1, -(-int((self.until - _now()).total_seconds()) // 60))


def _now() -> datetime:
    # time.time() rather than timezone.now(), so that tests can move the clock.
    return datetime.fromtimestamp(time.time(), UTC)


def account_subject(login: str) -> str:
    """The subject that counts the failures of whatever account ``login`` names."""
    login = (login or "").strip().lower()
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=login) | Q(emailaddress__email__iexact=login))
        .values_list("pk", flat=True)
        .first()
        if login
        else None
    )
    if user is not None:
        return user_subject(user)
    return "name:" + hashlib.sha256(login.encode()).hexdigest()[:32]


def user_subject(user_or_pk) -> str:
    return f"user:{getattr(user_or_pk, 'pk', user_or_pk)}"


def _address_subject(address: str | None) -> str | None:
    return f"addr:{address}"[:80] if address else None


def _limit(subject: str) -> int:
    if subject.startswith("addr:"):
        return settings.CREDITBANK_LOGIN_ADDRESS_FAILURE_LIMIT
    return settings.CREDITBANK_LOGIN_FAILURE_LIMIT


def _lock_rows(subjects: list[str]) -> list[LoginGuard]:
    LoginGuard.objects.bulk_create(
        [LoginGuard(subject=subject) for subject in subjects], ignore_conflicts=True
    )
    # Locked in one fixed order, so that two attempts sharing an address never deadlock.
    return list(LoginGuard.objects.select_for_update().filter(subject__in=subjects).order_by("pk"))


def _count_failure(guard: LoginGuard, now: datetime) -> bool:
    """Add one failure to ``guard``; lock it when the limit is reached. True when it locked."""
    window_start = now - settings.CREDITBANK_LOGIN_FAILURE_WINDOW
    guard.failures = [t for t in guard.failures if t > window_start] + [now]
    locks = len(guard.failures) >= _limit(guard.subject)
    if locks:
        guard.locked_until = now + settings.CREDITBANK_LOGIN_LOCK_TIME
        guard.failures = []
    guard.save(update_fields=["failures", "locked_until"])
    return locks


def guarded_attempt(
    *, account: str, address: str | None, check: Callable[[], bool]
) -> datetime | None:
    """Run ``check`` (which verifies a password or a code and returns whether it was right) as one
    guarded attempt for the subject ``account`` from client ``address``.

    Raises ``Locked`` without calling ``check`` when the account or the address is locked, and
    after it when this failure reached a limit. Otherwise returns the time of the check when it was
    right (inside the lock, so it orders against the failures), or None when it was wrong, a
    failure having been counted for the account and the address. The lock event is audited once,
    by the attempt that set it; ``check`` writes its own failure event in the same transaction.
    """
    subjects = [account] + [s for s in [_address_subject(address)] if s]
    minutes = int(settings.CREDITBANK_LOGIN_LOCK_TIME.total_seconds() // 60)
    with transaction.atomic():
        guards = _lock_rows(subjects)
        now = _now()
        for guard in guards:
            if guard.locked_until and guard.locked_until > now:
                raise Locked(guard.locked_until, _kind(guard.subject))
        if check():
            return now
        newly_locked = [guard for guard in guards if _count_failure(guard, now)]
        for guard in newly_locked:
            audit_record(
                actor=None,
                action=f"auth.{_kind(guard.subject)}_locked",
                object_type="login",
                object_id=guard.subject,
                note=f"locked for {minutes} minutes",
            )
    if newly_locked:
        raise Locked(newly_locked[0].locked_until, _kind(newly_locked[0].subject))
    return None


def _kind(subject: str) -> str:
    return "address" if subject.startswith("addr:") else "account"


def prune() -> int:
    """Delete the guards that hold no failure within the window and no lock in force (a daily
    job); returns how many went. A row an attempt holds is re-checked after it commits."""
    now = _now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {LoginGuard._meta.db_table} "  # noqa: S608 (the model's table name)
            "WHERE (locked_until IS NULL OR locked_until <= %s) "
            "AND NOT EXISTS (SELECT 1 FROM unnest(failures) AS t WHERE t > %s)",
            [now, now - settings.CREDITBANK_LOGIN_FAILURE_WINDOW],
        )
        return cursor.rowcount
