"""The security administrator's roles page."""

import pytest
from django.urls import reverse

from accounts.models import RoleGrant
from accounts.services import role_grant
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_security_administrator_gives_and_takes_a_role(client, people):
    person = UserFactory(username="zhoujie")
    client.force_login(people["security_admin"])
    response = client.post(
        reverse("accounts:role_grants"), {"username": "ZhouJie", "role": "expert"}
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=person)
    assert grant.granted_by == people["security_admin"]
    client.post(reverse("accounts:role_grant_revoke", args=[grant.pk]))
    assert not RoleGrant.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(action="role.revoke", actor=people["security_admin"]).exists()


def test_a_second_power_is_refused_beside_the_field(client, people):
    client.force_login(people["security_admin"])
    response = client.post(
        reverse("accounts:role_grants"),
        {"username": people["audit_admin"].username, "role": "system_admin"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    assert 'id="id_role_error"' in response.content.decode()
    assert set(people["audit_admin"].role_grants.values_list("role", flat=True)) == {"audit_admin"}


def test_an_unknown_username_is_refused(client, people):
    client.force_login(people["security_admin"])
    response = client.post(
        reverse("accounts:role_grants"), {"username": "nobody", "role": "expert"}
    )
    assert response.context["form"].errors["username"]


def test_nobody_gives_roles_to_themselves(people):
    admin = people["security_admin"]
    with pytest.raises(ServiceError):
        role_grant(acting_user=admin, user=admin, role="expert")
    assert set(admin.role_grants.values_list("role", flat=True)) == {"security_admin"}


@pytest.mark.parametrize("role", ["system_admin", "audit_admin", "centre_admin", "learner"])
def test_other_roles_are_refused_and_nothing_changes(client, people, role):
    client.force_login(people[role])
    person = UserFactory()
    response = client.post(
        reverse("accounts:role_grants"), {"username": person.username, "role": "expert"}
    )
    assert response.status_code == 403
    assert not RoleGrant.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(action="access.refused", actor=people[role]).exists()
