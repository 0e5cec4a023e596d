"""The audit log: append-only rows, a keyed hash chain, checkpoints kept outside the database,
and the command that verifies it."""

import hashlib
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from creditbank import audit
from creditbank.audit import GENESIS_HASH, audit_record, checkpoint_create, verify_chain
from creditbank.models import AuditCheckpoint, AuditEvent
from creditbank.tasks import audit_chain_checkpoint
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    settings.CREDITBANK_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
    return tmp_path / "audit-checkpoints.jsonl"


def _events(count=5):
    user = UserFactory()
    return [
        audit_record(actor=user, action=f"test.step{i}", target=user, after={"n": i})
        for i in range(count)
    ]


def _tamper(sql, params=()):
    """Change rows behind the application's back, as an intruder with database access would."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def test_each_event_links_to_the_one_before():
    before = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    events = _events(3)
    assert events[0].prev_hash == (before or GENESIS_HASH)
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert len({e.hash for e in events}) == 3


def test_an_intact_chain_verifies_and_the_command_exits_zero(capsys):
    _events()
    assert verify_chain().intact
    call_command("verify_audit_chain")
    assert "intact" in capsys.readouterr().out


def test_the_database_refuses_updates_and_deletes():
    event = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.step0"


def test_a_changed_row_is_named():
    events = _events()
    _tamper(
        "UPDATE creditbank_auditevent SET summary = %s WHERE id = %s",
        ['{"after": {"n": 99}}', events[2].pk],
    )
    with pytest.raises(CommandError, match=rf"event #{events[2].pk}: its content was changed"):
        call_command("verify_audit_chain")


def test_a_changed_actor_is_named():
    events = _events()
    _tamper("UPDATE creditbank_auditevent SET ip = '10.0.0.1' WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=rf"event #{events[1].pk}"):
        call_command("verify_audit_chain")


def test_a_deleted_row_is_noticed_at_the_next_one():
    events = _events()
    _tamper("DELETE FROM creditbank_auditevent WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=rf"event #{events[3].pk}: .*deleted"):
        call_command("verify_audit_chain")


def test_reordered_rows_are_noticed():
    events = _events()
    a, b = events[1].pk, events[3].pk
    _tamper(
        "UPDATE creditbank_auditevent SET id = CASE id WHEN %s THEN -1 ELSE id END WHERE id = %s",
        [a, a],
    )
    _tamper("UPDATE creditbank_auditevent SET id = %s WHERE id = %s", [a, b])
    _tamper("UPDATE creditbank_auditevent SET id = %s WHERE id = -1", [b])
    report = verify_chain()
    assert not report.intact
    assert report.bad_event_id == a


def test_rows_cut_off_the_end_are_caught_by_the_checkpoint():
    events = _events()
    assert checkpoint_create().intact
    _tamper("DELETE FROM creditbank_auditevent WHERE id >= %s", [events[3].pk])
    with pytest.raises(CommandError, match=rf"event #{events[-1].pk}: .*checkpoint"):
        call_command("verify_audit_chain")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain():
    user = UserFactory()
    errors = []

    def append(n):
        try:
            for i in range(10):
                audit_record(actor=user, action=f"thread{n}.{i}", target=user)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert report.intact, report
    assert AuditEvent.objects.filter(action__startswith="thread").count() == 40


def test_the_checkpoint_task_records_the_head():
    events = _events(2)
    result = audit_chain_checkpoint.delay().get()
    checkpoint = AuditCheckpoint.objects.get(pk=result["checkpoint"])
    assert result["intact"] is True
    assert (checkpoint.last_event_id, checkpoint.last_hash) == (events[-1].pk, events[-1].hash)


def _as_owner(sql, params=()):
    """Change rows as the tables' owner can: switch the append-only trigger off, write, on again."""
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks of this test's inserts: ALTER TABLE waits for none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE creditbank_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE creditbank_auditevent ENABLE TRIGGER USER")


def test_an_owner_who_rewrites_an_event_and_recomputes_the_chain_after_it_is_caught():
    events = _events()
    # The owner knows the canonical form and the algorithm, but not the key outside the database.
    prev_hash = events[1].hash
    for event in events[2:]:
        event.refresh_from_db()
        if event.pk == events[2].pk:
            event.summary = {"after": {"n": 99}}
        event.prev_hash = prev_hash
        forged = hashlib.sha256(audit._canonical_bytes(event)).hexdigest()
        _as_owner(
            "UPDATE creditbank_auditevent SET summary = %s, prev_hash = %s, hash = %s"
            " WHERE id = %s",
            [json.dumps(event.summary), prev_hash, forged, event.pk],
        )
        prev_hash = forged

    report = verify_chain()
    assert AuditEvent.objects.get(pk=events[2].pk).summary == {"after": {"n": 99}}
    assert not report.intact
    assert (report.bad_event_id, report.problem) == (events[2].pk, "its content was changed")


def test_a_cut_tail_is_caught_by_the_external_checkpoints_even_with_the_table_edited(
    checkpoint_file,
):
    events = _events()
    checkpoint = checkpoint_create()
    _tamper("DELETE FROM creditbank_auditevent WHERE id >= %s", [events[3].pk])
    _tamper(
        "UPDATE creditbank_auditcheckpoint SET last_event_id = %s, last_hash = %s WHERE id = %s",
        [events[2].pk, events[2].hash, checkpoint.pk],
    )
    assert verify_chain().intact  # what the database alone can tell

    with pytest.raises(
        CommandError, match=rf"event #{events[-1].pk}: .*external checkpoint .*cut off the end"
    ):
        call_command("verify_audit_chain", checkpoints=[str(checkpoint_file)])


def test_each_checkpoint_is_logged_and_appended_to_its_file_signed(checkpoint_file, caplog):
    events = _events(2)
    with caplog.at_level("INFO", logger="creditbank.audit"):
        first, second = checkpoint_create(), checkpoint_create()
    lines = checkpoint_file.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["checkpoint"] for r in records] == [first.pk, second.pk]
    assert {(r["last_event_id"], r["last_hash"]) for r in records} == {
        (events[-1].pk, events[-1].hash)
    }
    assert [m for m in caplog.messages if "audit chain checkpoint" in m] == [
        f"audit chain checkpoint {line}" for line in lines
    ]
    assert verify_chain(checkpoints=records).external_checked == 2


def test_an_edited_checkpoint_line_is_refused(checkpoint_file, capsys):
    events = _events(3)
    checkpoint_create()
    call_command("verify_audit_chain", checkpoints=[str(checkpoint_file)])
    assert "matches 1 external checkpoint" in capsys.readouterr().out

    # Pointing the checkpoint at an earlier head, to hide the later events' removal.
    record = json.loads(checkpoint_file.read_text())
    record.update(last_event_id=events[0].pk, last_hash=events[0].hash)
    checkpoint_file.write_text(json.dumps(record) + "\n")
    with pytest.raises(CommandError, match="does not match its signature"):
        call_command("verify_audit_chain", checkpoints=[str(checkpoint_file)])


def test_checkpoints_of_another_database_in_the_file_are_not_applied():
    # A development file also receives the test databases' checkpoints; their ids mean nothing
    # here, and the database's name is signed, so they cannot be passed off as ours.
    events = _events(2)
    ours = audit.checkpoint_record(checkpoint_create())
    theirs = {**ours, "database": "another_database", "last_event_id": events[-1].pk + 100}
    theirs["mac"] = audit._mac(theirs["key_id"], audit._record_bytes(theirs))
    report = verify_chain(checkpoints=[ours, theirs])
    assert report.intact and report.external_checked == 1

    moved = {**theirs, "database": ours["database"]}  # the signature no longer matches
    assert "does not match its signature" in verify_chain(checkpoints=[moved]).problem


def test_old_events_still_verify_after_the_key_is_rotated(settings):
    old_key = settings.CREDITBANK_AUDIT_KEY
    before = _events(2)
    settings.CREDITBANK_AUDIT_KEY = "a-new-audit-key-0123456789abcdefghijklmnopqrstuvwxyz"
    settings.CREDITBANK_AUDIT_PREVIOUS_KEYS = [old_key]
    after = _events(2)
    assert before[-1].key_id != after[0].key_id
    assert after[0].prev_hash == before[-1].hash
    assert verify_chain().intact

    settings.CREDITBANK_AUDIT_PREVIOUS_KEYS = []
    report = verify_chain()
    assert not report.intact
    first_old = AuditEvent.objects.filter(key_id=before[0].key_id).order_by("id").first()
    assert report.bad_event_id == first_old.pk
    assert "not configured" in report.problem


@pytest.mark.parametrize(
    "table", ["creditbank_auditevent", "creditbank_auditcheckpoint", "achievements_creditentry"]
)
def test_the_database_refuses_to_truncate_an_append_only_table(table):
    _events(2)
    checkpoint_create()
    count = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == count
    assert AuditCheckpoint.objects.exists()


def test_the_database_refuses_to_change_or_delete_a_checkpoint():
    checkpoint = checkpoint_create()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(last_hash="")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).delete()
    assert AuditCheckpoint.objects.get(pk=checkpoint.pk).last_hash == checkpoint.last_hash
