"""Request-wide behaviour: origin for the audit log, language, refused access."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .audit import audit_record, request_origin

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RefusedAccessAuditMiddleware:
    """Write an audit event for every 403 the portal answers, whatever refused it, and for
    every write (POST …) answered 404: an outsider's attempt on an object they may not know."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        refused_write = response.status_code == 404 and request.method not in SAFE_METHODS
        if response.status_code == 403 or refused_write:
            user = getattr(request, "user", None)
            audit_record(
                actor=user,
                action="access.refused",
                object_type="url",
                object_id=request.path[:64],
                note=f"{request.method} {request.path}"[:500],
            )
        return response
