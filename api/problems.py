"""The API's refusals as problem details (RFC 9457, ``application/problem+json``).

Every answer that is not a success has the same body: ``type`` (the documentation's address
with the problem's code as its fragment), ``title`` and ``detail`` in the request's language
(Chinese unless ``Accept-Language`` asks for English), ``status``, ``code`` (stable, for
programs) and ``errors`` (the fields at fault: ``field``, ``code``, ``message``). The exception
handlers of ``api.v1`` turn django-ninja's own refusals (no token, a body that does not match
the schema, an unknown object) into the same shape.
"""

import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PROBLEM_JSON = "application/problem+json"

# Titles of the problems, by code (the detail says more about the case at hand).
TITLES = {
    "unauthenticated": gettext_lazy("A valid API token is required"),
    "scope": gettext_lazy("The token may not do this"),
    "institution_not_member": gettext_lazy("The institution may not use the API"),
    "rate_limited": gettext_lazy("Too many requests"),
    "idempotency_key_missing": gettext_lazy("Idempotency-Key is missing"),
    "idempotency_key_in_use": gettext_lazy("A request with this Idempotency-Key is in progress"),
    "idempotency_key_reused": gettext_lazy("Idempotency-Key reused with another request"),
    "invalid": gettext_lazy("The request is not valid"),
    "malformed": gettext_lazy("The request body cannot be read"),
    "too_large": gettext_lazy("The request body is too large"),
    "not_found": gettext_lazy("Not found"),
    "not_allowed": gettext_lazy("Not allowed"),
}

# Messages for the errors of the schema's validation (pydantic's types), in the request's
# language; pydantic's own messages are English only.
VALIDATION_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is not part of the API."),
    "string_type": gettext_lazy("Give text here."),
    "string_too_short": gettext_lazy("This text is too short."),
    "string_too_long": gettext_lazy("This text is too long."),
    "string_pattern_mismatch": gettext_lazy("This value does not have the expected form."),
    "literal_error": gettext_lazy("This value is not one of those allowed."),
    "too_short": gettext_lazy("This list needs more items."),
    "too_long": gettext_lazy("This list has too many items."),
    "int_type": gettext_lazy("Give a whole number here."),
    "int_parsing": gettext_lazy("Give a whole number here."),
    "float_type": gettext_lazy("Give a number here."),
    "float_parsing": gettext_lazy("Give a number here."),
    "finite_number": gettext_lazy("Give a finite number here."),
    "greater_than_equal": gettext_lazy("This number is too small."),
    "less_than_equal": gettext_lazy("This number is too large."),
    "model_attributes_type": gettext_lazy("Give an object here."),
    "dict_type": gettext_lazy("Give an object here."),
    "list_type": gettext_lazy("Give a list here."),
    "value_error": gettext_lazy("This text is not valid Unicode."),
}
VALIDATION_FALLBACK = gettext_lazy("This value is not valid here.")
# The name of the body's parameter in the endpoints (``payload``).
BODY_PARAMETER = "payload"


def docs_url(request) -> str:
    return request.build_absolute_uri(reverse("api-v1:openapi-view"))


def problem_body(request, status: int, code: str, detail, *, errors=None) -> dict:
    """The body of a problem answer (the documentation lists the codes)."""
    return {
        "type": f"{docs_url(request)}#problem-{code}",
        "title": str(TITLES.get(code, TITLES["invalid"])),
        "status": status,
        "detail": str(detail),
        "code": code,
        "errors": list(errors or ()),
    }


def problem_response(status: int, body: dict, *, headers: dict | None = None) -> HttpResponse:
    """``body`` (a problem) as an answer with ``status``."""
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_JSON
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem(
    request, status: int, code: str, detail, *, errors=None, headers: dict | None = None
) -> HttpResponse:
    return problem_response(
        status, problem_body(request, status, code, detail, errors=errors), headers=headers
    )


class ApiProblem(Exception):
    """A refusal raised anywhere in the API's handling (authentication included), answered by
    ``api.v1`` as a problem."""

    def __init__(self, status: int, code: str, detail, *, errors=None, headers=None):
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def response(self, request) -> HttpResponse:
        return problem(
            request, self.status, self.code, self.detail, errors=self.errors, headers=self.headers
        )


def field_error(field: str, code: str, message) -> dict:
    return {"field": field, "code": code, "message": str(message)}


def validation_errors(errors: list[dict]) -> list[dict]:
    """django-ninja's validation errors (pydantic's, with ``loc`` starting with where the value
    came from: body, query, path or header) as the API's field errors: ``results.3.name``."""
    found = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())[1:]]
        if location[:1] == [BODY_PARAMETER]:  # the body's parameter name is no field of it
            location = location[1:]
        code = str(error.get("type", "invalid"))
        message = VALIDATION_MESSAGES.get(code, VALIDATION_FALLBACK)
        found.append(field_error(".".join(location), code, message))
    return found


def invalid_detail():
    return _("Some fields are not valid: see errors.")


def control_characters_problem(request) -> HttpResponse:
    """The input guard's refusal (creditbank.inputguard) as a problem."""
    return problem(
        request,
        400,
        "invalid",
        gettext_lazy("The request contains control characters; remove them and send it again."),
    )
