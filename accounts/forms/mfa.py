"""allauth's second-factor forms, with every code checked as a guarded attempt of the log-in lock.

A wrong TOTP or recovery code counts toward the same per-account lock as a wrong password, and
toward the client address's limit; while either is locked the right code is refused too, with the
password's message. Every wrong code writes an ``auth.mfa_failed`` audit event (never the code).
"""

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from django import forms

from accounts import lockout
from accounts.adapters import locked_error
from creditbank.audit import audit_record
from creditbank.middleware import client_ip


class GuardedCodeMixin:
    step = "authenticate"

    def clean_code(self) -> str:
        request = context.request
        result = {}

        def check() -> bool:
            try:
                result["code"] = super(GuardedCodeMixin, self).clean_code()
            except forms.ValidationError as error:
                result["error"] = error
                audit_record(
                    # Signing in, the person is not yet proven; re-authenticating, they are.
                    actor=self.user if self.step == "reauthenticate" else None,
                    action="auth.mfa_failed",
                    target=self.user,
                    note=f"wrong second-factor code ({self.step})",
                )
                return False
            return True

        try:
            checked_at = lockout.guarded_attempt(
                account=lockout.user_subject(self.user),
                address=client_ip(request) if request is not None else None,
                check=check,
            )
        except lockout.Locked as locked:
            raise locked_error(locked) from None
        if checked_at is None:
            raise result["error"]
        return result["code"]


class AuthenticateForm(GuardedCodeMixin, AllauthAuthenticateForm):
    step = "authenticate"


class ReauthenticateForm(GuardedCodeMixin, AllauthReauthenticateForm):
    step = "reauthenticate"
