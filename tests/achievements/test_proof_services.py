"""The learner's proof services: requesting a transcript or a proof (bad input writes nothing),
trying a failed one again, extending once, withdrawing, share links with and without a PIN, and
consent codes for a learning credit inquiry — each step with its audit event, each illegal step
refused."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from accounts.models import LearnerAccount
from achievements.models import DocumentShare, InquiryConsent, ProofDocument
from achievements.services import proof as services
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.achievements.factories import active_account
from tests.achievements.proof_factories import failed, make_ready, ready, requested
from tests.achievements.proof_factories import share as make_share

pytestmark = pytest.mark.django_db

Status = ProofDocument.Status


@pytest.fixture
def learner(review):
    return review["learner"]


@pytest.fixture
def other(review, people):
    """Another learner with an active account at the same branch."""
    return active_account(branch=review.branch, user=people["outsider"])


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def written():
    """What a refused step must not have written."""
    return (
        ProofDocument.objects.count(),
        DocumentShare.objects.count(),
        InquiryConsent.objects.count(),
        AuditEvent.objects.filter(action__startswith="document.").count(),
        AuditEvent.objects.filter(action__startswith="inquiry.").count(),
    )


# --- Requesting ----------------------------------------------------------------------------------


def test_a_learner_requests_a_transcript_of_everything_recognised(review, learner):
    first = review.recognised()
    second = review.recognised(title="老年照护实务")
    review.deposit(title="尚未认定的培训")  # deposited only: not on the transcript

    document = services.document_request(
        acting_user=learner, kind="transcript", language="zh-hans", valid_days=60
    )

    assert document.status == Status.REQUESTED
    assert document.account == review.account and document.requested_by == learner
    assert len(document.code) == 20 and set(document.code) <= set(services.CODE_ALPHABET)
    assert document.valid_days == 60 and document.expires_at is None and not document.extended
    assert {a.pk for a in document.achievements.all()} == {first.pk, second.pk}
    assert {line["id"] for line in document.content["achievements"]} == {first.pk, second.pk}
    assert document.content["holder"]["account_number"] == review.account.account_number
    assert document.content["totals"]["achievements"] == 2
    [event] = events("document.request")
    assert event.actor == learner and event.object_id == str(document.pk)
    assert event.summary["after"] == {
        "kind": "transcript",
        "language": "zh-hans",
        "valid_days": 60,
        "achievements": 2,
        "status": "requested",
    }


def test_a_proof_lists_only_the_chosen_achievements(review, learner):
    chosen = review.recognised()
    review.recognised(title="老年照护实务")

    document = services.document_request(
        acting_user=learner,
        kind="proof",
        language="en",
        valid_days="180",
        achievement_ids=[str(chosen.pk)],
    )

    assert document.kind == "proof" and document.language == "en" and document.valid_days == 180
    assert list(document.achievements.all()) == [chosen]
    assert [line["id"] for line in document.content["achievements"]] == [chosen.pk]
    assert document.content["conversions"] == []


def test_each_request_gets_its_own_code_and_status_list_index(review):
    one, two = requested(review.account), requested(review.account)
    assert one.code != two.code
    assert one.status_index != two.status_index


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "diploma"}, "kind"),
        ({"language": "fr"}, "language"),
        ({"valid_days": 29}, "valid_days"),
        ({"valid_days": 181}, "valid_days"),
        ({"valid_days": "ninety"}, "valid_days"),
        ({"kind": "proof"}, "achievements"),
        ({"kind": "proof", "achievement_ids": ["x"]}, "achievements"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_writes_nothing(review, learner, changes, field):
    review.recognised()
    before = written()
    request = {"kind": "transcript", "language": "zh-hans", "valid_days": 90} | changes
    with pytest.raises(InvalidInput) as refused:
        services.document_request(acting_user=learner, **request)
    assert refused.value.field == field
    assert written() == before


def test_a_proof_cannot_list_an_achievement_that_is_not_recognised_or_not_ones_own(
    review, learner, other
):
    mine = review.recognised()
    pending = review.submitted(title="审核中的培训")
    before = written()
    for ids in ([mine.pk, pending.pk], [pending.pk]):
        with pytest.raises(InvalidInput) as refused:
            services.document_request(
                acting_user=learner,
                kind="proof",
                language="zh-hans",
                valid_days=90,
                achievement_ids=ids,
            )
        assert refused.value.field == "achievements"
    with pytest.raises(InvalidInput):
        services.document_request(
            acting_user=other.user,
            kind="proof",
            language="zh-hans",
            valid_days=90,
            achievement_ids=[mine.pk],
        )
    assert written() == before


def test_only_a_learner_with_an_active_account_may_request(review, learner, people):
    before = written()
    with pytest.raises(NotAllowed):
        services.document_request(
            acting_user=people["centre_admin"], kind="transcript", language="en", valid_days=90
        )
    LearnerAccount.objects.filter(pk=review.account.pk).update(status="frozen")
    with pytest.raises(NotAllowed) as refused:
        services.document_request(
            acting_user=learner, kind="transcript", language="en", valid_days=90
        )
    assert refused.value.code == "account_not_active"
    assert written() == before


# --- Trying again, extending, withdrawing -------------------------------------------------------


def test_a_failed_document_is_requested_again(review, learner):
    document = failed(review.account)

    services.document_retry(acting_user=learner, document=document)

    document.refresh_from_db()
    assert document.status == Status.REQUESTED
    assert document.failure == "" and document.progress == 0
    [event] = events("document.retry")
    assert event.summary["before"] == {"status": "failed"}
    assert event.summary["after"] == {"status": "requested"}


@pytest.mark.parametrize("state", ["requested", "ready"])
def test_only_a_failed_document_can_be_tried_again(review, learner, state):
    document = requested(review.account) if state == "requested" else ready(review.account)
    with pytest.raises(IllegalTransition):
        services.document_retry(acting_user=learner, document=document)
    document.refresh_from_db()
    assert document.status == state
    assert events("document.retry") == []


def test_a_ready_document_is_extended_once_from_its_expiry(review, learner):
    document = ready(review.account, valid_days=30)
    expiry = document.expires_at

    services.document_extend(acting_user=learner, document=document, days=60)

    document.refresh_from_db()
    assert document.extended
    assert document.expires_at == expiry + timedelta(days=60)
    [event] = events("document.extend")
    assert event.summary["after"]["days"] == 60
    assert event.summary["before"]["expires_at"] == expiry.isoformat()

    with pytest.raises(IllegalTransition) as refused:
        services.document_extend(acting_user=learner, document=document, days=30)
    assert refused.value.code == "extended"
    document.refresh_from_db()
    assert document.expires_at == expiry + timedelta(days=60)
    assert len(events("document.extend")) == 1


def test_an_expired_document_is_extended_from_today(review, learner):
    document = make_ready(
        requested(review.account, valid_days=30),
        issued_at=timezone.now() - timedelta(days=40),
    )
    assert document.is_expired
    services.document_extend(acting_user=learner, document=document, days=30)
    document.refresh_from_db()
    assert not document.is_expired
    assert document.expires_at > timezone.now() + timedelta(days=29)


@pytest.mark.parametrize("days", [0, 29, 181, "soon"])
def test_an_extension_out_of_range_is_refused_beside_the_days(review, learner, days):
    document = ready(review.account)
    expiry = document.expires_at
    with pytest.raises(InvalidInput) as refused:
        services.document_extend(acting_user=learner, document=document, days=days)
    assert refused.value.field == "days"
    document.refresh_from_db()
    assert (document.expires_at, document.extended) == (expiry, False)
    assert events("document.extend") == []


def test_only_a_ready_document_of_ones_own_can_be_extended(review, learner, other):
    with pytest.raises(IllegalTransition):
        services.document_extend(acting_user=learner, document=failed(review.account), days=30)
    with pytest.raises(NotAllowed):
        services.document_extend(acting_user=other.user, document=ready(review.account), days=30)
    assert events("document.extend") == []


def test_withdrawing_ends_the_open_share_links(review, learner):
    document = ready(review.account)
    open_share = make_share(document)
    ended = make_share(document, ended=True)
    ended_at = ended.ended_at

    services.document_withdraw(acting_user=learner, document=document, reason="  信息有误  ")

    document.refresh_from_db()
    assert document.status == Status.WITHDRAWN
    assert document.revoked_reason == "信息有误"
    open_share.refresh_from_db()
    ended.refresh_from_db()
    assert open_share.ended_at is not None and not open_share.is_open
    assert ended.ended_at == ended_at
    [event] = events("document.withdraw")
    assert event.summary["after"] == {"status": "withdrawn"}
    assert event.summary["before"] == {"status": "ready"}


def test_a_withdrawal_needs_no_reason_but_only_a_ready_document_and_its_owner(
    review, learner, other
):
    document = ready(review.account)
    with pytest.raises(NotAllowed):
        services.document_withdraw(acting_user=other.user, document=document)
    services.document_withdraw(acting_user=learner, document=document)
    document.refresh_from_db()
    assert document.status == Status.WITHDRAWN and document.revoked_reason == ""
    with pytest.raises(IllegalTransition):
        services.document_withdraw(acting_user=learner, document=document)
    with pytest.raises(IllegalTransition):
        services.document_withdraw(acting_user=learner, document=requested(review.account))
    assert len(events("document.withdraw")) == 1


# --- Share links ---------------------------------------------------------------------------------


def test_a_share_link_without_a_pin_keeps_only_the_hash_of_its_token(review, learner):
    document = ready(review.account)

    share, token = services.share_create(
        acting_user=learner, document=document, label=" 某公司 人事部 ", valid_days=14
    )

    assert len(token) >= 32
    assert share.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in share.token_hash
    assert share.pin_hash == "" and not share.has_pin
    assert share.label == "某公司 人事部"
    assert share.is_open
    assert timedelta(days=13) < share.expires_at - timezone.now() <= timedelta(days=14)
    assert services.share_lookup(token) == share
    [event] = events("document.share")
    assert event.summary["after"] == {
        "share": share.pk,
        "label": "某公司 人事部",
        "pin": False,
        "days": 14,
    }
    assert token not in str(event.summary)


def test_a_share_link_with_a_pin_keeps_its_hash_and_never_outlives_the_document(review, learner):
    document = ready(review.account, valid_days=30)

    share, _token = services.share_create(
        acting_user=learner, document=document, pin="2468", valid_days=90
    )

    assert share.has_pin and "2468" not in share.pin_hash
    assert check_password("2468", share.pin_hash)
    assert share.expires_at == document.expires_at
    assert events("document.share")[0].summary["after"]["pin"] is True
    assert services.share_check_pin(share=share, pin="2468")
    assert not services.share_check_pin(share=share, pin="1357")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pin": "123"}, "pin"),
        ({"pin": "123456789"}, "pin"),
        ({"pin": "12a4"}, "pin"),
        ({"valid_days": 0}, "valid_days"),
        ({"valid_days": 91}, "valid_days"),
        ({"valid_days": ""}, "valid_days"),
    ],
)
def test_a_bad_pin_or_duration_is_refused_and_writes_nothing(review, learner, changes, field):
    document = ready(review.account)
    before = written()
    with pytest.raises(InvalidInput) as refused:
        services.share_create(
            acting_user=learner, document=document, **({"valid_days": 30} | changes)
        )
    assert refused.value.field == field
    assert written() == before


def test_only_a_ready_valid_document_of_ones_own_can_be_shared(review, learner, other):
    expired = make_ready(
        requested(review.account, valid_days=30), issued_at=timezone.now() - timedelta(days=31)
    )
    before = written()
    for document in (requested(review.account), failed(review.account), expired):
        with pytest.raises(IllegalTransition):
            services.share_create(acting_user=learner, document=document)
    with pytest.raises(NotAllowed):
        services.share_create(acting_user=other.user, document=ready(review.account))
    assert DocumentShare.objects.count() == before[1]
    assert events("document.share") == []


def test_the_learner_ends_a_share_link_once(review, learner, other):
    share, token = services.share_create(acting_user=learner, document=ready(review.account))
    with pytest.raises(NotAllowed):
        services.share_end(acting_user=other.user, share=share)

    services.share_end(acting_user=learner, share=share)

    share.refresh_from_db()
    assert share.ended_at is not None and not share.is_open
    [event] = events("document.share_end")
    assert event.summary["after"] == {"share": share.pk}
    with pytest.raises(IllegalTransition):
        services.share_end(acting_user=learner, share=share)
    assert len(events("document.share_end")) == 1


# --- Consent codes -------------------------------------------------------------------------------


def test_a_consent_code_is_shown_once_and_kept_as_a_hash(review, learner):
    consent, code = services.consent_create(
        acting_user=learner, scope="achievements", label="某公司", hours="72"
    )

    assert len(code) == services.CONSENT_CODE_LENGTH
    assert set(code) <= set(services.CODE_ALPHABET)
    assert consent.code_hint == code[-4:]
    assert code not in consent.code_hash
    assert consent.account == review.account and consent.scope == "achievements"
    assert timedelta(hours=71) < consent.expires_at - timezone.now() <= timedelta(hours=72)
    assert services.consent_state(consent) == "open"
    [event] = events("inquiry.consent")
    assert event.summary["after"] == {"scope": "achievements", "hours": 72, "label": "某公司"}
    assert code not in str(event.summary)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"scope": "everything"}, "scope"), ({"hours": 48}, "hours"), ({"hours": "x"}, "hours")],
)
def test_a_consent_out_of_its_choices_is_refused_and_writes_nothing(
    review, learner, changes, field
):
    before = written()
    with pytest.raises(InvalidInput) as refused:
        services.consent_create(acting_user=learner, **({"scope": "totals", "hours": 1} | changes))
    assert refused.value.field == field
    assert written() == before


def test_only_a_learner_with_an_active_account_makes_consent_codes(review, people):
    with pytest.raises(NotAllowed):
        services.consent_create(acting_user=people["expert"], scope="totals", hours=1)
    assert not InquiryConsent.objects.exists()


def test_the_learner_cancels_an_open_consent_code(review, learner, other):
    consent, code = services.consent_create(acting_user=learner, scope="totals", hours=24)
    with pytest.raises(NotAllowed):
        services.consent_cancel(acting_user=other.user, consent=consent)

    services.consent_cancel(acting_user=learner, consent=consent)

    consent.refresh_from_db()
    assert consent.cancelled_at is not None
    assert services.consent_state(consent) == "cancelled"
    [event] = events("inquiry.consent_cancel")
    assert event.object_id == str(consent.pk)
    with pytest.raises(IllegalTransition):
        services.consent_cancel(acting_user=learner, consent=consent)
    # A cancelled code opens nothing.
    with pytest.raises(InvalidInput):
        services.inquiry_make(
            account_number=review.account.account_number, code=code, inquirer="某公司"
        )


def test_a_used_consent_code_cannot_be_cancelled_and_an_old_one_expires(review, learner):
    used, code = services.consent_create(acting_user=learner, scope="totals", hours=1)
    services.inquiry_make(
        account_number=review.account.account_number,
        code=code.lower(),
        inquirer="某公司人事部",
        purpose="入职核验",
    )
    used = InquiryConsent.objects.select_related("inquiry").get(pk=used.pk)
    assert services.consent_state(used) == "used"
    assert used.inquiry.inquirer == "某公司人事部"
    with pytest.raises(IllegalTransition):
        services.consent_cancel(acting_user=learner, consent=used)

    old, _code = services.consent_create(acting_user=learner, scope="totals", hours=1)
    InquiryConsent.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    old.refresh_from_db()
    assert services.consent_state(old) == "expired"
    assert len(events("inquiry.consent_cancel")) == 0
