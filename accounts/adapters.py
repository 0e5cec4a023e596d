"""allauth hooks: every password check runs as one guarded attempt of the log-in lock, and every
e-mail allauth sends goes out through a Celery task after the transaction commits."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.contrib.sites.shortcuts import get_current_site
from django.utils.translation import ngettext

from creditbank.mail import email_queue
from creditbank.middleware import client_ip

from . import lockout


def _login_of(credentials: dict) -> str:
    return credentials.get("username") or credentials.get("email") or ""


def locked_error(locked: lockout.Locked) -> forms.ValidationError:
    """The message for a refused attempt: the same for a password and a code."""
    minutes = locked.minutes_left
    if locked.subject_kind == "address":
        message = ngettext(
            "Too many failed log-ins from your network address. Try again in %(minutes)d minute.",
            "Too many failed log-ins from your network address. Try again in %(minutes)d minutes.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many failed log-ins: this account is locked. Try again in %(minutes)d minute.",
            "Too many failed log-ins: this account is locked. Try again in %(minutes)d minutes.",
            minutes,
        )
    return forms.ValidationError(message % {"minutes": minutes}, code="account_locked")


class AccountAdapter(DefaultAccountAdapter):
    def authenticate(self, request, **credentials):
        """Check the password under the lock of the account's and the address's guards
        (accounts/lockout.py). Re-authentication with a password comes through here too."""
        result = {}

        def check() -> bool:
            result["user"] = super(AccountAdapter, self).authenticate(request, **credentials)
            return result["user"] is not None

        try:
            checked_at = lockout.guarded_attempt(
                account=lockout.account_subject(_login_of(credentials)),
                address=client_ip(request) if request is not None else None,
                check=check,
            )
        except lockout.Locked as locked:
            raise locked_error(locked) from None
        if checked_at and request is not None:
            # When the password was found right, in the lock's order (shown to no one; the
            # concurrency tests order it against the failures).
            request.login_checked_at = checked_at
        return result.get("user")

    def send_mail(self, template_prefix, email, context):
        """Render as allauth does — in the language of the request, which is the recipient's
        own (they signed up, asked for a reset or added the address) — and queue the message
        for the ``email_send`` task instead of sending it from the request. Its link holds a
        secret, so it is queued encrypted by id, never handed to the broker (creditbank.mail)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        email_queue(self.render_mail(template_prefix, email, ctx))
