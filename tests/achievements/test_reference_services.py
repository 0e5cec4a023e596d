"""The seeded levels and categories, and the centre's edits of them."""

import pytest

from achievements import services
from achievements.models import AchievementCategory, QualificationLevel
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_seven_levels_are_seeded_with_descriptors_in_both_languages():
    levels = list(QualificationLevel.objects.all())
    assert [level.number for level in levels] == [1, 2, 3, 4, 5, 6, 7]
    assert all(level.descriptor_zh and level.descriptor_en and level.is_active for level in levels)
    assert "1 学分 = 10 名义学习小时" in levels[0].descriptor_zh
    assert "1 credit = 10 notional learning hours" in levels[0].descriptor_en


def test_the_twelve_categories_are_seeded_with_evidence_and_validity():
    categories = {c.code: c for c in AchievementCategory.objects.all()}
    assert len(categories) == 12
    assert categories["vocational_skill_certificate"].name_zh == "职业技能等级证书"
    assert categories["training"].validity_years == 5
    assert categories["online_course"].validity_years == 5
    assert categories["volunteer_service"].validity_years == 3
    assert categories["academic_course"].validity_years is None
    assert all(c.evidence_zh and c.evidence_en for c in categories.values())


def test_a_centre_admin_edits_a_level_and_it_is_audited(people):
    level = QualificationLevel.objects.get(number=4)
    services.qualification_level_update(
        acting_user=people["centre_admin"],
        level=level,
        name_zh="第四级 · 高级（专科）",
        name_en=level.name_en,
        descriptor_zh=level.descriptor_zh,
        descriptor_en=level.descriptor_en,
        is_active=False,
    )
    level.refresh_from_db()
    assert (level.name_zh, level.is_active) == ("第四级 · 高级（专科）", False)
    event = AuditEvent.objects.get(action="qualification_level.update")
    assert event.summary["after"] == {"name_zh": "第四级 · 高级（专科）", "is_active": False}


def test_saving_a_level_unchanged_writes_no_event(people):
    level = QualificationLevel.objects.get(number=1)
    services.qualification_level_update(
        acting_user=people["centre_admin"],
        level=level,
        name_zh=level.name_zh,
        name_en=level.name_en,
        descriptor_zh=level.descriptor_zh,
        descriptor_en=level.descriptor_en,
        is_active=True,
    )
    assert not AuditEvent.objects.filter(action="qualification_level.update").exists()


@pytest.mark.parametrize("role", ["institution_admin", "expert", "learner", "system_admin"])
def test_only_a_centre_admin_edits_levels_and_categories(people, role):
    level = QualificationLevel.objects.get(number=1)
    category = AchievementCategory.objects.get(code="training")
    with pytest.raises(ServiceError):
        services.qualification_level_update(
            acting_user=people[role],
            level=level,
            name_zh="改",
            name_en="x",
            descriptor_zh="x",
            descriptor_en="x",
            is_active=True,
        )
    with pytest.raises(ServiceError):
        services.achievement_category_update(
            acting_user=people[role],
            category=category,
            name_zh="改",
            name_en="x",
            evidence_zh="x",
            evidence_en="x",
            validity_years=1,
            is_active=True,
        )
    level.refresh_from_db()
    category.refresh_from_db()
    assert level.name_zh != "改" and category.name_zh == "培训"
    assert not AuditEvent.objects.filter(action__contains="update").exists()


def test_a_centre_admin_changes_a_categorys_validity(people):
    category = AchievementCategory.objects.get(code="volunteer_service")
    services.achievement_category_update(
        acting_user=people["centre_admin"],
        category=category,
        name_zh=category.name_zh,
        name_en=category.name_en,
        evidence_zh=category.evidence_zh,
        evidence_en=category.evidence_en,
        validity_years=None,
        is_active=True,
    )
    category.refresh_from_db()
    assert category.validity_years is None
    event = AuditEvent.objects.get(action="achievement_category.update")
    assert event.summary == {"before": {"validity_years": 3}, "after": {"validity_years": None}}


@pytest.mark.parametrize("years", [0, -1, 101])
def test_a_validity_outside_1_to_100_years_is_refused(people, years):
    category = AchievementCategory.objects.get(code="training")
    with pytest.raises(ServiceError) as refused:
        services.achievement_category_update(
            acting_user=people["centre_admin"],
            category=category,
            name_zh=category.name_zh,
            name_en=category.name_en,
            evidence_zh=category.evidence_zh,
            evidence_en=category.evidence_en,
            validity_years=years,
            is_active=True,
        )
    assert refused.value.field == "validity_years"
    category.refresh_from_db()
    assert category.validity_years == 5
