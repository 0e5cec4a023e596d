"""The course catalogue (课程超市), a course's page and a programme's page: public courses only,
searched and filtered by URL, paginated, htmx partial; each course or programme shows what
converts into it (the reverse lookup) in a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Institution
from conversion.models import Course, EducationLevel, RuleVersion
from tests.accounts.factories import InstitutionFactory
from tests.achievements.factories import UnitStandardFactory
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    certificate_source,
    published_rule_version,
    rule_version,
)
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

URL = reverse("conversion:course_catalogue")


def catalogue(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def names(response) -> list[str]:
    return [course.name for course in response.context["page"].object_list]


@pytest.fixture
def world():
    cqou = InstitutionFactory(name="重庆开放大学")
    cqvc = InstitutionFactory(name="重庆职业学院")
    CourseFactory(
        institution=cqou,
        code="IT101",
        name="计算机应用基础",
        field="信息技术",
        level=EducationLevel.JUNIOR_COLLEGE,
        mode=Course.Mode.ONLINE,
    )
    CourseFactory(
        institution=cqou,
        code="EN101",
        name="大学英语",
        field="外语",
        level=EducationLevel.BACHELOR,
        mode=Course.Mode.FACE_TO_FACE,
    )
    CourseFactory(
        institution=cqvc,
        code="AC201",
        name="基础会计",
        field="财经",
        level=EducationLevel.JUNIOR_COLLEGE,
        mode=Course.Mode.BLENDED,
    )
    CourseFactory(institution=cqvc, name="内部培训课", is_public=False)
    CourseFactory(institution=cqvc, name="停开的课程", is_active=False)
    suspended = InstitutionFactory(name="暂停机构", status=Institution.Status.SUSPENDED)
    CourseFactory(institution=suspended, name="暂停机构的课程")
    return {"cqou": cqou, "cqvc": cqvc}


def test_the_catalogue_lists_public_courses_only(client, world):
    assert sorted(names(catalogue(client))) == sorted(["计算机应用基础", "大学英语", "基础会计"])


def test_the_catalogue_is_chinese(client, world):
    assert_chinese(client.get(URL))


def test_courses_are_searched_by_name_or_code(client, world):
    assert names(catalogue(client, q="英语")) == ["大学英语"]
    assert names(catalogue(client, q="ac2")) == ["基础会计"]
    assert names(catalogue(client, q="内部")) == []


def test_courses_are_filtered_by_institution_field_level_and_mode(client, world):
    assert sorted(names(catalogue(client, institution=world["cqou"].pk))) == [
        "大学英语",
        "计算机应用基础",
    ]
    assert names(catalogue(client, field="财经")) == ["基础会计"]
    assert sorted(names(catalogue(client, level="junior_college"))) == [
        "基础会计",
        "计算机应用基础",
    ]
    assert names(catalogue(client, mode="online")) == ["计算机应用基础"]
    assert names(catalogue(client, institution=world["cqou"].pk, level="bachelor")) == ["大学英语"]


def test_the_filters_offer_only_what_public_courses_use(client, world):
    form = catalogue(client).context["form"]
    assert [label for _value, label in form.fields["field"].choices][1:] == [
        "信息技术",
        "外语",
        "财经",
    ]
    institutions = [str(i) for i in form.fields["institution"].queryset]
    assert "暂停机构" not in institutions and "重庆开放大学" in institutions


@pytest.mark.parametrize(
    "params",
    [
        {"institution": "abc"},
        {"institution": "99999999"},
        {"field": "没有的领域"},
        {"level": "phd"},
        {"mode": "<script>"},
        {"q": "江" * 61},
    ],
)
def test_garbage_filters_get_a_message_and_a_200(client, world, params):
    response = catalogue(client, **params)
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "<script>" not in html.split("<main")[1]
    # The other, valid filters still apply; the invalid one is left out.
    assert len(names(response)) == 3


def test_garbage_filter_beside_a_valid_one_keeps_the_valid_one(client, world):
    assert names(catalogue(client, mode="nonsense", field="外语")) == ["大学英语"]


def test_the_catalogue_is_paginated_20_a_page_with_the_filters_in_the_links(client):
    institution = InstitutionFactory()
    for n in range(25):
        CourseFactory(institution=institution, code=f"K{n:03d}", field="信息技术")
    first = catalogue(client, field="信息技术")
    assert len(names(first)) == 20
    assert "field=%E4%BF%A1%E6%81%AF%E6%8A%80%E6%9C%AF&amp;page=2" in first.content.decode()
    second = catalogue(client, field="信息技术", page=2)
    assert [c.code for c in second.context["page"].object_list] == [
        f"K{n:03d}" for n in range(20, 25)
    ]


def test_an_htmx_request_gets_the_results_partial(client, world):
    response = client.get(
        URL, {"q": "英语"}, headers={"HX-Request": "true", "HX-Target": "course-results"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "大学英语" in html and "基础会计" not in html
    # The same URL without htmx is the whole page with the same results (a link to share).
    full = catalogue(client, q="英语")
    assert "<html" in full.content.decode() and names(full) == ["大学英语"]


def test_the_catalogue_counts_the_rules_converting_into_each_course(client):
    institution = InstitutionFactory()
    programme = ProgrammeFactory(institution=institution)
    course = CourseFactory(institution=institution, programmes=[programme], name="有规则的课程")
    published_rule_version(programme=programme, targets=[(course, 2)])
    published_rule_version(programme=programme, targets=[(course, None)])
    rule_version(programme=programme, targets=[(course, 2)])  # a draft does not count
    (row,) = catalogue(client, q="有规则的课程").context["page"].object_list
    assert row.rule_count == 2


def test_the_catalogues_query_count_does_not_grow_with_the_courses(client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            catalogue(client, field="信息技术")
        return len(queries)

    institution = InstitutionFactory()
    for _ in range(3):
        CourseFactory(institution=institution)
    few = count()
    for _ in range(30):
        programme = ProgrammeFactory(institution=InstitutionFactory())
        course = CourseFactory(institution=programme.institution, programmes=[programme])
        published_rule_version(programme=programme, targets=[(course, 1)])
    assert count() == few


# --- A course's page and a programme's page --------------------------------------------------


def today():
    return timezone.localdate()


@pytest.fixture
def course_world():
    institution = InstitutionFactory(name="重庆开放大学")
    programme = ProgrammeFactory(institution=institution, name="计算机应用技术")
    course = CourseFactory(
        institution=institution,
        programmes=[programme],
        code="IT101",
        name="计算机应用基础",
        hours=48,
    )
    ncre = CertificateFactory(name="全国计算机等级考试二级")
    published = published_rule_version(
        programme=programme,
        source=certificate_source(ncre),
        targets=[(course, Decimal("4"))],
        valid_from=today() - datetime.timedelta(days=10),
    )
    coming = published_rule_version(
        programme=programme,
        source={
            "type": "all",
            "items": [
                {
                    "type": "atom",
                    "kind": "standard",
                    "code": UnitStandardFactory(
                        approved=True, code="CQOU-IT-0009", name="办公软件高级应用"
                    ).code,
                },
                {"type": "atom", "kind": "certificate", "certificate": ncre.pk},
            ],
        },
        targets=[(course, None)],
        valid_from=today() + datetime.timedelta(days=100),
    )
    draft = rule_version(programme=programme, targets=[(course, 1)])
    expired = published_rule_version(
        programme=programme,
        targets=[(course, 1)],
        valid_from=today() - datetime.timedelta(days=400),
        valid_until=today() - datetime.timedelta(days=1),
    )
    return {
        "programme": programme,
        "course": course,
        "published": published,
        "coming": coming,
        "draft": draft,
        "expired": expired,
    }


def shown_versions(response) -> set[int]:
    return {version.pk for version in response.context["page"].object_list}


def test_a_course_page_shows_the_course_and_what_converts_into_it(client, course_world):
    course = course_world["course"]
    response = client.get(reverse("conversion:course_public", args=[course.pk]))
    assert_chinese(response)
    assert shown_versions(response) == {course_world["published"].pk, course_world["coming"].pk}
    html = response.content.decode()
    for text in ("IT101", "计算机应用基础", "重庆开放大学", "48", "计算机应用技术"):
        assert text in html
    assert "全国计算机等级考试二级" in html  # the source in words
    assert "办公软件高级应用" in html
    assert "尚未生效" in html  # the coming version is marked
    assert reverse("conversion:rule_public", args=[course_world["published"].pk]) in html


def test_a_programme_page_shows_its_courses_and_what_converts_into_them(client, course_world):
    programme = course_world["programme"]
    response = client.get(reverse("conversion:programme_public", args=[programme.pk]))
    assert_chinese(response)
    assert shown_versions(response) == {course_world["published"].pk, course_world["coming"].pk}
    html = response.content.decode()
    assert "计算机应用技术" in html and "计算机应用基础" in html and "50%" in html


def test_what_the_public_may_not_see_is_404(client, course_world):
    hidden = CourseFactory(is_public=False)
    closed = ProgrammeFactory(is_active=False)
    suspended = InstitutionFactory(status=Institution.Status.SUSPENDED)
    for url in (
        reverse("conversion:course_public", args=[hidden.pk]),
        reverse("conversion:course_public", args=[CourseFactory(institution=suspended).pk]),
        reverse("conversion:programme_public", args=[closed.pk]),
        reverse("conversion:programme_public", args=[ProgrammeFactory(institution=suspended).pk]),
        reverse("conversion:course_public", args=[99999999]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_reverse_pages_query_count_does_not_grow_with_the_rules(client, course_world):
    course, programme = course_world["course"], course_world["programme"]
    urls = [
        reverse("conversion:course_public", args=[course.pk]),
        reverse("conversion:programme_public", args=[programme.pk]),
    ]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    few = counts()
    for n in range(30):
        other = CourseFactory(institution=programme.institution, programmes=[programme])
        source = {
            "type": "any",
            "items": [
                {"type": "atom", "kind": "certificate", "certificate": CertificateFactory().pk},
                {"type": "atom", "kind": "course", "course": CourseFactory().pk},
                {
                    "type": "atom",
                    "kind": "standard",
                    "code": UnitStandardFactory(approved=True, code=f"Q-{n:03d}").code,
                },
            ],
        }
        published_rule_version(
            programme=programme, source=source, targets=[(course, 1), (other, 1)]
        )
    assert counts() == few
    response = client.get(urls[0], {"page": 2})
    assert len(response.context["page"].object_list) == 12  # 32 versions, 20 a page


def test_a_retired_version_is_not_listed_as_converting(client, course_world):
    RuleVersion.objects.filter(pk=course_world["published"].pk).update(status="retired")
    response = client.get(reverse("conversion:course_public", args=[course_world["course"].pk]))
    assert shown_versions(response) == {course_world["coming"].pk}


# --- The site search -------------------------------------------------------------------------


def test_the_site_search_finds_public_courses_and_published_rules(client, world):
    from tests.conversion.factories import ConversionRuleFactory

    shown = published_rule_version(rule=ConversionRuleFactory(title="英语四级换学分"))
    rule_version(rule=ConversionRuleFactory(title="英语草稿规则"))
    CourseFactory(name="英语内部课", is_public=False)
    response = client.get(reverse("search"), {"q": "英语"})
    assert response.status_code == 200
    found = {
        group["kind"].key: [hit.title for hit in group["hits"]]
        for group in response.context["groups"]
    }
    assert found["courses"] == ["大学英语"]
    assert found["rules"] == ["英语四级换学分"]
    html = response.content.decode()
    assert reverse("conversion:rule_public", args=[shown.pk]) in html
    assert "英语内部课" not in html and "英语草稿规则" not in html


def test_the_public_pages_speak_english_when_english_is_chosen(client, course_world):
    client.cookies["creditbank_language"] = "en"
    course = course_world["course"]
    for url, text in (
        (URL, "Course catalogue"),
        (reverse("conversion:lookup"), "Conversion lookup"),
        (reverse("conversion:course_public", args=[course.pk]), "What converts into it"),
        (
            reverse("conversion:programme_public", args=[course_world["programme"].pk]),
            "Credits to graduate",
        ),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert text in response.content.decode(), url
