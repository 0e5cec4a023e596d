"""The institutions' API, version 1 (``/api/v1/``), with django-ninja.

Why django-ninja rather than DRF with drf-spectacular: it writes OpenAPI 3.1 itself (the issue
asks for 3.1; drf-spectacular writes 3.0), validates bodies with pydantic v2 from the same
classes the schema is made from, and its endpoints are plain functions that call our services,
without serializers and viewsets beside the service layer. Swagger UI comes with the package
(no CDN), served under the portal's Content-Security-Policy (``templates/api/docs.html``).

Every endpoint needs a token (``api.auth``); every POST an ``Idempotency-Key``
(``api.idempotency``); every refusal is a problem (``api.problems``), in Chinese unless
``Accept-Language`` asks for English.
"""

import functools

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja import Field, NinjaAPI, Path, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger

from accounts.models import Institution
from achievements.batch.normalise import stored_errors
from achievements.models import AchievementCategory, ImportBatch, ImportRow, UnitStandard
from achievements.services.batch import COUNTERS, batch_push
from conversion.models import Course
from conversion.selectors import public_versions
from creditbank.errors import InvalidInput, NotAllowed, ServiceError

from . import schemas
from .auth import TokenAuth
from .idempotency import (
    HEADER,
    fingerprint,
    idempotency_begin,
    idempotency_finish,
    idempotency_release,
    parse_key,
)
from .models import ApiToken
from .problems import (
    PROBLEM_JSON,
    ApiProblem,
    field_error,
    invalid_detail,
    problem,
    problem_body,
    problem_response,
    validation_errors,
)

PUSH = TokenAuth(ApiToken.Scope.PUSH_RESULTS)
READ = TokenAuth(ApiToken.Scope.READ_RULES)
ANY_TOKEN = TokenAuth()
PAGE_MAX = 10_000
PAGE_SIZE_MAX = 200

DESCRIPTION = """
The API through which member institutions' systems send learners' results to the credit bank
and read its published conversion rules, courses and unit standards.

**Tokens.** An administrator of the institution makes a token on the portal (the institution's
page → API tokens) and chooses what it may do: *push results* (`push_results`) and/or *read
rules* (`read_rules`). The token is shown once. Send it on every request:
`Authorization: Bearer cbk_…`. An unknown or revoked token gets 401; a token without the
scope an endpoint needs, or of an institution that is no longer an approved member of the
alliance, gets 403.

**Idempotency-Key.** Every POST needs an `Idempotency-Key` header (a Structured Field string,
e.g. `Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`; at most 255 characters), one
new key per new request, as draft-ietf-httpapi-idempotency-key-header has it. Without one: 400.
A retry with the same key and the same body gets the first answer again (status and body, with
`Idempotent-Replayed: true`); the same key while the first request is in progress: 409; the same
key with another body: 422. Keys are kept for 24 hours.

**Limits.** At most {per_minute} requests per token and minute (429 with `Retry-After`, in
seconds), and at most {rows} results per request.

**Errors** are `application/problem+json` (RFC 9457): `type`, `title`, `detail`, `status`,
`code` and `errors` (the fields at fault: `field`, `code`, `message`). Messages are in Chinese,
or in English with `Accept-Language: en`, whatever the language the results were sent in.
Codes: `unauthenticated`, `scope`, `institution_not_member`, `token_maker_left` (the
administrator who made the token no longer administers the institution), `rate_limited`,
`idempotency_key_missing`, `idempotency_key_in_use`, `idempotency_key_reused`, `invalid`,
`malformed`, `too_large`, `not_found`, `not_allowed`.

**Results** are checked row by row as an uploaded file's rows are (the same columns and
rules); in mode `valid` the valid rows are recorded and the refused ones listed with their
errors, in mode `all` one refused row records nothing.
"""

# The answers every endpoint may give besides its success, and the headers they carry. 400:
# a request with control characters in its path or query (the portal's input guard,
# creditbank.inputguard, answers it before the API sees it).
AUTH_ANSWERS = {
    400: schemas.Problem,
    401: schemas.Problem,
    403: schemas.Problem,
    422: schemas.Problem,
}
RATE_ANSWERS = {429: schemas.Problem}
PROBLEM_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": "Bearer (RFC 6750).",
            "schema": {"type": "string"},
            "required": True,
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds until the token may send again.",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
            "required": True,
        }
    },
}
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": True,
    "description": "A new key per request (draft-ietf-httpapi-idempotency-key-header); "
    "a retry sends the same key with the same body.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


class Docs(Swagger):
    """Swagger UI from the package's own files, under the portal's CSP (no inline script)."""

    template = "api/docs.html"


class CreditBankApi(NinjaAPI):
    """The API, its OpenAPI schema made to say what the handlers do: refusals as
    ``application/problem+json`` with their headers."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    if int(status) >= 400 and "content" in answer:
                        answer["content"] = {PROBLEM_JSON: answer["content"]["application/json"]}
                    if str(status) in PROBLEM_HEADERS:
                        answer["headers"] = PROBLEM_HEADERS[str(status)]
        return schema


api = CreditBankApi(
    title="Credit Bank · institutions' API",
    version="1",
    description=DESCRIPTION.format(
        per_minute=settings.CREDITBANK_API_PER_MINUTE, rows=settings.CREDITBANK_BATCH_API_ROWS
    ),
    urls_namespace="api-v1",
    openapi_url="/schema/",
    docs_url="/docs/",
    docs=Docs(settings={"persistAuthorization": False}),
)


# --- Language and refusals --------------------------------------------------------------------


def api_language(request) -> str:
    """Chinese unless ``Accept-Language`` prefers English (the portal's pages ignore the header;
    a program cannot click the language switch)."""
    for language, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if language.startswith("en"):
            return "en"
        if language.startswith("zh") or language == "*":
            break
    return settings.LANGUAGE_CODE


def in_request_language(run):
    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        language = api_language(request)
        with translation.override(language):
            response = run(request, *args, **kwargs)
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapper


api.add_decorator(in_request_language, mode="view")


@api.exception_handler(ApiProblem)
def _problem(request, exc: ApiProblem):
    return exc.response(request)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return problem(request, 422, "invalid", invalid_detail(), errors=validation_errors(exc.errors))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(request, 404, "not_found", _("There is nothing here for this token."))


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    detail = _("The body is larger than the API accepts (%(size)s); send fewer rows.") % {
        "size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    }
    return problem(request, 413, "too_large", detail)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return problem(request, 400, "malformed", _("The body is not valid JSON."))
    return problem(request, exc.status_code, "invalid", str(exc))


# --- Results ----------------------------------------------------------------------------------

results = Router(tags=["results"])


def _batch_answer(batch: ImportBatch) -> dict:
    """The answer about ``batch``: its state, its counts and every row's outcome."""
    rows = ImportRow.objects.filter(batch=batch).order_by("row_number")
    return {
        "reference": batch.reference,
        "status": batch.status,
        "mode": batch.mode,
        "category": batch.category.code,
        "created_at": batch.created_at.isoformat(),
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "failure": batch.failure_shown,
        "counts": {name: getattr(batch, name) for name in COUNTERS},
        "rows": [
            {
                "row": number,
                "external_id": external_id,
                "outcome": outcome,
                "errors": [field_error(*error) for error in stored_errors(errors)],
            }
            for number, outcome, external_id, errors in rows.values_list(
                "row_number", "outcome", "external_id", "errors"
            )
        ],
    }


def _refusal(request, exc: ServiceError) -> tuple[int, dict]:
    """A service's refusal of a push as an answer to keep: 403 when the institution may not
    send, else 422 naming the field."""
    if isinstance(exc, NotAllowed):
        return 403, problem_body(request, 403, "not_allowed", exc.message)
    errors = [field_error(exc.field or "", exc.code, exc.message)]
    return 422, problem_body(request, 422, "invalid", invalid_detail(), errors=errors)


def _push(request, token: ApiToken, payload: schemas.ResultsIn) -> tuple[int, dict]:
    """The batch made of ``payload`` (``batch_push``), and the answer to keep with the
    idempotency key, in one transaction: a retry finds both or neither."""
    category = AchievementCategory.objects.filter(code=payload.category).first()
    if category is None:
        raise InvalidInput(
            _("No achievement category has this code; GET /api/v1/categories lists them."),
            field="category",
            code="unknown_category",
        )
    if len(payload.results) > settings.CREDITBANK_BATCH_API_ROWS:
        raise InvalidInput(
            _("At most %(n)d results per request.") % {"n": settings.CREDITBANK_BATCH_API_ROWS},
            field="results",
            code="too_long",
        )
    batch = batch_push(
        acting_user=token.created_by,
        institution=token.institution,
        category=category,
        mode=payload.mode,
        rows=[row.model_dump() for row in payload.results],
        client=token.name,
    )
    return 201, _batch_answer(batch)


@results.post(
    "/results",
    auth=PUSH,
    url_name="results_push",
    summary="Send results",
    response={201: schemas.BatchOut}
    | {status: schemas.Problem for status in (400, 409, 413)}
    | AUTH_ANSWERS
    | RATE_ANSWERS,
    openapi_extra={"parameters": [IDEMPOTENCY_PARAMETER]},
)
def results_push(request, payload: schemas.ResultsIn):
    """Send up to the limit of results as one batch; the answer gives each row's outcome
    (recognised, deposited for review, already recorded, refused with its errors)."""
    key = parse_key(request.headers.get(HEADER))
    if key is None:
        detail = _(
            "Send an Idempotency-Key header with a new key for each request, e.g. "
            'Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324".'
        )
        return problem(request, 400, "idempotency_key_missing", detail)
    token = request.auth
    begun = idempotency_begin(token=token, key=key, fingerprint=fingerprint(request))
    if begun.problem == "in_flight":
        detail = _("The first request with this key is still being worked on; retry later.")
        return problem(request, 409, "idempotency_key_in_use", detail)
    if begun.problem == "reused":
        detail = _("This key was used for another request; use a new key for a new request.")
        return problem(request, 422, "idempotency_key_reused", detail)
    if begun.replay is not None:
        status, body = begun.replay
        return _answer(status, body, replayed=True)
    try:
        try:
            with transaction.atomic():
                status, body = _push(request, token, payload)
                idempotency_finish(record=begun.record, status=status, body=body)
        except ServiceError as exc:
            status, body = _refusal(request, exc)
            idempotency_finish(record=begun.record, status=status, body=body)
    except BaseException:
        idempotency_release(record=begun.record)
        raise
    return _answer(status, body)


def _answer(status: int, body: dict, *, replayed: bool = False):
    if status >= 400:
        response = problem_response(status, body)
    else:
        response = api.create_response(None, body, status=status)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@results.get(
    "/results/{reference}",
    auth=PUSH,
    url_name="result_detail",
    summary="A batch sent through the API",
    response={200: schemas.BatchOut, 404: schemas.Problem} | AUTH_ANSWERS | RATE_ANSWERS,
)
def result_detail(request, reference: str = Path(..., pattern=schemas.BATCH_REFERENCE)):
    """A batch this institution sent through the API, by its reference (P000123)."""
    batch = (
        ImportBatch.objects.select_related("category")
        .filter(
            pk=int(reference[1:]),
            institution=request.auth.institution,
            source=ImportBatch.Source.API,
        )
        .first()
    )
    if batch is None:
        raise Http404
    return _answer(200, _batch_answer(batch))


api.add_router("/", results)

# --- Reads ------------------------------------------------------------------------------------

reads = Router(tags=["rules, courses and standards"])


class Paging(Schema):
    page: int = Field(1, ge=1, le=PAGE_MAX)
    page_size: int = Field(50, ge=1, le=PAGE_SIZE_MAX)


def _page(queryset, paging: Paging, item) -> dict:
    start = (paging.page - 1) * paging.page_size
    return {
        "count": queryset.count(),
        "page": paging.page,
        "page_size": paging.page_size,
        "items": [item(row) for row in queryset[start : start + paging.page_size]],
    }


def _institution(institution: Institution) -> dict:
    return {"name": institution.name, "credit_code": institution.credit_code}


@reads.get(
    "/categories",
    auth=ANY_TOKEN,
    url_name="categories",
    summary="Achievement categories",
    response={200: list[schemas.Category]} | AUTH_ANSWERS | RATE_ANSWERS,
)
def categories(request):
    """The achievement categories in use: their codes are what a batch names."""
    return list(
        AchievementCategory.objects.active().values("code", "name_zh", "name_en", "validity_years")
    )


@reads.get(
    "/rules",
    auth=READ,
    url_name="rules",
    summary="Published conversion rules",
    response={200: schemas.RulePage} | AUTH_ANSWERS | RATE_ANSWERS,
)
def rules(
    request,
    paging: Query[Paging],
    institution: str | None = Query(
        None, pattern=schemas.CREDIT_CODE, description="A target institution's credit code."
    ),
):
    """Published conversion rule versions valid today or later, of approved institutions."""
    versions = (
        public_versions()
        .select_related("rule", "rule__institution", "programme")
        .prefetch_related("targets__course")
        .order_by("rule__number", "-version", "pk")
    )
    if institution:
        versions = versions.filter(rule__institution__credit_code=institution)

    def item(version):
        return {
            "id": version.pk,
            "number": version.rule.number,
            "title": version.rule.title,
            "version": version.version,
            "institution": _institution(version.rule.institution),
            "programme": {
                "code": version.programme.code,
                "name": version.programme.name,
                "level": version.programme.level,
            },
            "valid_from": version.valid_from,
            "valid_until": version.valid_end,
            "published_at": version.published_at,
            "source": version.source or {},
            "targets": [
                {
                    "course_code": target.course.code,
                    "course_name": target.course.name,
                    "outcome": target.outcome,
                    "credits": target.credits,
                }
                for target in version.targets.all()
            ],
            "url": request.build_absolute_uri(reverse("conversion:rule_public", args=[version.pk])),
        }

    return _page(versions, paging, item)


@reads.get(
    "/courses",
    auth=READ,
    url_name="courses",
    summary="Courses",
    response={200: schemas.CoursePage} | AUTH_ANSWERS | RATE_ANSWERS,
)
def courses(
    request,
    paging: Query[Paging],
    institution: str | None = Query(
        None, pattern=schemas.CREDIT_CODE, description="An institution's credit code."
    ),
):
    """The course catalogue: open courses of approved institutions."""
    found = (
        Course.objects.public()
        .select_related("institution")
        .order_by("institution__name", "code", "pk")
    )
    if institution:
        found = found.filter(institution__credit_code=institution)

    def item(course):
        return {
            "id": course.pk,
            "institution": _institution(course.institution),
            "code": course.code,
            "name": course.name,
            "credits": course.credits,
            "hours": course.hours,
            "level": course.level,
            "field": course.field,
            "kind": course.kind,
            "mode": course.mode,
        }

    return _page(found, paging, item)


@reads.get(
    "/standards",
    auth=READ,
    url_name="standards",
    summary="Unit standards",
    response={200: schemas.StandardPage} | AUTH_ANSWERS | RATE_ANSWERS,
)
def standards(request, paging: Query[Paging]):
    """The approved unit standards (认证单元), by code."""

    def item(standard):
        issuer = standard.issuing_institution
        return {
            "code": standard.code,
            "version": standard.version,
            "name": standard.name,
            "field": standard.field,
            "level": standard.level.number,
            "credit_value": standard.credit_value,
            "outcomes": standard.outcomes,
            "issuing_institution": _institution(issuer) if issuer else None,
        }

    return _page(UnitStandard.objects.published(), paging, item)


api.add_router("/", reads)
