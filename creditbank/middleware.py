"""Request-wide behaviour: origin for the audit log, language, refused access."""

import logging

import redis.exceptions
from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .audit import audit_record, request_origin
from .refusals import anonymous_refusal_count

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address; behind ``CREDITBANK_PROXY_COUNT`` trusted proxies, from
    X-Forwarded-For counted from the right (entries further left can be forged)."""
    proxies = settings.CREDITBANK_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Make the request's origin available to ``audit_record`` without passing it around."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_origin.set(
            (client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:300])
        )
        try:
            return self.get_response(request)
        finally:
            request_origin.reset(token)


class LanguageMiddleware:
    """Simplified Chinese unless the visitor chose English (language cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a public
    service of the city speaks Chinese first, and English is a choice made on the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Active for this request only: the thread's language is restored afterwards, so that
        # nothing run later on the same thread (a test after a test client's request, a task
        # run eagerly) speaks the last visitor's language.
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


# Pages that show a person's own objects: a 404 there is someone trying ids that are not theirs.
PROBED_PREFIXES = ("/my/", "/review/", "/desk/")


def refused_action(request, status_code: int) -> str | None:
    """The audit action for a response that refuses the request, or ``None``: every 403, every
    write (POST …) answered 404, and every read answered 404 under ``PROBED_PREFIXES``."""
    if status_code == 403:
        return "access.refused"
    if status_code == 404:
        if request.method not in SAFE_METHODS:
            return "access.refused"
        if request.path.startswith(PROBED_PREFIXES):
            return "access.not_found"
    return None


class RefusedAccessAuditMiddleware:
    """Write an audit event for every request refused (``refused_action``), whatever refused it.

    A signed-in person's refusals are recorded one by one, as are those of a request carrying
    ``acting_for`` (who it acts for, and how they were known). Those of anonymous visitors are
    counted per address and minute (creditbank.refusals): the first is recorded at once, the rest
    are written as one event a minute, so that a flood cannot fill the audit log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        action = refused_action(request, response.status_code)
        if action is None:
            return response
        user = getattr(request, "user", None)
        note = f"{request.method} {request.path}"
        # A request that proved who it acts for otherwise than by a session (an API token sets
        # ``acting_for``: the token's maker, and which token) is recorded under that person.
        acting_for = getattr(request, "acting_for", None)
        if acting_for is not None:
            user, how = acting_for
            note += f"; {how}"
        if not getattr(user, "is_authenticated", False):
            try:
                if not anonymous_refusal_count(
                    action=action, source=client_ip(request) or "unknown"
                ):
                    return response
                note += f"; further ones from this address this minute: {action}_aggregate"
            except redis.exceptions.RedisError:
                # Without the counter every refusal is recorded, rather than none.
                logger.warning("Refusal counter unavailable; recording %s one by one", action)
        audit_record(
            actor=user,
            action=action,
            object_type="url",
            object_id=request.path[:64],
            note=note[:500],
        )
        return response
