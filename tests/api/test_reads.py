"""The read endpoints (scope read_rules): published conversion rules, courses and approved unit
standards, paginated, with a fixed number of queries; and the categories, for every token."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conversion.models import RuleVersion
from tests.accounts.factories import InstitutionFactory
from tests.achievements.factories import UnitStandardFactory
from tests.conversion.factories import CourseFactory, published_rule_version, rule_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(world, api_client):
    return api_client(world.token("read_rules"))


def test_published_rules_are_listed_with_their_targets_and_drafts_are_not(world, reader):
    published = published_rule_version()
    rule_version()  # a draft
    retired = published_rule_version()
    RuleVersion.objects.filter(pk=retired.pk).update(status="retired")
    response = reader.get("/api/v1/rules")
    assert response.status_code == 200
    page = response.json()
    assert (page["count"], page["page"], page["page_size"]) == (1, 1, 50)
    (item,) = page["items"]
    target = published.targets.get()
    assert item["id"] == published.pk
    assert item["number"] == published.rule.number and item["version"] == 1
    assert item["institution"]["credit_code"] == published.rule.institution.credit_code
    assert item["programme"]["code"] == published.programme.code
    assert item["valid_from"] == "2026-09-01" and item["valid_until"] is None
    assert item["source"] == published.source
    assert item["targets"] == [
        {
            "course_code": target.course.code,
            "course_name": target.course.name,
            "outcome": "credits",
            "credits": "4.00",
        }
    ]
    public_page = reverse("conversion:rule_public", args=[published.pk])
    assert item["url"] == f"http://testserver{public_page}"


def test_rules_are_filtered_by_institution(world, reader):
    mine = published_rule_version()
    published_rule_version()
    code = mine.rule.institution.credit_code
    page = reader.get("/api/v1/rules", {"institution": code}).json()
    assert [item["id"] for item in page["items"]] == [mine.pk]
    assert reader.get("/api/v1/rules", {"institution": "x"}).status_code == 422


def test_a_page_of_rules_costs_the_same_queries_for_one_rule_or_many(
    world, reader, django_assert_max_num_queries
):
    for _ in range(6):
        published_rule_version()
    reader.get("/api/v1/rules")  # the token's last use is written once a minute: not here
    with django_assert_max_num_queries(8):
        page = reader.get("/api/v1/rules", {"page_size": 5}).json()
    assert (page["count"], len(page["items"])) == (6, 5)
    assert len(reader.get("/api/v1/rules", {"page": 2, "page_size": 5}).json()["items"]) == 1
    assert reader.get("/api/v1/rules", {"page": 9999}).json()["items"] == []
    for bad in ({"page": 0}, {"page_size": 201}, {"page": "x"}, {"page": 10**30}):
        response = reader.get("/api/v1/rules", bad)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] in ("page", "page_size")


def test_public_courses_of_approved_institutions_are_listed(world, reader):
    course = CourseFactory(credits=Decimal("2.5"))
    CourseFactory(is_public=False)
    CourseFactory(institution=InstitutionFactory(status="suspended"))
    page = reader.get("/api/v1/courses").json()
    assert page["count"] == 1
    (item,) = page["items"]
    assert item == {
        "id": course.pk,
        "institution": {
            "name": course.institution.name,
            "credit_code": course.institution.credit_code,
        },
        "code": course.code,
        "name": course.name,
        "credits": "2.50",
        "hours": course.hours,
        "level": course.level,
        "field": course.field,
        "kind": course.kind,
        "mode": course.mode,
    }
    code = course.institution.credit_code
    assert reader.get("/api/v1/courses", {"institution": code}).json()["count"] == 1
    assert reader.get("/api/v1/courses", {"institution": "9" * 18}).json()["count"] == 0


def test_approved_unit_standards_are_listed(world, reader):
    approved = UnitStandardFactory(approved=True, credit_value=Decimal("3.00"))
    UnitStandardFactory()  # a draft
    page = reader.get("/api/v1/standards").json()
    codes = [item["code"] for item in page["items"]]
    assert approved.code in codes
    item = next(item for item in page["items"] if item["code"] == approved.code)
    assert item["credit_value"] == "3.00" and item["level"] == approved.level.number
    assert page["count"] == len(codes)


def test_categories_are_listed_for_any_token(world, api_client):
    client = api_client(world.token("push_results"))
    categories = client.get("/api/v1/categories").json()
    assert world.category.code in [c["code"] for c in categories]
    assert set(categories[0]) == {"code", "name_zh", "name_en", "validity_years"}
