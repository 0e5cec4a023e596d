"""Unit standard services: every transition, the illegal ones, maker-checker and versions."""

from decimal import Decimal

import pytest

from accounts.models import Institution, InstitutionStaff
from achievements import services
from achievements.models import QualificationLevel, UnitStandard
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, InstitutionStaffFactory, UserFactory
from tests.achievements.factories import QualificationLevelFactory, UnitStandardFactory

pytestmark = pytest.mark.django_db

Status = UnitStandard.Status


def events(prefix="unit_standard."):
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


def own_institution(people):
    return InstitutionStaff.objects.get(user=people["institution_clerk"]).institution


def content(**overrides):
    values = {
        "code": "cq-it 0001",
        "name": "计算机应用基础",
        "field": "信息技术",
        "level": QualificationLevelFactory(number=2),
        "credit_value": Decimal("4.00"),
        "outcomes": "能完成常见办公任务。",
    }
    return values | overrides


def draft_of(people, **overrides):
    return services.unit_standard_create(
        acting_user=people["institution_clerk"],
        institution=own_institution(people),
        **content(**overrides),
    )


def snapshot(standard):
    return UnitStandard.objects.filter(code=standard.code).order_by("version").values()


def test_a_clerk_drafts_submits_and_a_centre_admin_approves(people):
    standard = draft_of(people)
    assert (standard.code, standard.status, standard.version) == ("CQ-IT0001", Status.DRAFT, 1)
    assert list(standard.authors.all()) == [people["institution_clerk"]]
    services.unit_standard_submit(acting_user=people["institution_admin"], standard=standard)
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED and standard.submitted_at is not None
    services.unit_standard_approve(acting_user=people["centre_admin"], standard=standard)
    standard.refresh_from_db()
    assert standard.status == Status.APPROVED
    assert standard.decided_by == people["centre_admin"] and standard.decided_at is not None
    assert events() == [
        "unit_standard.create",
        "unit_standard.submit",
        "unit_standard.approve",
    ]
    assert UnitStandard.objects.published().get() == standard


def test_a_rejection_returns_the_draft_with_its_reason_and_it_can_be_submitted_again(people):
    standard = draft_of(people)
    services.unit_standard_submit(acting_user=people["institution_clerk"], standard=standard)
    services.unit_standard_reject(
        acting_user=people["centre_admin"], standard=standard, reason="学分值偏高，请核实学时。"
    )
    standard.refresh_from_db()
    assert standard.status == Status.DRAFT
    assert standard.decision_reason == "学分值偏高，请核实学时。"
    event = AuditEvent.objects.get(action="unit_standard.reject")
    assert event.summary["after"] == {"status": "draft", "reason": "学分值偏高，请核实学时。"}
    services.unit_standard_update(
        acting_user=people["institution_clerk"],
        standard=standard,
        **content(credit_value=Decimal("3.50")),
    )
    services.unit_standard_submit(acting_user=people["institution_clerk"], standard=standard)
    standard.refresh_from_db()
    assert (standard.status, standard.credit_value) == (Status.SUBMITTED, Decimal("3.50"))


def test_a_rejection_needs_a_reason(people):
    standard = UnitStandardFactory(submitted=True)
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_reject(
            acting_user=people["centre_admin"], standard=standard, reason="  "
        )
    assert refused.value.field == "reason"
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED and events() == []


def test_the_author_can_never_approve_or_reject(people):
    """A centre administrator who drafted a centre standard cannot decide on it."""
    standard = services.unit_standard_create(
        acting_user=people["centre_admin"], institution=None, **content()
    )
    services.unit_standard_submit(acting_user=people["centre_admin"], standard=standard)
    before = list(snapshot(standard))
    count = AuditEvent.objects.count()
    for decision in ("approve", "reject"):
        with pytest.raises(ServiceError) as refused:
            services.unit_standard_decide(
                acting_user=people["centre_admin"],
                standard=standard,
                decision=decision,
                reason="自己审批",
            )
        assert refused.value.code == "own_standard"
    assert list(snapshot(standard)) == before
    assert AuditEvent.objects.count() == count
    other_admin = UserFactory()
    other_admin.role_grants.create(role="centre_admin")
    services.unit_standard_approve(acting_user=other_admin, standard=standard)
    standard.refresh_from_db()
    assert standard.status == Status.APPROVED and standard.issuing_institution is None


def test_a_centre_admin_who_edited_a_draft_cannot_approve_it(people):
    standard = services.unit_standard_create(
        acting_user=people["centre_admin"], institution=None, **content()
    )
    editor = UserFactory()
    editor.role_grants.create(role="centre_admin")
    services.unit_standard_update(
        acting_user=editor, standard=standard, **content(name="计算机应用基础（修订）")
    )
    services.unit_standard_submit(acting_user=people["centre_admin"], standard=standard)
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_approve(acting_user=editor, standard=standard)
    assert refused.value.code == "own_standard"
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED


def test_a_centre_admin_on_the_issuers_staff_cannot_decide(people):
    standard = UnitStandardFactory(submitted=True, issuing_institution=own_institution(people))
    InstitutionStaffFactory(
        institution=standard.issuing_institution,
        user=people["centre_admin"],
        role=InstitutionStaff.Role.REVIEWER,
    )
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_approve(acting_user=people["centre_admin"], standard=standard)
    assert refused.value.code == "own_institution"
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED and events() == []


@pytest.mark.parametrize(
    "role", ["institution_admin", "institution_clerk", "expert", "branch_manager", "learner"]
)
def test_only_a_centre_administrator_decides(people, role):
    standard = UnitStandardFactory(submitted=True)
    with pytest.raises(ServiceError):
        services.unit_standard_approve(acting_user=people[role], standard=standard)
    standard.refresh_from_db()
    assert standard.status == Status.SUBMITTED and events() == []


ILLEGAL = [
    # (status the standard is in, the call that must be refused)
    ("draft", "approve"),
    ("draft", "reject"),
    ("draft", "retire"),
    ("draft", "new_version"),
    ("submitted", "submit"),
    ("submitted", "retire"),
    ("submitted", "new_version"),
    ("submitted", "update"),
    ("approved", "submit"),
    ("approved", "approve"),
    ("approved", "reject"),
    ("retired", "submit"),
    ("retired", "approve"),
    ("retired", "reject"),
    ("retired", "retire"),
    ("retired", "new_version"),
    ("retired", "update"),
]


def _call(action, people, standard):
    admin, writer = people["centre_admin"], people["institution_clerk"]
    calls = {
        "submit": lambda: services.unit_standard_submit(acting_user=writer, standard=standard),
        "approve": lambda: services.unit_standard_approve(acting_user=admin, standard=standard),
        "reject": lambda: services.unit_standard_reject(
            acting_user=admin, standard=standard, reason="理由"
        ),
        "retire": lambda: services.unit_standard_retire(
            acting_user=admin, standard=standard, reason="理由"
        ),
        "new_version": lambda: services.unit_standard_new_version(
            acting_user=writer, standard=standard
        ),
        "update": lambda: services.unit_standard_update(
            acting_user=writer, standard=standard, **content(code=standard.code)
        ),
    }
    return calls[action]()


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_illegal_transitions_are_refused_and_change_nothing(people, status, action):
    standard = UnitStandardFactory(
        status=status, issuing_institution=own_institution(people), decision_reason=""
    )
    before = list(snapshot(standard))
    count = AuditEvent.objects.count()
    with pytest.raises(ServiceError):
        _call(action, people, standard)
    assert list(snapshot(standard)) == before
    assert AuditEvent.objects.count() == count


def test_editing_an_approved_standard_makes_a_new_draft_version(people):
    approved = UnitStandardFactory(
        approved=True, issuing_institution=own_institution(people), code="CQ-EL-0201"
    )
    draft = services.unit_standard_update(
        acting_user=people["institution_clerk"],
        standard=approved,
        **content(code="CQ-EL-0201", name="电工（中级）", credit_value=Decimal("6.00")),
    )
    approved.refresh_from_db()
    assert draft.pk != approved.pk
    assert (draft.version, draft.status, draft.previous_version) == (2, Status.DRAFT, approved)
    assert (draft.name, draft.credit_value) == ("电工（中级）", Decimal("6.00"))
    assert approved.status == Status.APPROVED and approved.name != "电工（中级）"
    assert UnitStandard.objects.published().get() == approved
    assert events() == ["unit_standard.new_version", "unit_standard.update"]
    # The new version is approved: it replaces the old one, which is retired.
    services.unit_standard_submit(acting_user=people["institution_admin"], standard=draft)
    services.unit_standard_approve(acting_user=people["centre_admin"], standard=draft)
    approved.refresh_from_db()
    draft.refresh_from_db()
    assert (approved.status, draft.status) == (Status.RETIRED, Status.APPROVED)
    assert UnitStandard.objects.published().get() == draft
    retire = AuditEvent.objects.get(action="unit_standard.retire")
    assert retire.summary["after"] == {"status": "retired", "replaced_by_version": 2}


def test_only_one_new_version_is_open_at_a_time(people):
    approved = UnitStandardFactory(approved=True, issuing_institution=own_institution(people))
    services.unit_standard_new_version(acting_user=people["institution_clerk"], standard=approved)
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_new_version(
            acting_user=people["institution_admin"], standard=approved
        )
    assert refused.value.code == "open_version_exists"
    assert UnitStandard.objects.filter(code=approved.code).count() == 2


def test_the_code_is_fixed_once_there_are_versions(people):
    approved = UnitStandardFactory(approved=True, issuing_institution=own_institution(people))
    draft = services.unit_standard_new_version(
        acting_user=people["institution_clerk"], standard=approved
    )
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_update(
            acting_user=people["institution_clerk"], standard=draft, **content(code="NEW-CODE")
        )
    assert refused.value.field == "code"


def test_a_code_in_use_is_refused(people):
    UnitStandardFactory(code="CQ-IT0001")
    with pytest.raises(ServiceError) as refused:
        draft_of(people)
    assert (refused.value.field, refused.value.code) == ("code", "code_taken")
    assert UnitStandard.objects.filter(code="CQ-IT0001").count() == 1


def test_a_retired_standard_stays_retired(people):
    standard = UnitStandardFactory(approved=True)
    services.unit_standard_retire(
        acting_user=people["centre_admin"], standard=standard, reason="已被新标准替代"
    )
    standard.refresh_from_db()
    assert standard.status == Status.RETIRED
    assert not UnitStandard.objects.published().exists()
    assert events() == ["unit_standard.retire"]


def test_retiring_needs_a_reason(people):
    standard = UnitStandardFactory(approved=True)
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_retire(
            acting_user=people["centre_admin"], standard=standard, reason=""
        )
    assert refused.value.field == "reason"
    standard.refresh_from_db()
    assert standard.status == Status.APPROVED


@pytest.mark.parametrize("role", ["institution_reviewer", "branch_staff", "expert", "outsider"])
def test_only_the_issuers_admins_and_clerks_draft_for_it(people, role):
    with pytest.raises(ServiceError):
        services.unit_standard_create(
            acting_user=people[role], institution=own_institution(people), **content()
        )
    assert not UnitStandard.objects.exists()


def test_staff_of_another_institution_cannot_touch_its_drafts(people):
    standard = UnitStandardFactory(issuing_institution=InstitutionFactory())
    with pytest.raises(ServiceError):
        services.unit_standard_submit(acting_user=people["institution_admin"], standard=standard)
    standard.refresh_from_db()
    assert standard.status == Status.DRAFT and events() == []


def test_an_institution_that_is_not_approved_drafts_nothing(people):
    institution = own_institution(people)
    Institution.objects.filter(pk=institution.pk).update(status=Institution.Status.SUSPENDED)
    with pytest.raises(ServiceError):
        draft_of(people)
    standard = UnitStandardFactory(issuing_institution=institution)
    with pytest.raises(ServiceError) as refused:
        services.unit_standard_submit(acting_user=people["institution_clerk"], standard=standard)
    assert refused.value.code == "institution_not_approved"


def test_only_a_centre_administrator_drafts_for_the_centre(people):
    with pytest.raises(ServiceError):
        services.unit_standard_create(
            acting_user=people["institution_admin"], institution=None, **content()
        )
    assert not UnitStandard.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_value": Decimal("0")}, "credit_value"),
        ({"credit_value": Decimal("-1")}, "credit_value"),
        ({"credit_value": Decimal("1.234")}, "credit_value"),
        ({"credit_value": Decimal("NaN")}, "credit_value"),
        ({"credit_value": Decimal("10000")}, "credit_value"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"field": ""}, "field"),
        ({"code": "中文编码"}, "code"),
        ({"code": "A"}, "code"),
    ],
)
def test_bad_content_is_refused_beside_its_field(people, overrides, field):
    with pytest.raises(ServiceError) as refused:
        draft_of(people, **overrides)
    assert refused.value.field == field
    assert not UnitStandard.objects.exists() and events() == []


def test_a_level_out_of_use_is_not_offered(people):
    level = QualificationLevelFactory(number=5)
    QualificationLevel.objects.filter(pk=level.pk).update(is_active=False)
    level.refresh_from_db()
    with pytest.raises(ServiceError) as refused:
        draft_of(people, level=level)
    assert refused.value.field == "level"


def test_the_database_refuses_a_credit_value_of_zero(people):
    from django.db import IntegrityError, transaction

    standard = UnitStandardFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitStandard.objects.filter(pk=standard.pk).update(credit_value=Decimal("0"))


def test_names_with_a_middle_dot_and_astral_characters_are_kept(people):
    standard = draft_of(people, name="买买提·艾力的𠮷祥课程", field="𠮷")
    standard.refresh_from_db()
    assert (standard.name, standard.field) == ("买买提·艾力的𠮷祥课程", "𠮷")
