"""The centre's revocation, suspension and reinstatement of documents; a revoked recognition
revoking the documents that list it; the learning credit inquiry under a consent code; and a
share link locking after too many wrong PINs."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from achievements import services
from achievements.models import CreditInquiry, DocumentShare, InquiryConsent, ProofDocument
from achievements.services.proof import (
    PIN_TRIES,
    consent_cancel,
    consent_create,
    document_reinstate,
    document_revoke,
    document_suspend,
    inquiry_make,
    share_check_pin,
    share_create,
)
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.achievements.factories import active_account
from tests.achievements.verify_helpers import ready, requested

pytestmark = pytest.mark.django_db

Status = ProofDocument.Status
REFUSED = "The account number and consent code do not match a valid consent."


def events(action):
    return AuditEvent.objects.filter(action=action)


# --- Revoking, suspending, reinstating ----------------------------------------------------------


def test_the_centre_revokes_a_ready_document_and_its_shares_end(review):
    document = ready(review, achievements=[review.recognised()])
    share, _token = share_create(acting_user=review["learner"], document=document, label="某公司")
    document_revoke(acting_user=review["centre_admin"], document=document, reason="证书系伪造。")
    document.refresh_from_db()
    share.refresh_from_db()
    assert (document.status, document.revoked_reason) == (Status.REVOKED, "证书系伪造。")
    assert document.revoked_by == review["centre_admin"]
    assert share.ended_at is not None
    event = events("document.revoke").get()
    assert (event.actor, event.summary["before"], event.summary["after"]["status"]) == (
        review["centre_admin"],
        {"status": "ready"},
        "revoked",
    )


@pytest.mark.parametrize("role", ["quality_auditor", "learner", "expert", "institution_reviewer"])
def test_only_a_centre_administrator_revokes_suspends_or_reinstates(review, role):
    document = ready(review)
    before = AuditEvent.objects.count()
    with pytest.raises(NotAllowed):
        document_revoke(acting_user=review[role], document=document, reason="伪造")
    with pytest.raises(NotAllowed):
        document_suspend(acting_user=review[role], document=document, reason="核查中")
    ProofDocument.objects.filter(pk=document.pk).update(suspended=True)
    with pytest.raises(NotAllowed):
        document_reinstate(acting_user=review[role], document=document)
    document.refresh_from_db()
    assert (document.status, document.suspended) == (Status.READY, True)
    assert AuditEvent.objects.count() == before


def test_a_revocation_needs_a_reason_and_a_ready_document(review):
    document = ready(review)
    with pytest.raises(InvalidInput) as refused:
        document_revoke(acting_user=review["centre_admin"], document=document, reason="  ")
    assert refused.value.field == "reason"
    not_ready = requested(review)
    with pytest.raises(IllegalTransition):
        document_revoke(acting_user=review["centre_admin"], document=not_ready, reason="伪造")
    document.refresh_from_db()
    not_ready.refresh_from_db()
    assert (document.status, not_ready.status) == (Status.READY, Status.REQUESTED)
    assert not events("document.revoke").exists()


def test_suspending_and_reinstating_each_write_an_audit_event(review):
    document = ready(review)
    admin = review["centre_admin"]
    document_suspend(acting_user=admin, document=document, reason="用人单位举报，核查中。")
    document.refresh_from_db()
    assert document.suspended and document.status == Status.READY
    event = events("document.suspend").get()
    assert event.summary["note"] == "用人单位举报，核查中。"
    assert event.summary["after"] == {"suspended": True}
    with pytest.raises(IllegalTransition):
        document_suspend(acting_user=admin, document=document, reason="再次")
    document_reinstate(acting_user=admin, document=document)
    document.refresh_from_db()
    assert not document.suspended
    assert events("document.reinstate").get().summary["after"] == {"suspended": False}
    with pytest.raises(IllegalTransition):
        document_reinstate(acting_user=admin, document=document)
    with pytest.raises(InvalidInput):
        document_suspend(acting_user=admin, document=document, reason="")
    assert events("document.suspend").count() == 1


def test_a_revoked_recognition_revokes_the_ready_documents_that_list_it_and_no_others(review):
    revoked = review.recognised(title="养老护理员培训")
    kept = review.recognised(title="计算机应用能力证书")
    transcript = ready(review)  # lists both
    other_proof = ready(review, kind="proof", achievements=[kept])
    waiting = requested(review, kind="proof", achievements=[revoked])
    assert set(transcript.achievements.all()) == {revoked, kept}
    services.achievement_revoke(
        acting_user=review["centre_admin"], achievement=revoked, reason="证书系伪造。"
    )
    transcript.refresh_from_db()
    other_proof.refresh_from_db()
    waiting.refresh_from_db()
    assert transcript.status == Status.REVOKED
    assert "养老护理员培训" in transcript.revoked_reason
    assert "证书系伪造。" in transcript.revoked_reason
    assert transcript.revoked_by == review["centre_admin"]
    assert (other_proof.status, waiting.status) == (Status.READY, Status.REQUESTED)
    assert list(events("document.revoke").values_list("object_id", flat=True)) == [
        str(transcript.pk)
    ]


# --- The learning credit inquiry ----------------------------------------------------------------


@pytest.fixture
def consent(review):
    review.recognised()
    return consent_create(acting_user=review["learner"], scope="achievements", label="某公司")


def test_an_inquiry_with_the_right_code_shows_the_consented_summary_once(review, consent):
    made, code = consent
    inquiry = inquiry_make(
        account_number=review.account.account_number.lower(),
        code=f" {code[:6].lower()}-{code[6:]} ",
        inquirer="重庆某科技有限公司",
        purpose="招聘",
    )
    assert inquiry.consent == made
    assert inquiry.result["account_number"] == review.account.account_number
    assert inquiry.result["credits"] == "3.00"
    assert inquiry.result["achievements_count"] == 1
    assert [item["credits"] for item in inquiry.result["achievements"]] == ["3.00"]
    event = events("inquiry.make").get()
    assert event.summary["after"]["inquirer"] == "重庆某科技有限公司"
    with pytest.raises(InvalidInput) as used:
        inquiry_make(account_number=review.account.account_number, code=code, inquirer="另一家公司")
    assert (used.value.message, used.value.field) == (gettext(REFUSED), "code")
    assert CreditInquiry.objects.count() == 1


def test_a_totals_consent_shows_no_achievements(review):
    review.recognised()
    _consent, code = consent_create(acting_user=review["learner"], scope="totals", hours=1)
    inquiry = inquiry_make(
        account_number=review.account.account_number, code=code, inquirer="某学校"
    )
    assert "achievements" not in inquiry.result
    assert inquiry.result["achievements_count"] == 1


def _other_account(review):
    from tests.conftest import new_people

    user = new_people("other_learner", totp=False)["other_learner"]
    return active_account(branch=review.branch, user=user)


@pytest.mark.parametrize("mismatch", ["wrong_code", "wrong_account", "no_account", "expired"])
def test_any_mismatch_is_one_message_and_writes_nothing(review, consent, mismatch):
    made, code = consent
    number = review.account.account_number
    if mismatch == "wrong_code":
        code = code[:-1] + ("A" if code[-1] != "A" else "B")
    elif mismatch == "wrong_account":
        number = _other_account(review).account_number
    elif mismatch == "no_account":
        number = "CB00000000000"
    else:
        InquiryConsent.objects.filter(pk=made.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        inquiry_make(account_number=number, code=code, inquirer="某公司")
    assert (refused.value.message, refused.value.field) == (gettext(REFUSED), "code")
    assert not CreditInquiry.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_cancelled_consent_is_refused_with_the_same_message(review, consent):
    made, code = consent
    consent_cancel(acting_user=review["learner"], consent=made)
    with pytest.raises(InvalidInput) as refused:
        inquiry_make(account_number=review.account.account_number, code=code, inquirer="某公司")
    assert refused.value.message == gettext(REFUSED)


# --- Share links and their PINs -----------------------------------------------------------------


def test_a_share_locks_after_too_many_wrong_pins_in_a_row(review):
    document = ready(review)
    share, _token = share_create(acting_user=review["learner"], document=document, pin="4821")
    for _ in range(PIN_TRIES - 1):
        assert share_check_pin(share=share, pin="0000") is False
    share.refresh_from_db()
    assert (share.failed_pins, share.ended_at) == (PIN_TRIES - 1, None)
    assert share_check_pin(share=share, pin="4821") is True
    share.refresh_from_db()
    assert share.failed_pins == 0  # in a row: a right PIN starts the count again
    for _ in range(PIN_TRIES):
        assert share_check_pin(share=share, pin="1111") is False
    share.refresh_from_db()
    assert share.ended_at is not None and not share.is_open
    assert events("document.share_locked").get().summary["after"] == {"share": share.pk}
    assert share_check_pin(share=share, pin="4821") is False
    assert DocumentShare.objects.get(pk=share.pk).failed_pins == PIN_TRIES
