"""Factories for conversion: programmes, courses, certificates, self-study subjects and rules.

Rule versions are made as drafts with their targets and atoms; ``publish_directly`` moves one to
published in the database without the services (for read-side tests: the lookup, the catalogue);
the lifecycle itself is tested through the services.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from conversion.models import (
    Certificate,
    ConversionRule,
    Course,
    EducationLevel,
    Programme,
    RuleAtom,
    RuleTarget,
    RuleVersion,
    SelfStudySubject,
)
from conversion.source import atoms_rows
from tests.accounts.factories import InstitutionFactory, UserFactory
from tests.achievements.factories import AchievementCategoryFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"计算机应用技术{n}")
    level = EducationLevel.JUNIOR_COLLEGE
    field = "信息技术"
    graduation_credits = Decimal("120.00")
    conversion_share = 50
    created_by = factory.SubFactory(UserFactory)


class CourseFactory(factory.django.DjangoModelFactory):
    """A public, offered course; ``programmes=[...]`` puts it in programmes."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"计算机应用基础{n}")
    credits = Decimal("4.00")
    hours = 64
    level = EducationLevel.JUNIOR_COLLEGE
    field = "信息技术"
    kind = Course.Kind.REQUIRED
    mode = Course.Mode.FACE_TO_FACE
    is_public = True
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def programmes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.programmes.add(*extracted)


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate
        django_get_or_create = ("name", "grade")

    name = factory.Sequence(lambda n: f"全国计算机等级考试{n}级")
    grade = ""
    issuer = "教育部教育考试院"
    category = factory.SubFactory(
        AchievementCategoryFactory,
        code="vocational_qualification_certificate",
        name_zh="职业资格证书",
        name_en="Vocational qualification certificate",
    )


class SelfStudySubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelfStudySubject
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{n + 10000:05d}")
    name = factory.Sequence(lambda n: f"自考科目{n}")
    credits = Decimal("4.00")


class ConversionRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConversionRule

    institution = factory.SubFactory(InstitutionFactory)
    number = factory.Sequence(lambda n: f"R-T-{n:05d}")
    title = factory.Sequence(lambda n: f"测试转换规则{n}")
    created_by = factory.SubFactory(UserFactory)


def certificate_source(certificate) -> dict:
    """The smallest source: one certificate."""
    return {
        "type": "all",
        "items": [{"type": "atom", "kind": "certificate", "certificate": certificate.pk}],
    }


def atoms_write(version: RuleVersion) -> None:
    """The ``RuleAtom`` rows of ``version.source`` (as the services write them)."""
    RuleAtom.objects.bulk_create(atoms_rows(version))


def rule_version(
    *,
    institution=None,
    programme=None,
    source=None,
    targets=None,
    rule=None,
    author=None,
    valid_from=datetime.date(2026, 9, 1),
    valid_until=None,
    version=1,
    previous_version=None,
    notes_zh="",
) -> RuleVersion:
    """A draft version of a (new) rule with its targets and atoms.

    ``targets``: a list of ``(course, credits)``; ``credits`` None means an exemption. By
    default one course of the programme, 4 credits; the source is one new certificate.
    """
    if rule is not None:
        institution = rule.institution
    institution = institution or (programme.institution if programme else InstitutionFactory())
    programme = programme or ProgrammeFactory(institution=institution)
    author = author or UserFactory()
    rule = rule or ConversionRuleFactory(institution=institution, created_by=author)
    if targets is None:
        targets = [(CourseFactory(institution=institution, programmes=[programme]), Decimal("4"))]
    if source is None:
        source = certificate_source(CertificateFactory())
    version_row = RuleVersion.objects.create(
        rule=rule,
        version=version,
        previous_version=previous_version,
        programme=programme,
        source=source,
        valid_from=valid_from,
        valid_until=valid_until,
        notes_zh=notes_zh,
        created_by=author,
    )
    version_row.authors.add(author)
    RuleTarget.objects.bulk_create(
        RuleTarget(
            version=version_row,
            course=course,
            outcome=RuleTarget.Outcome.EXEMPTION if credits is None else RuleTarget.Outcome.CREDITS,
            credits=credits,
        )
        for course, credits in targets
    )
    atoms_write(version_row)
    return version_row


def publish_directly(version: RuleVersion) -> RuleVersion:
    """Move ``version`` to published in the database, skipping the review (read-side tests)."""
    now = timezone.now()
    RuleVersion.objects.filter(pk=version.pk).update(
        status=RuleVersion.Status.PUBLISHED, published_at=now, approved_at=now
    )
    version.refresh_from_db()
    return version


def published_rule_version(**kwargs) -> RuleVersion:
    return publish_directly(rule_version(**kwargs))
