"""``Idempotency-Key`` on every POST of the API, as draft-ietf-httpapi-idempotency-key-header
has it.

The key is a Structured Field string (``Idempotency-Key: "8e03978e-…"``); a bare token without
the quotes is taken too, as many clients send it. Per token and key the first request is kept
(``IdempotencyRecord``) with the fingerprint of its method, path and body:

- no key (or an empty one, or one over 255 characters) → 400;
- the same key while the first request is still being worked on → 409;
- the same key with another method, path or body → 422;
- the same key and request once the first was answered → the first answer again, its status
  and body (with ``Idempotent-Replayed: true``).

The in-flight record is committed in a transaction of its own before the work starts, so a
concurrent request with the same key sees it (the unique constraint on token and key decides
between two that arrive together). A request whose work fails unexpectedly releases its key, so
that a retry runs again; a record left in flight by a process that died is taken over after
``IN_FLIGHT_TAKEOVER`` (the work ran in one transaction and was rolled back with the process).
Keys expire after ``KEEP`` (24 hours): a daily task deletes older records
(``idempotency_records_purge``), and an expired one is never replayed.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import IDEMPOTENCY_KEY_MAX, ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
IN_FLIGHT_TAKEOVER = timedelta(minutes=10)
# A Structured Field string (RFC 8941 §3.3.3): printable ASCII, quoted, with \" and \\ escaped.
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_BARE = re.compile(r"[\x21-\x7e]+")


def parse_key(value: str | None) -> str | None:
    """The key an ``Idempotency-Key`` header carries, or ``None`` when it carries none
    usable: absent, empty, not printable ASCII or longer than 255 characters."""
    value = (value or "").strip()
    quoted = _SF_STRING.fullmatch(value)
    if quoted:
        key = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif _BARE.fullmatch(value) and '"' not in value:
        key = value
    else:
        return None
    return key if 0 < len(key) <= IDEMPOTENCY_KEY_MAX else None


def fingerprint(request) -> str:
    """SHA-256 of the request's method, path and body: what makes two requests "the same"."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\n")
    digest.update(request.path.encode())
    digest.update(b"\n")
    digest.update(request.body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Begun:
    """What ``idempotency_begin`` found: the record to work under (the request goes on), the
    stored answer to give again (``replay``: status and body), or a conflict (``problem``:
    ``in_flight`` or ``reused``)."""

    record: IdempotencyRecord | None = None
    replay: tuple[int, dict] | None = None
    problem: str | None = None


def idempotency_begin(*, token: ApiToken, key: str, fingerprint: str) -> Begun:
    """Claim ``key`` for this request of ``token``, committed before the caller works (see the
    module): a new record in flight, or what the earlier request with the key says."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        IdempotencyRecord.objects.filter(token=token, key=key, created_at__lt=now - KEEP).delete()
        record, created = IdempotencyRecord.objects.get_or_create(
            token=token, key=key, defaults={"fingerprint": fingerprint}
        )
    if created:
        return Begun(record=record)
    if record.fingerprint != fingerprint:
        return Begun(problem="reused")
    if record.state == IdempotencyRecord.State.DONE:
        return Begun(replay=(record.status_code, record.body))
    taken_over = IdempotencyRecord.objects.filter(
        pk=record.pk,
        state=IdempotencyRecord.State.IN_FLIGHT,
        created_at__lt=now - IN_FLIGHT_TAKEOVER,
    ).update(created_at=now)
    return Begun(record=record) if taken_over else Begun(problem="in_flight")


def idempotency_finish(*, record: IdempotencyRecord, status: int, body: dict) -> None:
    """Keep the answer to the request that claimed ``record``, for its retries (in the
    caller's transaction: with the work it answers for, when there is one)."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE, status_code=status, body=body
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget ``record`` (its request failed unexpectedly): a retry with its key runs again."""
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.State.IN_FLIGHT).delete()


def idempotency_records_purge(*, now=None) -> int:
    """Delete the records older than ``KEEP``; the number deleted."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
