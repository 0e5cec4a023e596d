"""The achievements admin: the standards read-only; learners' records not there at all."""

import pytest
from django.contrib import admin

from achievements.models import (
    Achievement,
    AchievementCategory,
    AchievementEvent,
    CreditEntry,
    Evidence,
    QualificationLevel,
    Recognition,
    UnitStandard,
)
from tests.accounts.factories import UserFactory
from tests.achievements.factories import UnitStandardFactory


@pytest.mark.parametrize("model", [QualificationLevel, AchievementCategory, UnitStandard])
def test_the_standards_are_shown_and_never_written(rf, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.parametrize(
    "model", [Achievement, Evidence, Recognition, AchievementEvent, CreditEntry]
)
def test_learners_records_are_not_in_the_admin(model):
    assert not admin.site.is_registered(model)


@pytest.mark.django_db
def test_the_unit_standard_list_renders_its_columns(rf):
    standard = UnitStandardFactory(code="CQ-ADMIN-01")
    request = rf.get("/admin/achievements/unitstandard/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    response = admin.site._registry[UnitStandard].changelist_view(request)
    response.render()
    assert response.status_code == 200
    assert "CQ-ADMIN-01" in response.content.decode()
    assert str(standard.level) in response.content.decode()
