"""The lists a rule's source names beside unit standards: certificates (证书) and self-study exam
subjects (自考课程). The centre keeps them; anyone reads them (the public lists and the lookup).

A certificate or subject that rules cite is never deleted: it is taken out of use
(``is_active``), which keeps the published rules that name it readable, and new rules can no
longer name it.
"""

import re
import unicodedata
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.access import require_centre_admin
from achievements.credits import credit_check
from achievements.models import AchievementCategory
from creditbank.audit import audit_record
from creditbank.errors import InvalidInput
from creditbank.text import clean_text

from ..models import Certificate, SelfStudySubject

SUBJECT_CODE = re.compile(r"^\d{5}$")


def _certificate_content(*, name: str, grade: str, issuer: str, category, is_active) -> dict:
    if not isinstance(category, AchievementCategory) or not category.is_active:
        raise InvalidInput(
            _("Choose an achievement category that is in use."),
            field="category",
            code="category",
        )
    return {
        "name": clean_text(name, field="name", max_length=120),
        "grade": clean_text(grade, field="grade", max_length=20, required=False),
        "issuer": clean_text(issuer, field="issuer", max_length=120),
        "category": category,
        "is_active": bool(is_active),
    }


def _certificate_taken() -> InvalidInput:
    return InvalidInput(
        _("A certificate with this name and grade is already on the list."),
        field="name",
        code="certificate_taken",
    )


def _certificate_summary(certificate: Certificate) -> dict:
    return {
        "name": certificate.name,
        "grade": certificate.grade,
        "issuer": certificate.issuer,
        "category": certificate.category.code,
        "is_active": certificate.is_active,
    }


@transaction.atomic
def certificate_create(
    *, acting_user, name: str, grade: str, issuer: str, category, is_active: bool = True
) -> Certificate:
    """A centre administrator adds a certificate that rules may name. Name and grade together
    are unique."""
    require_centre_admin(acting_user)
    content = _certificate_content(
        name=name, grade=grade, issuer=issuer, category=category, is_active=is_active
    )
    if Certificate.objects.filter(name=content["name"], grade=content["grade"]).exists():
        raise _certificate_taken()
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(**content)
    except IntegrityError as exc:
        raise _certificate_taken() from exc
    audit_record(
        actor=acting_user,
        action="certificate.create",
        target=certificate,
        after=_certificate_summary(certificate),
    )
    return certificate


@transaction.atomic
def certificate_update(
    *,
    acting_user,
    certificate: Certificate,
    name: str,
    grade: str,
    issuer: str,
    category,
    is_active: bool,
) -> Certificate:
    """A centre administrator corrects a certificate or takes it out of use. Rules that name it
    keep naming the same certificate (they hold its id)."""
    require_centre_admin(acting_user)
    locked = (
        Certificate.objects.select_for_update().select_related("category").get(pk=certificate.pk)
    )
    content = _certificate_content(
        name=name, grade=grade, issuer=issuer, category=category, is_active=is_active
    )
    if (
        Certificate.objects.filter(name=content["name"], grade=content["grade"])
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise _certificate_taken()
    before = _certificate_summary(locked)
    for key, value in content.items():
        setattr(locked, key, value)
    after = _certificate_summary(locked)
    changed = [key for key in after if before[key] != after[key]]
    if changed:
        try:
            with transaction.atomic():
                locked.save(update_fields=[*content])
        except IntegrityError as exc:
            raise _certificate_taken() from exc
        audit_record(
            actor=acting_user,
            action="certificate.update",
            target=locked,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return locked


def normalise_subject_code(value: str) -> str:
    """``０００１５`` or `` 00015 `` → ``00015``."""
    return "".join(unicodedata.normalize("NFKC", value or "").split())


def _subject_content(*, code: str, name: str, credits, is_active) -> dict:
    code = normalise_subject_code(code)
    if not SUBJECT_CODE.match(code):
        raise InvalidInput(
            _("A self-study subject code is five digits, e.g. 00015."),
            field="code",
            code="subject_code",
        )
    return {
        "code": code,
        "name": clean_text(name, field="name", max_length=120),
        "credits": credit_check(credits, field="credits"),
        "is_active": bool(is_active),
    }


def _subject_taken() -> InvalidInput:
    return InvalidInput(
        _("This subject code is already on the list."), field="code", code="subject_taken"
    )


def _subject_summary(subject: SelfStudySubject) -> dict:
    return {
        "code": subject.code,
        "name": subject.name,
        "credits": str(subject.credits),
        "is_active": subject.is_active,
    }


@transaction.atomic
def self_study_subject_create(
    *, acting_user, code: str, name: str, credits: Decimal, is_active: bool = True
) -> SelfStudySubject:
    """A centre administrator adds a self-study exam subject by its national code."""
    require_centre_admin(acting_user)
    content = _subject_content(code=code, name=name, credits=credits, is_active=is_active)
    if SelfStudySubject.objects.filter(code=content["code"]).exists():
        raise _subject_taken()
    try:
        with transaction.atomic():
            subject = SelfStudySubject.objects.create(**content)
    except IntegrityError as exc:
        raise _subject_taken() from exc
    audit_record(
        actor=acting_user,
        action="self_study_subject.create",
        target=subject,
        after=_subject_summary(subject),
    )
    return subject


@transaction.atomic
def self_study_subject_update(
    *,
    acting_user,
    subject: SelfStudySubject,
    name: str,
    credits: Decimal,
    is_active: bool,
) -> SelfStudySubject:
    """A centre administrator corrects a subject's name or credits, or takes it out of use. The
    code is what rules cite, so it never changes."""
    require_centre_admin(acting_user)
    locked = SelfStudySubject.objects.select_for_update().get(pk=subject.pk)
    content = _subject_content(code=locked.code, name=name, credits=credits, is_active=is_active)
    before = _subject_summary(locked)
    for key, value in content.items():
        setattr(locked, key, value)
    after = _subject_summary(locked)
    changed = [key for key in after if before[key] != after[key]]
    if changed:
        locked.save(update_fields=["name", "credits", "is_active"])
        audit_record(
            actor=acting_user,
            action="self_study_subject.update",
            target=locked,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return locked
