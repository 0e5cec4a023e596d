"""Refuse requests that carry control characters: one place for every form, filter and page.

PostgreSQL cannot store NUL in text (psycopg raises ``DataError``, a 500 before this guard), and
the other C0 and C1 control characters have no business in anything a person types: they break
exports, e-mails and log lines. Typing cannot produce them, so a request carrying one in a
query-string key or value, a form field (urlencoded or multipart) or its path is almost always
crafted, and it gets a plain 400 before any session, log-in or database work: one answer for
every form and filter, including views that read ``request.GET`` without a form. TAB, LF and CR
stay allowed: textareas send CRLF, and pasted text may hold tabs. (Text pasted from a word
processor can, rarely, carry a vertical tab or form feed; that person gets this page too.)

Uploaded files are not inspected (their bytes are checked by content in creditbank.files).
Reading ``request.POST`` here parses a multipart body early; the CSRF middleware reads it for
every POST anyway, and no view changes ``request.upload_handlers``. Malformed bodies raise
``MultiPartParserError`` or ``RequestDataTooBig``, which Django answers with the same 400 page.
"""

from collections.abc import Callable

from .text import has_control_characters
from .views import error_400

# Parts of the site that answer in another format than the bad-request page (the API answers
# application/problem+json): path prefix → a function of the request making the 400. Higher
# apps register theirs at start-up (``AppConfig.ready``).
bad_request_answers: dict[str, Callable] = {}


def bad_request_answer_register(prefix: str, answer: Callable) -> None:
    bad_request_answers[prefix] = answer


FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _texts(request):
    """The path, then every key and value of the query string and of a form's non-file fields,
    as Django decoded them (``%00`` is NUL; undecodable bytes are already U+FFFD)."""
    yield request.path_info
    parts = [request.GET]
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        parts.append(request.POST)
    for data in parts:
        for key, values in data.lists():
            yield key
            yield from values


class InputGuardMiddleware:
    """Answer 400 with the bad-request page when any part of the request's text (see
    ``_texts``) contains a control character other than TAB, LF or CR."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(has_control_characters(text) for text in _texts(request)):
            for prefix, answer in bad_request_answers.items():
                if request.path_info.startswith(prefix):
                    return answer(request)
            return error_400(request)  # logged by django.request, as every 4xx is
        return self.get_response(request)
