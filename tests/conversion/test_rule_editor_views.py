"""The rule pages: the list, the no-script editor (new rule and editing a version), one
version's page and starting a new version."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import InstitutionStaff
from conversion.models import ConversionRule, RuleVersion
from creditbank.models import AuditEvent
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    certificate_source,
    publish_directly,
    rule_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people):
    institution = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    programme = ProgrammeFactory(institution=institution, name="计算机应用技术")
    course = CourseFactory(
        institution=institution, programmes=[programme], code="C101", name="计算机应用基础"
    )
    certificate = CertificateFactory(name="全国计算机等级考试二级")
    other_course = CourseFactory(code="X900", name="程序设计")
    return {
        "institution": institution,
        "programme": programme,
        "course": course,
        "certificate": certificate,
        "other_course": other_course,
    }


def state_of(response) -> dict:
    """The tree the editor carries in its hidden field."""
    html = response.content.decode()
    start = html.index('name="state" value="') + len('name="state" value="')
    value = html[start : html.index('"', start)]
    import html as html_lib

    return json.loads(html_lib.unescape(value))["tree"]


def base_post(world, tree, **extra):
    data = {
        "title": "等级考试转换",
        "programme": world["programme"].pk,
        "valid_from": "2026-09-01",
        "valid_until": "",
        "notes_zh": "",
        "notes_en": "",
        "state": json.dumps({"tree": tree}),
        "target_count": "1",
        "target-0-course": world["course"].pk,
        "target-0-outcome": "credits",
        "target-0-credits": "4",
    }
    data.update(extra)
    return data


def test_the_editor_round_trip_builds_a_tree_and_saves_it(client_for, world):
    client = client_for("institution_clerk")
    url = reverse("conversion:rule_create")
    page = client.get(url)
    assert page.status_code == 200
    tree = state_of(page)
    assert tree == {"type": "all", "items": [{"type": "atom", "kind": "certificate"}]}

    # Pick the certificate and add a group: nothing is saved yet.
    data = base_post(
        world, tree, op="add_group:", **{"node-0-certificate": world["certificate"].pk}
    )
    page = client.post(url, data)
    assert page.status_code == 200
    tree = state_of(page)
    assert tree["items"][1] == {"type": "all", "items": []}
    assert tree["items"][0]["certificate"] == str(world["certificate"].pk)
    assert not ConversionRule.objects.exists()

    # Make the group "any" and add a course of another institution to it.
    data = base_post(
        world, tree, op="add_atom:1", **{"node-1-type": "any", "node-1-add_kind": "course"}
    )
    tree = state_of(client.post(url, data))
    assert tree["items"][1]["type"] == "any"
    assert tree["items"][1]["items"] == [{"type": "atom", "kind": "course"}]

    # Add a unit-standard requirement, then remove it again.
    data = base_post(world, tree, op="add_atom:1", **{"node-1-add_kind": "standard"})
    tree = state_of(client.post(url, data))
    assert [i["kind"] for i in tree["items"][1]["items"]] == ["course", "standard"]
    tree = state_of(client.post(url, base_post(world, tree, op="remove:1.1")))
    assert [i["kind"] for i in tree["items"][1]["items"]] == ["course"]

    # Save, naming the course by institution and code, with a minimum grade.
    other = world["other_course"]
    data = base_post(
        world,
        tree,
        op="save",
        **{
            "node-1.0-course_institution": other.institution_id,
            "node-1.0-course_code": "x900",
            "node-1.0-result_kind": "grade",
            "node-1.0-result_grade": "良好",
            "node-0-within_years": "5",
        },
    )
    response = client.post(url, data)
    version = RuleVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("conversion:rule_manage_detail", args=[version.pk])
    assert version.source == {
        "type": "all",
        "items": [
            {
                "type": "atom",
                "kind": "certificate",
                "certificate": world["certificate"].pk,
                "min_result": None,
                "within_years": 5,
            },
            {
                "type": "any",
                "items": [
                    {
                        "type": "atom",
                        "kind": "course",
                        "course": other.pk,
                        "min_result": {"kind": "grade", "value": "良好"},
                        "within_years": None,
                    }
                ],
            },
        ],
    }
    assert [(t.course_id, t.credits) for t in version.targets.all()] == [
        (world["course"].pk, Decimal("4.00"))
    ]
    page = client.get(response["Location"])
    assert "Holds the certificate: 全国计算机等级考试二级" in page.content.decode()


def test_an_error_shows_beside_its_node_and_nothing_is_saved(client_for, world):
    client = client_for("institution_clerk")
    tree = {
        "type": "all",
        "items": [
            {"type": "atom", "kind": "certificate", "certificate": world["certificate"].pk},
            {"type": "all", "items": []},
        ],
    }
    response = client.post(reverse("conversion:rule_create"), base_post(world, tree, op="save"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="node-1-error"' in html
    assert "Group 2: the group is empty" in html
    assert not ConversionRule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="conversion_rule").exists()


def test_an_unknown_course_code_is_named_beside_the_atom(client_for, world):
    client = client_for("institution_clerk")
    tree = {"type": "all", "items": [{"type": "atom", "kind": "course"}]}
    data = base_post(
        world,
        tree,
        op="save",
        **{
            "node-0-course_institution": world["other_course"].institution_id,
            "node-0-course_code": "NOPE",
        },
    )
    response = client.post(reverse("conversion:rule_create"), data)
    assert response.status_code == 400
    assert "No course of that institution has the code NOPE" in response.content.decode()
    assert not ConversionRule.objects.exists()


def test_target_errors_show_beside_the_row(client_for, world):
    client = client_for("institution_clerk")
    tree = certificate_source(world["certificate"])
    data = base_post(world, tree, op="save", **{"target-0-credits": "9"})
    response = client.post(reverse("conversion:rule_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="target-0-error"' in html and "carries 4.00 credits" in html


def test_field_errors_show_beside_the_field(client_for, world):
    client = client_for("institution_clerk")
    tree = certificate_source(world["certificate"])
    data = base_post(world, tree, op="save", valid_until="2026-01-01")
    response = client.post(reverse("conversion:rule_create"), data)
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not ConversionRule.objects.exists()


def test_target_rows_are_added_and_removed_without_saving(client_for, world):
    client = client_for("institution_clerk")
    tree = certificate_source(world["certificate"])
    response = client.post(
        reverse("conversion:rule_create"), base_post(world, tree, op="add_target")
    )
    assert 'name="target-1-course"' in response.content.decode()
    data = base_post(world, tree, op="remove_target:0", target_count="2")
    response = client.post(reverse("conversion:rule_create"), data)
    html = response.content.decode()
    assert 'name="target-0-course"' in html and 'name="target-1-course"' not in html
    assert not ConversionRule.objects.exists()


def test_editing_a_draft_saves_it(client_for, world, people):
    version = rule_version(programme=world["programme"], author=people["institution_clerk"])
    client = client_for("institution_clerk")
    url = reverse("conversion:rule_edit", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    tree = state_of(page)
    data = base_post(world, tree, op="save", title="改过的标题", **{"target-0-credits": "2"})
    response = client.post(url, data)
    assert response.status_code == 302
    version.refresh_from_db()
    version.rule.refresh_from_db()
    assert version.rule.title == "改过的标题"
    assert [t.credits for t in version.targets.all()] == [Decimal("2.00")]


def test_a_version_in_review_is_not_edited(client_for, world):
    version = rule_version(programme=world["programme"])
    RuleVersion.objects.filter(pk=version.pk).update(status="in_review")
    response = client_for("institution_clerk").get(
        reverse("conversion:rule_edit", args=[version.pk])
    )
    assert response.status_code == 302


def test_the_list_shows_the_latest_version_of_each_rule_filtered_by_status(client_for, world):
    first = publish_directly(
        rule_version(programme=world["programme"], valid_from=datetime.date(2026, 1, 1))
    )
    rule_version(rule=first.rule, version=2, previous_version=first, programme=world["programme"])
    rule_version()  # another institution's
    client = client_for("institution_reviewer")
    html = client.get(reverse("conversion:rule_manage")).content.decode()
    assert first.rule.number in html and html.count("conversion/manage/rules/") >= 1
    assert "1 rule" in html
    html = client.get(reverse("conversion:rule_manage"), {"status": "published"}).content.decode()
    assert "0 rules" in html


def test_the_version_page_shows_content_changes_and_what_publishing_ends(client_for, world):
    first = publish_directly(
        rule_version(programme=world["programme"], valid_from=datetime.date(2026, 1, 1))
    )
    second = rule_version(
        rule=first.rule,
        version=2,
        previous_version=first,
        programme=world["programme"],
        valid_from=datetime.date(2027, 1, 1),
    )
    html = (
        client_for("institution_clerk")
        .get(reverse("conversion:rule_manage_detail", args=[second.pk]))
        .content.decode()
    )
    assert "Compared with version 1" in html
    assert "Once this version is published, version 1 ends on 2026-12-31." in html
    assert "Holds the certificate" in html


def test_starting_a_new_version_redirects_to_its_editor(client_for, world):
    published = publish_directly(rule_version(programme=world["programme"]))
    response = client_for("institution_clerk").post(
        reverse("conversion:rule_new_version", args=[published.pk])
    )
    draft = RuleVersion.objects.get(version=2)
    assert response["Location"] == reverse("conversion:rule_edit", args=[draft.pk])
    response = client_for("institution_clerk").post(
        reverse("conversion:rule_new_version", args=[published.pk])
    )
    assert response.status_code == 409
    assert RuleVersion.objects.count() == 2


def test_the_version_page_reads_in_chinese_without_english(client, people, world):
    version = rule_version(programme=world["programme"])
    client.force_login(people["institution_clerk"])
    html = client.get(reverse("conversion:rule_manage_detail", args=[version.pk])).content.decode()
    assert "持有证书" in html and "Holds the certificate" not in html
    html = client.get(reverse("conversion:rule_edit", args=[version.pk])).content.decode()
    assert "添加一项要求" in html


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _second_version(world, targets, source=None):
    first = publish_directly(
        rule_version(programme=world["programme"], targets=targets[:1], source=source)
    )
    return rule_version(
        rule=first.rule,
        version=2,
        previous_version=first,
        programme=world["programme"],
        targets=targets,
        source=first.source,
        valid_from=datetime.date(2027, 1, 1),
    )


def test_the_list_and_a_version_page_cost_the_same_queries_with_more_rules(client_for, world):
    client = client_for("institution_clerk")
    course = world["course"]
    small = _second_version(world, [(course, 2)])
    list_url = reverse("conversion:rule_manage")
    client.get(list_url)  # the session and the person's caches
    few = (
        _queries(client, list_url),
        _queries(client, reverse("conversion:rule_manage_detail", args=[small.pk])),
    )
    more_courses = [
        CourseFactory(institution=world["institution"], programmes=[world["programme"]])
        for _ in range(3)
    ]
    big = _second_version(
        world,
        [(course, 1), *((c, None) for c in more_courses)],
        source={
            "type": "any",
            "items": [
                {"type": "atom", "kind": "certificate", "certificate": world["certificate"].pk},
                {"type": "atom", "kind": "course", "course": world["other_course"].pk},
                {"type": "atom", "kind": "category", "category": "online_course"},
                {"type": "atom", "kind": "certificate", "certificate": CertificateFactory().pk},
            ],
        },
    )
    for _ in range(4):
        rule_version(programme=world["programme"], targets=[(course, 2)])
    many = (
        _queries(client, list_url),
        _queries(client, reverse("conversion:rule_manage_detail", args=[big.pk])),
    )
    assert many == few


def test_saving_a_published_version_in_the_editor_makes_version_two(client_for, world, people):
    published = publish_directly(
        rule_version(
            programme=world["programme"],
            targets=[(world["course"], Decimal("4"))],
            valid_from=datetime.date(2026, 1, 1),
        )
    )
    client = client_for("institution_clerk")
    url = reverse("conversion:rule_edit", args=[published.pk])
    page = client.get(url)
    assert "Saving makes version 2 as a draft" in page.content.decode()
    data = base_post(world, state_of(page), op="save", valid_from="2027-01-01")
    response = client.post(url, data)
    draft = RuleVersion.objects.get(version=2)
    assert response["Location"] == reverse("conversion:rule_manage_detail", args=[draft.pk])
    assert (draft.status, draft.previous_version_id) == ("draft", published.pk)
    published.refresh_from_db()
    assert published.status == "published"
    page = client.get(response["Location"]).content.decode()
    assert "Once this version is published, version 1 ends on 2026-12-31." in page
