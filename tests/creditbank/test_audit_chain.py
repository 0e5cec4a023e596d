"""The audit log: append-only rows, a hash chain, and the command that verifies it."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from creditbank.audit import GENESIS_HASH, audit_record, checkpoint_create, verify_chain
from creditbank.models import AuditCheckpoint, AuditEvent
from creditbank.tasks import audit_chain_checkpoint
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


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
