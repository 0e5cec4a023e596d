"""A refused page answers 403, writes an audit event, and shows what is allowed."""

import pytest
from django.urls import reverse

from creditbank.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["learner", "system_admin", "security_admin", "centre_admin"])
def test_only_the_audit_administrator_reads_the_audit_log(client, people, role):
    client.force_login(people[role])
    response = client.get(reverse("accounts:audit_log"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    event = AuditEvent.objects.get(action="access.refused")
    assert (event.actor_id, event.object_id) == (people[role].pk, "/audit/")


def test_the_audit_administrator_reads_and_filters_the_log(client, people):
    client.force_login(people["audit_admin"])
    response = client.get(reverse("accounts:audit_log"), {"action": "auth.login"})
    assert response.status_code == 200
    page = response.context["page"]
    assert {e.action for e in page} == {"auth.login"}


def test_the_audit_log_pages_in_a_constant_number_of_queries(
    client, people, django_assert_max_num_queries
):
    from creditbank.audit import audit_record

    for i in range(60):
        audit_record(actor=people["learner"], action=f"test.{i}", target=people["learner"])
    client.force_login(people["audit_admin"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:audit_log"))
    assert len(response.context["page"]) == 50


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("learner", "/desk/", "/audit/"),
        ("audit_admin", "/audit/", "/admin/"),
        ("system_admin", "/admin/", "/audit/"),
    ],
)
def test_the_navigation_shows_what_the_roles_allow(client, people, role, visible, hidden):
    client.force_login(people[role])
    nav = client.get("/").content.decode().split('<nav aria-label="主导航">')[1].split("</nav>")[0]
    assert f'href="{visible}"' in nav
    assert f'href="{hidden}"' not in nav
