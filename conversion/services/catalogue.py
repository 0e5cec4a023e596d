"""An institution's programmes (专业/培养方案) and courses (课程): creating and changing them.

Who writes: the administrators and clerks of an approved institution
(``conversion.access.writer_institutions``), for that institution only. Its reviewers and the
centre administrators read them and never write (the pages answer 403 through the access
helpers; the services refuse with ``NotAllowed``). Nothing is deleted: a programme is closed and
a course withdrawn by setting ``is_active`` to False through the update, so the rules and
applications that name them keep their reference.

Each check below names the field it belongs to, so that a form shows its message beside the
field and the course import (``conversion.services.course_import``) beside the cell.
"""

import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import Institution
from achievements.credits import credit_check
from achievements.services.standards import normalise_code
from creditbank.audit import audit_record
from creditbank.errors import InvalidInput, NotAllowed
from creditbank.text import clean_text

from ..access import writer_institutions
from ..models import ConversionPolicy, Course, EducationLevel, Programme, RuleTarget, RuleVersion

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._\-]{0,31}$")
NAME_MAX = Programme._meta.get_field("name").max_length
FIELD_MAX = Programme._meta.get_field("field").max_length
DESCRIPTION_MAX = Programme._meta.get_field("description").max_length
HOURS_MIN, HOURS_MAX = 1, 10000
SHARE_MAX = 50
PROGRAMME_FIELDS = (
    "code",
    "name",
    "level",
    "field",
    "graduation_credits",
    "conversion_share",
    "per_year_credits",
    "per_source_credits",
    "certificates_max",
    "description",
    "is_active",
)
CERTIFICATES_MAX = 99
COURSE_FIELDS = (
    "code",
    "name",
    "credits",
    "hours",
    "level",
    "field",
    "kind",
    "mode",
    "is_public",
    "description",
    "is_active",
)


# --- Checks, one per field ----------------------------------------------------------------------


def check_code(value) -> str:
    """A programme or course code: ``cs 101`` → ``CS101``; 1 to 32 capital letters, digits,
    dots, hyphens and underscores, starting with a letter or digit."""
    code = normalise_code(str(value or ""))
    if not code:
        raise InvalidInput(_("This field is required."), field="code", code="required")
    if not CODE_PATTERN.match(code):
        raise InvalidInput(
            _(
                "Use up to 32 capital letters, digits, dots, hyphens and underscores, starting "
                "with a letter or digit, e.g. CS101."
            ),
            field="code",
            code="invalid_code",
        )
    return code


def check_name(value) -> str:
    return clean_text(value, field="name", max_length=NAME_MAX)


def check_field(value) -> str:
    return clean_text(value, field="field", max_length=FIELD_MAX)


def check_description(value) -> str:
    return clean_text(
        value, field="description", max_length=DESCRIPTION_MAX, required=False, multiline=True
    )


def _check_choice(value, choices, *, field: str) -> str:
    if value not in {code for code, _label in choices}:
        raise InvalidInput(
            _("Choose one of: %(choices)s.")
            % {"choices": "、".join(str(label) for _code, label in choices)},
            field=field,
            code="invalid_choice",
        )
    return value


def check_level(value) -> str:
    return _check_choice(value, EducationLevel.choices, field="level")


def check_kind(value) -> str:
    return _check_choice(value, Course.Kind.choices, field="kind")


def check_mode(value) -> str:
    return _check_choice(value, Course.Mode.choices, field="mode")


def check_hours(value) -> int:
    """Whole hours from 1 to 10 000 (a number written ``64.0`` by a spreadsheet is 64)."""
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        number = None
    if (
        number is None
        or not number.is_finite()
        or number != number.to_integral_value()
        or not HOURS_MIN <= number <= HOURS_MAX
    ):
        raise InvalidInput(
            _("Give the hours as a whole number from %(min)d to %(max)d.")
            % {"min": HOURS_MIN, "max": HOURS_MAX},
            field="hours",
            code="hours",
        )
    return int(number)


def check_conversion_share(value) -> int:
    """The largest share (%) of the graduation credits conversion may supply: 0 to 50."""
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        number = None
    if (
        number is None
        or not number.is_finite()
        or number != number.to_integral_value()
        or not 0 <= number <= SHARE_MAX
    ):
        raise InvalidInput(
            _("Give a whole number of per cent from 0 to 50: conversion may supply at most 50%."),
            field="conversion_share",
            code="conversion_share",
        )
    return int(number)


def check_certificates_max(value) -> int | None:
    """The most certificates a learner's conversions into the programme may count: empty (no
    cap) or a whole number from 0 to ``CERTIFICATES_MAX``."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) > CERTIFICATES_MAX:
        raise InvalidInput(
            _("Give a whole number of certificates from 0 to %(max)d, or leave it empty.")
            % {"max": CERTIFICATES_MAX},
            field="certificates_max",
            code="certificates_max",
        )
    return int(text)


def _optional_credits(value, *, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    return credit_check(value, field=field).quantize(Decimal("0.01"))


def _require_writer(acting_user, institution_id: int) -> Institution:
    institution = writer_institutions(acting_user).filter(pk=institution_id).first()
    if institution is None:
        raise NotAllowed(
            _(
                "Only the administrators and clerks of an approved institution may change its "
                "programmes and courses."
            ),
            field="institution",
            code="not_allowed",
        )
    return institution


def _code_taken(kind: str) -> InvalidInput:
    message = (
        _("This institution already has a programme with this code.")
        if kind == "programme"
        else _("This institution already has a course with this code.")
    )
    return InvalidInput(message, field="code", code="code_taken")


# --- Programmes ---------------------------------------------------------------------------------


def _programme_content(
    *,
    code,
    name,
    level,
    field,
    graduation_credits,
    conversion_share,
    description,
    is_active,
    per_year_credits=None,
    per_source_credits=None,
    certificates_max=None,
) -> dict:
    return {
        "code": check_code(code),
        "name": check_name(name),
        "level": check_level(level),
        "field": check_field(field),
        "graduation_credits": credit_check(graduation_credits, field="graduation_credits"),
        "conversion_share": check_conversion_share(conversion_share),
        "per_year_credits": _optional_credits(per_year_credits, field="per_year_credits"),
        "per_source_credits": _optional_credits(per_source_credits, field="per_source_credits"),
        "certificates_max": check_certificates_max(certificates_max),
        "description": check_description(description),
        "is_active": bool(is_active),
    }


def _text_or_none(value) -> str | None:
    return None if value is None else str(value)


def _programme_summary(programme: Programme) -> dict:
    return {
        "code": programme.code,
        "name": programme.name,
        "level": programme.level,
        "field": programme.field,
        "graduation_credits": str(programme.graduation_credits),
        "conversion_share": programme.conversion_share,
        "per_year_credits": _text_or_none(programme.per_year_credits),
        "per_source_credits": _text_or_none(programme.per_source_credits),
        "certificates_max": programme.certificates_max,
        "description_chars": len(programme.description),
        "is_active": programme.is_active,
    }


@transaction.atomic
def programme_create(
    *,
    acting_user,
    institution: Institution,
    code: str,
    name: str,
    level: str,
    field: str,
    graduation_credits: Decimal,
    conversion_share: int = SHARE_MAX,
    description: str = "",
    is_active: bool = True,
    per_year_credits: Decimal | None = None,
    per_source_credits: Decimal | None = None,
    certificates_max: int | None = None,
) -> Programme:
    """A new programme of ``institution`` (an approved institution where ``acting_user`` is an
    administrator or clerk). The code is unique within the institution; the share of the
    graduation credits that conversion may supply is at most 50% (the default)."""
    institution = _require_writer(acting_user, institution.pk)
    content = _programme_content(
        code=code,
        name=name,
        level=level,
        field=field,
        graduation_credits=graduation_credits,
        conversion_share=conversion_share,
        description=description,
        is_active=is_active,
        per_year_credits=per_year_credits,
        per_source_credits=per_source_credits,
        certificates_max=certificates_max,
    )
    if Programme.objects.filter(institution=institution, code=content["code"]).exists():
        raise _code_taken("programme")
    try:
        with transaction.atomic():  # a concurrent request with the same code may win
            programme = Programme.objects.create(
                institution=institution, created_by=acting_user, **content
            )
    except IntegrityError as exc:
        raise _code_taken("programme") from exc
    audit_record(
        actor=acting_user,
        action="programme.create",
        target=programme,
        after=_programme_summary(programme),
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    acting_user,
    programme: Programme,
    code: str,
    name: str,
    level: str,
    field: str,
    graduation_credits: Decimal,
    conversion_share: int,
    description: str = "",
    is_active: bool = True,
    per_year_credits: Decimal | None = None,
    per_source_credits: Decimal | None = None,
    certificates_max: int | None = None,
) -> Programme:
    """Change a programme (its institution's writers only); ``is_active=False`` closes it to
    conversion, ``True`` opens it again. Only what changed is saved and audited; nothing
    changed writes nothing."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    _require_writer(acting_user, locked.institution_id)
    content = _programme_content(
        code=code,
        name=name,
        level=level,
        field=field,
        graduation_credits=graduation_credits,
        conversion_share=conversion_share,
        description=description,
        is_active=is_active,
        per_year_credits=per_year_credits,
        per_source_credits=per_source_credits,
        certificates_max=certificates_max,
    )
    if (
        content["code"] != locked.code
        and Programme.objects.filter(institution_id=locked.institution_id, code=content["code"])
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise _code_taken("programme")
    changed = [key for key, value in content.items() if getattr(locked, key) != value]
    if not changed:
        return locked
    before = _programme_summary(locked)
    for key in changed:
        setattr(locked, key, content[key])
    try:
        with transaction.atomic():
            locked.save(update_fields=[*changed, "updated_at"])
    except IntegrityError as exc:
        raise _code_taken("programme") from exc
    after = _programme_summary(locked)
    keys = [key for key in after if before[key] != after[key]]
    audit_record(
        actor=acting_user,
        action="programme.update",
        target=locked,
        before={key: before[key] for key in keys},
        after={key: after[key] for key in keys},
    )
    return locked


# --- An institution's general caps ------------------------------------------------------------


@transaction.atomic
def caps_update(
    *,
    acting_user,
    institution: Institution,
    per_year_credits: Decimal | None = None,
    per_source_credits: Decimal | None = None,
    certificates_max: int | None = None,
) -> ConversionPolicy:
    """Set ``institution``'s general conversion caps (its writers only): what its programmes
    apply when they set none of their own. Empty means no cap. Nothing changed writes
    nothing."""
    institution = _require_writer(acting_user, institution.pk)
    content = {
        "per_year_credits": _optional_credits(per_year_credits, field="per_year_credits"),
        "per_source_credits": _optional_credits(per_source_credits, field="per_source_credits"),
        "certificates_max": check_certificates_max(certificates_max),
    }
    policy, _created = ConversionPolicy.objects.select_for_update().get_or_create(
        institution=institution
    )

    def summary() -> dict:
        return {
            "per_year_credits": _text_or_none(policy.per_year_credits),
            "per_source_credits": _text_or_none(policy.per_source_credits),
            "certificates_max": policy.certificates_max,
        }

    before = summary()
    changed = [key for key, value in content.items() if getattr(policy, key) != value]
    if not changed:
        return policy
    for key in changed:
        setattr(policy, key, content[key])
    policy.save(update_fields=changed)
    after = summary()
    audit_record(
        actor=acting_user,
        action="institution.caps_update",
        target=institution,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    return policy


# --- Courses ------------------------------------------------------------------------------------


def course_content(
    *,
    code,
    name,
    credits,
    hours,
    level,
    field,
    kind,
    mode,
    is_public,
    description,
    is_active,
) -> dict:
    """A course's columns checked and normalised (the first problem raised, naming its
    field)."""
    return {
        "code": check_code(code),
        "name": check_name(name),
        "credits": credit_check(credits, field="credits"),
        "hours": check_hours(hours),
        "level": check_level(level),
        "field": check_field(field),
        "kind": check_kind(kind),
        "mode": check_mode(mode),
        "is_public": bool(is_public),
        "description": check_description(description),
        "is_active": bool(is_active),
    }


def check_programmes(institution_id: int, programmes) -> list[Programme]:
    """``programmes`` (rows or primary keys), each of the institution ``institution_id``."""
    ids = {getattr(p, "pk", p) for p in programmes or ()}
    found = list(Programme.objects.filter(pk__in=ids, institution_id=institution_id))
    if len(found) != len(ids):
        raise InvalidInput(
            _("A course can only belong to programmes of its own institution."),
            field="programmes",
            code="programme_elsewhere",
        )
    return sorted(found, key=lambda p: p.code)


def _course_summary(course: Course, programmes: list[Programme]) -> dict:
    return {
        "code": course.code,
        "name": course.name,
        "credits": str(course.credits),
        "hours": course.hours,
        "level": course.level,
        "field": course.field,
        "kind": course.kind,
        "mode": course.mode,
        "is_public": course.is_public,
        "description_chars": len(course.description),
        "is_active": course.is_active,
        "programmes": [p.code for p in programmes],
    }


@transaction.atomic
def course_create(
    *,
    acting_user,
    institution: Institution,
    code: str,
    name: str,
    credits: Decimal,
    hours: int,
    level: str,
    field: str,
    kind: str,
    mode: str,
    is_public: bool = True,
    description: str = "",
    programmes=(),
    is_active: bool = True,
) -> Course:
    """A new course of ``institution`` (its writers only), in ``programmes`` of the same
    institution. The code is unique within the institution; credits from 0.01, hours 1–10 000."""
    institution = _require_writer(acting_user, institution.pk)
    content = course_content(
        code=code,
        name=name,
        credits=credits,
        hours=hours,
        level=level,
        field=field,
        kind=kind,
        mode=mode,
        is_public=is_public,
        description=description,
        is_active=is_active,
    )
    chosen = check_programmes(institution.pk, programmes)
    if Course.objects.filter(institution=institution, code=content["code"]).exists():
        raise _code_taken("course")
    try:
        with transaction.atomic():
            course = Course.objects.create(
                institution=institution, created_by=acting_user, **content
            )
    except IntegrityError as exc:
        raise _code_taken("course") from exc
    course.programmes.set(chosen)
    audit_record(
        actor=acting_user,
        action="course.create",
        target=course,
        after=_course_summary(course, chosen),
    )
    return course


def granted_credits(course_ids) -> dict[int, Decimal]:
    """For each of ``course_ids`` that an approved or published rule version targets with
    credits, the most credits such a version grants for it. A course's credits may not drop
    below it: a published version never changes, so it would grant more than the course is
    worth."""
    return dict(
        RuleTarget.objects.filter(
            course_id__in=list(course_ids),
            credits__isnull=False,
            version__status__in=[RuleVersion.Status.APPROVED, RuleVersion.Status.PUBLISHED],
        )
        .values("course_id")
        .annotate(most=Max("credits"))
        .values_list("course_id", "most")
    )


def credits_below_granted_message(granted: Decimal) -> str:
    return _(
        "A conversion rule in force grants %(credits)s credits for this course, so it cannot "
        "have fewer."
    ) % {"credits": granted}


@transaction.atomic
def course_update(
    *,
    acting_user,
    course: Course,
    code: str,
    name: str,
    credits: Decimal,
    hours: int,
    level: str,
    field: str,
    kind: str,
    mode: str,
    is_public: bool = True,
    description: str = "",
    programmes=(),
    is_active: bool = True,
) -> Course:
    """Change a course (its institution's writers only); ``is_active=False`` withdraws it (no
    longer offered, gone from the catalogue), ``is_public=False`` keeps it off the catalogue.
    Only what changed is saved and audited."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    _require_writer(acting_user, locked.institution_id)
    content = course_content(
        code=code,
        name=name,
        credits=credits,
        hours=hours,
        level=level,
        field=field,
        kind=kind,
        mode=mode,
        is_public=is_public,
        description=description,
        is_active=is_active,
    )
    chosen = check_programmes(locked.institution_id, programmes)
    if (
        content["code"] != locked.code
        and Course.objects.filter(institution_id=locked.institution_id, code=content["code"])
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise _code_taken("course")
    if content["credits"] < locked.credits:
        granted = granted_credits([locked.pk]).get(locked.pk)
        if granted is not None and content["credits"] < granted:
            raise InvalidInput(
                credits_below_granted_message(granted), field="credits", code="below_granted"
            )
    current = sorted(locked.programmes.all(), key=lambda p: p.code)
    changed = [key for key, value in content.items() if getattr(locked, key) != value]
    programmes_changed = [p.pk for p in current] != [p.pk for p in chosen]
    if not changed and not programmes_changed:
        return locked
    before = _course_summary(locked, current)
    if changed:
        for key in changed:
            setattr(locked, key, content[key])
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as exc:
            raise _code_taken("course") from exc
    if programmes_changed:
        locked.programmes.set(chosen)
    after = _course_summary(locked, chosen)
    keys = [key for key in after if before[key] != after[key]]
    audit_record(
        actor=acting_user,
        action="course.update",
        target=locked,
        before={key: before[key] for key in keys},
        after={key: after[key] for key in keys},
    )
    return locked
