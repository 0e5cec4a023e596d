"""Background work on achievements."""

import logging

from celery import shared_task
from django.utils.translation import gettext_lazy

from creditbank.languages import formatted

from .services import credits_expire_due

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def credits_expire() -> int:
    """Celery beat, daily: expire the credits of recognised achievements whose validity ended.
    Each achievement is expired in its own transaction and at most once, so a run that is
    interrupted or repeated does no harm."""
    return credits_expire_due()


@shared_task(acks_late=True)
def document_render_task(document_id: int) -> str:
    """Render, sign and issue a requested document. Safe to run twice (the service keeps one
    result); a failure marks the document failed — the learner can try again."""
    from .services.proof import document_render

    try:
        return document_render(document_id=document_id).status
    except Exception:  # noqa: BLE001 — recorded on the document by the service
        return "failed"


@shared_task(acks_late=True)
def document_reissue_task(document_id: int) -> str:
    """After an extension: the PDF again, printed with the new expiry. A failure leaves the
    earlier PDF (its signature still valid; the verification page shows the new expiry)."""
    from .services.proof import document_reissue

    try:
        return document_reissue(document_id=document_id).status
    except Exception:  # noqa: BLE001
        logger.exception("re-issuing the PDF of document %s failed", document_id)
        return "failed"


@shared_task(acks_late=True)
def batch_run_task(batch_id: int) -> str:
    """Work a result batch for a while (``CREDITBANK_BATCH_TASK_SECONDS``) and, if it is not
    finished, enqueue the rest as a new task. Safe to run twice and after a crash: the batch
    goes on from its last commit, one worker at a time. An unexpected error fails the batch
    (the clerk reads that it stopped) rather than retrying it for ever."""
    from .models import ImportBatch
    from .services.batch import batch_fail, batch_run

    try:
        done = batch_run(batch_id)
    except Exception:
        logger.exception("result batch %s stopped", batch_id)
        batch = ImportBatch.objects.get(pk=batch_id)
        batch_fail(
            batch,
            formatted(
                gettext_lazy("An error stopped the batch. Please send the file again later.")
            ),
        )
        return "failed"
    if done is False:
        batch_run_task.delay(batch_id)
        return "continues"
    return "busy" if done is None else "finished"


@shared_task
def batches_resume_task() -> int:
    """Celery beat, every minute: unfinished batches that no worker holds go to a worker."""
    from .services.batch import batches_resume

    return batches_resume()
