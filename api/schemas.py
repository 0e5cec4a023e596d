"""The shapes of the API's requests and answers (pydantic v2 through django-ninja); the
OpenAPI schema is made from them."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from achievements.models import ImportBatch, ImportRow


def _storable(text: str) -> str:
    """Text that PostgreSQL can store: JSON may escape a lone surrogate (\\ud800), which is no
    character and cannot be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text") from None
    return text


# A cell of a result row, as a file's cell would be: text, or a number (an ID number sent as a
# number was rounded by whoever made it one, as Excel does, and is refused for that).
Text = Annotated[str, Field(max_length=1000), AfterValidator(_storable)]
Number = Annotated[float, Field(allow_inf_nan=False)]
Cell = Text | Number
CREDIT_CODE = r"^[0-9A-Z]{18}$"
BATCH_REFERENCE = r"^P[0-9]{6,18}$"


class FieldError(Schema):
    field: str = Field(description="Where: a field of the body (results.3.name) or a parameter.")
    code: str = Field(description="The rule that refused it, for programs.")
    message: str = Field(description="What to fix, in the request's language.")


class Problem(Schema):
    """A refusal (RFC 9457 problem details)."""

    type: str = Field(description="Where the documentation explains this problem.")
    title: str
    status: int
    detail: str
    code: str = Field(description="The problem's stable code.")
    errors: list[FieldError] = Field(default_factory=list)


# --- Results ---------------------------------------------------------------------------------


class ResultRow(Schema):
    """One result, the columns of the upload template. Either ``id_number`` or
    ``account_number`` names the learner; each row is checked as a file's row is, and a row
    that fails is refused with its errors, not the whole request."""

    model_config = ConfigDict(extra="forbid")

    external_id: Cell = Field(description="Your own identifier of this result (unique for you).")
    id_number: Cell | None = Field(None, description="The learner's resident ID number.")
    account_number: Cell | None = Field(None, description="The learning account number.")
    name: Cell = Field(description="The learner's name, as on the learning account.")
    title: Cell = Field(description="The course, exam subject, certificate or training.")
    obtained_on: Cell = Field(description="The date obtained, e.g. 2024-06-30.")
    result: Cell = Field(description="A grade (优秀…不及格, A–F), 合格/不合格 or a score 0–100.")
    credits: Cell | None = None
    hours: Cell | None = None
    certificate_number: Cell | None = None


EXAMPLE = {
    "category": "academic_course",
    "mode": "valid",
    "results": [
        {
            "external_id": "2024-CS101-0001",
            "id_number": "11010519491231002X",
            "name": "张三",
            "title": "高等数学（一）",
            "obtained_on": "2024-06-30",
            "result": "良好",
            "credits": "4",
            "hours": "64",
        }
    ],
}


class ResultsIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    category: Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9_-]+$")] = Field(
        description="The achievement category's code (GET /api/v1/categories).",
        examples=["academic_course"],
    )
    mode: Literal["valid", "all"] = Field(
        description="valid: valid rows are recorded, refused ones listed; all: all or nothing."
    )
    results: list[ResultRow] = Field(min_length=1, max_length=settings.CREDITBANK_BATCH_API_ROWS)


class RowOutcome(Schema):
    row: int = Field(description="The row's position in results, from 1.")
    external_id: str
    outcome: Literal[tuple(ImportRow.Outcome.values)]  # type: ignore[valid-type]
    errors: list[FieldError]


class BatchCounts(Schema):
    rows_read: int
    rows_valid: int
    rows_refused: int
    rows_committed: int
    recognised: int
    deposited: int
    unchanged: int


class BatchOut(Schema):
    reference: str = Field(description="The batch's reference, e.g. P000123.")
    status: Literal[tuple(ImportBatch.Status.values)]  # type: ignore[valid-type]
    mode: Literal[tuple(ImportBatch.Mode.values)]  # type: ignore[valid-type]
    category: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    failure: str = Field(description="Why the batch failed, if it did.")
    counts: BatchCounts
    rows: list[RowOutcome]


# --- Reads -----------------------------------------------------------------------------------


class InstitutionRef(Schema):
    name: str
    credit_code: str


class Category(Schema):
    code: str
    name_zh: str
    name_en: str
    validity_years: int | None


class ProgrammeRef(Schema):
    code: str
    name: str
    level: str


class RuleTargetOut(Schema):
    course_code: str
    course_name: str
    outcome: Literal["credits", "exemption"]
    credits: Decimal | None


class RuleVersionOut(Schema):
    id: int
    number: str
    title: str
    version: int
    institution: InstitutionRef
    programme: ProgrammeRef
    valid_from: datetime.date
    valid_until: datetime.date | None = Field(description="The last day it applies, if any.")
    published_at: datetime.datetime
    source: dict = Field(description="What the rule converts from (see the rule pages).")
    targets: list[RuleTargetOut]
    url: str = Field(description="The rule's public page.")


class CourseOut(Schema):
    id: int
    institution: InstitutionRef
    code: str
    name: str
    credits: Decimal
    hours: int
    level: str
    field: str
    kind: str
    mode: str


class StandardOut(Schema):
    code: str
    version: int
    name: str
    field: str
    level: int
    credit_value: Decimal
    outcomes: str
    issuing_institution: InstitutionRef | None


class Page(Schema):
    count: int = Field(description="How many there are in all.")
    page: int
    page_size: int


class RulePage(Page):
    items: list[RuleVersionOut]


class CoursePage(Page):
    items: list[CourseOut]


class StandardPage(Page):
    items: list[StandardOut]
