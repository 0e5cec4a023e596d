"""A published rule version never changes, even by a direct UPDATE (migration
conversion/0002_rule_versions_frozen): its content columns, targets and atoms are refused to
the ORM and to raw SQL alike; only the lifecycle moves on (approved → published → retired, and a
published version's end brought forward once)."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from conversion.models import RuleAtom, RuleTarget, RuleVersion
from tests.conversion.factories import CertificateFactory, CourseFactory
from tests.conversion.review_world import ReviewWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(people):
    return ReviewWorld(people)


def refused(do) -> bool:
    """True if the database refuses ``do()`` (in a savepoint, so the test goes on)."""
    try:
        with transaction.atomic():
            do()
    except DatabaseError:
        return True
    return False


def sql(statement, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


CONTENT_CHANGES = {
    "source": {"source": {"type": "any", "items": []}},
    "valid_from": {"valid_from": datetime.date(2020, 1, 1)},
    "valid_until": {"valid_until": datetime.date(2030, 1, 1)},
    "notes_zh": {"notes_zh": "改过的说明"},
    "notes_en": {"notes_en": "changed"},
    "version": {"version": 9},
}


@pytest.mark.parametrize("status", ["approved", "published", "retired"])
@pytest.mark.parametrize("column", list(CONTENT_CHANGES))
def test_the_content_of_an_approved_published_or_retired_version_refuses_an_update(
    w, status, column
):
    version = w.version(status)
    rows = RuleVersion.objects.filter(pk=version.pk)
    assert refused(lambda: rows.update(**CONTENT_CHANGES[column]))
    # The same through raw SQL.
    assert refused(
        sql("UPDATE conversion_ruleversion SET notes_zh = %s WHERE id = %s", ["x", version.pk])
    )
    assert refused(
        sql(
            "UPDATE conversion_ruleversion SET source = '{}'::jsonb WHERE id = %s",
            [version.pk],
        )
    )
    after = RuleVersion.objects.get(pk=version.pk)
    assert (after.source, after.valid_from, after.notes_zh) == (
        version.source,
        version.valid_from,
        version.notes_zh,
    )


def test_a_draft_still_changes(w):
    version = w.draft()
    assert not refused(lambda: RuleVersion.objects.filter(pk=version.pk).update(notes_zh="改"))
    assert not refused(lambda: RuleTarget.objects.filter(version=version).update(credits=1))


@pytest.mark.parametrize("status", ["approved", "published", "retired"])
def test_the_targets_and_atoms_of_a_frozen_version_refuse_insert_update_and_delete(w, status):
    version = w.version(status)
    targets = RuleTarget.objects.filter(version=version)
    atoms = RuleAtom.objects.filter(version=version)
    course = CourseFactory(institution=w.institution)
    assert refused(lambda: targets.update(credits=Decimal("1.00")))
    assert refused(lambda: targets.delete())
    assert refused(
        lambda: RuleTarget.objects.create(
            version=version, course=course, outcome="credits", credits=Decimal("1")
        )
    )
    assert refused(lambda: atoms.update(path="9"))
    assert refused(lambda: atoms.delete())
    assert refused(
        lambda: RuleAtom.objects.create(
            version=version, path="0.9", kind="certificate", certificate=CertificateFactory()
        )
    )
    assert refused(
        sql("UPDATE conversion_ruletarget SET credits = 9 WHERE version_id = %s", [version.pk])
    )
    assert refused(sql("DELETE FROM conversion_ruleatom WHERE version_id = %s", [version.pk]))
    # Moving a target from a draft onto a frozen version is refused as well.
    draft_target = RuleTarget.objects.filter(version=w.draft()).first()
    assert refused(lambda: RuleTarget.objects.filter(pk=draft_target.pk).update(version=version))
    assert targets.count() == 1
    assert targets.get().credits == Decimal("4.00")


@pytest.mark.parametrize("status", ["approved", "published", "retired"])
def test_a_frozen_version_cannot_be_deleted(w, status):
    version = w.version(status)
    assert refused(sql("DELETE FROM conversion_ruleversion WHERE id = %s", [version.pk]))
    assert RuleVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.parametrize("to", ["draft", "submitted", "in_review", "approved"])
def test_a_published_version_never_goes_back(w, to):
    version = w.version("published")
    assert refused(lambda: RuleVersion.objects.filter(pk=version.pk).update(status=to))
    assert RuleVersion.objects.get(pk=version.pk).status == "published"


def test_a_retired_version_changes_nothing_at_all(w):
    version = w.version("retired")
    rows = RuleVersion.objects.filter(pk=version.pk)
    for change in (
        {"status": "published"},
        {"retired_reason": "另一个理由"},
        {"ends_on": datetime.date(2027, 1, 1)},
        {"review_round": 5},
    ):
        assert refused(lambda change=change: rows.update(**change)), change


def test_approved_moves_to_published_and_published_to_retired(w):
    version = w.version("approved")
    rows = RuleVersion.objects.filter(pk=version.pk)
    assert not refused(lambda: rows.update(status="published", published_at=timezone.now()))
    # Its publication facts are then fixed.
    assert refused(lambda: rows.update(published_at=timezone.now()))
    assert not refused(lambda: rows.update(status="retired", retired_reason="到期"))


def test_an_approved_version_does_not_skip_to_retired_or_back_to_draft(w):
    version = w.version("approved")
    rows = RuleVersion.objects.filter(pk=version.pk)
    assert refused(lambda: rows.update(status="retired"))
    assert refused(lambda: rows.update(status="draft"))
    assert refused(lambda: rows.update(approved_by=w.centre_2))


def test_a_published_versions_end_is_brought_forward_only_once(w):
    version = w.version("published", valid_from=datetime.date(2026, 9, 1))
    rows = RuleVersion.objects.filter(pk=version.pk)
    assert not refused(lambda: rows.update(ends_on=datetime.date(2027, 8, 31)))
    assert refused(lambda: rows.update(ends_on=datetime.date(2027, 12, 31)))
    assert refused(lambda: rows.update(ends_on=None))
    assert rows.get().ends_on == datetime.date(2027, 8, 31)


def test_two_published_versions_of_a_rule_never_overlap(w):
    first = w.version("published", valid_from=datetime.date(2026, 9, 1))
    second = w.draft(
        rule=first.rule,
        programme=first.programme,
        version=2,
        previous_version=first,
        valid_from=datetime.date(2027, 9, 1),
    )
    # Published behind the services' back, without ending the first: refused.
    assert refused(
        lambda: RuleVersion.objects.filter(pk=second.pk).update(
            status="published", published_at=timezone.now()
        )
    )
