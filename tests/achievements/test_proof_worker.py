"""A real Celery worker renders a requested transcript: the service queues the task when its
transaction commits, the worker process (on the real Redis broker, against the test database)
renders, signs and issues it; delivered again, the task leaves the one document as it was."""

import subprocess
import time

import pytest

from achievements.models import ProofDocument
from achievements.services.proof import document_request
from achievements.tasks import document_render_task
from creditbank.audit import verify_chain
from creditbank.celery import app as celery_app
from creditbank.models import AuditEvent
from tests.creditbank.test_celery_worker import worker  # noqa: F401 — the fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _ready(document_id: int, *, within: float = 120) -> ProofDocument:
    """The document once the worker has left ``requested``/``rendering`` (polled: the worker
    is another process)."""
    deadline = time.monotonic() + within
    while True:
        document = ProofDocument.objects.get(pk=document_id)
        if document.status not in ("requested", "rendering") or time.monotonic() > deadline:
            return document
        time.sleep(0.2)


def test_the_worker_renders_a_requested_transcript_once(
    worker,  # noqa: F811 — the fixture imported above
    reference_data,
    review,
    monkeypatch,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"  # where the worker writes (test_celery_worker.py)
    # The service's .delay() goes to the default queue: this worker's own, for this test.
    monkeypatch.setitem(celery_app.conf, "task_default_queue", worker)
    achievement = review.recognised()

    document = document_request(
        acting_user=review["learner"], kind="transcript", language="zh-hans", valid_days=60
    )
    document = _ready(document.pk)
    assert document.status == "ready", document.failure
    assert document.progress == 100 and document.pages >= 1
    assert [line["id"] for line in document.content["achievements"]] == [achievement.pk]
    assert document.credential["type"][-1] == "ClrCredential"
    path = tmp_path / "media" / document.pdf.name
    assert path.is_file()
    signature = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in signature, signature
    first = (document.pdf.name, document.pdf_sha256, document.issued_at)

    # Delivered again (a redelivery, a second click): the worker finds it ready, leaves it.
    assert document_render_task.apply_async((document.pk,), queue=worker).get(timeout=60) == "ready"
    document.refresh_from_db()
    assert (document.pdf.name, document.pdf_sha256, document.issued_at) == first
    assert ProofDocument.objects.count() == 1
    pdfs = [p for p in (tmp_path / "media").rglob("*.pdf") if p.name.startswith(document.code)]
    assert pdfs == [path]
    ready = AuditEvent.objects.filter(action="document.ready", object_id=str(document.pk))
    assert ready.count() == 1
    assert verify_chain().intact
