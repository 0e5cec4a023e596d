from celery import shared_task

from .services.accounts import account_opened_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def account_opened_email(account_id: int) -> bool:
    """E-mail the set-a-password link of an account opened in person; safe to run twice (sent
    only while the person has no password)."""
    return account_opened_email_send(account_id=account_id)
