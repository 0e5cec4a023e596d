from celery import shared_task

from . import refusals
from .audit import checkpoint_create
from .mail import email_send_queued


@shared_task(acks_late=True)
def audit_chain_checkpoint() -> dict:
    """Verify the audit chain and record its head (database, log, checkpoint file); safe to run
    twice (adds a second checkpoint)."""
    checkpoint = checkpoint_create()
    return {"checkpoint": checkpoint.pk, "intact": checkpoint.intact}


@shared_task(acks_late=True)
def refusal_counts_flush() -> int:
    """Celery beat, every minute: write the counted refusals of anonymous visitors of the minutes
    that are over as aggregate audit events; safe to run twice or at once."""
    return refusals.refusal_counts_flush()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_send(email_id: int) -> bool:
    """Send one queued e-mail (creditbank.mail); safe to run twice (sent at most once)."""
    return email_send_queued(email_id=email_id)
