"""Locking an account after repeated failed log-ins.

Rule: 5 failed log-ins for one account within 15 minutes lock it for 30 minutes (settings
``CREDITBANK_LOGIN_*``). The count is kept per account, whatever identifier (username or e-mail)
was typed, so switching between them does not reset it; an unknown identifier is counted under its
own name so that the answer does not reveal whether an account exists. State lives in the shared
cache (Redis) so every web process sees the same count.

Hand-written on purpose: django-axes forgets failures only after its cool-off period, and
allauth's ``login_failed`` limit frees the account once the window has passed, so neither gives
this exact rule; the rule itself is a few lines over the cache.
"""

import hashlib
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q

from creditbank.audit import audit_record


def _subject(login: str) -> str:
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
        return f"user:{user}"
    return "name:" + hashlib.sha256(login.encode()).hexdigest()[:32]


def _keys(login: str) -> tuple[str, str]:
    subject = _subject(login)
    return f"login-failures:{subject}", f"login-locked:{subject}"


def locked_until(login: str) -> float | None:
    """The Unix time the lock on this login ends, or None when it is not locked."""
    until = cache.get(_keys(login)[1])
    return until if until and until > time.time() else None


def register_failure(login: str) -> float | None:
    """Count one failed log-in; lock and return the lock's end when the limit is reached."""
    failures_key, lock_key = _keys(login)
    now = time.time()
    window = settings.CREDITBANK_LOGIN_FAILURE_WINDOW.total_seconds()
    recent = [t for t in cache.get(failures_key, []) if t > now - window]
    recent.append(now)
    if len(recent) < settings.CREDITBANK_LOGIN_FAILURE_LIMIT:
        cache.set(failures_key, recent, timeout=int(window) + 1)
        return None
    lock_seconds = settings.CREDITBANK_LOGIN_LOCK_TIME.total_seconds()
    until = now + lock_seconds
    cache.set(lock_key, until, timeout=int(lock_seconds) + 1)
    cache.delete(failures_key)
    audit_record(
        actor=None,
        action="auth.account_locked",
        object_type="login",
        object_id=_subject(login),
        note=f"locked for {int(lock_seconds // 60)} minutes",
    )
    return until


def clear(login: str) -> None:
    """Forget failures after a successful log-in (the lock itself is never lifted early)."""
    cache.delete(_keys(login)[0])
