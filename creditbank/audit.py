"""Writing and verifying the audit log.

``audit_record`` is called by every service in the same transaction as the change it records.
Rows are chained: each stores the hash of its predecessor, and its own hash is an HMAC-SHA256 of
its canonical JSON form under the audit key (``CREDITBANK_AUDIT_KEY``). The key lives in the
application's environment, not in the database, so whoever owns the tables can still delete or
change rows but cannot recompute a chain that verifies. Appends take a transaction-scoped
PostgreSQL advisory lock so that two transactions can never chain onto the same predecessor; the
lock is held until the surrounding transaction commits, which keeps the order of ids equal to the
order of the chain.

Key rotation: each event stores the id of the key that signed it (a fingerprint of the key). Put
the new key in ``CREDITBANK_AUDIT_KEY`` and the old one in ``CREDITBANK_AUDIT_PREVIOUS_KEYS``;
new events are signed with the new key and old ones still verify with the old key.

Checkpoints of the chain's head (``checkpoint_create``, daily) are stored in the database and also
leave it, signed, through the log and an append-only file; ``verify_chain(checkpoints=…)`` checks
the chain against those, so that events cut off the end are caught even if the checkpoint table
was edited as well.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .models import AuditCheckpoint, AuditEvent
from .redaction import redact, redact_text

logger = logging.getLogger("creditbank.audit")

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x0A0D17_C8ED17  # any constant unique to the audit chain

# The origin (IP address, user agent) of the request being served, set by
# creditbank.middleware.RequestContextMiddleware; empty for commands and tasks.
request_origin: ContextVar[tuple[str | None, str]] = ContextVar(
    "request_origin", default=(None, "")
)


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def key_id_of(key: str) -> str:
    """The name of a key stored beside what it signed: a fingerprint that reveals nothing."""
    return hashlib.sha256(b"creditbank-audit-key-id:" + key.encode()).hexdigest()[:16]


def signing_key() -> tuple[str, bytes]:
    """The id and bytes of the key that signs new events and checkpoints."""
    key = settings.CREDITBANK_AUDIT_KEY
    return key_id_of(key), key.encode()


def _verifying_keys() -> dict[str, bytes]:
    keys = [settings.CREDITBANK_AUDIT_KEY, *settings.CREDITBANK_AUDIT_PREVIOUS_KEYS]
    return {key_id_of(key): key.encode() for key in keys if key}


class UnknownAuditKey(LookupError):
    """Something was signed with a key that is not configured."""


def _mac(key_id: str, message: bytes, keys: dict[str, bytes] | None = None) -> str:
    keys = _verifying_keys() if keys is None else keys
    if key_id not in keys:
        raise UnknownAuditKey(key_id)
    return hmac.new(keys[key_id], message, hashlib.sha256).hexdigest()


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
        "key_id": event.key_id,
    }
    return _canonical(payload)


def compute_hash(event: AuditEvent, keys: dict[str, bytes] | None = None) -> str:
    """The HMAC of the event under the key its ``key_id`` names (``UnknownAuditKey`` if none)."""
    return _mac(event.key_id, _canonical_bytes(event), keys)


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
            key_id=signing_key()[0],
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
    external_checked: int = 0


def verify_chain(*, checkpoints: Iterable[dict] = ()) -> ChainReport:
    """Walk the whole chain in id order; report the first event that does not fit.

    A changed row fails its own HMAC; a deleted or reordered row breaks the link of the row that
    follows it; rows cut off the end are caught by the external ``checkpoints`` given (records
    read by ``read_checkpoints``, each of which must still match the event it names) and by the
    latest intact checkpoint in the database.
    """
    keys = _verifying_keys()
    prev_hash, checked, last_id = GENESIS_HASH, 0, None

    def broken(event_id: int, problem: str) -> ChainReport:
        return ChainReport(False, checked, last_id, prev_hash, event_id, problem)

    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=5000):
        if event.prev_hash != prev_hash:
            return broken(
                event.pk,
                "its previous-hash link does not match the event before it "
                "(an event was deleted, inserted or reordered)",
            )
        try:
            expected = compute_hash(event, keys)
        except UnknownAuditKey:
            return broken(
                event.pk,
                f"it is signed with audit key {event.key_id!r}, which is not configured "
                "(CREDITBANK_AUDIT_KEY, CREDITBANK_AUDIT_PREVIOUS_KEYS)",
            )
        if not hmac.compare_digest(expected, event.hash):
            return broken(event.pk, "its content was changed")
        prev_hash, last_id, checked = event.hash, event.pk, checked + 1
    report = _check_external(
        list(checkpoints), keys, ChainReport(True, checked, last_id, prev_hash)
    )
    if not report.intact:
        return report
    checkpoint = AuditCheckpoint.objects.filter(intact=True, last_event_id__isnull=False).first()
    if checkpoint is not None:
        anchor = AuditEvent.objects.filter(pk=checkpoint.last_event_id).first()
        if anchor is None or anchor.hash != checkpoint.last_hash:
            return broken(
                checkpoint.last_event_id,
                f"it was recorded by checkpoint #{checkpoint.pk} and is missing or different "
                "(events were cut off the end of the chain)",
            )
    return report


def _check_external(
    checkpoints: list[dict], keys: dict[str, bytes], head: ChainReport
) -> ChainReport:
    """Check signed checkpoint records against the chain whose walk ended at ``head``.

    Records of other databases (a development file shared with test databases) are skipped;
    they cannot be made to look like ours, because the database's name is signed.
    """
    database = connection.settings_dict["NAME"]
    ours = []
    for record in checkpoints:
        name = f"the external checkpoint #{record.get('checkpoint')} of {record.get('created_at')}"
        problem = ""
        try:
            if not hmac.compare_digest(
                _mac(record["key_id"], _record_bytes(record), keys), str(record["mac"])
            ):
                problem = f"{name} does not match its signature (it was altered)"
        except UnknownAuditKey:
            problem = f"{name} is signed with audit key {record['key_id']!r}, not configured"
        except (KeyError, TypeError):
            problem = f"{name} is not a complete checkpoint record"
        if problem:
            return replace(head, intact=False, problem=problem)
        if record["database"] == database and record["last_event_id"] is not None:
            ours.append((name, record))
    hashes = dict(
        AuditEvent.objects.filter(pk__in=[r["last_event_id"] for _, r in ours]).values_list(
            "pk", "hash"
        )
    )
    # The newest first: a cut tail is named by the latest head that is gone.
    for name, record in sorted(ours, key=lambda item: item[1]["last_event_id"], reverse=True):
        event_id = record["last_event_id"]
        if hashes.get(event_id) != record["last_hash"]:
            gone = "is missing (events were cut off the end of the chain)"
            problem = f"it was recorded by {name} and " + (
                gone if event_id not in hashes else "had another hash"
            )
            return replace(head, intact=False, bad_event_id=event_id, problem=problem)
    return replace(head, external_checked=len(ours))


_RECORD_FIELDS = (
    "database",
    "checkpoint",
    "created_at",
    "last_event_id",
    "last_hash",
    "events_checked",
    "intact",
    "key_id",
)


def _record_bytes(record: dict) -> bytes:
    return _canonical({field: record[field] for field in _RECORD_FIELDS})


def checkpoint_record(checkpoint: AuditCheckpoint) -> dict:
    """The checkpoint as a signed record that can be kept outside the database."""
    key_id, key = signing_key()
    record = {
        "database": connection.settings_dict["NAME"],
        "checkpoint": checkpoint.pk,
        "created_at": checkpoint.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "last_event_id": checkpoint.last_event_id,
        "last_hash": checkpoint.last_hash,
        "events_checked": checkpoint.events_checked,
        "intact": checkpoint.intact,
        "key_id": key_id,
    }
    record["mac"] = _mac(key_id, _record_bytes(record), {key_id: key})
    return record


def read_checkpoints(path: str | Path) -> list[dict]:
    """The records of a checkpoint file, one JSON object a line; ``ValueError`` names a bad line.

    Anything before a line's ``{`` is skipped, so lines cut from the log work too.
    """
    records = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line[line.find("{") :])
            except ValueError as error:
                raise ValueError(f"{path}, line {number}: {error}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}, line {number}: not a checkpoint record")
            records.append(record)
    return records


def checkpoint_create() -> AuditCheckpoint:
    """Verify the chain and record its head (the daily beat job).

    The head is stored in the database and also leaves it: logged (logger ``creditbank.audit``)
    and appended to ``CREDITBANK_AUDIT_CHECKPOINT_FILE`` as one signed JSON line. A file that
    cannot be written raises after the row is stored and the line logged, so that the job fails
    visibly.
    """
    report = verify_chain()
    problem = "" if report.intact else f"event #{report.bad_event_id}: {report.problem}"
    checkpoint = AuditCheckpoint.objects.create(
        last_event_id=report.last_event_id,
        last_hash=report.last_hash,
        events_checked=report.checked,
        intact=report.intact,
        problem=problem,
    )
    line = json.dumps(checkpoint_record(checkpoint), sort_keys=True, separators=(",", ":"))
    logger.info("audit chain checkpoint %s", line)
    if settings.CREDITBANK_AUDIT_CHECKPOINT_FILE:
        path = Path(settings.CREDITBANK_AUDIT_CHECKPOINT_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(line + "\n")
    return checkpoint
