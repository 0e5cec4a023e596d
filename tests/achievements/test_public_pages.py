"""The public standards guidance: levels, categories and approved unit standards, no sign-in."""

from decimal import Decimal

import pytest
from django.urls import reverse

from achievements.models import QualificationLevel
from tests.accounts.factories import InstitutionFactory
from tests.achievements.factories import QualificationLevelFactory, UnitStandardFactory
from tests.branches.network_helpers import english

pytestmark = pytest.mark.django_db


def test_the_guide_explains_credits_and_lists_the_levels(client):
    page = client.get(reverse("achievements:standard_guide")).content.decode()
    for level in QualificationLevel.objects.all():
        assert level.name_zh in page
    english(client)
    page = client.get(reverse("achievements:standard_guide")).content.decode()
    assert "10 notional learning hours" in page and "Level 7 · Doctoral" in page


def test_a_level_page_shows_its_descriptor_and_its_neighbours(client):
    level = QualificationLevel.objects.get(number=3)
    UnitStandardFactory(approved=True, level=level)
    UnitStandardFactory(level=level)  # a draft is not counted
    english(client)
    page = client.get(reverse("achievements:level_detail", args=[level.pk])).content.decode()
    assert level.descriptor_en.split(";")[0] in page
    assert "1 approved unit standard at this level" in page
    assert "Previous: 2 · Level 2 · Foundation" in page and "Next: 4 · Level 4 · Advanced" in page


def test_a_level_out_of_use_is_not_public(client, people):
    level = QualificationLevel.objects.get(number=7)
    QualificationLevel.objects.filter(pk=level.pk).update(is_active=False)
    assert client.get(reverse("achievements:level_detail", args=[level.pk])).status_code == 404
    assert level.name_zh not in client.get(reverse("achievements:level_list")).content.decode()
    client.force_login(people["centre_admin"])
    assert client.get(reverse("achievements:level_detail", args=[level.pk])).status_code == 200


def test_the_categories_show_their_evidence_and_validity(client):
    english(client)
    page = client.get(reverse("achievements:category_list")).content.decode()
    assert "Vocational skill level certificate" in page
    assert "3 years" in page and "Does not expire" in page
    assert 'aria-labelledby="categories-caption"' in page and 'id="categories-caption"' in page


def test_only_approved_standards_are_listed_and_searchable(client):
    shown = UnitStandardFactory(approved=True, code="CQOU-IT-0001", name="计算机应用基础")
    UnitStandardFactory(code="CQOU-IT-0002", name="草稿标准")
    UnitStandardFactory(submitted=True, code="CQOU-IT-0003", name="待审标准")
    UnitStandardFactory(status="retired", code="CQOU-IT-0004", name="停用标准")
    page = client.get(reverse("achievements:standard_list")).content.decode()
    assert "计算机应用基础" in page
    assert "草稿标准" not in page and "待审标准" not in page and "停用标准" not in page
    assert (
        "计算机应用基础"
        in client.get(reverse("achievements:standard_list"), {"q": "应用"}).content.decode()
    )
    assert (
        "计算机应用基础"
        in client.get(reverse("achievements:standard_list"), {"q": "it-0001"}).content.decode()
    )
    assert (
        "计算机应用基础"
        not in client.get(reverse("achievements:standard_list"), {"q": "电工"}).content.decode()
    )
    assert client.get(reverse("achievements:standard_detail", args=[shown.pk])).status_code == 200


def test_the_filters_narrow_by_level_field_and_issuer(client):
    school = InstitutionFactory(name="重庆开放大学")
    level2, level3 = QualificationLevelFactory(number=2), QualificationLevelFactory(number=3)
    UnitStandardFactory(
        approved=True, name="甲", level=level2, field="信息技术", issuing_institution=school
    )
    UnitStandardFactory(
        approved=True, name="乙", level=level3, field="养老服务", issuing_institution=None
    )
    url = reverse("achievements:standard_list")

    def names(params):
        return [s.name for s in client.get(url, params).context["page"]]

    assert names({"level": level2.pk}) == ["甲"]
    assert names({"field": "养老服务"}) == ["乙"]
    assert names({"issuer": "centre"}) == ["乙"]
    assert names({"issuer": school.pk}) == ["甲"]
    assert names({}) == ["甲", "乙"]


def test_the_list_is_paginated_by_20(client):
    for _ in range(25):
        UnitStandardFactory(approved=True)
    response = client.get(reverse("achievements:standard_list"))
    assert len(response.context["page"]) == 20
    second = client.get(reverse("achievements:standard_list"), {"page": 2})
    assert len(second.context["page"]) == 5


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_an_unapproved_standard_has_no_public_page(client, people, status):
    standard = UnitStandardFactory(status=status)
    assert (
        client.get(reverse("achievements:standard_detail", args=[standard.pk])).status_code == 404
    )
    client.force_login(people["centre_admin"])
    assert (
        client.get(reverse("achievements:standard_detail", args=[standard.pk])).status_code == 404
    )


def test_a_retired_standard_is_shown_as_retired(client):
    standard = UnitStandardFactory(status="retired")
    english(client)
    page = client.get(reverse("achievements:standard_detail", args=[standard.pk])).content.decode()
    assert "has been retired" in page


def test_the_detail_page_escapes_what_it_shows(client):
    standard = UnitStandardFactory(
        approved=True, outcomes="<script>alert(1)</script>\n第二行", credit_value=Decimal("2.50")
    )
    page = client.get(reverse("achievements:standard_detail", args=[standard.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>第二行" in page
    assert "<script>alert" not in page and "2.50" in page


@pytest.mark.parametrize(
    "name",
    [
        "achievements:standard_guide",
        "achievements:level_list",
        "achievements:category_list",
        "achievements:standard_list",
    ],
)
def test_the_public_pages_keep_a_constant_number_of_queries(
    client, django_assert_max_num_queries, name
):
    for _ in range(3):
        UnitStandardFactory(approved=True)
    with django_assert_max_num_queries(6):
        client.get(reverse(name))
    for _ in range(30):
        UnitStandardFactory(approved=True, issuing_institution=InstitutionFactory())
    with django_assert_max_num_queries(6):
        client.get(reverse(name), {"page": 2} if name == "achievements:standard_list" else {})


def test_the_detail_pages_keep_a_constant_number_of_queries(client, django_assert_max_num_queries):
    standard = UnitStandardFactory(approved=True)
    with django_assert_max_num_queries(2):
        client.get(reverse("achievements:standard_detail", args=[standard.pk]))
    with django_assert_max_num_queries(4):
        client.get(reverse("achievements:level_detail", args=[standard.level_id]))


def test_the_pages_work_on_a_phone(client):
    """The layout is the site's mobile-first one; tables scroll inside a labelled region."""
    UnitStandardFactory(approved=True)
    page = client.get(reverse("achievements:standard_list")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert (
        'class="table-wrap" role="region" tabindex="0" aria-labelledby="standards-caption"' in page
    )
    assert "style=" not in page
