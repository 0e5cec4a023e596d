"""Alliance membership pages through the test client."""

import pytest
from django.urls import reverse

from branches.models import AllianceMembership
from tests.accounts.factories import InstitutionFactory
from tests.branches.factories import AllianceMembershipFactory
from tests.branches.network_helpers import (
    audit_count,
    other_branch,
    own_branch,
)

pytestmark = pytest.mark.django_db

Status = AllianceMembership.Status


def test_the_centre_admin_records_a_member(client, client_for, people):
    institution = InstitutionFactory(name="重庆城市职业学院")
    client_for("centre_admin")
    response = client.post(
        reverse("branches:membership_create"),
        {
            "institution": institution.pk,
            "branch": own_branch(people).pk,
            "joined_on": "2019-03-01",
            "pilot_batch": " 第一批 \u3000试点单位 ",
        },
    )
    membership = AllianceMembership.objects.get(institution=institution)
    assert response.status_code == 302
    assert response.url == reverse("branches:membership_detail", args=[membership.pk])
    assert membership.pilot_batch == "第一批 试点单位"
    page = client.get(response.url).content.decode()
    assert "重庆城市职业学院 is now an alliance member." in page
    assert client.get(reverse("branches:membership_list")).status_code == 200


@pytest.mark.parametrize("status", ["applied", "rejected", "suspended"])
def test_an_unapproved_institution_is_refused_beside_the_field(client, client_for, people, status):
    institution = InstitutionFactory(status=status)
    client_for("centre_admin")
    response = client.post(
        reverse("branches:membership_create"),
        {"institution": institution.pk, "branch": own_branch(people).pk, "joined_on": "2020-01-01"},
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["institution"]
    assert institution.name in error and "approved" in error
    assert not AllianceMembership.objects.exists()
    assert audit_count("membership.") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pilot_batch", "<b>第一批</b>"),
        ("pilot_batch", "批" * 61),
        ("joined_on", "2019-02-30"),
        ("joined_on", ""),
        ("joined_on", "2999-01-01"),
        ("branch", ""),
    ],
)
def test_bad_membership_input_is_refused_beside_the_field(client, client_for, people, field, value):
    data = {
        "institution": InstitutionFactory().pk,
        "branch": own_branch(people).pk,
        "joined_on": "2019-03-01",
        "pilot_batch": "",
        field: value,
    }
    client_for("centre_admin")
    response = client.post(reverse("branches:membership_create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AllianceMembership.objects.exists()


def test_suspend_reinstate_and_end_through_the_page(client, client_for, people):
    membership = AllianceMembershipFactory()
    client_for("centre_admin")
    detail = reverse("branches:membership_detail", args=[membership.pk])
    page = client.get(detail).content.decode()
    assert reverse("branches:membership_suspend", args=[membership.pk]) in page
    assert reverse("branches:membership_reinstate", args=[membership.pk]) not in page
    for action, status in (("suspend", "suspended"), ("reinstate", "active"), ("end", "ended")):
        response = client.post(
            reverse(f"branches:membership_{action}", args=[membership.pk]),
            {f"{action}-reason": "年度评估"},
        )
        assert response.status_code == 302, action
        membership.refresh_from_db()
        assert membership.status == status
    assert audit_count("membership.") == 3


@pytest.mark.parametrize("reason", ["", "   ", "<script>x</script>", "因" * 301])
def test_a_bad_reason_is_refused_beside_the_field(client, client_for, people, reason):
    membership = AllianceMembershipFactory()
    client_for("centre_admin")
    response = client.post(
        reverse("branches:membership_suspend", args=[membership.pk]), {"suspend-reason": reason}
    )
    assert response.status_code == 200
    [(action, _label, form)] = [f for f in response.context["forms"] if f[0] == "suspend"]
    assert "reason" in form.errors
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert audit_count("membership.") == 0


def test_an_illegal_transition_through_the_page_is_refused(client, client_for, people):
    membership = AllianceMembershipFactory(status=Status.ENDED)
    client_for("centre_admin")
    response = client.post(
        reverse("branches:membership_reinstate", args=[membership.pk]), {"reinstate-reason": "再来"}
    )
    assert response.status_code == 200
    assert "cannot be changed this way" in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == Status.ENDED


def test_a_get_on_a_transition_is_not_allowed(client, client_for, people):
    membership = AllianceMembershipFactory()
    client_for("centre_admin")
    assert client.get(reverse("branches:membership_end", args=[membership.pk])).status_code == 405


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("institution_admin", 200, 403),
        ("institution_clerk", 200, 403),
        ("branch_manager", 404, 404),  # the membership is under another branch
        ("learner", 404, 404),
        ("outsider", 404, 404),
        ("expert", 404, 404),
    ],
)
def test_who_reads_and_writes_a_membership(client, client_for, people, role, read, write):
    institution = people["institution_admin"].institution_roles.get().institution
    membership = AllianceMembershipFactory(institution=institution, branch=other_branch())
    client_for(role)
    response = client.get(reverse("branches:membership_detail", args=[membership.pk]))
    assert response.status_code == read
    if read == 200:
        assert (
            reverse("branches:membership_suspend", args=[membership.pk])
            not in response.content.decode()
        )
    response = client.post(
        reverse("branches:membership_suspend", args=[membership.pk]), {"suspend-reason": "x"}
    )
    assert response.status_code == write
    assert (
        client.get(reverse("branches:membership_edit", args=[membership.pk])).status_code == write
    )
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_the_centre_corrects_a_membership(client, client_for, people):
    membership = AllianceMembershipFactory(branch=own_branch(people))
    client_for("centre_admin")
    url = reverse("branches:membership_edit", args=[membership.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"branch": membership.branch_id, "joined_on": "2019-04-01", "pilot_batch": "第二批"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (str(membership.joined_on), membership.pilot_batch) == ("2019-04-01", "第二批")
