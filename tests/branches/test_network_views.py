"""Management pages of the network through the test client, for each role."""

import pytest
from django.urls import reverse

from branches.models import BranchCentre, ServicePoint, StaffAssignment
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, UserFactory
from tests.branches.factories import StaffAssignmentFactory
from tests.branches.network_helpers import (
    OUTSIDE_ROLES,
    audit_count,
    other_branch,
    own_branch,
    point_of,
)

pytestmark = pytest.mark.django_db

NETWORK_PEOPLE = ["centre_admin", "branch_manager", "branch_staff"]


def point_data(point, **changes):
    data = {
        "branch": point.branch_id,
        "name": point.name,
        "host_institution": point.host_institution_id or "",
        "district": point.district_id,
        "address": point.address,
        "opening_hours": point.opening_hours,
        "phone": point.phone,
        "is_open": "on" if point.is_open else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- who reaches which list --------------------------------------------------------------------
# The status each role gets on these pages is pinned by tests/test_role_matrix.py.

LISTS = {
    "branches:network_index": set(NETWORK_PEOPLE),
    "branches:network_branch_list": set(NETWORK_PEOPLE),
    "branches:network_service_point_list": set(NETWORK_PEOPLE),
    "branches:network_staff_list": {"centre_admin", "branch_manager"},
    "branches:network_branch_create": {"centre_admin"},
    "branches:network_service_point_create": {"centre_admin"},
    "branches:network_staff_create": {"centre_admin"},
}


@pytest.mark.parametrize("name", list(LISTS))
def test_management_pages_send_the_anonymous_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_branch_people_see_their_own_branch_only(client, client_for, people):
    mine, theirs = own_branch(people), other_branch()
    point_of(mine, name="本分中心受理点")
    point_of(theirs, name="他分中心受理点")
    client_for("branch_staff")
    page = client.get(reverse("branches:network_branch_list")).content.decode()
    assert mine.name in page and theirs.name not in page
    page = client.get(reverse("branches:network_service_point_list")).content.decode()
    assert "本分中心受理点" in page and "他分中心受理点" not in page
    assert client.get(reverse("branches:network_branch_detail", args=[mine.pk])).status_code == 200
    assert (
        client.get(reverse("branches:network_branch_detail", args=[theirs.pk])).status_code == 404
    )


# --- branch centres ----------------------------------------------------------------------------


def test_the_centre_admin_opens_a_branch_centre(client, client_for, people):
    client_for("centre_admin")
    district = own_branch(people).district
    response = client.post(
        reverse("branches:network_branch_create"),
        {
            "name": "  渝北区\u3000分中心 ",
            "district": district.pk,
            "address": "",
            "phone": "023-67000000",
        },
    )
    branch = BranchCentre.objects.get(name="渝北区 分中心")
    assert response.status_code == 302
    assert response.url == reverse("branches:network_branch_detail", args=[branch.pk])
    page = client.get(response.url).content.decode()
    assert "渝北区 分中心" in page and "opened" in page


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "required"),
        ("   \u3000 ", "required"),
        ("<script>alert(1)</script>分中心", "< and >"),
        ("分" * 121, "at most 120"),
    ],
)
def test_a_bad_branch_name_is_refused_beside_the_field(client, client_for, people, name, problem):
    client_for("centre_admin")
    before = BranchCentre.objects.count()
    response = client.post(
        reverse("branches:network_branch_create"),
        {"name": name, "district": own_branch(people).district_id},
    )
    assert response.status_code == 200
    assert problem in " ".join(response.context["form"].errors["name"])
    assert BranchCentre.objects.count() == before
    assert audit_count("branch.") == 0


@pytest.mark.parametrize("name", ["买买提·艾力分中心", "𠮷野家社区分中心", "Ürümqi Road Branch"])
def test_names_in_any_script_are_kept_as_typed(client, client_for, people, name):
    client_for("centre_admin")
    response = client.post(
        reverse("branches:network_branch_create"),
        {"name": name, "district": own_branch(people).district_id},
    )
    assert response.status_code == 302
    assert BranchCentre.objects.filter(name=name).exists()


def test_a_duplicate_branch_name_is_a_message_beside_the_field(client, client_for, people):
    client_for("centre_admin")
    mine = own_branch(people)
    response = client.post(
        reverse("branches:network_branch_create"), {"name": mine.name, "district": mine.district_id}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "A branch centre with this name already exists."
    ]


@pytest.mark.parametrize("phone", ["phone", "023<63000001>", "1" * 21])
def test_a_bad_phone_number_is_refused(client, client_for, people, phone):
    client_for("centre_admin")
    response = client.post(
        reverse("branches:network_branch_create"),
        {"name": "新分中心", "district": own_branch(people).district_id, "phone": phone},
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not BranchCentre.objects.filter(name="新分中心").exists()


def test_full_width_digits_in_a_phone_number_are_normalised(client, client_for, people):
    client_for("centre_admin")
    client.post(
        reverse("branches:network_branch_create"),
        {
            "name": "新分中心",
            "district": own_branch(people).district_id,
            "phone": "０２３－６３０００００１",
        },
    )
    assert BranchCentre.objects.get(name="新分中心").phone == "023-63000001"


@pytest.mark.parametrize(
    ("role", "status"), [("branch_manager", 403), ("branch_staff", 403), ("learner", 404)]
)
def test_only_the_centre_edits_a_branch(client, client_for, people, role, status):
    mine = own_branch(people)
    client_for(role)
    url = reverse("branches:network_branch_edit", args=[mine.pk])
    response = client.post(url, {"name": "改名", "district": mine.district_id})
    assert response.status_code == status
    mine.refresh_from_db()
    assert mine.name != "改名"
    if status == 403:
        assert AuditEvent.objects.filter(action="access.refused").exists()


def test_the_centre_edits_a_branch(client, client_for, people):
    mine = own_branch(people)
    client_for("centre_admin")
    url = reverse("branches:network_branch_edit", args=[mine.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "改名分中心", "district": mine.district_id})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "改名分中心"


# --- service points ----------------------------------------------------------------------------


def test_the_centre_opens_a_service_point(client, client_for, people):
    mine = own_branch(people)
    host = InstitutionFactory()
    client_for("centre_admin")
    data = {
        "branch": mine.pk,
        "name": "社区学院受理点",
        "host_institution": host.pk,
        "district": mine.district_id,
        "address": "重庆市渝中区某路 8 号",
        "opening_hours": "周一至周五 9:00–17:00",
        "phone": "023-63000009",
        "is_open": "on",
    }
    response = client.post(reverse("branches:network_service_point_create"), data)
    assert response.status_code == 302
    point = ServicePoint.objects.get(name="社区学院受理点")
    assert point.host_institution == host and point.is_open


def test_an_unapproved_host_is_a_message_beside_the_field(client, client_for, people):
    mine = own_branch(people)
    applied = InstitutionFactory(status="applied")
    client_for("centre_admin")
    response = client.post(
        reverse("branches:network_service_point_create"),
        {
            "branch": mine.pk,
            "name": "受理点",
            "host_institution": applied.pk,
            "district": mine.district_id,
            "address": "地址",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["host_institution"]
    assert applied.name in errors[0] and "approved" in errors[0]
    assert not ServicePoint.objects.filter(name="受理点").exists()


def test_a_branch_manager_edits_a_point_of_their_branch_but_cannot_move_it(
    client, client_for, people
):
    mine, theirs = own_branch(people), other_branch()
    point = point_of(mine)
    client_for("branch_manager")
    url = reverse("branches:network_service_point_edit", args=[point.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "branch" not in response.context["form"].fields
    response = client.post(url, point_data(point, branch=theirs.pk, is_open="", phone="023-1234"))
    assert response.status_code == 302
    point.refresh_from_db()
    assert (point.branch, point.is_open, point.phone) == (mine, False, "023-1234")
    assert AuditEvent.objects.get(action="service_point.update").actor == people["branch_manager"]


@pytest.mark.parametrize(
    ("role", "own_status", "other_status"),
    [
        ("branch_manager", 302, 404),
        ("branch_staff", 403, 404),
        ("centre_admin", 302, 302),
        *[(role, 404, 404) for role in OUTSIDE_ROLES],
    ],
)
def test_who_edits_which_service_point(client, client_for, people, role, own_status, other_status):
    mine, theirs = point_of(own_branch(people)), point_of(other_branch())
    client_for(role)
    for point, status in ((mine, own_status), (theirs, other_status)):
        response = client.post(
            reverse("branches:network_service_point_edit", args=[point.pk]),
            point_data(point, opening_hours="全天"),
        )
        assert response.status_code == status
        point.refresh_from_db()
        assert (point.opening_hours == "全天") == (status == 302)


def test_the_point_list_links_edit_only_where_allowed(client, client_for, people):
    mine, theirs = point_of(own_branch(people)), point_of(other_branch())
    client_for("branch_manager")
    page = client.get(reverse("branches:network_service_point_list")).content.decode()
    assert reverse("branches:network_service_point_edit", args=[mine.pk]) in page
    assert reverse("branches:network_service_point_edit", args=[theirs.pk]) not in page
    client_for("branch_staff")
    page = client.get(reverse("branches:network_service_point_list")).content.decode()
    assert reverse("branches:network_service_point_edit", args=[mine.pk]) not in page


def test_the_point_list_is_paginated_and_keeps_its_filter(
    client, client_for, people, django_assert_max_num_queries
):
    mine = own_branch(people)
    for i in range(25):
        point_of(mine, name=f"受理点{i:02d}", host_institution=InstitutionFactory())
    client_for("centre_admin")
    client.get(reverse("branches:network_service_point_list"))  # warm the session and MFA checks
    with django_assert_max_num_queries(14):
        response = client.get(reverse("branches:network_service_point_list"), {"branch": mine.pk})
    assert len(response.context["page"]) == 20
    assert f"branch={mine.pk}&amp;page=2" in response.content.decode()


# --- staff postings ----------------------------------------------------------------------------


def test_the_centre_posts_and_removes_staff(client, client_for, people):
    mine = own_branch(people)
    point = point_of(mine)
    person = UserFactory(username="new_clerk")
    client_for("centre_admin")
    response = client.post(
        reverse("branches:network_staff_create"),
        {"user": " new_clerk ", "branch": mine.pk, "service_point": point.pk, "role": "staff"},
    )
    assert response.status_code == 302
    posting = StaffAssignment.objects.get(user=person)
    assert posting.service_point == point
    remove = reverse("branches:network_staff_remove", args=[posting.pk])
    assert "new_clerk" in client.get(remove).content.decode()
    response = client.post(remove)
    assert response.status_code == 302
    assert not StaffAssignment.objects.filter(user=person).exists()
    assert audit_count("staff_assignment.") == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"user": "nobody"}, "user"),
        ({"user": ""}, "user"),
        ({"user": "branch_staff", "role": "staff"}, "user"),  # already posted there
        ({"service_point": "other"}, "service_point"),
        ({"role": "boss"}, "role"),
    ],
)
def test_a_bad_posting_is_refused_beside_the_field(client, client_for, people, data, field):
    mine = own_branch(people)
    elsewhere = point_of(other_branch())
    UserFactory(username="candidate")
    form = {"user": "candidate", "branch": mine.pk, "role": "staff", **data}
    if form.get("service_point") == "other":
        form["service_point"] = elsewhere.pk
    client_for("centre_admin")
    before = StaffAssignment.objects.count()
    response = client.post(reverse("branches:network_staff_create"), form)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert StaffAssignment.objects.count() == before


@pytest.mark.parametrize(("role", "status"), [("branch_manager", 403), ("learner", 404)])
def test_only_the_centre_removes_a_posting(client, client_for, people, role, status):
    posting = StaffAssignmentFactory(branch=own_branch(people))
    client_for(role)
    assert (
        client.post(reverse("branches:network_staff_remove", args=[posting.pk])).status_code
        == status
    )
    assert StaffAssignment.objects.filter(pk=posting.pk).exists()


def test_a_branch_manager_sees_the_postings_of_their_branch(client, client_for, people):
    theirs = StaffAssignmentFactory(branch=other_branch(), user=UserFactory(username="far_away"))
    client_for("branch_manager")
    page = client.get(reverse("branches:network_staff_list")).content.decode()
    assert "branch_staff" in page and theirs.user.username not in page
    assert reverse("branches:network_staff_remove", args=[theirs.pk]) not in page
