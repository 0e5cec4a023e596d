"""Services of the network: branch centres, service points, staff postings."""

import pytest

from accounts.models import Institution
from accounts.roles import roles_of
from branches.models import BranchCentre, Centre, ServicePoint, StaffAssignment
from branches.services import (
    branch_create,
    branch_update,
    service_point_create,
    service_point_update,
    staff_assignment_create,
    staff_assignment_remove,
)
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, UserFactory
from tests.branches.factories import (
    BranchCentreFactory,
    CentreFactory,
    DistrictFactory,
    OtherDistrictFactory,
    ServicePointFactory,
    StaffAssignmentFactory,
)
from tests.branches.network_helpers import audit_count, point_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="admin")


def test_a_branch_centre_is_opened_and_audited(admin):
    CentreFactory()
    branch = branch_create(
        acting_user=admin,
        name="渝北区分中心",
        district=DistrictFactory(),
        address="重庆市渝北区",
        phone="023-67000000",
    )
    event = AuditEvent.objects.get(action="branch.create")
    assert event.actor == admin
    assert event.object_id == str(branch.pk)
    assert event.summary["after"]["name"] == "渝北区分中心"
    assert event.summary["after"]["district"] == "500103"


def test_a_taken_branch_name_is_refused_and_nothing_written(admin):
    existing = BranchCentreFactory(name="渝中区分中心")
    with pytest.raises(ServiceError) as refused:
        branch_create(acting_user=admin, name="渝中区分中心", district=existing.district)
    assert (refused.value.field, refused.value.code) == ("name", "duplicate")
    assert BranchCentre.objects.count() == 1
    assert audit_count("branch.") == 0


def test_without_a_centre_no_branch_can_be_opened(admin):
    assert not Centre.objects.exists()
    with pytest.raises(ServiceError) as refused:
        branch_create(acting_user=admin, name="分中心", district=DistrictFactory())
    assert refused.value.code == "no_centre"
    assert not BranchCentre.objects.exists()


def test_a_branch_update_records_only_what_changed(admin):
    branch = BranchCentreFactory(name="旧名", address="旧地址", phone="023-1")
    branch_update(
        acting_user=admin,
        branch=branch,
        name="新名",
        district=branch.district,
        address="旧地址",
        phone="023-1",
    )
    branch.refresh_from_db()
    assert branch.name == "新名"
    event = AuditEvent.objects.get(action="branch.update")
    assert event.summary == {"before": {"name": "旧名"}, "after": {"name": "新名"}}


def test_saving_a_branch_unchanged_writes_no_event(admin):
    branch = BranchCentreFactory(address="地址", phone="")
    branch_update(
        acting_user=admin,
        branch=branch,
        name=branch.name,
        district=branch.district,
        address="地址",
        phone="",
    )
    assert audit_count("branch.") == 0


def test_renaming_a_branch_to_a_taken_name_is_refused(admin):
    BranchCentreFactory(name="甲")
    branch = BranchCentreFactory(name="乙")
    with pytest.raises(ServiceError) as refused:
        branch_update(
            acting_user=admin,
            branch=branch,
            name="甲",
            district=branch.district,
            address="",
            phone="",
        )
    assert refused.value.field == "name"
    branch.refresh_from_db()
    assert branch.name == "乙"
    assert audit_count("branch.") == 0


def test_a_service_point_is_opened_with_an_approved_host(admin):
    branch = BranchCentreFactory()
    host = InstitutionFactory()
    point = service_point_create(
        acting_user=admin,
        branch=branch,
        name="社区学院受理点",
        district=branch.district,
        address="重庆市渝中区某路 1 号",
        host_institution=host,
        opening_hours="周一至周五 9:00–17:00",
        phone="023-60000000",
    )
    assert point.is_open and point.host_institution == host
    assert AuditEvent.objects.get(action="service_point.create").summary["after"]["branch"] == (
        branch.pk
    )


@pytest.mark.parametrize(
    "status",
    [Institution.Status.APPLIED, Institution.Status.REJECTED, Institution.Status.SUSPENDED],
)
def test_an_unapproved_host_is_refused(admin, status):
    branch = BranchCentreFactory()
    with pytest.raises(ServiceError) as refused:
        service_point_create(
            acting_user=admin,
            branch=branch,
            name="受理点",
            district=branch.district,
            address="地址",
            host_institution=InstitutionFactory(status=status),
        )
    assert (refused.value.field, refused.value.code) == ("host_institution", "host_not_approved")
    assert not ServicePoint.objects.exists()
    assert audit_count("service_point.") == 0


def test_a_point_name_is_unique_within_its_branch_only(admin):
    branch, other = BranchCentreFactory(), BranchCentreFactory()
    point_of(branch, name="服务大厅")
    with pytest.raises(ServiceError) as refused:
        service_point_create(
            acting_user=admin, branch=branch, name="服务大厅", district=branch.district, address="a"
        )
    assert refused.value.field == "name"
    service_point_create(
        acting_user=admin, branch=other, name="服务大厅", district=other.district, address="a"
    )
    assert ServicePoint.objects.filter(name="服务大厅").count() == 2


def _update(point, admin, **changes):
    values = {
        "name": point.name,
        "district": point.district,
        "address": point.address,
        "host_institution": point.host_institution,
        "opening_hours": point.opening_hours,
        "phone": point.phone,
        "is_open": point.is_open,
        **changes,
    }
    return service_point_update(acting_user=admin, service_point=point, **values)


def test_closing_a_service_point_is_audited(admin):
    point = ServicePointFactory()
    _update(point, admin, is_open=False)
    point.refresh_from_db()
    assert point.is_open is False
    event = AuditEvent.objects.get(action="service_point.update")
    assert event.summary == {"before": {"is_open": True}, "after": {"is_open": False}}


def test_a_host_chosen_earlier_may_stay_after_its_suspension(admin):
    host = InstitutionFactory()
    point = ServicePointFactory(host_institution=host)
    Institution.objects.filter(pk=host.pk).update(status=Institution.Status.SUSPENDED)
    point.host_institution.refresh_from_db()
    _update(point, admin, opening_hours="周六 9:00–12:00")
    point.refresh_from_db()
    assert point.opening_hours == "周六 9:00–12:00"


def test_a_newly_chosen_unapproved_host_is_refused(admin):
    point = ServicePointFactory()
    with pytest.raises(ServiceError) as refused:
        _update(point, admin, host_institution=InstitutionFactory(status="applied"))
    assert refused.value.field == "host_institution"
    point.refresh_from_db()
    assert point.host_institution is None
    assert audit_count("service_point.") == 0


def test_a_point_with_staff_is_not_moved_to_another_branch(admin):
    point = ServicePointFactory()
    StaffAssignmentFactory(branch=point.branch, service_point=point)
    other = BranchCentreFactory(district=OtherDistrictFactory())
    with pytest.raises(ServiceError) as refused:
        _update(point, admin, branch=other)
    assert refused.value.code == "has_staff"
    point.refresh_from_db()
    assert point.branch_id != other.pk


def test_a_point_without_staff_moves(admin):
    point = ServicePointFactory()
    other = BranchCentreFactory()
    _update(point, admin, branch=other)
    point.refresh_from_db()
    assert point.branch == other


def test_posting_staff_makes_them_branch_staff(admin):
    point = ServicePointFactory()
    person = UserFactory()
    assert "branch_staff" not in roles_of(person)
    staff_assignment_create(
        acting_user=admin,
        user=person,
        branch=point.branch,
        service_point=point,
        role=StaffAssignment.Role.STAFF,
    )
    assert "branch_staff" in roles_of(person)
    event = AuditEvent.objects.get(action="staff_assignment.create")
    assert event.summary["after"] == {
        "user": person.pk,
        "branch": point.branch_id,
        "service_point": point.pk,
        "role": "staff",
    }


def test_a_service_point_of_another_branch_is_refused(admin):
    point = ServicePointFactory()
    with pytest.raises(ServiceError) as refused:
        staff_assignment_create(
            acting_user=admin,
            user=UserFactory(),
            branch=BranchCentreFactory(),
            service_point=point,
            role="staff",
        )
    assert (refused.value.field, refused.value.code) == ("service_point", "wrong_branch")
    assert not StaffAssignment.objects.exists()
    assert audit_count("staff_assignment.") == 0


def test_the_same_posting_twice_is_refused(admin):
    posting = StaffAssignmentFactory(role="manager")
    with pytest.raises(ServiceError) as refused:
        staff_assignment_create(
            acting_user=admin, user=posting.user, branch=posting.branch, role="manager"
        )
    assert refused.value.code == "duplicate"
    assert StaffAssignment.objects.count() == 1


def test_a_deactivated_person_is_not_posted(admin):
    person = UserFactory(is_active=False)
    with pytest.raises(ServiceError) as refused:
        staff_assignment_create(
            acting_user=admin, user=person, branch=BranchCentreFactory(), role="staff"
        )
    assert refused.value.code == "inactive"
    assert not StaffAssignment.objects.exists()


def test_an_unknown_role_is_refused(admin):
    with pytest.raises(ServiceError) as refused:
        staff_assignment_create(
            acting_user=admin, user=UserFactory(), branch=BranchCentreFactory(), role="boss"
        )
    assert refused.value.field == "role"


def test_removing_a_posting_twice_is_refused_the_second_time(admin):
    posting = StaffAssignmentFactory()
    person = posting.user
    assert "branch_staff" in roles_of(person)
    staff_assignment_remove(acting_user=admin, assignment=posting)
    assert not StaffAssignment.objects.exists()
    assert "branch_staff" not in roles_of(person)
    event = AuditEvent.objects.get(action="staff_assignment.remove")
    assert event.summary["before"]["user"] == person.pk
    with pytest.raises(ServiceError) as refused:
        staff_assignment_remove(acting_user=admin, assignment=posting)
    assert refused.value.code == "already_removed"
    assert audit_count("staff_assignment.") == 1
