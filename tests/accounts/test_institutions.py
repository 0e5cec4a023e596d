"""Institution accounts, service level: applying, the centre's decisions, the state machine."""

import pytest
from django.db import IntegrityError

from accounts.models import Institution, InstitutionStaff
from accounts.roles import roles_of
from accounts.services import (
    institution_apply,
    institution_approve,
    institution_decide,
    institution_reinstate,
    institution_reject,
    institution_suspend,
)
from accounts.services import institutions as institution_services
from accounts.services.institutions import TRANSITIONS, decisions_open
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import (
    InstitutionFactory,
    InstitutionStaffFactory,
    UserFactory,
    valid_credit_code,
)

pytestmark = pytest.mark.django_db

Status = Institution.Status
CODE = valid_credit_code("12500000MB1583012")  # 12500000MB1583012D


def application(**overrides) -> dict:
    data = {
        "name": "重庆新桥职业培训学校",
        "credit_code": CODE,
        "kind": Institution.Kind.TRAINING_BODY,
        "address": "重庆市沙坪坝区新桥正街1号",
        "contact_name": "王芳",
        "contact_phone": "023-65432100",
        "contact_email": "wangfang@example.com",
    }
    return data | overrides


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def test_the_factory_makes_valid_credit_codes():
    from stdnum.cn import uscc

    assert all(uscc.is_valid(InstitutionFactory().credit_code) for _ in range(5))


def test_an_application_starts_applied_with_its_applicant_and_an_audit_event():
    applicant = UserFactory()
    institution = institution_apply(acting_user=applicant, **application())
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    assert institution.applied_by == applicant
    assert institution.credit_code == "12500000MB1583012D"
    event = events("institution.apply").get()
    assert (event.actor, event.object_type, event.object_id) == (
        applicant,
        "accounts.institution",
        str(institution.pk),
    )
    assert event.summary["after"]["status"] == "applied"
    assert not InstitutionStaff.objects.filter(institution=institution).exists()


def test_a_second_application_with_the_same_code_is_refused():
    institution_apply(acting_user=UserFactory(), **application())
    with pytest.raises(ServiceError) as refused:
        institution_apply(acting_user=UserFactory(), **application(name="另一个名字"))
    assert (refused.value.field, refused.value.code) == ("credit_code", "duplicate")
    assert Institution.objects.count() == 1
    assert events("institution.apply").count() == 1


def test_the_race_between_two_applications_is_refused_not_a_500(monkeypatch):
    """The check-then-insert race: the loser meets the unique constraint, not a server error."""
    institution_apply(acting_user=UserFactory(), **application())
    monkeypatch.setattr(institution_services, "_credit_code_taken", lambda code: False)
    with pytest.raises(ServiceError) as refused:
        institution_apply(acting_user=UserFactory(), **application())
    assert refused.value.code == "duplicate"
    assert Institution.objects.count() == 1
    assert not isinstance(refused.value, IntegrityError)


@pytest.mark.parametrize(
    "code", ["12500000MB1583012A", "12500000MB1583012", "125000 00mb1583012d", "X2500000MB1583012D"]
)
def test_the_service_refuses_a_code_that_is_not_canonical_and_valid(code):
    with pytest.raises(ServiceError) as refused:
        institution_apply(acting_user=UserFactory(), **application(credit_code=code))
    assert refused.value.field == "credit_code"
    assert not Institution.objects.exists()


def test_the_state_machine_is_written_once():
    assert TRANSITIONS == {
        "approve": (Status.APPLIED, Status.APPROVED),
        "reject": (Status.APPLIED, Status.REJECTED),
        "suspend": (Status.APPROVED, Status.SUSPENDED),
        "reinstate": (Status.SUSPENDED, Status.APPROVED),
    }
    assert decisions_open(Status.APPLIED) == ["approve", "reject"]
    assert decisions_open(Status.APPROVED) == ["suspend"]
    assert decisions_open(Status.SUSPENDED) == ["reinstate"]
    assert decisions_open(Status.REJECTED) == []


def test_approval_makes_the_applicant_the_first_administrator(people):
    applicant = UserFactory()
    institution = institution_apply(acting_user=applicant, **application())
    institution_approve(acting_user=people["centre_admin"], institution=institution)
    institution.refresh_from_db()
    assert institution.status == Status.APPROVED
    assert institution.decided_by == people["centre_admin"]
    assert institution.decided_at is not None
    assert list(institution.staff.values_list("user", "role")) == [
        (applicant.pk, InstitutionStaff.Role.ADMIN)
    ]
    applicant._cb_roles = None
    assert roles_of(applicant) == {"institution_admin"}
    event = events("institution.approve").get()
    assert event.actor == people["centre_admin"]
    assert event.summary["before"]["status"] == "applied"
    assert event.summary["after"]["status"] == "approved"
    assert event.summary["after"]["first_admin"] == applicant.username


def test_rejection_needs_a_reason_and_records_it(people):
    institution = InstitutionFactory(status=Status.APPLIED, applied_by=UserFactory())
    for blank in ["", "   "]:
        with pytest.raises(ServiceError) as refused:
            institution_reject(
                acting_user=people["centre_admin"], institution=institution, reason=blank
            )
        assert (refused.value.field, refused.value.code) == ("reason", "reason_required")
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    institution_reject(
        acting_user=people["centre_admin"], institution=institution, reason="  材料不全  "
    )
    institution.refresh_from_db()
    assert (institution.status, institution.status_reason) == (Status.REJECTED, "材料不全")
    assert not institution.staff.exists()
    event = events("institution.reject").get()
    assert event.actor == people["centre_admin"]
    assert event.summary["after"] == {"status": "rejected", "reason": "材料不全"}


def test_suspension_needs_a_reason_and_reinstatement_approves_again(people):
    institution = InstitutionFactory(status=Status.APPROVED)
    with pytest.raises(ServiceError) as refused:
        institution_suspend(acting_user=people["centre_admin"], institution=institution, reason="")
    assert refused.value.code == "reason_required"
    institution_suspend(
        acting_user=people["centre_admin"], institution=institution, reason="年检未通过"
    )
    institution.refresh_from_db()
    assert (institution.status, institution.status_reason) == (Status.SUSPENDED, "年检未通过")
    institution_reinstate(acting_user=people["centre_admin"], institution=institution)
    institution.refresh_from_db()
    assert (institution.status, institution.status_reason) == (Status.APPROVED, "")
    actions = AuditEvent.objects.filter(action__startswith="institution.").order_by("id")
    assert list(actions.values_list("action", "actor")) == [
        ("institution.suspend", people["centre_admin"].pk),
        ("institution.reinstate", people["centre_admin"].pk),
    ]


ILLEGAL = [
    (start, decision)
    for start in Status.values
    for decision, (source, _target) in TRANSITIONS.items()
    if start != source
]


@pytest.mark.parametrize(("start", "decision"), ILLEGAL)
def test_an_illegal_transition_is_refused_and_changes_nothing(people, start, decision):
    institution = InstitutionFactory(
        status=start, status_reason="旧的理由", applied_by=UserFactory()
    )
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        institution_decide(
            acting_user=people["centre_admin"],
            institution=institution,
            decision=decision,
            reason="某个理由",
        )
    assert refused.value.code == "illegal_transition"
    institution.refresh_from_db()
    assert (institution.status, institution.status_reason, institution.decided_by) == (
        start,
        "旧的理由",
        None,
    )
    assert not institution.staff.exists()
    assert AuditEvent.objects.count() == audit_before


def test_an_unknown_decision_is_refused(people):
    institution = InstitutionFactory(status=Status.APPLIED)
    with pytest.raises(ServiceError) as refused:
        institution_decide(
            acting_user=people["centre_admin"], institution=institution, decision="delete"
        )
    assert refused.value.code == "unknown_decision"


def test_nobody_decides_their_own_application(people):
    centre_admin = people["centre_admin"]
    institution = institution_apply(acting_user=centre_admin, **application())
    with pytest.raises(ServiceError) as refused:
        institution_approve(acting_user=centre_admin, institution=institution)
    assert refused.value.code == "own_institution"
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    assert not institution.staff.exists()
    assert not events("institution.approve").exists()


def test_a_centre_administrator_does_not_suspend_an_institution_they_work_for(people):
    institution = InstitutionFactory(status=Status.APPROVED)
    InstitutionStaffFactory(institution=institution, user=people["centre_admin"])
    with pytest.raises(ServiceError) as refused:
        institution_suspend(acting_user=people["centre_admin"], institution=institution, reason="x")
    assert refused.value.code == "own_institution"
    institution.refresh_from_db()
    assert institution.status == Status.APPROVED


@pytest.mark.parametrize("role", ["learner", "institution_admin", "expert", "system_admin"])
def test_only_a_centre_administrator_decides(people, role):
    institution = InstitutionFactory(status=Status.APPLIED, applied_by=UserFactory())
    with pytest.raises(ServiceError) as refused:
        institution_approve(acting_user=people[role], institution=institution)
    assert refused.value.code == "not_allowed"
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
