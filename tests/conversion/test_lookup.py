"""The public lookup (/conversion/): what the visitor holds → every target that accepts it, and
the reverse lookup's choices. Without an account and without script; htmx gets the partial; the
URL is the result set; odd parameters get a message and a 200; the query count is pinned."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Institution
from conversion.models import RuleVersion
from tests.accounts.factories import InstitutionFactory
from tests.achievements.factories import UnitStandardFactory
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    SelfStudySubjectFactory,
    certificate_source,
    publish_directly,
    published_rule_version,
    rule_version,
)
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

URL = reverse("conversion:lookup")


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def lookup(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def found(response) -> list:
    page = response.context["page"]
    return [] if page is None else list(page.object_list)


def course_names(response) -> set[str]:
    return {target.course.name for target in found(response)}


@pytest.fixture
def certificate():
    return CertificateFactory(name="全国计算机等级考试二级")


def _target(name, institution=None, credits=Decimal("4.00")):
    institution = institution or InstitutionFactory()
    programme = ProgrammeFactory(institution=institution, name=f"{name}专业")
    course = CourseFactory(institution=institution, programmes=[programme], name=name)
    return programme, course


def test_a_certificate_finds_every_target_that_accepts_it_with_credits_or_exemption(
    client, certificate
):
    programme, course = _target("计算机应用基础")
    version = published_rule_version(
        programme=programme,
        source=certificate_source(certificate),
        targets=[(course, Decimal("4"))],
        valid_from=days(-30),
    )
    programme2, english = _target("大学英语")
    published_rule_version(
        programme=programme2,
        source=certificate_source(certificate),
        targets=[(english, None)],
        valid_from=days(-30),
    )
    response = lookup(client, kind="certificate", item=certificate.pk)
    assert_chinese(response)
    assert course_names(response) == {"计算机应用基础", "大学英语"}
    html = response.content.decode()
    assert version.rule.number in html
    assert reverse("conversion:rule_public", args=[version.pk]) in html
    assert reverse("conversion:course_public", args=[course.pk]) in html
    assert "4.00" in html
    assert "免考/免修" in html


def test_only_published_versions_valid_today_or_later_are_looked_up(client, certificate):
    source = certificate_source(certificate)
    for status in ("draft", "submitted", "in_review", "approved"):
        programme, course = _target(f"未发布{status}")
        version = rule_version(programme=programme, source=source, targets=[(course, 2)])
        RuleVersion.objects.filter(pk=version.pk).update(status=status)
    programme, course = _target("已停用课程")
    retired = published_rule_version(programme=programme, source=source, targets=[(course, 2)])
    RuleVersion.objects.filter(pk=retired.pk).update(status="retired")
    programme, course = _target("已过期课程")
    published_rule_version(
        programme=programme,
        source=source,
        targets=[(course, 2)],
        valid_from=days(-400),
        valid_until=days(-1),
    )
    programme, course = _target("提前结束课程")
    ended = published_rule_version(
        programme=programme, source=source, targets=[(course, 2)], valid_from=days(-400)
    )
    RuleVersion.objects.filter(pk=ended.pk).update(ends_on=days(-2))
    programme, course = _target("机构已暂停课程")
    published_rule_version(programme=programme, source=source, targets=[(course, 2)])
    Institution.objects.filter(pk=programme.institution_id).update(
        status=Institution.Status.SUSPENDED
    )
    programme, course = _target("今天有效课程")
    published_rule_version(
        programme=programme, source=source, targets=[(course, 2)], valid_until=today()
    )
    assert course_names(lookup(client, kind="certificate", item=certificate.pk)) == {"今天有效课程"}


def test_a_version_not_yet_in_force_is_listed_and_marked_with_its_start(client, certificate):
    programme, course = _target("下学期课程")
    start = days(200)
    published_rule_version(
        programme=programme,
        source=certificate_source(certificate),
        targets=[(course, 3)],
        valid_from=start,
    )
    response = lookup(client, kind="certificate", item=certificate.pk)
    (target,) = found(response)
    assert target.starts_on == start
    assert f"尚未生效：自 {start:%Y-%m-%d} 起" in response.content.decode()


def test_what_suffices_alone_is_told_apart_from_what_needs_other_requirements(client, certificate):
    other = CertificateFactory(name="英语四级")
    atom = {"type": "atom", "kind": "certificate", "certificate": certificate.pk}
    other_atom = {"type": "atom", "kind": "certificate", "certificate": other.pk}
    shapes = {
        "单独即可": {"type": "all", "items": [atom]},
        "任选其一": {"type": "any", "items": [atom, other_atom]},
        "两者都要": {"type": "all", "items": [atom, other_atom]},
        "二选二": {"type": "n_of", "n": 2, "items": [atom, other_atom]},
        "嵌套任选": {"type": "all", "items": [{"type": "any", "items": [other_atom, atom]}]},
    }
    for name, source in shapes.items():
        programme, course = _target(name)
        published_rule_version(programme=programme, source=source, targets=[(course, 2)])
    response = lookup(client, kind="certificate", item=certificate.pk)
    alone = {target.course.name: target.alone for target in found(response)}
    assert alone == {
        "单独即可": True,
        "任选其一": True,
        "两者都要": False,
        "二选二": False,
        "嵌套任选": True,
    }
    html = response.content.decode()
    assert "需与其他条件一起满足" in html and "可单独满足" in html


def test_a_unit_standard_a_course_and_a_self_study_subject_are_looked_up_too(client):
    standard = UnitStandardFactory(approved=True, code="CQOU-IT-0001", name="办公软件应用")
    source_course = CourseFactory(name="另一所学校的程序设计")
    subject = SelfStudySubjectFactory(code="00015", name="英语（二）")
    atoms = {
        "standard": {"type": "atom", "kind": "standard", "code": standard.code},
        "course": {"type": "atom", "kind": "course", "course": source_course.pk},
        "self_study": {"type": "atom", "kind": "self_study", "subject": subject.code},
    }
    for kind, atom in atoms.items():
        programme, course = _target(f"接受{kind}")
        published_rule_version(
            programme=programme, source={"type": "all", "items": [atom]}, targets=[(course, 2)]
        )
    assert course_names(lookup(client, kind="standard", item="CQOU-IT-0001")) == {"接受standard"}
    assert course_names(lookup(client, kind="course", item=source_course.pk)) == {"接受course"}
    assert course_names(lookup(client, kind="self_study", item="00015")) == {"接受self_study"}


def test_typed_text_lists_the_options_to_choose_from_without_script(client):
    first = CertificateFactory(name="全国计算机等级考试一级")
    second = CertificateFactory(name="全国计算机等级考试二级")
    CertificateFactory(name="已停用的计算机证书", is_active=False)
    response = lookup(client, kind="certificate", q="计算机")
    assert_chinese(response)
    assert [option.item for option in response.context["options"]] == [first, second]
    assert response.context["holding"] is None
    html = response.content.decode()
    assert f"item={first.pk}" in html and f"item={second.pk}" in html
    assert "已停用的计算机证书" not in html


def test_text_that_matches_one_option_shows_its_results_at_once(client, certificate):
    programme, course = _target("计算机应用基础")
    published_rule_version(
        programme=programme, source=certificate_source(certificate), targets=[(course, 4)]
    )
    response = lookup(client, kind="certificate", q="等级考试二")
    assert response.context["holding"].item == certificate
    assert course_names(response) == {"计算机应用基础"}


def test_an_htmx_request_gets_the_results_partial_with_the_same_results(client, certificate):
    programme, course = _target("计算机应用基础")
    published_rule_version(
        programme=programme, source=certificate_source(certificate), targets=[(course, 4)]
    )
    params = {"kind": "certificate", "item": certificate.pk}
    full = lookup(client, **params)
    partial = client.get(URL, params, headers={"HX-Request": "true", "HX-Target": "lookup-results"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "<html" in full.content.decode()
    assert course_names(partial) == course_names(full) == {"计算机应用基础"}
    assert [t.name for t in partial.templates][0] == "conversion/public/_lookup_results.html"


def test_the_page_works_for_a_signed_in_person_as_for_a_visitor(client_for, certificate):
    programme, course = _target("计算机应用基础")
    published_rule_version(
        programme=programme, source=certificate_source(certificate), targets=[(course, 4)]
    )
    response = client_for("learner").get(URL, {"kind": "certificate", "item": certificate.pk})
    assert response.status_code == 200
    assert course_names(response) == {"计算机应用基础"}


def test_results_are_paginated_20_a_page(client, certificate):
    institution = InstitutionFactory()
    programme = ProgrammeFactory(institution=institution)
    courses = [
        CourseFactory(institution=institution, programmes=[programme], code=f"K{n:03d}")
        for n in range(25)
    ]
    published_rule_version(
        programme=programme,
        source=certificate_source(certificate),
        targets=[(course, 1) for course in courses],
    )
    first = lookup(client, kind="certificate", item=certificate.pk)
    assert len(found(first)) == 20
    assert first.context["page"].paginator.count == 25
    html = first.content.decode()
    assert f"kind=certificate&amp;item={certificate.pk}&amp;page=2" in html
    second = lookup(client, kind="certificate", item=certificate.pk, page=2)
    assert [t.course.code for t in found(second)] == [f"K{n:03d}" for n in range(20, 25)]


def _rules(certificate, n):
    institution = InstitutionFactory()
    for _ in range(n):
        programme = ProgrammeFactory(institution=institution)
        course = CourseFactory(institution=institution, programmes=[programme])
        published_rule_version(
            programme=programme, source=certificate_source(certificate), targets=[(course, 2)]
        )


def test_the_number_of_queries_does_not_grow_with_the_number_of_rules(client, certificate):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = lookup(client, kind="certificate", item=certificate.pk)
        return len(queries), len(found(response))

    _rules(certificate, 3)
    few, shown = count()
    assert shown == 3
    _rules(certificate, 27)
    many, shown = count()
    assert shown == 20
    assert many == few


def test_the_query_count_is_pinned(client, certificate, django_assert_max_num_queries):
    _rules(certificate, 30)
    with django_assert_max_num_queries(6):
        lookup(client, kind="certificate", item=certificate.pk)


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "nonsense", "q": "x"},
        {"kind": "certificate", "item": "abc"},
        {"kind": "certificate", "item": "99999999"},
        {"kind": "certificate", "item": "1" * 40},
        {"kind": "standard", "item": "NO-SUCH-CODE"},
        {"kind": "certificate", "q": "江" * 61},
        {"kind": "certificate", "q": "没有这个证书"},
        {"kind": "certificate", "q": "%_\\'\"<script>"},
        {"page": "abc", "kind": "certificate", "item": "1"},
        {"to": "江" * 61},
    ],
)
def test_odd_parameters_get_a_message_and_a_200_never_a_500(client, params):
    response = lookup(client, **params)
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "<script>" not in html.split("<main")[1]


def test_garbage_page_numbers_show_the_first_or_last_page(client, certificate):
    _rules(certificate, 3)
    for page in ("abc", "-1", "999"):
        assert len(found(lookup(client, kind="certificate", item=certificate.pk, page=page))) == 3


def test_the_reverse_lookup_lists_matching_courses_and_programmes(client):
    institution = InstitutionFactory(name="重庆开放大学")
    programme = ProgrammeFactory(institution=institution, name="会计学")
    course = CourseFactory(institution=institution, programmes=[programme], name="基础会计")
    CourseFactory(institution=institution, name="不公开的会计课", is_public=False)
    ProgrammeFactory(institution=institution, name="停办的会计专业", is_active=False)
    response = lookup(client, to="会计")
    assert response.context["reverse_courses"] == [course]
    assert response.context["reverse_programmes"] == [programme]
    html = response.content.decode()
    assert reverse("conversion:course_public", args=[course.pk]) in html
    assert reverse("conversion:programme_public", args=[programme.pk]) in html
    partial = client.get(
        URL, {"to": "会计"}, headers={"HX-Request": "true", "HX-Target": "reverse-results"}
    )
    assert "<html" not in partial.content.decode()
    assert "基础会计" in partial.content.decode()


def test_an_empty_lookup_page_is_chinese_and_offers_both_directions(client):
    response = client.get(URL)
    assert_chinese(response)
    html = response.content.decode()
    assert 'hx-get="/conversion/"' in html
    assert 'name="kind"' in html and 'name="to"' in html


def test_a_published_version_that_no_longer_names_the_thing_is_not_found(client, certificate):
    other = CertificateFactory(name="另一个证书")
    programme, course = _target("只收另一个证书")
    publish_directly(
        rule_version(programme=programme, source=certificate_source(other), targets=[(course, 1)])
    )
    assert course_names(lookup(client, kind="certificate", item=certificate.pk)) == set()


def test_an_htmx_request_with_odd_text_gets_the_message_in_the_partial(client):
    response = client.get(
        URL,
        {"kind": "certificate", "q": "没有这个证书"},
        headers={"HX-Request": "true", "HX-Target": "lookup-results"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'class="form-errors"' in html and "没有符合的项目" in html


def test_what_the_rule_asks_of_the_thing_held_is_shown(client, certificate):
    atom = {
        "type": "atom",
        "kind": "certificate",
        "certificate": certificate.pk,
        "min_result": {"kind": "score", "value": 60},
        "within_years": 3,
    }
    programme, course = _target("有条件的课程")
    published_rule_version(
        programme=programme, source={"type": "all", "items": [atom]}, targets=[(course, 2)]
    )
    response = lookup(client, kind="certificate", item=certificate.pk)
    (target,) = found(response)
    assert target.alone is True
    assert "成绩不低于 60 分" in response.content.decode()
    assert "近 3 年内取得" in response.content.decode()


def test_a_closed_programme_is_not_looked_up_and_a_course_not_in_the_catalogue_is_not_linked(
    client, certificate
):
    programme, course = _target("停办专业的课程")
    published_rule_version(
        programme=programme, source=certificate_source(certificate), targets=[(course, 2)]
    )
    programme.is_active = False
    programme.save(update_fields=["is_active"])
    programme, internal = _target("内部课程")
    type(internal).objects.filter(pk=internal.pk).update(is_public=False)
    published_rule_version(
        programme=programme, source=certificate_source(certificate), targets=[(internal, 2)]
    )
    response = lookup(client, kind="certificate", item=certificate.pk)
    assert course_names(response) == {"内部课程"}
    html = response.content.decode()
    assert reverse("conversion:course_public", args=[internal.pk]) not in html
