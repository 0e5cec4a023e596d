"""The page the public meets while PostgreSQL or Redis cannot be reached: 503, not 500.

Why the 500 handler and not a middleware: Django wraps every middleware and the view in its own
exception handler, so a database error raised by the session or authentication middlewares (the
lazy ``request.user``) is turned into a 500 response in that layer, before any outer middleware
sees it; a middleware's ``process_exception`` only sees errors of views. Every one of them ends in
``handler500`` (``creditbank.views.error_500``) while the exception is still being handled, which
asks :func:`outage_in_progress` and answers with :func:`unavailable_response`.

With ``DEBUG`` on (``make dev``) Django shows its technical page instead, with the traceback.
"""

import sys

import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

# What "cannot reach PostgreSQL or Redis" looks like from a request. A Redis error reaches a
# view from the cache (the session store falls back to the database on its own).
OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

# Seconds a browser or a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30


def is_outage(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from or while handling, is an outage."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def outage_in_progress() -> bool:
    """Whether the exception being handled right now is an outage (for the 500 handler)."""
    return is_outage(sys.exc_info()[1])


def error_language(request) -> str:
    """The language of a page answered without the language middleware's help: ``?lang=``
    when it names a language of the portal, else the language cookie, else Chinese. Reads the
    request only (the middleware may not have run, and nothing may touch the database)."""
    supported = {code for code, _name in settings.LANGUAGES}
    for chosen in (
        request.GET.get("lang", "") if request is not None else "",
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "") if request is not None else "",
    ):
        if chosen in supported:
            return chosen
    return settings.LANGUAGE_CODE


def error_page(template: str, request, status: int) -> HttpResponse:
    """An error page (400, 500, 503) in the visitor's language (``error_language``), rendered
    without the request: context processors would look up the signed-in person and their
    notices in the very database that may be down. ``_error_layout.html`` reads settings and
    static files only."""
    language = error_language(request)
    with translation.override(language):
        page = loader.render_to_string(template, {"SITE_NAME": settings.CREDITBANK_SITE_NAME})
    response = HttpResponse(page, status=status)
    response["Content-Language"] = language
    patch_vary_headers(response, ("Cookie",))
    return response


def unavailable_response(request=None) -> HttpResponse:
    """The 503 page (``error_page``) with ``Retry-After``."""
    response = error_page("503.html", request, 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
