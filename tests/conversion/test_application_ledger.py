"""``conversion_problems`` (run by ``check_ledger``): clean data built by the services gives
none; each forged violation is named."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from conversion.models import (
    ApplicationLine,
    ConversionEntry,
    ConversionPolicy,
    LineHolding,
    Programme,
)
from conversion.services.conversion_ledger import conversion_problems
from tests.conversion.application_world import ApplicationWorld


@pytest.fixture
def world(people):
    return ApplicationWorld(people)


def problems() -> list[str]:
    return list(conversion_problems())


def test_the_services_leave_a_clean_ledger(world):
    world.application("approved")
    world.application("partly_approved")
    world.application("rejected")
    world.application("appealed")
    confirming = world.application("confirming")
    from conversion.services import applications as services

    services.line_confirm(acting_user=world.centre, line=world.line(confirming))
    assert ConversionEntry.objects.count() == 3
    assert problems() == []
    call_command("check_ledger")


def test_an_entry_whose_line_is_not_approved(world):
    line = world.line(world.application("approved"))
    ApplicationLine.objects.filter(pk=line.pk).update(status="refused", reason="伪造")
    found = problems()
    assert any(f"line #{line.pk} is refused, not approved" in p for p in found), found


@pytest.mark.parametrize(
    ("field", "value", "name"),
    [("credits", Decimal("3.00"), "credits"), ("outcome", "exemption", "kind")],
)
def test_an_entry_that_differs_from_its_line(world, field, value, name):
    line = world.line(world.application("approved"))
    changes = {field: value}
    if field == "outcome":
        changes["credits"] = None
    ApplicationLine.objects.filter(pk=line.pk).update(**changes)
    found = problems()
    assert any(f"its {name} (" in p and f"line #{line.pk}'s" in p for p in found), found


def test_an_entry_on_another_account_than_its_application(world):
    from tests.achievements.factories import active_account

    application = world.application("approved")
    other = active_account(branch=world.branch)
    type(application).objects.filter(pk=application.pk).update(account=other)
    found = problems()
    assert any("its account (" in p for p in found), found


def test_an_approved_line_without_its_entry(world):
    line = world.line(world.application("with_institution"))
    ApplicationLine.objects.filter(pk=line.pk).update(status="approved", decided_by=world.reviewer)
    found = problems()
    assert any(f"application line #{line.pk} " in p and "has no entry" in p for p in found), found


def test_an_achievement_converted_twice_at_an_institution(world):
    first_course, second_course = world.course(), world.course()
    world.application("approved", courses=[first_course])
    second = world.application("approved", courses=[second_course])
    LineHolding.objects.create(
        line=world.line(second),
        achievement=first_course.achievement,
        institution=world.institution,
        active=False,
    )
    found = problems()
    assert any(
        f"achievement #{first_course.achievement.pk} was converted more than once at institution"
        in p
        for p in found
    ), found


def test_the_share_of_graduation_credits_exceeded(world):
    world.application("approved")
    Programme.objects.filter(pk=world.programme.pk).update(graduation_credits=Decimal("4.00"))
    found = problems()
    assert any("above its share limit of 2.00" in p for p in found), found


def test_the_yearly_cap_exceeded(world):
    world.application("approved")
    world.application("approved")
    ConversionPolicy.objects.create(institution=world.institution, per_year_credits=Decimal("5"))
    found = problems()
    assert any("above the yearly cap of 5" in p for p in found), found


def test_credits_from_one_source_exceeded(world):
    world.application("approved")
    world.application("approved")
    ConversionPolicy.objects.create(institution=world.institution, per_source_credits=Decimal("6"))
    found = problems()
    assert any("from source n" in p and "above the cap of 6" in p for p in found), found


def test_an_approval_above_the_threshold_without_a_confirmation(world):
    from conversion.services import applications as services

    line = world.line(world.application("confirming"))
    services.line_confirm(acting_user=world.centre, line=line)
    ApplicationLine.objects.filter(pk=line.pk).update(confirmed_by=None)
    found = problems()
    assert any(
        f"application line #{line.pk} of" in p and "not confirmed by someone other" in p
        for p in found
    ), found


def test_an_entry_without_its_audit_event(world):
    line = world.line(world.application("with_institution"))
    ApplicationLine.objects.filter(pk=line.pk).update(status="approved", decided_by=world.reviewer)
    line.refresh_from_db()
    entry = ConversionEntry.objects.create(
        account=world.account,
        institution=world.institution,
        programme=world.programme,
        course=line.course,
        line=line,
        rule_version=line.rule_version,
        kind="credits",
        credits=line.credits,
    )
    found = problems()
    assert any(f"conversion entry #{entry.pk}" in p and "no audit event" in p for p in found)
    with pytest.raises(CommandError):
        call_command("check_ledger")


def test_the_certificates_counted_exceeded(world):
    from achievements.models import AchievementCategory

    category = AchievementCategory.objects.get(code="vocational_skill_certificate")
    for _n in range(2):
        course = world.course(holder=False)
        course.achievement = world.achievement(course.standard, category=category)
        world.application("approved", courses=[course])
    assert problems() == []
    ConversionPolicy.objects.create(institution=world.institution, certificates_max=1)
    found = problems()
    assert any("2 certificates counted" in p and "above the cap of 1" in p for p in found), found
