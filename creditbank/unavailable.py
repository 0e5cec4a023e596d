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
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

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


def unavailable_response() -> HttpResponse:
    """The bilingual 503 page with ``Retry-After``.

    Rendered without the request: context processors would look up the signed-in person and
    their notices in the very database that is down, and the language cookie cannot be trusted to
    resolve either, so the page says everything in Chinese first and English below.
    """
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
