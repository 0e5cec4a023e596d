"""What changed from the previous version of a rule, in words."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from conversion.diff import version_changes
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    certificate_source,
    published_rule_version,
    rule_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def first():
    programme = ProgrammeFactory()
    course = CourseFactory(
        institution=programme.institution,
        programmes=[programme],
        code="C001",
        name="计算机应用基础",
    )
    certificate = CertificateFactory(name="全国计算机等级考试二级")
    return published_rule_version(
        programme=programme,
        targets=[(course, Decimal("4"))],
        source=certificate_source(certificate),
        valid_from=datetime.date(2026, 9, 1),
    )


def second(first, **overrides):
    values = {
        "rule": first.rule,
        "version": 2,
        "previous_version": first,
        "programme": first.programme,
        "targets": [(t.course, t.credits) for t in first.targets.all()],
        "source": first.source,
        "valid_from": first.valid_from,
    }
    values.update(overrides)
    return rule_version(**values)


def texts(previous, version):
    return [change["text"] for change in version_changes(previous, version)]


def test_a_first_version_has_no_changes(first):
    assert version_changes(None, first) == []


def test_an_unchanged_copy_has_no_changes(first):
    assert version_changes(first, second(first)) == []


def test_validity_and_notes_changes_are_named(first):
    version = second(first, valid_from=datetime.date(2027, 9, 1), notes_zh="新说明")
    assert texts(first, version) == [
        "有效期：2026-09-01 至 长期有效 → 2027-09-01 至 长期有效",
        "说明已修改。",
    ]
    assert version_changes(first, version)[0]["previous_version"] == 1


def test_targets_added_removed_and_changed(first):
    course = first.targets.get().course
    extra = CourseFactory(
        institution=course.institution, programmes=[first.programme], code="E01", name="大学英语"
    )
    version = second(first, targets=[(course, Decimal("2")), (extra, None)])
    assert texts(first, version) == [
        "目标课程 C001 计算机应用基础：4.00学分 → 2.00学分",
        "新增目标课程：E01 大学英语，免考/免修",
    ]
    assert texts(version, first)[-1] == "删除目标课程：E01 大学英语"


def test_requirements_added_and_removed_by_their_sentences(first):
    other = CertificateFactory(name="大学英语四级")
    version = second(first, source=certificate_source(other))
    assert texts(first, version) == [
        "新增要求：持有证书：大学英语四级",
        "删除要求：持有证书：全国计算机等级考试二级",
    ]


def test_a_changed_combination_alone_is_named(first):
    source = {"type": "any", "items": first.source["items"]}
    assert texts(first, second(first, source=source)) == ["要求的组合方式已修改。"]


def test_a_changed_programme_is_named(first):
    programme = ProgrammeFactory(institution=first.rule.institution, name="软件技术")
    course = CourseFactory(institution=programme.institution, programmes=[programme])
    version = second(first, programme=programme, targets=[(course, Decimal("1"))])
    assert texts(first, version)[0].startswith("目标专业：")
