"""Roles, and the three administrator powers that no one person may combine."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import InstitutionStaff, Role, RoleGrant
from accounts.roles import role_labels, roles_of
from accounts.services import role_grant, role_revoke
from branches.models import StaffAssignment
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionStaffFactory, RoleGrantFactory, UserFactory
from tests.branches.factories import StaffAssignmentFactory

pytestmark = pytest.mark.django_db

POWERS = [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]


@pytest.mark.parametrize("first", POWERS)
@pytest.mark.parametrize("second", POWERS)
def test_one_person_never_holds_two_administrator_powers(people, first, second):
    person = UserFactory()
    role_grant(acting_user=people["system_admin"], user=person, role=first)
    events_before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        role_grant(acting_user=people["system_admin"], user=person, role=second)
    assert refused.value.code == ("already_held" if first == second else "separation_of_powers")
    assert list(person.role_grants.values_list("role", flat=True)) == [first]
    assert AuditEvent.objects.count() == events_before


def test_the_database_backs_the_separation_of_powers():
    person = UserFactory()
    RoleGrant.objects.create(user=person, role=Role.SECURITY_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=person, role=Role.AUDIT_ADMIN)


def test_an_administrator_power_combines_with_a_centre_role(people):
    person = UserFactory()
    role_grant(acting_user=people["system_admin"], user=person, role=Role.AUDIT_ADMIN)
    role_grant(acting_user=people["system_admin"], user=person, role=Role.EXPERT)
    assert roles_of(UserFactory._meta.model.objects.get(pk=person.pk)) == {"audit_admin", "expert"}


def test_grant_and_revoke_are_audited(people):
    person = UserFactory()
    role_grant(acting_user=people["system_admin"], user=person, role=Role.EXPERT)
    role_revoke(acting_user=people["system_admin"], user=person, role=Role.EXPERT)
    actions = list(
        AuditEvent.objects.filter(object_id=str(person.pk)).values_list("action", "actor")
    )
    assert actions == [
        ("role.revoke", people["system_admin"].pk),
        ("role.grant", people["system_admin"].pk),
    ]


def test_a_second_grant_of_the_same_role_is_refused(people):
    person = UserFactory()
    role_grant(acting_user=people["system_admin"], user=person, role=Role.EXPERT)
    with pytest.raises(ServiceError) as refused:
        role_grant(acting_user=people["system_admin"], user=person, role=Role.EXPERT)
    assert refused.value.code == "already_held"
    assert person.role_grants.count() == 1


def test_every_fixture_person_has_exactly_their_role(people):
    for name, user in people.items():
        expected = {"learner"} if name == "outsider" else {name}
        assert roles_of(user) == expected, name
        assert role_labels(user)


def test_centre_institution_and_branch_roles_are_read_in_one_query(django_assert_num_queries):
    user = UserFactory()
    RoleGrantFactory(user=user, role=Role.EXPERT)
    InstitutionStaffFactory(user=user, role=InstitutionStaff.Role.REVIEWER)
    StaffAssignmentFactory(user=user, role=StaffAssignment.Role.MANAGER)
    # Read with what every page shows of the person (accounts.cache): the learning account
    # (staff may hold one too), the unread notices and the TOTP are one query each.
    with django_assert_num_queries(4):
        roles = roles_of(user)
    assert roles == {"expert", "institution_reviewer", "branch_manager"}
    with django_assert_num_queries(0):
        assert roles_of(user) is roles  # once per user object
    again = type(user).objects.get(pk=user.pk)  # the next request's user object
    with django_assert_num_queries(0):
        assert roles_of(again) == roles  # from the cache
