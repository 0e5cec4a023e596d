"""Drafting conversion rules: rule_create, rule_version_update and rule_new_version."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import Institution, InstitutionStaff
from conversion.models import ConversionRule, RuleAtom, RuleTarget, RuleVersion
from conversion.services.rules import rule_create, rule_new_version, rule_version_update
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    certificate_source,
    publish_directly,
)

pytestmark = pytest.mark.django_db

Status = RuleVersion.Status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(people):
    institution = InstitutionStaff.objects.get(user=people["institution_clerk"]).institution
    programme = ProgrammeFactory(institution=institution)
    course = CourseFactory(institution=institution, programmes=[programme], credits=Decimal("4"))
    other_course = CourseFactory(institution=institution, programmes=[programme], code="ENG1")
    certificate = CertificateFactory(name="全国计算机等级考试二级")
    return {
        "institution": institution,
        "programme": programme,
        "course": course,
        "other_course": other_course,
        "certificate": certificate,
        "clerk": people["institution_clerk"],
    }


def args(world, **overrides):
    values = {
        "acting_user": world["clerk"],
        "institution": world["institution"],
        "title": "  计算机等级考试二级转换  ",
        "programme": world["programme"],
        "source": certificate_source(world["certificate"]),
        "targets": [(world["course"], Decimal("4")), (world["other_course"], None)],
        "valid_from": datetime.date(2026, 9, 1),
        "valid_until": datetime.date(2027, 8, 31),
        "notes_zh": "适用于2026级。",
        "notes_en": "",
    }
    values.update(overrides)
    return values


def counts():
    return (
        ConversionRule.objects.count(),
        RuleVersion.objects.count(),
        RuleTarget.objects.count(),
        RuleAtom.objects.count(),
        AuditEvent.objects.filter(action__startswith="conversion_rule.").count(),
    )


def test_a_clerk_drafts_a_rule_with_a_generated_number(world):
    version = rule_create(**args(world))
    year = datetime.date.today().year
    assert version.rule.number == f"ZH-{year}-0001"
    assert version.rule.title == "计算机等级考试二级转换"
    assert (version.version, version.status) == (1, Status.DRAFT)
    assert list(version.authors.all()) == [world["clerk"]]
    targets = {t.course_id: (t.outcome, t.credits) for t in version.targets.all()}
    assert targets == {
        world["course"].pk: ("credits", Decimal("4.00")),
        world["other_course"].pk: ("exemption", None),
    }
    assert [(a.path, a.certificate_id) for a in version.atoms.all()] == [
        ("0", world["certificate"].pk)
    ]
    event = AuditEvent.objects.get(action="conversion_rule.create")
    assert event.summary["after"]["number"] == version.rule.number
    assert event.summary["after"]["requirements"] == 1
    second = rule_create(**args(world))
    assert second.rule.number == f"ZH-{year}-0002"


@pytest.mark.parametrize(
    "role", ["institution_reviewer", "centre_admin", "expert", "learner", "outsider"]
)
def test_only_writers_of_the_institution_draft(world, people, role):
    before = counts()
    with pytest.raises(NotAllowed):
        rule_create(**args(world, acting_user=people[role]))
    assert counts() == before


def test_an_institution_that_is_not_approved_cannot_draft(world):
    Institution.objects.filter(pk=world["institution"].pk).update(
        status=Institution.Status.SUSPENDED
    )
    with pytest.raises(NotAllowed):
        rule_create(**args(world))


def _refused(world, field, code, **overrides):
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        rule_create(**args(world, **overrides))
    assert (caught.value.field, caught.value.code) == (field, code)
    assert counts() == before
    return caught.value


def test_bad_input_is_refused_on_its_field_and_nothing_is_written(world):
    other = ProgrammeFactory()
    inactive = ProgrammeFactory(institution=world["institution"], is_active=False)
    _refused(world, "title", "required", title=" ")
    _refused(world, "programme", "programme", programme=other)
    _refused(world, "programme", "programme", programme=inactive)
    _refused(world, "targets", "targets_required", targets=[])
    _refused(
        world,
        "source-0",
        "empty_group",
        source={"type": "all", "items": [{"type": "any", "items": []}]},
    )
    _refused(world, "valid_until", "validity_order", valid_until=datetime.date(2026, 8, 1))
    _refused(world, "notes_zh", "max_length", notes_zh="字" * 2001)


def test_targets_are_checked_row_by_row(world):
    foreign = CourseFactory()
    not_in_programme = CourseFactory(institution=world["institution"])
    withdrawn = CourseFactory(
        institution=world["institution"], programmes=[world["programme"]], is_active=False
    )
    course = world["course"]
    _refused(world, "target-1", "target_course", targets=[(course, None), (foreign, None)])
    _refused(world, "target-0", "target_course", targets=[(not_in_programme, None)])
    _refused(world, "target-0", "target_inactive", targets=[(withdrawn, None)])
    _refused(world, "target-1", "target_duplicate", targets=[(course, None), (course, 2)])
    _refused(world, "target-0", "credit_value", targets=[(course, Decimal("0"))])
    _refused(world, "target-0", "credit_value", targets=[(course, Decimal("-1"))])
    error = _refused(
        world, "target-0", "target_credits_above_course", targets=[(course, Decimal("4.5"))]
    )
    assert course.code in error.message and "4.00" in error.message


def test_a_source_refusal_names_the_node(world):
    source = {
        "type": "all",
        "items": [
            {"type": "atom", "kind": "certificate", "certificate": world["certificate"].pk},
            {
                "type": "n_of",
                "n": 3,
                "items": [
                    {"type": "atom", "kind": "certificate", "certificate": world["certificate"].pk}
                ],
            },
        ],
    }
    error = _refused(world, "source-1", "n_too_large", source=source)
    assert error.message.startswith("Group 2")


# --- Updating a draft --------------------------------------------------------------------------


def test_a_draft_is_changed_with_targets_and_atoms_replaced(world, people):
    version = rule_create(**args(world))
    standard_source = {
        "type": "any",
        "items": [
            {"type": "atom", "kind": "certificate", "certificate": world["certificate"].pk},
            {"type": "atom", "kind": "category", "category": "online_course"},
        ],
    }
    updated = rule_version_update(
        **update_args(
            world,
            version,
            acting_user=people["institution_admin"],
            title="新标题",
            source=standard_source,
            targets=[(world["course"], Decimal("2"))],
        )
    )
    assert updated.pk == version.pk
    assert updated.rule.title == "新标题"
    assert [(t.course_id, t.credits) for t in updated.targets.all()] == [
        (world["course"].pk, Decimal("2.00"))
    ]
    assert [a.path for a in updated.atoms.all()] == ["0", "1"]
    assert set(updated.authors.all()) == {world["clerk"], people["institution_admin"]}
    event = AuditEvent.objects.get(action="conversion_rule.update")
    assert event.summary["before"]["title"] == "计算机等级考试二级转换"
    assert event.summary["after"]["title"] == "新标题"
    assert "targets" in event.summary["after"] and "source_groups" in event.summary["after"]
    assert "valid_from" not in event.summary["after"]


def update_args(world, version, **overrides):
    values = args(world, **overrides)
    values.pop("institution")
    return {**values, "version": version}


def test_a_bad_update_writes_nothing(world):
    version = rule_create(**args(world))
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        rule_version_update(**update_args(world, version, targets=[(world["course"], 9)]))
    assert caught.value.field == "target-0"
    assert counts() == before
    version.refresh_from_db()
    assert version.targets.count() == 2


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.IN_REVIEW, Status.RETIRED])
def test_versions_with_the_centre_or_retired_are_not_edited(world, status):
    version = rule_create(**args(world))
    RuleVersion.objects.filter(pk=version.pk).update(status=status)
    with pytest.raises(IllegalTransition):
        rule_version_update(**update_args(world, version))


def test_outsiders_and_reviewers_cannot_update(world, people):
    version = rule_create(**args(world))
    for role in ("institution_reviewer", "centre_admin", "expert"):
        with pytest.raises(NotAllowed):
            rule_version_update(**update_args(world, version, acting_user=people[role]))


def test_an_update_overlapping_a_later_published_version_is_refused(world):
    version = rule_create(**args(world))
    publish_directly(version)
    draft = rule_new_version(acting_user=world["clerk"], version=version)
    with pytest.raises(InvalidInput) as caught:
        rule_version_update(**update_args(world, draft, valid_from=datetime.date(2026, 9, 1)))
    assert (caught.value.field, caught.value.code) == ("valid_from", "validity_overlap")


# --- New versions ------------------------------------------------------------------------------


def test_a_new_version_of_a_published_one_is_a_draft_copy(world):
    version = publish_directly(rule_create(**args(world)))
    draft = rule_new_version(acting_user=world["clerk"], version=version)
    assert (draft.version, draft.status, draft.previous_version) == (2, Status.DRAFT, version)
    assert draft.source == version.source
    assert draft.valid_from > version.valid_from
    assert sorted((t.course_id, t.credits) for t in draft.targets.all()) == sorted(
        (t.course_id, t.credits) for t in version.targets.all()
    )
    assert draft.atoms.count() == 1
    event = AuditEvent.objects.get(action="conversion_rule.new_version")
    assert event.summary["before"] == {"from": version.pk, "version": 1}


def test_only_one_version_is_open_at_a_time(world):
    version = publish_directly(rule_create(**args(world)))
    rule_new_version(acting_user=world["clerk"], version=version)
    before = counts()
    with pytest.raises(IllegalTransition) as caught:
        rule_new_version(acting_user=world["clerk"], version=version)
    assert caught.value.code == "open_version_exists"
    assert counts() == before


@pytest.mark.parametrize("status", [Status.DRAFT, Status.APPROVED, Status.RETIRED])
def test_a_new_version_comes_only_from_a_published_one(world, status):
    version = rule_create(**args(world))
    RuleVersion.objects.filter(pk=version.pk).update(status=status)
    with pytest.raises(IllegalTransition):
        rule_new_version(acting_user=world["clerk"], version=version)


def test_outsiders_cannot_start_a_new_version(world, people):
    version = publish_directly(rule_create(**args(world)))
    for role in ("institution_reviewer", "centre_admin", "outsider"):
        with pytest.raises(NotAllowed):
            rule_new_version(acting_user=people[role], version=version)


def test_editing_a_published_version_makes_version_two(world):
    version = publish_directly(rule_create(**args(world)))
    changed = rule_version_update(
        **update_args(
            world,
            version,
            valid_from=datetime.date(2027, 9, 1),
            valid_until=None,
            targets=[(world["course"], Decimal("3"))],
        )
    )
    assert changed.pk != version.pk
    assert (changed.version, changed.status) == (2, Status.DRAFT)
    version.refresh_from_db()
    assert version.status == Status.PUBLISHED
    assert [t.credits for t in version.targets.all()].count(Decimal("4.00")) == 1
    assert [t.credits for t in changed.targets.all()] == [Decimal("3.00")]
    assert AuditEvent.objects.filter(action="conversion_rule.new_version").count() == 1


def test_a_refused_edit_of_a_published_version_leaves_no_new_version(world):
    version = publish_directly(rule_create(**args(world)))
    before = counts()
    with pytest.raises(InvalidInput):
        rule_version_update(**update_args(world, version, targets=[]))
    assert counts() == before
