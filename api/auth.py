"""Who calls the API: ``Authorization: Bearer <token>``, checked on every request.

In this order: an unknown or revoked token is 401 (with ``WWW-Authenticate: Bearer``); a token
over its requests per minute is 429 (with ``Retry-After``); a token whose institution is no
longer an approved alliance member, whose maker no longer administers the institution (a
token acts as its maker), or that lacks the scope the endpoint needs, is 403. The
token's ``last_used_at`` is written at most once a minute (one UPDATE, not one per request).
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from .access import api_token_by_secret, token_institution_may_call
from .models import ApiToken
from .problems import ApiProblem
from .ratelimit import consume

LAST_USED_PRECISION = timedelta(minutes=1)
REALM = 'Bearer realm="creditbank"'


def unauthenticated(*, token_given: bool) -> ApiProblem:
    """401: no token, or one that is unknown or revoked (RFC 6750's ``invalid_token``)."""
    challenge = f'{REALM}, error="invalid_token"' if token_given else REALM
    detail = (
        _("The API token is not valid: it is unknown or was revoked.")
        if token_given
        else _("Send an API token: Authorization: Bearer <token>.")
    )
    return ApiProblem(401, "unauthenticated", detail, headers={"WWW-Authenticate": challenge})


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class TokenAuth(HttpBearer):
    """A token that holds ``scope`` (a code of ``ApiToken.Scope``; ``None``: any token)."""

    openapi_description = "An API token made by an institution's administrator."

    def __init__(self, scope: str | None = None):
        super().__init__()
        self.scope = scope

    def __call__(self, request):
        token = super().__call__(request)
        if token is None:  # no Authorization header, or not "Bearer …"
            raise unauthenticated(token_given=bool(request.headers.get("Authorization")))
        return token

    def authenticate(self, request, token: str) -> ApiToken:
        found = api_token_by_secret(token)
        if found is None:
            raise unauthenticated(token_given=True)
        # A refusal from here on is audited under the token's maker, naming the token
        # (creditbank.middleware.RefusedAccessAuditMiddleware), not counted as an anonymous one.
        request.acting_for = (found.created_by, f"API token {found.prefix}…")
        wait = consume(found.pk)
        if wait is not None:
            raise ApiProblem(
                429,
                "rate_limited",
                _("This token has sent too many requests this minute; try again in %(s)d s.")
                % {"s": wait},
                headers={"Retry-After": str(wait)},
            )
        _touch(found)
        if not token_institution_may_call(found):
            raise ApiProblem(
                403,
                "institution_not_member",
                _("The institution is not an approved member of the alliance now."),
            )
        if not found.maker_may_act:
            raise ApiProblem(
                403,
                "token_maker_left",
                _(
                    "The administrator who made this token no longer administers the "
                    "institution, so it no longer works; an administrator must make a new one."
                ),
            )
        if self.scope is not None and self.scope not in found.scopes:
            raise ApiProblem(
                403,
                "scope",
                _("This token may not do this; it needs the scope %(scope)s.")
                % {"scope": self.scope},
            )
        return found
