"""The conversion admin: every table shown, none written."""

import pytest
from django.contrib import admin
from django.urls import reverse

from conversion.models import (
    Certificate,
    ConversionRule,
    Course,
    Programme,
    RuleVersion,
    SelfStudySubject,
)
from tests.accounts.factories import UserFactory
from tests.conversion.factories import rule_version

MODELS = [Programme, Course, Certificate, SelfStudySubject, ConversionRule, RuleVersion]


@pytest.mark.parametrize("model", MODELS)
def test_conversion_tables_are_shown_and_never_written(rf, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_each_list_renders(rf, model):
    version = rule_version(notes_zh="admin")
    request = rf.get(reverse(f"admin:conversion_{model._meta.model_name}_changelist"))
    request.user = UserFactory(is_staff=True, is_superuser=True)
    response = admin.site._registry[model].changelist_view(request)
    response.render()
    assert response.status_code == 200
    if model is RuleVersion:
        assert version.rule.number in response.content.decode()
