"""The centre edits levels and categories through their pages; nobody else can."""

import pytest
from django.urls import reverse

from achievements.models import AchievementCategory, QualificationLevel
from creditbank.models import AuditEvent
from tests.branches.network_helpers import english

pytestmark = pytest.mark.django_db


def level_data(level, **overrides):
    data = {
        "name_zh": level.name_zh,
        "name_en": level.name_en,
        "descriptor_zh": level.descriptor_zh,
        "descriptor_en": level.descriptor_en,
        "is_active": "on",
    }
    return data | overrides


def category_data(category, **overrides):
    data = {
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "evidence_zh": category.evidence_zh,
        "evidence_en": category.evidence_en,
        "validity_years": category.validity_years or "",
        "is_active": "on",
    }
    return data | overrides


def test_the_centre_edits_a_level(client, people):
    level = QualificationLevel.objects.get(number=2)
    client.force_login(people["centre_admin"])
    url = reverse("achievements:level_edit", args=[level.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, level_data(level, name_zh="第二级 · 基础（修订）"))
    assert response.url == reverse("achievements:level_detail", args=[level.pk])
    level.refresh_from_db()
    assert level.name_zh == "第二级 · 基础（修订）"
    assert AuditEvent.objects.filter(action="qualification_level.update").count() == 1


def test_the_centre_takes_a_category_out_of_use_and_sets_no_expiry(client, people):
    category = AchievementCategory.objects.get(code="training")
    client.force_login(people["centre_admin"])
    response = client.post(
        reverse("achievements:category_edit", args=[category.pk]),
        category_data(category, validity_years="", is_active=""),
    )
    assert response.url == reverse("achievements:category_list")
    category.refresh_from_db()
    assert (category.validity_years, category.is_active) == (None, False)
    client.logout()
    assert (
        category.name_zh not in client.get(reverse("achievements:category_list")).content.decode()
    )


@pytest.mark.parametrize("role", ["institution_admin", "expert", "learner", "system_admin"])
def test_others_may_not_edit(client, people, role):
    level = QualificationLevel.objects.get(number=2)
    category = AchievementCategory.objects.get(code="training")
    client.force_login(people[role])
    assert client.get(reverse("achievements:level_edit", args=[level.pk])).status_code == 403
    assert client.get(reverse("achievements:category_edit", args=[category.pk])).status_code == 403
    response = client.post(
        reverse("achievements:level_edit", args=[level.pk]), level_data(level, name_zh="改")
    )
    assert response.status_code == 403
    level.refresh_from_db()
    assert level.name_zh != "改"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"name_zh": "长" * 61},
            "name_zh",
            "Ensure this value has at most 60 characters (it has 61).",
        ),
        (
            {"name_zh": "<script>x</script>"},
            "name_zh",
            "The characters < and > are not allowed here.",
        ),
        ({"name_en": "  "}, "name_en", "This field is required."),
        ({"descriptor_zh": "\n \n"}, "descriptor_zh", "This field is required."),
        (
            {"descriptor_en": "x" * 2001},
            "descriptor_en",
            "Ensure this value has at most 2000 characters (it has 2001).",
        ),
    ],
)
def test_bad_level_input_is_shown_beside_the_field(client, people, overrides, field, message):
    level = QualificationLevel.objects.get(number=2)
    client.force_login(people["centre_admin"])
    english(client)
    response = client.post(
        reverse("achievements:level_edit", args=[level.pk]), level_data(level, **overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert not AuditEvent.objects.filter(action="qualification_level.update").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"validity_years": "0"},
            "validity_years",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            {"validity_years": "-3"},
            "validity_years",
            "Ensure this value is greater than or equal to 1.",
        ),
        ({"validity_years": "1.5"}, "validity_years", "Enter a whole number."),
        ({"validity_years": "abc"}, "validity_years", "Enter a whole number."),
        (
            {"validity_years": "101"},
            "validity_years",
            "Ensure this value is less than or equal to 100.",
        ),
        ({"name_en": "<b>"}, "name_en", "The characters < and > are not allowed here."),
        ({"evidence_zh": ""}, "evidence_zh", "This field is required."),
    ],
)
def test_bad_category_input_is_shown_beside_the_field(client, people, overrides, field, message):
    category = AchievementCategory.objects.get(code="training")
    client.force_login(people["centre_admin"])
    english(client)
    response = client.post(
        reverse("achievements:category_edit", args=[category.pk]),
        category_data(category, **overrides),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    category.refresh_from_db()
    assert category.validity_years == 5
    assert not AuditEvent.objects.filter(action="achievement_category.update").exists()


def test_names_with_a_middle_dot_and_astral_characters_are_kept(client, people):
    category = AchievementCategory.objects.get(code="training")
    client.force_login(people["centre_admin"])
    client.post(
        reverse("achievements:category_edit", args=[category.pk]),
        category_data(category, name_zh="买买提·艾力𠮷培训"),
    )
    category.refresh_from_db()
    assert category.name_zh == "买买提·艾力𠮷培训"
