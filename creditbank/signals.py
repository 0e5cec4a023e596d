"""Audit events for signing in and out.

Django's auth signals are the one place every log-in path passes through (allauth, the admin,
the test client), so the events are written here rather than in each view.
"""

import time

from allauth.account.signals import email_confirmed, user_signed_up
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _audit_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session["_cb_started"] = now
        request.session["_cb_seen"] = now
    audit_record(actor=user, action="auth.login", target=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    login = credentials.get("username") or credentials.get("email") or credentials.get("login")
    audit_record(
        actor=None,
        action="auth.login_failed",
        object_type="login",
        object_id=str(login or "")[:64],
    )


# Signing up and confirming an e-mail address (allauth's signals). The address itself stays out
# of the log: the event names the account and the EmailAddress row, which hold it.
@receiver(user_signed_up, dispatch_uid="audit_signed_up")
def _audit_signed_up(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.signed_up", target=user)


@receiver(email_confirmed, dispatch_uid="audit_email_confirmed")
def _audit_email_confirmed(sender, request, email_address, **kwargs):
    # The owner following the e-mailed link, or a staff member marking it verified in the admin.
    acting = getattr(request, "user", None)
    actor = acting if getattr(acting, "is_authenticated", False) else email_address.user
    audit_record(
        actor=actor,
        action="auth.email_confirmed",
        target=email_address,
        after={"user": email_address.user_id, "primary": email_address.primary},
    )
