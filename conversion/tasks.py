"""Background work on conversion."""

from celery import shared_task

from .services.applications import conversion_reminders_send


@shared_task(acks_late=True)
def conversion_reminders() -> int:
    """Celery beat, daily: remind the target institutions' reviewers of the applications whose
    decision is due within three working days or overdue. Once a day per application, so a
    repeated run sends nothing twice."""
    return conversion_reminders_send()
