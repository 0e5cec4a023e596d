"""The recognition services: each step, who may take it, maker-checker, appeals, revocation,
expiry, and what each leaves behind (history, ledger entries, audit events, notices)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import Notice
from achievements import services
from achievements.access import appeal_deadline, capacity
from achievements.models import Achievement, AchievementEvent, CreditEntry, Recognition
from branches.models import AllianceMembership
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, InstitutionStaffFactory, RoleGrantFactory
from tests.achievements.factories import QualificationLevelFactory, upload
from tests.branches.factories import (
    BranchCentreFactory,
    OtherDistrictFactory,
    StaffAssignmentFactory,
)

pytestmark = pytest.mark.django_db

Status = Achievement.Status


def history(achievement):
    return list(achievement.events.order_by("created_at", "pk").values_list("action", "status"))


def audit_actions(achievement):
    return list(
        AuditEvent.objects.filter(
            object_type="achievements.achievement", object_id=str(achievement.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_deposit_goes_through_the_first_check_and_is_recognised_onto_the_ledger(review):
    achievement = review.deposit(title="计算机应用基础")
    services.achievement_submit(acting_user=review["learner"], achievement=achievement)
    achievement.refresh_from_db()
    assert achievement.status == Status.UNDER_REVIEW
    assert achievement.first_check_branch == review.branch

    services.achievement_forward(
        acting_user=review["branch_staff"], achievement=achievement, note="证书原件已核对。"
    )
    decision = services.achievement_recognise(
        acting_user=review["institution_reviewer"],
        achievement=achievement,
        unit_standard=review.standard,
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.RECOGNISED
    assert achievement.recognition == decision
    assert decision.status == Recognition.Status.IN_FORCE
    assert decision.decided_as == "institution_reviewer"
    assert (decision.credits, decision.level, decision.field) == (
        Decimal("3.00"),
        review.standard.level,
        "信息技术",
    )
    entry = CreditEntry.objects.get()
    assert (entry.kind, entry.amount, entry.account, entry.achievement, entry.recognition) == (
        "deposit",
        Decimal("3.00"),
        review.account,
        achievement,
        decision,
    )
    # training is valid for 5 years from the date obtained (2024-06-01)
    assert achievement.valid_until == date(2029, 6, 1)

    assert history(achievement) == [
        ("deposit", "deposited"),
        ("submit", "under_review"),
        ("forward", "forwarded"),
        ("recognise", "recognised"),
    ]
    forward = achievement.events.get(action="forward")
    assert (forward.actor, forward.actor_role, forward.actor_unit, forward.note) == (
        review["branch_staff"],
        "branch_staff",
        review.branch.name,
        "证书原件已核对。",
    )
    assert audit_actions(achievement) == [
        "achievement.deposit",
        "achievement.submit",
        "achievement.forward",
        "achievement.recognise",
    ]
    recognise = AuditEvent.objects.get(action="achievement.recognise")
    assert recognise.summary["after"]["credits"] == "3.00"
    assert recognise.summary["before"] == {"status": "forwarded"}
    titles = list(
        Notice.objects.filter(
            user=review["learner"], link__startswith="/my/achievements/"
        ).values_list("title", flat=True)
    )
    assert len(titles) == 3  # submit, forward, recognise
    balance = services.balance_of(review.account)
    assert balance.total == Decimal("3.00")
    assert balance.by_field == [("信息技术", Decimal("3.00"))]
    assert list(services.ledger_problems()) == []


def test_a_return_waits_for_the_learners_answer_and_new_evidence(review):
    achievement = review.submitted()
    with pytest.raises(ServiceError) as refused:
        services.achievement_return(
            acting_user=review["branch_staff"], achievement=achievement, message="  "
        )
    assert refused.value.field == "message"
    services.achievement_return(
        acting_user=review["branch_staff"],
        achievement=achievement,
        message="请上传证书背面的扫描件。",
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.RETURNED
    notice = Notice.objects.filter(user=review["learner"]).first()
    assert "请上传证书背面的扫描件。" in notice.body
    services.evidence_add(
        acting_user=review["learner"], achievement=achievement, files=[upload("back.pdf")]
    )
    services.achievement_resubmit(
        acting_user=review["learner"], achievement=achievement, answer="已上传背面。"
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.UNDER_REVIEW
    assert achievement.evidence.count() == 2
    assert achievement.events.get(action="resubmit").note == "已上传背面。"


def test_the_clerk_of_the_issuing_member_institution_may_do_the_first_check(review):
    achievement = review.submitted()
    services.achievement_forward(acting_user=review["institution_clerk"], achievement=achievement)
    event = achievement.events.get(action="forward")
    assert (event.actor_role, event.actor_unit) == ("institution_clerk", review.institution.name)


def test_no_first_check_by_a_clerk_once_the_membership_is_suspended(review):
    achievement = review.submitted()
    AllianceMembership.objects.filter(institution=review.institution).update(status="suspended")
    with pytest.raises(ServiceError) as refused:
        services.achievement_forward(
            acting_user=review["institution_clerk"], achievement=achievement
        )
    assert refused.value.code == "not_allowed"
    achievement.refresh_from_db()
    assert achievement.status == Status.UNDER_REVIEW


def test_branch_staff_of_another_branch_may_not_check_it(review):
    achievement = review.submitted()
    stranger = StaffAssignmentFactory(
        branch=BranchCentreFactory(district=OtherDistrictFactory())
    ).user
    with pytest.raises(ServiceError) as refused:
        services.achievement_forward(acting_user=stranger, achievement=achievement)
    assert refused.value.code == "not_allowed"


def test_a_reviewer_decides_only_for_their_own_institution_and_experts_for_any(review):
    other = InstitutionFactory()
    achievement = review.forwarded(issuer_institution=other)
    with pytest.raises(ServiceError) as refused:
        services.achievement_recognise(
            acting_user=review["institution_reviewer"],
            achievement=achievement,
            unit_standard=review.standard,
        )
    assert refused.value.code == "not_allowed"
    foreign_reviewer = InstitutionStaffFactory(institution=other, role="reviewer").user
    with pytest.raises(ServiceError):  # other is no alliance member
        services.achievement_reject(
            acting_user=foreign_reviewer, achievement=achievement, reason="x"
        )
    services.achievement_recognise(
        acting_user=review["expert"], achievement=achievement, unit_standard=review.standard
    )
    assert Recognition.objects.get().decided_as == "expert"


def test_a_stated_credit_value_level_and_field_is_recognised_without_a_standard(review):
    achievement = review.forwarded()
    level = QualificationLevelFactory(number=4)
    with pytest.raises(ServiceError) as refused:
        services.achievement_recognise(
            acting_user=review["expert"], achievement=achievement, credits=Decimal("2")
        )
    assert refused.value.code == "facts"
    decision = services.achievement_recognise(
        acting_user=review["expert"],
        achievement=achievement,
        credits=Decimal("2.50"),
        level=level,
        field="养老服务",
        note="对照培训大纲认定。",
    )
    assert (decision.credits, decision.level, decision.field) == (
        Decimal("2.50"),
        level,
        "养老服务",
    )
    assert services.balance_of(review.account).by_level == [(level, Decimal("2.50"))]


def test_a_standard_that_is_not_approved_cannot_be_matched(review):
    from tests.achievements.factories import UnitStandardFactory

    achievement = review.forwarded()
    draft = UnitStandardFactory()
    with pytest.raises(ServiceError) as refused:
        services.achievement_recognise(
            acting_user=review["expert"], achievement=achievement, unit_standard=draft
        )
    assert refused.value.field == "unit_standard"
    assert not Recognition.objects.exists()


def test_an_achievement_whose_validity_ended_cannot_be_recognised(review):
    achievement = review.forwarded(obtained_on=date(2015, 3, 1))  # training: 5 years
    with pytest.raises(ServiceError) as refused:
        services.achievement_recognise(
            acting_user=review["expert"], achievement=achievement, unit_standard=review.standard
        )
    assert refused.value.code == "validity_ended"
    assert not CreditEntry.objects.exists()


# --- Maker-checker -------------------------------------------------------------------------------


def test_above_the_threshold_the_credits_wait_for_a_centre_re_review(review):
    achievement = review.confirming()
    assert achievement.status == Status.CONFIRMING
    decision = Recognition.objects.get()
    assert decision.status == Recognition.Status.PENDING
    assert not CreditEntry.objects.exists()
    services.recognition_confirm(
        acting_user=review["centre_admin"], achievement=achievement, note="材料齐全。"
    )
    achievement.refresh_from_db()
    decision.refresh_from_db()
    assert achievement.status == Status.RECOGNISED
    assert (decision.status, decision.re_reviewed_by) == ("in_force", review["centre_admin"])
    assert CreditEntry.objects.get().amount == Decimal("12.00")
    assert audit_actions(achievement)[-2:] == ["achievement.recognise", "achievement.confirm"]


def test_at_the_threshold_no_re_review_is_needed(review, settings):
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("12.00")
    achievement = review.confirming()
    assert achievement.status == Status.RECOGNISED


def test_the_maker_of_a_decision_can_never_re_review_it(review):
    maker = review["centre_admin"]
    RoleGrantFactory(user=maker, role="expert")  # an expert who is also a centre administrator
    achievement = review.forwarded()
    services.achievement_recognise(
        acting_user=maker, achievement=achievement, unit_standard=review.big_standard
    )
    events_before = AchievementEvent.objects.count()
    for step, kwargs in (
        (services.recognition_confirm, {}),
        (services.recognition_send_back, {"reason": "x"}),
    ):
        with pytest.raises(ServiceError) as refused:
            step(acting_user=maker, achievement=achievement, **kwargs)
        assert refused.value.code == "not_allowed"
    achievement.refresh_from_db()
    assert achievement.status == Status.CONFIRMING
    assert Recognition.objects.get().status == "pending"
    assert AchievementEvent.objects.count() == events_before
    assert not CreditEntry.objects.exists()
    assert capacity(maker, achievement, "confirm") is None
    assert capacity(review["centre_admin_2"], achievement, "confirm") is not None


def test_the_database_refuses_a_re_reviewer_who_is_the_decider(review):
    review.confirming()
    decision = Recognition.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Recognition.objects.filter(pk=decision.pk).update(re_reviewed_by=decision.decided_by)


def test_a_decision_sent_back_waits_for_a_new_one(review):
    achievement = review.confirming()
    services.recognition_send_back(
        acting_user=review["centre_admin"], achievement=achievement, reason="学分偏高。"
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.FORWARDED
    assert Recognition.objects.get().status == "sent_back"
    services.achievement_recognise(
        acting_user=review["expert_2"], achievement=achievement, unit_standard=review.standard
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.RECOGNISED
    assert CreditEntry.objects.get().amount == Decimal("3.00")
    assert list(services.ledger_problems()) == []


# --- Rejection and appeal -------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_and_tells_the_learner_until_when_to_appeal(review):
    achievement = review.forwarded()
    with pytest.raises(ServiceError) as refused:
        services.achievement_reject(
            acting_user=review["expert"], achievement=achievement, reason=""
        )
    assert refused.value.field == "reason"
    services.achievement_reject(
        acting_user=review["expert"], achievement=achievement, reason="证书编号无法核验。"
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.REJECTED
    assert appeal_deadline(achievement) == timezone.localdate() + timedelta(days=14)
    notice = Notice.objects.filter(user=review["learner"]).first()
    assert "证书编号无法核验。" in notice.body


def test_an_appeal_is_decided_by_an_expert_who_took_no_part(review):
    achievement = review.rejected()
    services.achievement_appeal(
        acting_user=review["learner"], achievement=achievement, statement="证书可在官网查询。"
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.APPEALED
    for person in ("expert", "branch_staff", "institution_reviewer"):
        with pytest.raises(ServiceError) as refused:
            services.achievement_recognise(
                acting_user=review[person], achievement=achievement, unit_standard=review.standard
            )
        assert refused.value.code == "not_allowed", person
    decision = services.achievement_recognise(
        acting_user=review["expert_2"], achievement=achievement, unit_standard=review.standard
    )
    assert decision.stage == "appeal"
    achievement.refresh_from_db()
    assert achievement.status == Status.RECOGNISED
    assert CreditEntry.objects.get().amount == Decimal("3.00")


def test_an_appeal_comes_within_14_days_and_only_once(review):
    late = review.rejected()
    Achievement.objects.filter(pk=late.pk).update(
        status_changed_at=timezone.now() - timedelta(days=15)
    )
    with pytest.raises(ServiceError) as refused:
        services.achievement_appeal(acting_user=review["learner"], achievement=late, statement="x")
    assert refused.value.code == "appeal_late"

    again = review.rejected()
    services.achievement_appeal(acting_user=review["learner"], achievement=again, statement="x")
    services.achievement_reject(acting_user=review["expert_2"], achievement=again, reason="维持。")
    again.refresh_from_db()
    assert again.status == Status.REJECTED
    assert appeal_deadline(again) is None
    with pytest.raises(ServiceError) as refused:
        services.achievement_appeal(acting_user=review["learner"], achievement=again, statement="y")
    assert refused.value.code == "appeal_used"


def test_only_the_learner_appeals(review):
    achievement = review.rejected()
    with pytest.raises(ServiceError) as refused:
        services.achievement_appeal(
            acting_user=review["branch_staff"], achievement=achievement, statement="x"
        )
    assert refused.value.code == "not_allowed"


# --- Revocation and expiry ------------------------------------------------------------------------


def test_a_revocation_takes_the_credits_off_by_a_reversing_entry(review):
    achievement = review.recognised()
    with pytest.raises(ServiceError):
        services.achievement_revoke(
            acting_user=review["expert"], achievement=achievement, reason="伪造"
        )
    entry = services.achievement_revoke(
        acting_user=review["centre_admin"], achievement=achievement, reason="证书系伪造。"
    )
    achievement.refresh_from_db()
    assert achievement.status == Status.REVOKED
    deposit = CreditEntry.objects.get(kind="deposit")
    assert (entry.kind, entry.amount, entry.reverses, entry.note) == (
        "reversal",
        Decimal("-3.00"),
        deposit,
        "证书系伪造。",
    )
    assert services.balance_of(review.account).total == 0
    assert list(services.ledger_problems()) == []
    assert AuditEvent.objects.filter(action="achievement.revoke").count() == 1


def test_credits_expire_when_the_validity_ends_once_only(review):
    achievement = review.recognised()
    assert achievement.valid_until == date(2029, 6, 1)
    assert services.credits_expire_due(today=date(2029, 6, 1)) == 0
    assert services.credits_expire_due(today=date(2029, 6, 2)) == 1
    assert services.credits_expire_due(today=date(2029, 6, 3)) == 0
    achievement.refresh_from_db()
    assert achievement.status == Status.EXPIRED
    expiry = CreditEntry.objects.get(kind="expiry")
    assert expiry.amount == Decimal("-3.00")
    assert expiry.created_by is None
    assert services.balance_of(review.account).total == 0
    assert list(services.ledger_problems()) == []
    event = AuditEvent.objects.get(action="achievement.expire")
    assert event.actor is None


def test_the_beat_job_expires_due_credits(review):
    from achievements.tasks import credits_expire

    achievement = review.recognised(obtained_on=timezone.localdate() - timedelta(days=5 * 365 - 2))
    Achievement.objects.filter(pk=achievement.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    assert credits_expire.delay().get() == 1
    achievement.refresh_from_db()
    assert achievement.status == Status.EXPIRED


def test_the_ledger_refuses_updates_and_deletes(review):
    review.recognised()
    entry = CreditEntry.objects.get()
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        CreditEntry.objects.filter(pk=entry.pk).update(amount=Decimal("99"))
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        CreditEntry.objects.filter(pk=entry.pk).delete()
    assert CreditEntry.objects.get().amount == Decimal("3.00")


# --- Nobody reviews their own achievement -----------------------------------------------------


def test_staff_never_act_on_their_own_achievement(review):
    """The branch staff member holds a learning account at their own branch."""
    from tests.achievements.factories import active_account, deposit

    staff = review["branch_staff"]
    RoleGrantFactory(user=staff, role="expert")
    own_account = active_account(branch=review.branch, user=staff)
    achievement = deposit(account=own_account)
    services.achievement_submit(acting_user=staff, achievement=achievement)
    with pytest.raises(ServiceError) as refused:
        services.achievement_forward(acting_user=staff, achievement=achievement)
    assert refused.value.code == "not_allowed"
    services.achievement_forward(acting_user=review["branch_manager"], achievement=achievement)
    with pytest.raises(ServiceError):
        services.achievement_recognise(
            acting_user=staff, achievement=achievement, unit_standard=review.standard
        )


def test_the_learner_is_told_in_the_sites_language_whatever_the_reviewers_page_is_in(review):
    achievement = review.submitted(title="计算机应用基础")
    translation.activate("en")  # the branch staff's pages are in English
    services.achievement_forward(acting_user=review["branch_staff"], achievement=achievement)
    notice = Notice.objects.filter(user=review["learner"]).first()
    assert notice.title == "您的学习成果已通过初审"
    assert "计算机应用基础" in notice.body and "forwarded" not in notice.body
