"""The network's access helpers, for every role: own branch, another branch, and outsiders."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from branches.access import (
    announcement_for,
    announcements_for,
    branch_for,
    branches_for,
    membership_for,
    memberships_for,
    service_point_for,
    service_points_for,
    staff_assignment_for,
    staff_assignments_for,
)
from tests.branches.factories import (
    AllianceMembershipFactory,
    AnnouncementFactory,
    StaffAssignmentFactory,
)
from tests.branches.network_helpers import OUTSIDE_ROLES, other_branch, own_branch, point_of
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

OK, FORBIDDEN, NOT_FOUND = "ok", 403, 404


def outcome(helper, user, pk, *, write):
    try:
        helper(user, pk, write=write)
    except PermissionDenied:
        return FORBIDDEN
    except Http404:
        return NOT_FOUND
    return OK


def expected(role, table):
    return table.get(role, (NOT_FOUND, NOT_FOUND))


@pytest.mark.parametrize("role", [*ALL_ROLES, "outsider"])
def test_branch_for(people, role):
    mine, theirs = own_branch(people), other_branch()
    user = people[role]
    table = {
        "centre_admin": (OK, OK),
        "branch_manager": (OK, FORBIDDEN),
        "branch_staff": (OK, FORBIDDEN),
    }
    assert (
        outcome(branch_for, user, mine.pk, write=False),
        outcome(branch_for, user, mine.pk, write=True),
    ) == expected(role, table)
    other = (NOT_FOUND, NOT_FOUND) if role != "centre_admin" else (OK, OK)
    assert (
        outcome(branch_for, user, theirs.pk, write=False),
        outcome(branch_for, user, theirs.pk, write=True),
    ) == other
    visible = set(branches_for(user))
    assert visible == (
        {mine, theirs}
        if role == "centre_admin"
        else {mine}
        if role.startswith("branch_")
        else set()
    )


@pytest.mark.parametrize("role", [*ALL_ROLES, "outsider"])
def test_service_point_for(people, role):
    mine, theirs = point_of(own_branch(people)), point_of(other_branch())
    user = people[role]
    table = {
        "centre_admin": (OK, OK),
        "branch_manager": (OK, OK),  # a manager edits the points of their own branch
        "branch_staff": (OK, FORBIDDEN),
    }
    assert (
        outcome(service_point_for, user, mine.pk, write=False),
        outcome(service_point_for, user, mine.pk, write=True),
    ) == expected(role, table)
    other = (OK, OK) if role == "centre_admin" else (NOT_FOUND, NOT_FOUND)
    assert (
        outcome(service_point_for, user, theirs.pk, write=False),
        outcome(service_point_for, user, theirs.pk, write=True),
    ) == other
    visible = set(service_points_for(user))
    if role == "centre_admin":
        assert visible == {mine, theirs}
    elif role.startswith("branch_"):
        assert visible == {mine}
    else:
        assert visible == set()


@pytest.mark.parametrize("role", [*ALL_ROLES, "outsider"])
def test_staff_assignment_for(people, role):
    mine = StaffAssignmentFactory(branch=own_branch(people))
    theirs = StaffAssignmentFactory(branch=other_branch())
    user = people[role]
    table = {"centre_admin": (OK, OK), "branch_manager": (OK, FORBIDDEN)}
    assert (
        outcome(staff_assignment_for, user, mine.pk, write=False),
        outcome(staff_assignment_for, user, mine.pk, write=True),
    ) == expected(role, table)
    other = (OK, OK) if role == "centre_admin" else (NOT_FOUND, NOT_FOUND)
    assert (
        outcome(staff_assignment_for, user, theirs.pk, write=False),
        outcome(staff_assignment_for, user, theirs.pk, write=True),
    ) == other
    visible = set(staff_assignments_for(user))
    if role == "centre_admin":
        assert {mine, theirs} <= visible
    elif role == "branch_manager":
        assert mine in visible and theirs not in visible
    else:
        assert visible == set()


@pytest.mark.parametrize("role", [*ALL_ROLES, "outsider"])
def test_membership_for(people, role):
    institution = people["institution_admin"].institution_roles.get().institution
    # The fixture's institution is a member under another branch; a second one under the
    # fixture's branch; a third under another branch, unrelated to anyone.
    own_institution = AllianceMembershipFactory(institution=institution, branch=other_branch())
    own_branch_member = AllianceMembershipFactory(branch=own_branch(people))
    unrelated = AllianceMembershipFactory(branch=own_institution.branch)
    user = people[role]

    def both(membership):
        return (
            outcome(membership_for, user, membership.pk, write=False),
            outcome(membership_for, user, membership.pk, write=True),
        )

    if role == "centre_admin":
        assert both(own_institution) == both(own_branch_member) == both(unrelated) == (OK, OK)
        assert set(memberships_for(user)) == {own_institution, own_branch_member, unrelated}
        return
    assert set(memberships_for(user)) == set()
    assert both(unrelated) == (NOT_FOUND, NOT_FOUND)
    reads_own_institution = role.startswith("institution_")
    reads_own_branch = role.startswith("branch_")
    assert both(own_institution) == (
        (OK, FORBIDDEN) if reads_own_institution else (NOT_FOUND, NOT_FOUND)
    )
    assert both(own_branch_member) == (
        (OK, FORBIDDEN) if reads_own_branch else (NOT_FOUND, NOT_FOUND)
    )


@pytest.mark.parametrize("role", [*ALL_ROLES, "outsider", "anonymous"])
def test_announcement_for(people, role):
    user = AnonymousUser() if role == "anonymous" else people[role]
    published = AnnouncementFactory(published=True)
    draft = AnnouncementFactory()
    unpublished = AnnouncementFactory(status="unpublished")
    if role == "centre_admin":
        for announcement in (published, draft, unpublished):
            assert outcome(announcement_for, user, announcement.pk, write=True) == OK
        assert set(announcements_for(user)) == {published, draft, unpublished}
        return
    assert outcome(announcement_for, user, published.pk, write=False) == OK
    assert outcome(announcement_for, user, published.pk, write=True) == FORBIDDEN
    for hidden in (draft, unpublished):
        assert outcome(announcement_for, user, hidden.pk, write=False) == NOT_FOUND
        assert outcome(announcement_for, user, hidden.pk, write=True) == NOT_FOUND
    assert list(announcements_for(user)) == [published]


def test_outside_roles_are_the_rest_of_the_fixture(people):
    assert set(OUTSIDE_ROLES) == set(people) - {"centre_admin", "branch_manager", "branch_staff"}
