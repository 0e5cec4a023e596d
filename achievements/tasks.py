"""Background work on achievements."""

from celery import shared_task

from .services import credits_expire_due


@shared_task(acks_late=True)
def credits_expire() -> int:
    """Celery beat, daily: expire the credits of recognised achievements whose validity ended.
    Each achievement is expired in its own transaction and at most once, so a run that is
    interrupted or repeated does no harm."""
    return credits_expire_due()
