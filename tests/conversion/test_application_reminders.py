"""The daily reminder (``conversion.tasks.conversion_reminders``): the target institution's
reviewers hear of every accepted or taken application due within three working days or overdue,
once a day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notice
from conversion.models import ConversionApplication
from conversion.services.applications import conversion_reminders_send
from conversion.tasks import conversion_reminders
from creditbank.models import AuditEvent
from creditbank.workdays import add_working_days
from tests.conversion.application_world import ApplicationWorld


@pytest.fixture
def world(people):
    return ApplicationWorld(people)


def due_in(application, days: int):
    today = timezone.localdate()
    due = add_working_days(today, days) if days >= 0 else today + timedelta(days=days)
    ConversionApplication.objects.filter(pk=application.pk).update(due_on=due)


def reminders_of(user) -> int:
    return Notice.objects.filter(user=user, title__contains="ZS-").count()


def test_reviewers_are_reminded_of_applications_due_soon_or_overdue(world):
    soon = world.application("accepted")
    overdue = world.application("with_institution")
    later = world.application("accepted")
    decided = world.application("approved")
    due_in(soon, 3)
    due_in(overdue, -2)
    due_in(later, 4)
    due_in(decided, -2)
    assert conversion_reminders_send() == 2
    for reviewer in (world.reviewer, world.reviewer_2):
        titles = set(
            Notice.objects.filter(user=reviewer, title__contains="ZS-").values_list(
                "title", flat=True
            )
        )
        assert any(soon.number in t for t in titles)
        assert any(overdue.number in t for t in titles)
        assert not any(later.number in t or decided.number in t for t in titles)
    events = AuditEvent.objects.filter(action="conversion_application.remind")
    assert {e.object_id for e in events} == {str(soon.pk), str(overdue.pk)}
    assert ConversionApplication.objects.get(pk=soon.pk).last_reminded_on == timezone.localdate()
    assert not Notice.objects.filter(user=world.learner, title__contains="decision due").exists()


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_again(world):
    application = world.application("accepted")
    due_in(application, -1)
    assert conversion_reminders() == 1
    sent = reminders_of(world.reviewer)
    assert conversion_reminders() == 0
    assert reminders_of(world.reviewer) == sent
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert conversion_reminders_send(today=tomorrow) == 1
    assert reminders_of(world.reviewer) == sent + 1


def test_an_overdue_appeal_is_reminded_too(world):
    appealed = world.application("appealed")
    assert appealed.due_on is not None
    due_in(appealed, -1)
    assert conversion_reminders_send() == 1
    assert AuditEvent.objects.filter(
        action="conversion_application.remind", object_id=str(appealed.pk)
    ).exists()
