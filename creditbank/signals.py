"""Audit events for signing in and out.

Django's auth signals are the one place every log-in path passes through (allauth, the admin,
the test client), so the events are written here rather than in each view.
"""

import time

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
