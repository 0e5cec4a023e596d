"""Writing and verifying the audit log.

``audit_record`` is called by every service in the same transaction as the change it records.
Rows are chained: each stores the SHA-256 of its predecessor's content, computed over a canonical
JSON form. Appends take a transaction-scoped PostgreSQL advisory lock so that two transactions can
never chain onto the same predecessor; the lock is held until the surrounding transaction commits,
which keeps the order of ids equal to the order of the chain.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .models import AuditCheckpoint, AuditEvent
from .redaction import redact, redact_text

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x0A0D17_C8ED17  # any constant unique to the audit chain

# The origin (IP address, user agent) of the request being served, set by
# creditbank.middleware.RequestContextMiddleware; empty for commands and tasks.
request_origin: ContextVar[tuple[str | None, str]] = ContextVar(
    "request_origin", default=(None, "")
)


def _canonical_bytes(event: AuditEvent) -> bytes:
    payload = {
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical_bytes(event)).hexdigest()


def _normal_ip(ip: str | None) -> str | None:
    try:
        return ipaddress.ip_address(ip).compressed if ip else None
    except ValueError:
        return None


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    ``actor`` is a user, ``None`` or an anonymous user. ``target`` names the object
    (``app_label.model`` and its primary key) unless ``object_type``/``object_id`` are given.
    ``before``/``after`` are short summaries of the fields that changed; secrets are dropped and
    ID numbers masked before anything is written.
    """
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    summary: dict[str, Any] = {}
    if before:
        summary["before"] = before
    if after:
        summary["after"] = after
    if note:
        summary["note"] = note
    ip, user_agent = request_origin.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        prev_hash = (
            AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
            or GENESIS_HASH
        )
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor if is_user else None,
            actor_label=actor.get_username()[:150] if is_user else "",
            action=action[:64],
            object_type=str(object_type)[:64],
            object_id=redact_text(str(object_id))[:64],
            summary=redact(summary),
            ip=_normal_ip(ip),
            user_agent=redact_text(user_agent)[:300],
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    checked: int
    last_event_id: int | None
    last_hash: str
    bad_event_id: int | None = None
    problem: str = ""


def verify_chain() -> ChainReport:
    """Walk the whole chain in id order; report the first event that does not fit.

    A changed row fails its own hash; a deleted or reordered row breaks the link of the row that
    follows it; rows cut off the end are caught by the latest intact checkpoint.
    """
    prev_hash, checked, last_id = GENESIS_HASH, 0, None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=5000):
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                last_id,
                prev_hash,
                event.pk,
                "its previous-hash link does not match the event before it "
                "(an event was deleted, inserted or reordered)",
            )
        if compute_hash(event) != event.hash:
            return ChainReport(
                False, checked, last_id, prev_hash, event.pk, "its content was changed"
            )
        prev_hash, last_id, checked = event.hash, event.pk, checked + 1
    checkpoint = AuditCheckpoint.objects.filter(intact=True, last_event_id__isnull=False).first()
    if checkpoint is not None:
        anchor = AuditEvent.objects.filter(pk=checkpoint.last_event_id).first()
        if anchor is None or anchor.hash != checkpoint.last_hash:
            return ChainReport(
                False,
                checked,
                last_id,
                prev_hash,
                checkpoint.last_event_id,
                f"it was recorded by checkpoint #{checkpoint.pk} and is missing or different "
                "(events were cut off the end of the chain)",
            )
    return ChainReport(True, checked, last_id, prev_hash)


def checkpoint_create() -> AuditCheckpoint:
    """Verify the chain and record its head (the daily beat job)."""
    report = verify_chain()
    problem = "" if report.intact else f"event #{report.bad_event_id}: {report.problem}"
    return AuditCheckpoint.objects.create(
        last_event_id=report.last_event_id,
        last_hash=report.last_hash,
        events_checked=report.checked,
        intact=report.intact,
        problem=problem,
    )
