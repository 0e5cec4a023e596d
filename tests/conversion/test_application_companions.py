"""A rule granting several courses on the same achievements: the engine puts the achievements
on the first course's line and marks the others ``granted_with`` it (an achievement is held once
per institution). An application asks for them together; a companion is approved only after
the line that holds the achievements; ``check_ledger`` proves it."""

import datetime
from decimal import Decimal

import pytest

from conversion.models import ApplicationLine, ConversionEntry, LineHolding
from conversion.services import applications as services
from conversion.services.conversion_ledger import conversion_problems
from creditbank.errors import IllegalTransition, InvalidInput
from tests.achievements.factories import UnitStandardFactory
from tests.conversion.application_world import ApplicationWorld, standard_source
from tests.conversion.factories import CourseFactory, published_rule_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people):
    return ApplicationWorld(people)


def two_course_rule(world):
    """Two courses (codes in order) granted by one rule on one unit standard the learner holds."""
    standard = UnitStandardFactory(approved=True, credit_value=Decimal("3.00"))
    first, second = (
        CourseFactory(
            institution=world.institution,
            programmes=[world.programme],
            created_by=world.clerk,
            code=code,
        )
        for code in ("PAIR-1", "PAIR-2")
    )
    published_rule_version(
        programme=world.programme,
        author=world.clerk,
        source=standard_source(standard.code),
        targets=[(first, Decimal("2.00")), (second, Decimal("3.00"))],
        valid_from=datetime.date(2020, 1, 1),
    )
    achievement = world.achievement(standard)
    return first, second, achievement


def test_asking_for_the_companion_alone_is_refused_and_nothing_is_written(world):
    first, second, _achievement = two_course_rule(world)
    with pytest.raises(InvalidInput) as refused:
        world.submit([second])
    assert refused.value.code == "companion_missing"
    assert not ApplicationLine.objects.exists()


def test_both_together_hold_the_achievement_once_and_convert_after_the_anchor(world):
    first, second, achievement = two_course_rule(world)
    application = world.submit([first, second])
    anchor = application.lines.get(course=first)
    companion = application.lines.get(course=second)
    assert list(LineHolding.objects.values_list("line_id", "achievement_id")) == [
        (anchor.pk, achievement.pk)
    ]
    assert companion.trace["granted_with"] == first.pk
    services.application_accept(acting_user=world.accepter, application=application)
    with pytest.raises(IllegalTransition) as refused:
        services.line_decide(acting_user=world.reviewer, line=companion, approve=True)
    assert refused.value.code == "companion_first"
    services.line_decide(acting_user=world.reviewer, line=anchor, approve=True)
    services.line_decide(acting_user=world.reviewer, line=companion, approve=True)
    assert sorted(ConversionEntry.objects.values_list("course__code", "credits")) == [
        ("PAIR-1", Decimal("2.00")),
        ("PAIR-2", Decimal("3.00")),
    ]
    application.refresh_from_db()
    assert application.status == "approved"
    assert list(conversion_problems()) == []


def test_a_companion_approved_without_its_anchor_is_found(world):
    first, second, _achievement = two_course_rule(world)
    application = world.submit([first, second])
    services.application_accept(acting_user=world.accepter, application=application)
    anchor = application.lines.get(course=first)
    services.line_decide(acting_user=world.reviewer, line=anchor, approve=True)
    companion = application.lines.get(course=second)
    services.line_decide(acting_user=world.reviewer, line=companion, approve=True)
    # Forged: the anchor refused after the fact.
    ApplicationLine.objects.filter(pk=anchor.pk).update(status="refused", reason="forged")
    found = list(conversion_problems())
    assert any(
        f"line #{companion.pk}) is granted together with course #{first.pk}" in p for p in found
    )
