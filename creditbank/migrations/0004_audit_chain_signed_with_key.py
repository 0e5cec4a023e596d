"""Re-sign the existing audit chain with the audit key (HMAC-SHA256 instead of plain SHA-256).

Until now each event's hash was a plain SHA-256 that anyone with write access to the table could
recompute after changing a row. This walks the chain once, checks it under the old rule, and
stores every event again with its HMAC under ``CREDITBANK_AUDIT_KEY`` and that key's id; the
checkpoints' head hashes are moved to the new hashes. A chain that is already broken is not
re-signed (that would launder the break): the migration stops and names the event, for a person
to investigate with ``manage.py verify_audit_chain`` on the previous release.

The triggers that refuse UPDATE are switched off for the duration; migrations run as the tables'
owner. Test and new databases have no events yet, so nothing happens there. The canonical form
and the key id are written out here rather than imported: a migration must not change meaning
when the application code does.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations

GENESIS_HASH = "0" * 64


def _canonical(event, with_key_id):
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
    if with_key_id:
        payload["key_id"] = event.key_id
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _plain(event):
    return hashlib.sha256(_canonical(event, False)).hexdigest()


def _resign(apps, schema_editor, *, keyed):
    AuditEvent = apps.get_model("creditbank", "AuditEvent")
    AuditCheckpoint = apps.get_model("creditbank", "AuditCheckpoint")
    key = settings.CREDITBANK_AUDIT_KEY.encode()
    key_id = hashlib.sha256(b"creditbank-audit-key-id:" + key).hexdigest()[:16]

    def keyed_hash(event):
        return hmac.new(key, _canonical(event, True), hashlib.sha256).hexdigest()

    # Forward the chain is checked under the plain rule and signed with the key; backward the
    # other way round.
    old_rule, new_rule = (_plain, keyed_hash) if keyed else (keyed_hash, _plain)

    db = schema_editor.connection.alias
    table = schema_editor.quote_name(AuditEvent._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    checkpoints = list(AuditCheckpoint.objects.using(db).exclude(last_hash=""))
    moved = {checkpoint.last_hash: "" for checkpoint in checkpoints}
    old_prev = new_prev = GENESIS_HASH
    for event in AuditEvent.objects.using(db).order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != old_prev or old_rule(event) != event.hash:
            raise RuntimeError(
                f"The audit chain is already broken at event #{event.pk}; it is not re-signed. "
                "Investigate with `manage.py verify_audit_chain` on the previous release."
            )
        old_hash = event.hash
        event.prev_hash, event.key_id = new_prev, key_id if keyed else ""
        event.hash = new_rule(event)
        event.save(update_fields=["prev_hash", "key_id", "hash"])
        if old_hash in moved:
            moved[old_hash] = event.hash
        old_prev, new_prev = old_hash, event.hash
    schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    for checkpoint in checkpoints:
        if moved[checkpoint.last_hash]:
            checkpoint.last_hash = moved[checkpoint.last_hash]
            checkpoint.save(update_fields=["last_hash"])


def sign_with_key(apps, schema_editor):
    _resign(apps, schema_editor, keyed=True)


def back_to_plain_hashes(apps, schema_editor):
    _resign(apps, schema_editor, keyed=False)


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0003_auditevent_key_id")]

    operations = [migrations.RunPython(sign_with_key, back_to_plain_hashes)]
