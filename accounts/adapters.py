"""allauth hooks: the log-in lock is checked before every authentication attempt."""

import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import ngettext

from . import lockout


def _login_of(credentials: dict) -> str:
    return credentials.get("username") or credentials.get("email") or ""


def _locked_error(until: float) -> forms.ValidationError:
    minutes = max(1, math.ceil((until - time.time()) / 60))
    return forms.ValidationError(
        ngettext(
            "Too many failed log-ins: this account is locked. Try again in %(minutes)d minute.",
            "Too many failed log-ins: this account is locked. Try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        code="account_locked",
    )


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        until = lockout.locked_until(_login_of(credentials))
        if until:
            raise _locked_error(until)

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        until = lockout.register_failure(_login_of(credentials))
        if until:
            raise _locked_error(until)

    def login(self, request, user):
        super().login(request, user)
        lockout.clear(user.get_username())
