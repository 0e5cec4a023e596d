"""The API's periodic work."""

from celery import shared_task

from .idempotency import idempotency_records_purge as purge


@shared_task
def idempotency_records_purge() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): forget idempotency keys older than 24 hours."""
    return purge()
