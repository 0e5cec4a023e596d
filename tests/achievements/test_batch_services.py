"""Batch recognition, the service: a file staged, checked across rows, committed set-based;
recognised under a mandate, deposited for review without one; the ledger's invariants hold."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Notice
from achievements.models import (
    Achievement,
    AchievementCategory,
    AchievementEvent,
    CreditEntry,
    ImportBatch,
    ImportRow,
    QualificationLevel,
    Recognition,
    RecognitionMandate,
)
from achievements.services import batch as service
from achievements.services.ledger import ledger_problems
from creditbank import pii
from creditbank.errors import InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.achievements.factories import active_account

pytestmark = pytest.mark.django_db

HEADER = ["外部编号", "身份证号码", "学习账户编号", "姓名", "成果名称", "取得日期", "成绩", "学分"]


def csv_file(rows, name="results.csv", header=HEADER) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def world(review):
    category = AchievementCategory.objects.active().first()
    learner = review.account
    other = active_account(branch=review.branch)
    return {
        "review": review,
        "clerk": review["institution_clerk"],
        "institution": review.institution,
        "category": category,
        "learner": learner,
        "other": other,
        "id": pii.decrypt(learner.id_number_encrypted),
        "other_id": pii.decrypt(other.id_number_encrypted),
    }


def mandate(world, field="信息技术"):
    return RecognitionMandate.objects.create(
        institution=world["institution"],
        category=world["category"],
        level=QualificationLevel.objects.get(number=4),
        field=field,
        granted_by=world["review"]["centre_admin"],
    )


def sent(world, rows=(), mode=ImportBatch.Mode.VALID_ROWS, *, upload=None, **kwargs):
    """The clerk's file (``rows`` as a CSV, or ``upload``) sent as a batch, not yet worked."""
    return service.batch_upload(
        acting_user=world["clerk"],
        institution=world["institution"],
        category=world["category"],
        mode=mode,
        upload=upload or csv_file(rows, **kwargs),
    )


def upload(world, rows, mode=ImportBatch.Mode.VALID_ROWS, **kwargs):
    """The batch of ``rows`` sent and worked to its end."""
    batch = sent(world, rows, mode, **kwargs)
    assert service.batch_run(batch.pk) is True
    batch.refresh_from_db()
    return batch


def good_rows(world):
    learner, other = world["learner"], world["other"]
    return [
        ["R-1", world["id"], "", learner.real_name, "高等数学", "2024-06-30", "优秀", "4"],
        ["R-2", "", learner.account_number, learner.real_name, "大学英语", "2024/6/30", "85", "3"],
        ["R-3", world["other_id"], "", other.real_name, "程序设计", "20240630", "不及格", "2"],
    ]


def test_mandated_rows_are_recognised_with_ledger_history_and_one_notice_each(world):
    mandate(world)
    batch = upload(world, good_rows(world))
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_read, batch.rows_valid, batch.rows_refused) == (3, 3, 0)
    assert (batch.recognised, batch.deposited, batch.rows_committed) == (2, 1, 3)
    recognised = Achievement.objects.filter(batch=batch, status=Achievement.Status.RECOGNISED)
    assert set(recognised.values_list("external_id", flat=True)) == {"R-1", "R-2"}
    entries = CreditEntry.objects.filter(achievement__batch=batch)
    assert sorted(entries.values_list("amount", flat=True)) == [Decimal("3.00"), Decimal("4.00")]
    assert {e.field for e in entries} == {"信息技术"}
    failed = Achievement.objects.get(batch=batch, external_id="R-3")
    assert failed.status == Achievement.Status.UNDER_REVIEW  # a failed result is not recognised
    assert failed.first_check_branch_id == world["review"].branch.pk
    assert Recognition.objects.filter(achievement__batch=batch).count() == 2
    history = AchievementEvent.objects.filter(achievement__batch=batch)
    assert sorted(history.values_list("action", flat=True)) == [
        "import",
        "import_recognise",
        "import_recognise",
    ]
    assert set(history.values_list("note", flat=True)) == {batch.reference}
    notices = Notice.objects.filter(body__contains=batch.reference)
    assert sorted(n.user_id for n in notices) == sorted(
        [world["learner"].user_id, world["other"].user_id]
    )
    assert list(ledger_problems()) == []
    actions = (
        AuditEvent.objects.filter(object_type="achievements.importbatch", object_id=str(batch.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert list(actions) == ["batch.upload", "batch.commit", "batch.finish"]


def test_without_a_mandate_every_row_is_deposited_for_review(world):
    batch = upload(world, good_rows(world))
    assert (batch.recognised, batch.deposited) == (0, 3)
    assert not CreditEntry.objects.filter(achievement__batch=batch).exists()
    assert list(ledger_problems()) == []


def test_refused_rows_say_why_and_valid_rows_go_on(world):
    learner = world["learner"]
    rows = [
        *good_rows(world)[:1],
        ["R-9", "5.00101E+17", "", learner.real_name, "线性代数", "2024-06-30", "良好", "2"],
        ["R-10", world["id"], "", "王五", "线性代数", "2024-06-30", "良好", "2"],
        ["R-1", world["id"], "", learner.real_name, "重复", "2024-06-30", "良好", "2"],
    ]
    batch = upload(world, rows)
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_read, batch.rows_refused, batch.deposited) == (4, 3, 1)
    refused = {
        r.row_number: [code for _f, code, _m in r.errors]
        for r in ImportRow.objects.filter(batch=batch, outcome=ImportRow.Outcome.REFUSED)
    }
    assert refused == {
        3: ["excel_rounded"],
        4: ["name_mismatch"],
        5: ["external_id_repeated"],
    }
    sealed = ImportRow.objects.get(batch=batch, row_number=3).raw_sealed
    assert "5.00101E+17" not in sealed
    assert service.unseal_raw(sealed)["id_number"] == "5.00101E+17"


def test_all_or_nothing_writes_nothing_when_a_row_is_refused(world):
    rows = [*good_rows(world), ["R-4", "", "", "某某", "x", "2024-06-30", "优秀", "1"]]
    batch = upload(world, rows, mode=ImportBatch.Mode.ALL_OR_NOTHING)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.failure
    assert not Achievement.objects.filter(batch=batch).exists()
    assert AuditEvent.objects.filter(
        object_type="achievements.importbatch", action="batch.fail", object_id=str(batch.pk)
    ).exists()


def test_the_same_file_twice_is_refused_and_resent_rows_change_nothing(world):
    mandate(world)
    first = upload(world, good_rows(world))
    with pytest.raises(InvalidInput) as refused:
        upload(world, good_rows(world))
    assert refused.value.code == "duplicate_file"
    again = upload(world, [*good_rows(world), ["R-5", world["id"], "", world["learner"].real_name,
                                               "体育", "2024-06-30", "合格", "1"]])  # fmt: skip
    assert (again.unchanged, again.recognised) == (3, 1)
    assert Achievement.objects.filter(issuer_institution=world["institution"]).count() == 4
    assert first.recognised == 2
    assert list(ledger_problems()) == []


def test_only_a_clerk_of_a_member_institution_sends_a_batch(world):
    with pytest.raises(NotAllowed):
        service.batch_upload(
            acting_user=world["review"]["branch_staff"],
            institution=world["institution"],
            category=world["category"],
            mode=ImportBatch.Mode.VALID_ROWS,
            upload=csv_file(good_rows(world)),
        )
    assert not ImportBatch.objects.exists()


def test_api_push_is_the_same_service(world):
    mandate(world)
    learner = world["learner"]
    batch = service.batch_push(
        acting_user=world["clerk"],
        institution=world["institution"],
        category=world["category"],
        mode=ImportBatch.Mode.VALID_ROWS,
        rows=[
            {
                "external_id": "API-1",
                "id_number": world["id"],
                "name": learner.real_name,
                "title": "数据结构",
                "obtained_on": "2024-06-30",
                "result": "A",
                "credits": "2.5",
            },
            {"external_id": "API-2", "name": learner.real_name},
        ],
    )
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.recognised, batch.rows_refused) == (1, 1)
    assert list(ledger_problems()) == []


def test_check_ledger_names_a_deposit_forged_into_a_batch(world):
    """A batch's deposits are vouched for by its chunks' audit events; one added afterwards
    with a history step of its own is not."""
    mandate(world)
    batch = upload(world, good_rows(world)[:1])
    assert list(ledger_problems()) == []
    real = Achievement.objects.get(batch=batch)
    forged = Achievement.objects.create(
        account=real.account,
        category=real.category,
        title="伪造",
        issuer_institution=real.issuer_institution,
        obtained_on=real.obtained_on,
        result_kind=real.result_kind,
        result_value=real.result_value,
        status=Achievement.Status.RECOGNISED,
        deposited_by=world["clerk"],
        batch=batch,
        external_id="FORGED",
    )
    decision = Recognition.objects.create(
        achievement=forged,
        stage="first",
        outcome="recognised",
        status="in_force",
        credits=Decimal("5"),
        level=real.recognition.level,
        field=real.recognition.field,
        decided_by=world["clerk"],
        decided_as="x",
    )
    forged.recognition = decision
    forged.save()
    CreditEntry.objects.create(
        account=forged.account,
        achievement=forged,
        recognition=decision,
        kind="deposit",
        amount=Decimal("5"),
        level=decision.level,
        field=decision.field,
    )
    AchievementEvent.objects.create(
        achievement=forged, action="import_recognise", status="recognised", note=batch.reference
    )
    problems = list(ledger_problems())
    assert len(problems) == 1
    assert f"achievement #{forged.pk}) has no audit event" in problems[0]


def is_enqueue(callback) -> bool:
    """The upload's hand-over to a worker: ``lambda: _enqueue(batch.pk)``."""
    return callback.__qualname__ == "batch_upload.<locals>.<lambda>" and "_enqueue" in (
        callback.__code__.co_names
    )


def test_an_operators_file_queues_no_task_a_clerks_upload_does(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """The command works its batch itself, so it needs no broker; an upload goes to a worker."""
    path = tmp_path / "results.csv"
    path.write_bytes(csv_file(good_rows(world)).read())
    with django_capture_on_commit_callbacks() as queued:
        service.batch_from_path(
            acting_user=world["clerk"],
            institution=world["institution"],
            category=world["category"],
            mode=ImportBatch.Mode.VALID_ROWS,
            path=path,
        )
    assert not any(is_enqueue(callback) for callback in queued)
    with django_capture_on_commit_callbacks() as queued:
        service.batch_upload(
            acting_user=world["clerk"],
            institution=world["institution"],
            category=world["category"],
            mode=ImportBatch.Mode.VALID_ROWS,
            upload=csv_file(good_rows(world)[:2]),
        )
    assert any(is_enqueue(callback) for callback in queued)


def test_the_learners_header_counts_the_batchs_notice_at_once(world, client):
    """The notices are written set-based (no ``save()`` signal): the batch drops the cached
    header state of every learner it wrote to."""
    from tests.conftest import signed_in

    user = world["learner"].user
    signed_in(client, user)
    before = client.get("/").context["unread_notices"]  # now cached
    upload(world, good_rows(world))
    assert client.get("/").context["unread_notices"] == before + 1


def test_a_mandate_ended_mid_batch_stops_recognising_the_chunks_after(world, settings):
    from achievements.services.mandates import mandate_end

    settings.CREDITBANK_BATCH_CHUNK = 1
    granted = mandate(world)
    batch = sent(world, good_rows(world))
    # A moment's work a call: one chunk staged or committed, then the time is up.
    while batch.rows_committed == 0:
        assert service.batch_run(batch.pk, seconds=1e-9) is False
        batch.refresh_from_db()
    assert batch.recognised == 1  # R-1, under the mandate
    mandate_end(acting_user=world["review"]["centre_admin"], mandate=granted, reason="复核")
    assert service.batch_run(batch.pk) is True
    batch.refresh_from_db()
    assert (batch.status, batch.recognised, batch.deposited) == ("done", 1, 2)
    statuses = dict(Achievement.objects.filter(batch=batch).values_list("external_id", "status"))
    assert statuses == {"R-1": "recognised", "R-2": "under_review", "R-3": "under_review"}
    assert CreditEntry.objects.filter(achievement__batch=batch).count() == 1
    chunks = AuditEvent.objects.filter(action="batch.commit", object_id=str(batch.pk)).order_by(
        "pk"
    )
    assert [event.summary["after"]["mandate"] for event in chunks] == [granted.pk, None, None]
    assert list(ledger_problems()) == []


@pytest.mark.parametrize("mode", ["valid", "all"])
def test_a_finished_batchs_file_is_deleted_after_the_commit(
    world, mode, django_capture_on_commit_callbacks
):
    rows = good_rows(world) + [["R-9", "", "A-0000", "某人", "课程", "2024-06-30", "85", "2"]]
    batch = sent(world, rows, mode=mode)
    name, storage = batch.file.name, batch.file.storage
    assert name and storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert service.batch_run(batch.pk) is True
    batch.refresh_from_db()
    assert batch.status == ("done" if mode == "valid" else "failed")
    assert batch.file.name == "" and not storage.exists(name)
    # What the pages and the duplicate check read stays; the refused row keeps its cells.
    assert batch.sha256 and batch.file_name == "results.csv" and batch.file_size > 0
    refused = ImportRow.objects.get(batch=batch, outcome=ImportRow.Outcome.REFUSED)
    assert service.unseal_raw(refused.raw_sealed)["external_id"] == "R-9"


def test_a_file_left_by_a_stopped_worker_is_deleted_by_the_resume_sweep(world, monkeypatch):
    handed = []
    monkeypatch.setattr(service, "_enqueue", handed.append)
    batch = sent(world, good_rows(world))
    name, storage = batch.file.name, batch.file.storage
    assert service.batch_run(batch.pk) is True  # the test's transaction never commits: kept
    batch.refresh_from_db()
    assert batch.status == "done" and batch.file.name == name and storage.exists(name)
    unfinished = sent(world, [["R-5", *good_rows(world)[0][1:]]])
    assert service.batches_resume() == 1
    assert handed == [unfinished.pk]
    batch.refresh_from_db()
    assert batch.file.name == "" and not storage.exists(name)
    unfinished.refresh_from_db()
    assert unfinished.file and unfinished.file.storage.exists(unfinished.file.name)


def test_a_large_files_reading_is_shown_as_the_share_of_its_bytes_read(world, settings):
    settings.CREDITBANK_BATCH_CHUNK = 100
    # 1 500 rows (about 100 kB: far more than the reader's read-ahead), all refused.
    rows = [[f"U-{n}", "", "A-0000", "某人", "课程", "2024-06-30", "85", "2"] for n in range(1500)]
    batch = sent(world, rows)
    shares = []
    while batch.status in ("uploaded", "validating"):
        service.batch_run(batch.pk, seconds=1e-9)  # a chunk a call
        batch.refresh_from_db()
        if batch.status == "validating":
            shares.append(batch.read_permille)
    assert len(shares) >= 10 and shares == sorted(shares)
    assert 0 < shares[0] < 200 and shares[-1] == 1000


def test_a_file_that_cannot_be_read_fails_with_its_reason_in_each_language(world):
    from django.utils import translation

    rows = [good_rows(world)[0]]
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    broken = SimpleUploadedFile(
        "r.csv", out.getvalue().encode() + b"\n" + "第二行".encode("utf-16")
    )
    batch = sent(world, upload=broken)
    assert service.batch_run(batch.pk) is True
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert batch.failure_texts["en"].startswith("The file's text encoding is not one we can read")
    assert batch.failure == batch.failure_texts["zh-hans"] and "编码" in batch.failure
    with translation.override("en"):
        assert batch.failure_shown == batch.failure_texts["en"]
    event = AuditEvent.objects.get(action="batch.fail", object_id=str(batch.pk))
    assert event.summary["note"] == batch.failure


def test_an_unexpected_error_fails_the_batch_with_a_reason_in_each_language(world, monkeypatch):
    from achievements.tasks import batch_run_task

    batch = sent(world, good_rows(world))

    def broken(batch_id, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "batch_run", broken)
    assert batch_run_task(batch.pk) == "failed"
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert batch.failure_texts["en"] == (
        "An error stopped the batch. Please send the file again later."
    )
    assert batch.failure == batch.failure_texts["zh-hans"] != batch.failure_texts["en"]
    assert not Achievement.objects.filter(batch=batch).exists()
