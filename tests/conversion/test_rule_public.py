"""A published (or retired) rule version's public page: what it converts from and into, its
validity and notes (Chinese, English when chosen), what changed from the previous version and
its other versions. A version not published is 404 for everyone, signed in or not."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conversion.models import RuleVersion
from tests.conftest import ALL_ROLES
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    certificate_source,
    publish_directly,
    published_rule_version,
    rule_version,
)
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db


def url(version):
    return reverse("conversion:rule_public", args=[version.pk])


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def versions():
    """Version 1 (published, ended early when version 2 took over) and version 2 (published),
    which changes the credits and adds a target."""
    programme = ProgrammeFactory(name="计算机应用技术")
    course = CourseFactory(
        institution=programme.institution, programmes=[programme], code="IT101", name="计算机基础"
    )
    certificate = CertificateFactory(name="全国计算机等级考试二级")
    first = published_rule_version(
        programme=programme,
        source=certificate_source(certificate),
        targets=[(course, Decimal("2"))],
        valid_from=days(-400),
        notes_zh="首个版本。",
    )
    RuleVersion.objects.filter(pk=first.pk).update(ends_on=days(-31))
    extra = CourseFactory(
        institution=programme.institution, programmes=[programme], code="IT102", name="办公软件"
    )
    second = rule_version(
        rule=first.rule,
        programme=programme,
        source=certificate_source(certificate),
        targets=[(course, Decimal("4")), (extra, None)],
        valid_from=days(-30),
        version=2,
        previous_version=first,
        notes_zh="学分由2调整为4。",
    )
    RuleVersion.objects.filter(pk=second.pk).update(notes_en="Credits raised from 2 to 4.")
    publish_directly(second)
    return first, second


def test_a_published_version_shows_source_targets_validity_notes_and_changes(client, versions):
    first, second = versions
    response = client.get(url(second))
    assert_chinese(response)
    html = response.content.decode()
    for text in (
        second.rule.number,
        second.rule.title,
        "计算机应用技术",
        "全国计算机等级考试二级",
        "IT101",
        "IT102",
        "4.00",
        "学分由2调整为4。",
        f"{days(-30):%Y-%m-%d}",
    ):
        assert text in html, text
    # What changed from version 1, and a link to it and to the courses.
    assert response.context["changes"]
    assert "办公软件" in " ".join(change["text"] for change in response.context["changes"])
    assert url(first) in html
    assert reverse("conversion:course_public", args=[second.targets.first().course_id]) in html


def test_the_notes_are_english_when_english_is_chosen(client, versions):
    client.cookies["creditbank_language"] = "en"
    html = client.get(url(versions[1])).content.decode()
    assert "Credits raised from 2 to 4." in html
    assert "学分由2调整为4。" not in html


def test_the_other_versions_of_the_rule_are_linked(client, versions):
    first, second = versions
    response = client.get(url(first))
    assert [v.pk for v in response.context["versions"]] == [second.pk, first.pk]
    html = response.content.decode()
    assert url(second) in html
    assert f"{days(-31):%Y-%m-%d}" in html  # version 1 ended early


def test_a_retired_version_is_shown_marked_retired(client, versions):
    first, _second = versions
    RuleVersion.objects.filter(pk=first.pk).update(status="retired")
    response = client.get(url(first))
    assert response.status_code == 200
    assert "此版本已停用" in response.content.decode()


def test_a_version_not_yet_in_force_is_marked(client):
    version = published_rule_version(valid_from=days(60))
    html = client.get(url(version)).content.decode()
    assert f"尚未生效：自 {days(60):%Y-%m-%d} 起适用" in html


@pytest.mark.parametrize("status", ["draft", "submitted", "in_review", "approved"])
def test_a_version_not_published_is_404_for_everyone(client, people, status):
    version = rule_version()
    if status != "draft":
        RuleVersion.objects.filter(pk=version.pk).update(status=status)
    assert client.get(url(version)).status_code == 404
    for role in ALL_ROLES:
        signed_in = Client()
        signed_in.force_login(people[role])
        assert signed_in.get(url(version)).status_code == 404, role
    # Even the rule's own author.
    author = Client()
    author.force_login(version.created_by)
    assert author.get(url(version)).status_code == 404


def test_an_unknown_version_is_404(client):
    assert client.get(reverse("conversion:rule_public", args=[99999999])).status_code == 404


def test_the_rule_page_reads_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    items = [
        {"type": "atom", "kind": "certificate", "certificate": CertificateFactory().pk}
        for _ in range(10)
    ]
    version = published_rule_version(source={"type": "any", "items": items})
    with django_assert_max_num_queries(12):
        assert client.get(url(version)).status_code == 200
