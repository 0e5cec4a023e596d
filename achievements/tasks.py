"""Background work on achievements."""

import logging

from celery import shared_task

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
