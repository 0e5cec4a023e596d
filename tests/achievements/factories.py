from decimal import Decimal

import factory
from django.utils import timezone

from achievements.models import AchievementCategory, QualificationLevel, UnitStandard
from tests.accounts.factories import InstitutionFactory, UserFactory


class QualificationLevelFactory(factory.django.DjangoModelFactory):
    """A level; the seeded ones (migration 0002) are reused when they are there."""

    class Meta:
        model = QualificationLevel
        django_get_or_create = ("number",)

    number = 3
    code = factory.LazyAttribute(lambda o: f"level-{o.number}")
    name_zh = factory.LazyAttribute(lambda o: f"第{o.number}级")
    name_en = factory.LazyAttribute(lambda o: f"Level {o.number}")
    descriptor_zh = "能在熟悉的情境中独立完成较复杂的任务。"
    descriptor_en = "Completes fairly complex tasks independently in familiar settings."


class AchievementCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AchievementCategory
        django_get_or_create = ("code",)

    code = "training"
    name_zh = "培训"
    name_en = "Training"
    evidence_zh = "结业证明。"
    evidence_en = "A completion certificate."
    validity_years = 5


class UnitStandardFactory(factory.django.DjangoModelFactory):
    """A draft unit standard of an institution, written by ``created_by`` (also its author).
    ``submitted=True`` / ``approved=True`` give the later states."""

    class Meta:
        model = UnitStandard
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T-{n:04d}")
    name = factory.Sequence(lambda n: f"测试单元{n}")
    field = "信息技术"
    level = factory.SubFactory(QualificationLevelFactory)
    credit_value = Decimal("3.00")
    outcomes = "能完成常见任务。"
    issuing_institution = factory.SubFactory(InstitutionFactory)
    status = UnitStandard.Status.DRAFT
    created_by = factory.SubFactory(UserFactory)

    class Params:
        submitted = factory.Trait(
            status=UnitStandard.Status.SUBMITTED,
            submitted_at=factory.LazyFunction(timezone.now),
        )
        approved = factory.Trait(
            status=UnitStandard.Status.APPROVED,
            submitted_at=factory.LazyFunction(timezone.now),
            decided_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def authors(obj, create, extracted, **kwargs):
        if create:
            obj.authors.add(obj.created_by, *(extracted or []))


# --- Deposits --------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n% test evidence\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 24


def upload(name: str = "certificate.pdf", content: bytes = PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def active_account(*, branch, user=None, **overrides):
    """A verified (active) learning account homed at ``branch``."""
    from accounts.services.learners import learner_account_verify
    from tests.accounts.learner_factories import open_account
    from tests.branches.factories import StaffAssignmentFactory

    account = open_account(branch=branch, user=user, **overrides)
    verifier = StaffAssignmentFactory(branch=branch).user
    return learner_account_verify(acting_user=verifier, account=account, method="in_person")


def deposit_facts(**overrides):
    """The facts of a training certificate, with ``overrides``, as the deposit services take
    them."""
    from datetime import date

    from achievements.services import AchievementFacts

    values = {
        "category": AchievementCategory.objects.get(code="training"),
        "title": "养老护理员培训",
        "issuer_name": "重庆市职业技能鉴定中心",
        "obtained_on": date(2024, 6, 1),
        "result_kind": "grade",
        "result_value": "良好",
        "hours": Decimal("40.0"),
        "original_credits": Decimal("2.00"),
        "certificate_number": "",
    }
    values.update(overrides)
    return AchievementFacts(**values)


def deposit(*, account, acting_user=None, files=None, **overrides):
    """An achievement deposited through the service by the account's owner."""
    from achievements.services import achievement_deposit

    return achievement_deposit(
        acting_user=acting_user or account.user,
        account=account,
        facts=deposit_facts(**overrides),
        files=files if files is not None else [upload()],
    )


def deposit_form_data(**overrides):
    """What the deposit form posts for a training certificate, with ``overrides``."""
    from achievements.models import AchievementCategory

    data = {
        "category": AchievementCategory.objects.get(code="training").pk,
        "title": "养老护理员培训",
        "issuer_institution": "",
        "issuer_name": "重庆市职业技能鉴定中心",
        "obtained_on": "2024-06-01",
        "result_kind": "grade",
        "grade": "良好",
        "hours": "40",
        "original_credits": "2",
        "certificate_number": "",
    }
    return data | overrides
