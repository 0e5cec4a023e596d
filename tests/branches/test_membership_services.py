"""Alliance membership: joining, the transitions (legal and illegal), and the selector."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Institution
from branches.models import AllianceMembership
from branches.selectors import is_alliance_member, public_members
from branches.services import (
    MEMBERSHIP_TRANSITIONS,
    membership_actions,
    membership_create,
    membership_end,
    membership_reinstate,
    membership_suspend,
    membership_update,
)
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, UserFactory
from tests.branches.factories import AllianceMembershipFactory, BranchCentreFactory
from tests.branches.network_helpers import audit_count

pytestmark = pytest.mark.django_db

Status = AllianceMembership.Status
SERVICES = {"suspend": membership_suspend, "reinstate": membership_reinstate, "end": membership_end}
JOINED = datetime.date(2019, 3, 1)


@pytest.fixture
def admin():
    return UserFactory(username="admin")


def test_an_approved_institution_joins_as_an_active_member(admin):
    institution, branch = InstitutionFactory(), BranchCentreFactory()
    assert not is_alliance_member(institution)
    membership = membership_create(
        acting_user=admin,
        institution=institution,
        branch=branch,
        joined_on=JOINED,
        pilot_batch="第一批试点单位",
    )
    assert membership.status == Status.ACTIVE
    assert is_alliance_member(institution)
    event = AuditEvent.objects.get(action="membership.create")
    assert event.summary["after"] == {
        "institution": institution.pk,
        "branch": branch.pk,
        "joined_on": "2019-03-01",
        "pilot_batch": "第一批试点单位",
        "status": "active",
        "status_reason": "",
    }


@pytest.mark.parametrize(
    "status",
    [Institution.Status.APPLIED, Institution.Status.REJECTED, Institution.Status.SUSPENDED],
)
def test_only_approved_institutions_join(admin, status):
    institution = InstitutionFactory(status=status)
    with pytest.raises(ServiceError) as refused:
        membership_create(
            acting_user=admin,
            institution=institution,
            branch=BranchCentreFactory(),
            joined_on=JOINED,
        )
    assert (refused.value.field, refused.value.code) == ("institution", "not_approved")
    assert institution.name in refused.value.message
    assert not AllianceMembership.objects.exists()
    assert audit_count("membership.") == 0


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.SUSPENDED])
def test_a_current_member_cannot_join_again(admin, status):
    membership = AllianceMembershipFactory(status=status)
    with pytest.raises(ServiceError) as refused:
        membership_create(
            acting_user=admin,
            institution=membership.institution,
            branch=BranchCentreFactory(),
            joined_on=JOINED,
        )
    assert refused.value.code == "already_member"
    membership.refresh_from_db()
    assert membership.status == status
    assert audit_count("membership.") == 0


def test_an_ended_member_joins_again_on_the_same_record(admin):
    membership = AllianceMembershipFactory(status=Status.ENDED, status_reason="到期")
    branch = BranchCentreFactory()
    again = membership_create(
        acting_user=admin,
        institution=membership.institution,
        branch=branch,
        joined_on=datetime.date(2024, 9, 1),
        pilot_batch="第三批试点单位",
    )
    assert again.pk == membership.pk
    assert (again.status, again.status_reason, again.branch) == (Status.ACTIVE, "", branch)
    event = AuditEvent.objects.get(action="membership.rejoin")
    assert event.summary["before"]["status"] == "ended"
    assert event.summary["after"]["status"] == "active"


def test_a_join_date_in_the_future_is_refused(admin):
    with pytest.raises(ServiceError) as refused:
        membership_create(
            acting_user=admin,
            institution=InstitutionFactory(),
            branch=BranchCentreFactory(),
            joined_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert refused.value.field == "joined_on"
    assert not AllianceMembership.objects.exists()


# Every (status, action) pair: the table in the service decides, and this test lists the
# expected outcome independently of it.
EXPECTED = {
    (Status.ACTIVE, "suspend"): Status.SUSPENDED,
    (Status.ACTIVE, "reinstate"): None,
    (Status.ACTIVE, "end"): Status.ENDED,
    (Status.SUSPENDED, "suspend"): None,
    (Status.SUSPENDED, "reinstate"): Status.ACTIVE,
    (Status.SUSPENDED, "end"): Status.ENDED,
    (Status.ENDED, "suspend"): None,
    (Status.ENDED, "reinstate"): None,
    (Status.ENDED, "end"): None,
}


def test_the_expectations_cover_every_pair():
    assert {a for _s, a in EXPECTED} == set(MEMBERSHIP_TRANSITIONS)
    assert {s for s, _a in EXPECTED} == set(Status.values)


@pytest.mark.parametrize(("start", "action"), list(EXPECTED), ids=lambda v: str(v))
def test_each_transition_is_allowed_or_refused_as_expected(admin, start, action):
    membership = AllianceMembershipFactory(status=start, status_reason="旧理由")
    target = EXPECTED[(start, action)]
    assert (action in membership_actions(membership)) == (target is not None)
    if target is None:
        with pytest.raises(ServiceError) as refused:
            SERVICES[action](acting_user=admin, membership=membership, reason="理由")
        assert refused.value.code == "illegal_transition"
        membership.refresh_from_db()
        assert (membership.status, membership.status_reason) == (start, "旧理由")
        assert audit_count("membership.") == 0
    else:
        SERVICES[action](acting_user=admin, membership=membership, reason="年度评估  未通过")
        membership.refresh_from_db()
        assert (membership.status, membership.status_reason) == (target, "年度评估 未通过")
        event = AuditEvent.objects.get(action=f"membership.{action}")
        assert event.summary == {
            "before": {"status": start, "reason": "旧理由"},
            "after": {"status": target, "reason": "年度评估 未通过"},
        }


@pytest.mark.parametrize("reason", ["", "   ", "\u3000"])
def test_a_transition_needs_a_reason(admin, reason):
    membership = AllianceMembershipFactory()
    with pytest.raises(ServiceError) as refused:
        membership_suspend(acting_user=admin, membership=membership, reason=reason)
    assert (refused.value.field, refused.value.code) == ("reason", "reason_required")
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert audit_count("membership.") == 0


def test_a_suspended_institution_is_not_reinstated_as_member(admin):
    membership = AllianceMembershipFactory(
        status=Status.SUSPENDED, institution=InstitutionFactory(status="suspended")
    )
    with pytest.raises(ServiceError) as refused:
        membership_reinstate(acting_user=admin, membership=membership, reason="整改完成")
    assert refused.value.code == "not_approved"
    membership.refresh_from_db()
    assert membership.status == Status.SUSPENDED


def test_the_details_of_a_current_membership_are_corrected(admin):
    membership = AllianceMembershipFactory(pilot_batch="")
    membership_update(
        acting_user=admin,
        membership=membership,
        branch=membership.branch,
        joined_on=membership.joined_on,
        pilot_batch="第二批试点单位",
    )
    membership.refresh_from_db()
    assert membership.pilot_batch == "第二批试点单位"
    event = AuditEvent.objects.get(action="membership.update")
    assert event.summary == {
        "before": {"pilot_batch": ""},
        "after": {"pilot_batch": "第二批试点单位"},
    }


def test_an_ended_membership_is_not_edited(admin):
    membership = AllianceMembershipFactory(status=Status.ENDED)
    with pytest.raises(ServiceError) as refused:
        membership_update(
            acting_user=admin,
            membership=membership,
            branch=BranchCentreFactory(),
            joined_on=JOINED,
            pilot_batch="x",
        )
    assert refused.value.code == "ended"
    membership.refresh_from_db()
    assert membership.pilot_batch == "第一批试点单位"


def test_is_alliance_member_counts_only_active_members_of_approved_institutions(admin):
    active = AllianceMembershipFactory()
    suspended = AllianceMembershipFactory(status=Status.SUSPENDED)
    ended = AllianceMembershipFactory(status=Status.ENDED)
    institution_suspended = AllianceMembershipFactory(
        institution=InstitutionFactory(status=Institution.Status.SUSPENDED)
    )
    assert is_alliance_member(active.institution)
    assert not is_alliance_member(suspended.institution)
    assert not is_alliance_member(ended.institution)
    assert not is_alliance_member(institution_suspended.institution)
    assert not is_alliance_member(InstitutionFactory())
    assert not is_alliance_member(None)
    assert list(public_members()) == [active]
    membership_end(acting_user=admin, membership=active, reason="退出联盟")
    assert not is_alliance_member(active.institution)
