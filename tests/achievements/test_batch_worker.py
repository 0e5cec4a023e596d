"""The crash test of batch recognition: a real Celery worker (on the real Redis broker, against
the test database) works a batch of a few thousand rows in small chunks; the whole worker is
killed with SIGKILL while it commits; a second worker, handed the batch by ``batches_resume``
(the beat task), finishes it. Every row is committed exactly once and the ledger holds."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count

from accounts.models import Notice
from achievements.models import (
    Achievement,
    AchievementCategory,
    AchievementEvent,
    CreditEntry,
    ImportBatch,
    ImportRow,
    QualificationLevel,
    RecognitionMandate,
)
from achievements.services.batch import batch_upload
from achievements.services.ledger import ledger_problems
from achievements.tasks import batches_resume_task
from creditbank import pii
from creditbank.celery import app as celery_app
from tests.achievements.factories import active_account
from tests.creditbank.test_celery_worker import ROOT, _test_database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LEARNERS = 12
ROWS = 3000
# Small chunks, so that the kill finds the batch between many commits; and short task runs,
# so that the batch goes on through tasks the worker enqueues itself (to its own queue).
CHUNK = 30
TASK_SECONDS = 1
# Bounds of the waits (a loaded CI machine is slow; nothing is timed).
START_WITHIN = 90
COMMIT_WITHIN = 240
FINISH_WITHIN = 300

HEADER = "外部编号,身份证号码,姓名,成果名称,取得日期,成绩,学分"


class Worker:
    """A ``celery worker`` process group listening on ``queue`` alone, its output in a file."""

    def __init__(self, queue: str, media_root: str, log_path):
        self.queue = queue
        self.node = f"{queue}@{socket.gethostname()}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            # What the worker enqueues (the batch going on) comes back to this queue.
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CREDITBANK_BATCH_CHUNK": str(CHUNK),
            "CREDITBANK_BATCH_TASK_SECONDS": str(TASK_SECONDS),
            "CREDITBANK_RECOGNITION_REVIEW_THRESHOLD": "10",
            "CREDITBANK_AUDIT_CHECKPOINT_FILE": str(log_path.with_suffix(".jsonl")),
            # The batch's file is where the test's settings stored it.
            "MEDIA_ROOT": media_root,
        }
        self.log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        # A session of its own: the worker and its pool's child are one process group.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "creditbank", "worker", "--pool", "prefork",
             "--concurrency", "1", "-Q", queue, "-n", self.node, "-l", "WARNING",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-4000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_WITHIN
        while not celery_app.control.ping(destination=[self.node], timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker {self.node} did not start:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL to the whole worker, as when its machine or container dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


@pytest.fixture
def workers(tmp_path, settings):
    """``start(name)``: a new worker on a queue of its own (stopped at the end)."""
    started = []

    def start(name: str) -> Worker:
        queue = f"test-batch-{name}-{uuid.uuid4().hex[:10]}"
        worker = Worker(queue, str(settings.MEDIA_ROOT), tmp_path / f"{name}.log")
        started.append(worker)
        worker.wait_ready()
        return worker

    celery_app.conf.task_always_eager = False
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = True
        for worker in started:
            worker.stop()


def results_file(learners) -> SimpleUploadedFile:
    """``ROWS`` results over ``learners``: four of five recognisable, the fifth failed."""
    lines = [HEADER]
    for n in range(1, ROWS + 1):
        account, id_number = learners[n % len(learners)]
        result = "不及格" if n % 5 == 0 else "良好"
        lines.append(f"K-{n:05d},{id_number},{account.real_name},课程 {n},2024-06-30,{result},2")
    body = "\n".join(lines).encode("utf-8")
    return SimpleUploadedFile("results.csv", body, content_type="text/csv")


def poll(predicate, within: float, message) -> ImportBatch:
    """The batch once ``predicate(batch)`` holds, polled (the worker is another process)."""
    deadline = time.monotonic() + within
    while True:
        batch = ImportBatch.objects.get()
        if predicate(batch):
            return batch
        if time.monotonic() > deadline:
            pytest.fail(message(batch))
        time.sleep(0.02)


def test_a_batch_whose_worker_is_killed_is_finished_by_another_exactly_once(
    reference_data, workers, review, monkeypatch
):
    # reference_data: the levels and categories, which a transactional test run before on the
    # same xdist worker flushed.
    category = AchievementCategory.objects.active().first()
    RecognitionMandate.objects.create(
        institution=review.institution,
        category=category,
        level=QualificationLevel.objects.get(number=4),
        field="信息技术",
        granted_by=review["centre_admin"],
    )
    learners = [review.account] + [active_account(branch=review.branch) for _ in range(LEARNERS)]
    learners = [(a, pii.decrypt(a.id_number_encrypted)) for a in learners]

    first = workers("first")
    # The service enqueues the batch's task (on commit) to the default queue: the first worker's.
    monkeypatch.setitem(celery_app.conf, "task_default_queue", first.queue)
    batch = batch_upload(
        acting_user=review["institution_clerk"],
        institution=review.institution,
        category=category,
        mode=ImportBatch.Mode.VALID_ROWS,
        upload=results_file(learners),
    )

    # Killed while it commits: a quarter of the rows committed (in whole chunks), not all.
    poll(
        lambda b: b.rows_committed >= ROWS // 4 or b.is_finished,
        COMMIT_WITHIN,
        lambda b: (
            f"the first worker did not commit in time ({b.status}, {b.rows_read} rows "
            f"read):\n{first.output()}"
        ),
    )
    first.kill()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PROCESSING, (
        f"the batch was {batch.status} when the worker was killed, not processing; "
        f"{batch.rows_committed} rows committed:\n{first.output()}"
    )
    assert 0 < batch.rows_committed < ROWS
    assert batch.rows_committed % CHUNK == 0  # whole chunks, nothing half-written
    assert Achievement.objects.filter(batch=batch).count() == batch.rows_committed

    # The beat task hands the batch on once the dead worker's lock is gone (PostgreSQL frees it
    # when it notices the connection closed); the second worker runs it and what follows.
    second = workers("second")
    deadline = time.monotonic() + START_WITHIN
    while batches_resume_task.apply_async(queue=second.queue).get(timeout=START_WITHIN) != 1:
        if time.monotonic() > deadline:
            pytest.fail(f"the batch was never handed on:\n{second.output()}")
        time.sleep(0.5)
    batch = poll(
        lambda b: b.is_finished,
        FINISH_WITHIN,
        lambda b: (
            f"the second worker did not finish the batch ({b.status}, "
            f"{b.rows_committed} committed):\n{second.output()}"
        ),
    )

    assert batch.status == ImportBatch.Status.DONE, batch.failure
    recognisable = ROWS - ROWS // 5
    assert (batch.rows_read, batch.rows_valid, batch.rows_refused) == (ROWS, ROWS, 0)
    assert (batch.rows_committed, batch.unchanged) == (ROWS, 0)
    assert (batch.recognised, batch.deposited) == (recognisable, ROWS // 5)
    # Every row exactly once: one achievement each, each row pointing at its own.
    made = Achievement.objects.filter(batch=batch)
    assert made.count() == ROWS
    assert made.values("external_id").distinct().count() == ROWS
    outcomes = dict(
        ImportRow.objects.filter(batch=batch)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    assert outcomes == {"recognised": recognisable, "deposited": ROWS // 5}
    rows = ImportRow.objects.filter(batch=batch)
    assert rows.values("achievement").distinct().count() == ROWS
    assert not rows.filter(achievement__isnull=True).exists()
    # One deposit per recognised result, one history step per achievement.
    entries = CreditEntry.objects.filter(achievement__batch=batch)
    assert entries.count() == recognisable
    assert sum(entries.values_list("amount", flat=True)) == Decimal(2) * recognisable
    assert AchievementEvent.objects.filter(achievement__batch=batch).count() == ROWS
    assert Notice.objects.filter(body__contains=batch.reference).count() == len(learners)
    assert list(ledger_problems()) == []
