"""Who reads and who may act on a conversion application (conversion.access): the learner,
branch staff of its branch, the target institution's staff, centre administrators; 404 for
everyone else. The queues, and the steps open to each person."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import InstitutionStaff
from conversion.access import (
    application_actions,
    application_for,
    application_queue_for,
    application_queues_of,
    expected_decision_date,
    learner_applications,
    line_actions,
    line_for,
)
from tests.accounts.factories import InstitutionFactory, UserFactory
from tests.conversion.application_world import ApplicationWorld


@pytest.fixture
def world(people):
    return ApplicationWorld(people)


@pytest.mark.parametrize(
    "role",
    [
        "learner",
        "branch_staff",
        "branch_manager",
        "institution_clerk",
        "institution_reviewer",
        "centre_admin",
    ],
)
def test_readers_who_may_act_read_and_write(world, role):
    application = world.application("submitted")
    assert application_for(world[role], application.pk) == application
    assert application_for(world[role], application.pk, write=True) == application
    assert line_for(world[role], world.line(application).pk) == world.line(application)


def test_the_institutions_administrator_reads_only(world):
    application = world.application("submitted")
    assert application_for(world["institution_admin"], application.pk) == application
    with pytest.raises(PermissionDenied):
        application_for(world["institution_admin"], application.pk, write=True)


@pytest.mark.parametrize("role", ["outsider", "expert", "quality_auditor", "system_admin"])
def test_everyone_else_gets_404(world, role):
    application = world.application("submitted")
    with pytest.raises(Http404):
        application_for(world[role], application.pk)
    with pytest.raises(Http404):
        line_for(world[role], world.line(application).pk)


def test_staff_of_another_institution_get_404(world):
    application = world.application("submitted")
    stranger = UserFactory()
    InstitutionStaff.objects.create(
        institution=InstitutionFactory(), user=stranger, role=InstitutionStaff.Role.REVIEWER
    )
    with pytest.raises(Http404):
        application_for(stranger, application.pk)


def test_the_queues_hold_what_waits_for_each_person(world):
    submitted = world.application("submitted")
    accepted = world.application("accepted")
    confirming = world.application("confirming")
    assert application_queues_of(world.accepter) == ["accept"]
    assert application_queues_of(world.reviewer) == ["decide"]
    assert application_queues_of(world.centre) == ["confirm"]
    assert application_queues_of(world["outsider"]) == []
    assert list(application_queue_for(world.accepter, "accept")) == [submitted]
    assert list(application_queue_for(world.clerk, "accept")) == [submitted]
    assert set(application_queue_for(world.reviewer, "decide")) == {accepted, confirming}
    assert list(application_queue_for(world.centre, "confirm")) == [confirming]
    assert list(application_queue_for(world.accepter, "decide")) == []
    assert set(learner_applications(world.learner)) == {submitted, accepted, confirming}


def test_an_appeal_waits_only_for_reviewers_who_took_no_part(world):
    appealed = world.application("appealed")
    assert list(application_queue_for(world.reviewer, "decide")) == []
    assert list(application_queue_for(world.reviewer_2, "decide")) == [appealed]


def test_the_steps_open_to_each_person(world):
    submitted = world.application("submitted")
    assert application_actions(world.learner, submitted) == {"withdraw"}
    assert application_actions(world.accepter, submitted) == {"accept", "decline"}
    assert application_actions(world.reviewer, submitted) == set()
    accepted = world.application("accepted")
    assert application_actions(world.reviewer, accepted) == {"take"}
    assert line_actions(world.reviewer, world.line(accepted)) == {"decide"}
    assert line_actions(world.centre, world.line(accepted)) == set()
    rejected = world.application("rejected")
    assert application_actions(world.learner, rejected) == {"appeal"}


def test_the_expected_decision_date(world):
    submitted = world.application("submitted")
    accepted = world.application("accepted")
    assert expected_decision_date(submitted) is not None
    assert expected_decision_date(accepted) == accepted.due_on
    assert expected_decision_date(world.application("approved")) is None
