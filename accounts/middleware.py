"""Session limits for signed-in people, and two-factor authentication for staff."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from creditbank.audit import audit_record

from .roles import is_staff_member


class SessionTimeoutMiddleware:
    """Sign a person out after idle time (30 min, staff 15) or 12 hours in all.

    The times are kept in the session (set at log-in by creditbank.signals). The last-seen time
    is written at most once a minute so that reading pages does not write the session each time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get("_cb_started", now)
            seen = request.session.get("_cb_seen", now)
            idle_limit = (
                settings.CREDITBANK_SESSION_IDLE_STAFF
                if is_staff_member(user)
                else settings.CREDITBANK_SESSION_IDLE
            )
            expired = (
                now - started > settings.CREDITBANK_SESSION_ABSOLUTE.total_seconds()
                or now - seen > idle_limit.total_seconds()
            )
            if expired:
                audit_record(actor=user, action="auth.session_expired", target=user)
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if "_cb_started" not in request.session:
                request.session["_cb_started"] = started
            if now - seen >= 60 or "_cb_seen" not in request.session:
                request.session["_cb_seen"] = now
        return self.get_response(request)


# Pages a member of staff may open before TOTP is set up: allauth's own (sign-in, MFA set-up,
# log-out), the language switch, static files and the health check.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class StaffMfaMiddleware:
    """Send a member of staff without TOTP to set it up before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and is_staff_member(user)
            and not has_totp(user)
        ):
            messages.warning(
                request,
                _("Staff accounts must use two-factor authentication. Please set it up first."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_totp(user) -> bool:
    """Read with what every page reads of the person (``accounts.cache``)."""
    from .cache import user_state

    return user_state(user).totp
