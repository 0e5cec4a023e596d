"""Proof (证明): requesting, rendering, sharing, extending and ending documents, and the
learning credit inquiry (学习信誉查询) under a consent code.

A document is requested by its learner; a Celery task renders it (``document_render``: the PDF,
signed, and the verifiable credentials); it is then ``ready`` until it expires, the learner
withdraws it or the centre revokes it — or a recognition it lists is revoked, which revokes it
with that reason (``documents_revoke_for_achievement``, called by ``achievement_revoke``).

Secrets (the share links' tokens, the consent codes) are shown once and stored as SHA-256
hashes; PINs as Django password hashes. A wrong code, token or PIN says nothing about other
codes. Openings of a document by others are kept as ``DocumentView`` rows (when and through what,
never who); they are a log in their own right and write no audit event.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import LearnerAccount
from accounts.services.notices import notice_language, notice_send
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text

from ..access import can_manage_documents
from ..models import (
    DOCUMENT_TRANSITIONS,
    STATUS_LIST_SIZE,
    VALID_DAYS_MAX,
    VALID_DAYS_MIN,
    Achievement,
    CreditEntry,
    CreditInquiry,
    DocumentShare,
    DocumentView,
    InquiryConsent,
    ProofDocument,
)
from ..proof.content import document_content, recognised_achievements

# Crockford's base32: no I, L, O or U, so a code read aloud or off paper is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 bits
_READS_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
# A share link lives at most as long as its document; a consent code only hours.
SHARE_DAYS_MAX = 90
CONSENT_HOURS = (1, 24, 72)
CONSENT_CODE_LENGTH = 12  # 60 bits; single use, short-lived and rate-limited
PIN_TRIES = 5


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def code_normalise(value: str) -> str:
    """A code as typed or scanned — any case, with dashes or spaces, I/L for 1, O for 0 — in
    its stored form; letters outside the alphabet are kept, so that the lookup simply fails."""
    return "".join(str(value or "").split()).replace("-", "").upper().translate(_READS_AS)


def document_lookup(code: str) -> ProofDocument | None:
    """The document whose verification code is ``code`` (as typed), or ``None``."""
    code = code_normalise(code)
    if len(code) != CODE_LENGTH:
        return None
    return ProofDocument.objects.select_related("account").filter(code=code).first()


def verify_url(document: ProofDocument) -> str:
    """The verification page's full address, printed and put in the QR code."""
    return settings.CREDITBANK_SITE_URL + reverse("verify:document", args=[document.code])


def _learner_link(document: ProofDocument) -> str:
    return reverse("achievements:document_detail", args=[document.pk])


def _lock(document: ProofDocument) -> ProofDocument:
    return (
        ProofDocument.objects.select_for_update()
        .select_related("account__user")
        .get(pk=document.pk)
    )


def _require(document: ProofDocument, action: str) -> str:
    after, starts = DOCUMENT_TRANSITIONS[action]
    if document.status not in starts:
        raise IllegalTransition(
            _("This document is %(status)s; that is not possible now.")
            % {"status": document.get_status_display()},
            code=f"document_{action}",
        )
    return after


def _move(document: ProofDocument, action: str, *, actor, fields=(), note="", after=None):
    """Take ``action`` on the locked ``document``: new status, saved, one audit event."""
    before = document.status
    document.status = _require(document, action)
    document.status_changed_at = timezone.now()
    document.save(update_fields=[*fields, "status", "status_changed_at"])
    audit_record(
        actor=actor,
        action=f"document.{action}",
        target=document,
        before={"status": before},
        after={"status": document.status, **(after or {})},
        note=note,
    )
    if action in ("revoke", "withdraw"):
        transaction.on_commit(status_lists_changed)


def status_lists_changed() -> None:
    """Tell the status lists that a bit changed (their cached signed copies are dropped)."""
    try:
        from ..credentials.status import status_lists_changed as changed
    except ImportError:  # the credentials package is not there yet
        return
    changed()


def _own_account(acting_user) -> LearnerAccount:
    account = LearnerAccount.objects.filter(user=acting_user).first()
    if account is None:
        raise NotAllowed(_("Only a learner with a learning account can do this."))
    if account.status != LearnerAccount.Status.ACTIVE:
        raise NotAllowed(
            _("Your learning account is %(status)s: documents can be requested once it is active.")
            % {"status": account.get_status_display()},
            code="account_not_active",
        )
    return account


def _require_owner(acting_user, document: ProofDocument) -> None:
    if document.account.user_id != acting_user.pk:
        raise NotAllowed(_("Only the learner whose document it is can do this."))


def _valid_days(days, *, field: str = "valid_days") -> int:
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not VALID_DAYS_MIN <= days <= VALID_DAYS_MAX:
        raise InvalidInput(
            _("Choose between %(low)s and %(high)s days.")
            % {"low": VALID_DAYS_MIN, "high": VALID_DAYS_MAX},
            field=field,
        )
    return days


def _status_index() -> int:
    """A free place in the Bitstring Status Lists, chosen at random within the newest list (as
    the specification recommends: a place tells nothing about how many documents came before);
    when a few tries all hit taken places, the next list. The unique constraint settles a race."""
    top = ProofDocument.objects.aggregate(top=Max("status_index"))["top"] or 0
    current = top // STATUS_LIST_SIZE
    for _attempt in range(8):
        index = current * STATUS_LIST_SIZE + secrets.randbelow(STATUS_LIST_SIZE)
        if not ProofDocument.objects.filter(status_index=index).exists():
            return index
    return (current + 1) * STATUS_LIST_SIZE + secrets.randbelow(STATUS_LIST_SIZE)


# --- Requesting and rendering ------------------------------------------------------------------


@transaction.atomic
def document_request(
    *, acting_user, kind: str, language: str, valid_days, achievement_ids=()
) -> ProofDocument:
    """The learner asks for a transcript (every recognised achievement) or a proof of the
    chosen ones. What it certifies is frozen now; the rendering is queued after commit."""
    account = _own_account(acting_user)
    if kind not in ProofDocument.Kind.values:
        raise InvalidInput(_("Choose a document type."), field="kind")
    if language not in ProofDocument.Language.values:
        raise InvalidInput(_("Choose a language."), field="language")
    days = _valid_days(valid_days)
    ids = None
    if kind == ProofDocument.Kind.PROOF:
        try:
            ids = sorted({int(pk) for pk in achievement_ids})
        except (TypeError, ValueError):
            ids = []
        if not ids:
            raise InvalidInput(
                _("Choose at least one recognised achievement."), field="achievements"
            )
    achievements = list(recognised_achievements(account, ids))
    if ids is not None and len(achievements) != len(ids):
        raise InvalidInput(
            _("Only your recognised achievements can be on a proof."), field="achievements"
        )
    if not achievements and kind == ProofDocument.Kind.PROOF:
        raise InvalidInput(_("Choose at least one recognised achievement."), field="achievements")
    with translation.override(language):
        content = document_content(account, kind=kind, achievements=achievements)
    for attempt in range(3):
        try:
            with transaction.atomic():
                document = ProofDocument.objects.create(
                    account=account,
                    kind=kind,
                    language=language,
                    code=_random_code(CODE_LENGTH),
                    content=content,
                    valid_days=days,
                    requested_by=acting_user,
                    status_index=_status_index(),
                )
            break
        except IntegrityError:  # a status place (or, in theory, a code) taken at the same time
            if attempt == 2:
                raise
    document.achievements.set(achievements)
    audit_record(
        actor=acting_user,
        action="document.request",
        target=document,
        after={
            "kind": kind,
            "language": language,
            "valid_days": days,
            "achievements": len(achievements),
            "status": document.status,
        },
    )
    _queue_render(document)
    return document


def _queue_render(document: ProofDocument) -> None:
    from ..tasks import document_render_task

    transaction.on_commit(lambda: document_render_task.delay(document.pk))


def _progress(document_id: int, percent: int) -> None:
    ProofDocument.objects.filter(pk=document_id, status="rendering").update(progress=percent)


def document_render(*, document_id: int) -> ProofDocument:
    """Render, sign and issue ``document_id`` (the Celery task's body). Safe to run twice, or
    twice at once: only a run that finds the document still ``rendering`` at the end saves
    its result, so a document is made once; a document already past rendering is left alone.
    Rendering happens outside any transaction (it takes seconds); each state change is one."""
    with transaction.atomic():
        document = _lock(ProofDocument.objects.get(pk=document_id))
        if document.status == ProofDocument.Status.REQUESTED:
            _move(document, "render", actor=None, fields=("progress",))
        elif document.status != ProofDocument.Status.RENDERING:
            return document
    try:
        return _render(document)
    except Exception as error:  # noqa: BLE001 — any failure is the learner's "failed, try again"
        _fail(document, error)
        raise


def _render(document: ProofDocument) -> ProofDocument:
    from django.core.files.base import ContentFile

    from ..credentials.issue import document_credential
    from ..proof.pdf import render_document_pdf
    from ..proof.signing import sign_pdf

    issued_at = timezone.now().replace(microsecond=0)
    document.issued_at = issued_at
    document.expires_at = issued_at + timedelta(days=document.valid_days)
    _progress(document.pk, 10)
    pdf, pages = render_document_pdf(document, verify_url=verify_url(document))
    _progress(document.pk, 70)
    signed = sign_pdf(pdf)
    _progress(document.pk, 85)
    credential = document_credential(document)
    _progress(document.pk, 95)
    with transaction.atomic():
        locked = _lock(document)
        if locked.status != ProofDocument.Status.RENDERING:
            return locked  # another run finished first
        locked.pdf.save(f"{locked.code}.pdf", ContentFile(signed), save=False)
        locked.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        locked.pages = pages
        locked.credential = credential
        locked.issued_at = issued_at
        locked.expires_at = document.expires_at
        locked.progress = 100
        _move(
            locked,
            "ready",
            actor=None,
            fields=(
                "pdf",
                "pdf_sha256",
                "pages",
                "credential",
                "issued_at",
                "expires_at",
                "progress",
            ),
            after={"pages": pages, "expires_at": locked.expires_at.isoformat()},
        )
        _notify(
            locked,
            lambda: (
                _("Your document is ready"),
                _("Your %(kind)s is ready to download and share (code %(code)s).")
                % {"kind": locked.get_kind_display(), "code": locked.code_display},
            ),
        )
    return locked


def _fail(document: ProofDocument, error: Exception) -> None:
    with transaction.atomic():
        locked = _lock(document)
        if locked.status not in DOCUMENT_TRANSITIONS["fail"][1]:
            return
        locked.failure = f"{type(error).__name__}: {error}"[:300]
        _move(locked, "fail", actor=None, fields=("failure",), after={"failure": locked.failure})
        _notify(
            locked,
            lambda: (
                _("Your document could not be prepared"),
                _("Something went wrong while preparing your %(kind)s. Please try again.")
                % {"kind": locked.get_kind_display()},
            ),
        )


def _notify(document: ProofDocument, make) -> None:
    with notice_language():
        title, body = make()
    notice_send(user=document.account.user, title=title, body=body, link=_learner_link(document))


@transaction.atomic
def document_retry(*, acting_user, document: ProofDocument) -> ProofDocument:
    """A failed document is queued again."""
    locked = _lock(document)
    _require_owner(acting_user, locked)
    locked.failure = ""
    locked.progress = 0
    _move(locked, "retry", actor=acting_user, fields=("failure", "progress"))
    _queue_render(locked)
    return locked


# --- Extending, withdrawing, revoking, suspending ----------------------------------------------


@transaction.atomic
def document_extend(*, acting_user, document: ProofDocument, days) -> ProofDocument:
    """The learner extends a ready document's verification once, by 30–180 days from its
    current expiry (an expired one from today)."""
    locked = _lock(document)
    _require_owner(acting_user, locked)
    if locked.status != ProofDocument.Status.READY:
        raise IllegalTransition(_("Only a ready document can be extended."), code="extend")
    if locked.extended:
        raise IllegalTransition(
            _("This document was extended once already; request a new one."), code="extended"
        )
    days = _valid_days(days, field="days")
    before = locked.expires_at
    start = max(before, timezone.now())
    locked.expires_at = start + timedelta(days=days)
    locked.extended = True
    # The credentials state the expiry (validUntil): they are issued again, signed anew.
    from ..credentials.issue import document_credential

    locked.credential = document_credential(locked)
    locked.save(update_fields=["expires_at", "extended", "credential"])
    audit_record(
        actor=acting_user,
        action="document.extend",
        target=locked,
        before={"expires_at": before.isoformat()},
        after={"expires_at": locked.expires_at.isoformat(), "days": days},
    )
    from ..tasks import document_reissue_task

    transaction.on_commit(lambda: document_reissue_task.delay(locked.pk))
    return locked


def document_reissue(*, document_id: int) -> ProofDocument:
    """After an extension, the PDF again with the new expiry, signed anew; the document stays
    ready and its code, shares and credentials are unchanged (the Celery task's body). Safe to
    run twice (the second replaces the PDF with the same text); a document no longer ready, or
    whose expiry changed meanwhile, is left alone."""
    from django.core.files.base import ContentFile

    from ..proof.pdf import render_document_pdf
    from ..proof.signing import sign_pdf

    document = ProofDocument.objects.select_related("account").get(pk=document_id)
    if document.status != ProofDocument.Status.READY:
        return document
    pdf, pages = render_document_pdf(document, verify_url=verify_url(document))
    signed = sign_pdf(pdf)
    with transaction.atomic():
        locked = _lock(document)
        if locked.status != ProofDocument.Status.READY or locked.expires_at != document.expires_at:
            return locked
        old = locked.pdf.name
        locked.pdf.save(f"{locked.code}.pdf", ContentFile(signed), save=False)
        locked.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        locked.pages = pages
        locked.save(update_fields=["pdf", "pdf_sha256", "pages"])
        audit_record(
            actor=None,
            action="document.reissue",
            target=locked,
            after={"expires_at": locked.expires_at.isoformat(), "pages": pages},
        )
        storage = locked.pdf.storage
        transaction.on_commit(lambda: storage.delete(old))
    return locked


@transaction.atomic
def document_withdraw(*, acting_user, document: ProofDocument, reason: str = "") -> ProofDocument:
    """The learner withdraws a document: its code, shares and credentials stop verifying."""
    locked = _lock(document)
    _require_owner(acting_user, locked)
    reason = clean_text(reason, field="reason", max_length=300, required=False)
    locked.revoked_reason = reason
    _move(locked, "withdraw", actor=acting_user, fields=("revoked_reason",), note=reason)
    _end_shares(locked)
    return locked


def _require_centre(acting_user) -> None:
    if not can_manage_documents(acting_user):
        raise NotAllowed(_("Only the centre can do this."))


@transaction.atomic
def document_revoke(*, acting_user, document: ProofDocument, reason: str) -> ProofDocument:
    """The centre revokes a document (fraud): its verification page turns red."""
    _require_centre(acting_user)
    reason = clean_text(reason, field="reason", max_length=300)
    locked = _lock(document)
    locked.revoked_reason = reason
    locked.revoked_by = acting_user
    _move(locked, "revoke", actor=acting_user, fields=("revoked_reason", "revoked_by"), note=reason)
    _end_shares(locked)
    _notify(
        locked,
        lambda: (
            _("A document was revoked"),
            _("The centre revoked your %(kind)s (code %(code)s): %(reason)s")
            % {"kind": locked.get_kind_display(), "code": locked.code_display, "reason": reason},
        ),
    )
    return locked


@transaction.atomic
def document_suspend(*, acting_user, document: ProofDocument, reason: str) -> ProofDocument:
    """The centre suspends a ready document while it looks into it (the suspension status
    list says so); ``document_reinstate`` lifts it."""
    _require_centre(acting_user)
    reason = clean_text(reason, field="reason", max_length=300)
    return _set_suspended(acting_user, document, True, reason)


@transaction.atomic
def document_reinstate(*, acting_user, document: ProofDocument) -> ProofDocument:
    _require_centre(acting_user)
    return _set_suspended(acting_user, document, False, "")


def _suspension_action(suspended: bool) -> str:
    if suspended:
        return "document.suspend"
    return "document.reinstate"


def _set_suspended(acting_user, document, suspended: bool, reason: str) -> ProofDocument:
    locked = _lock(document)
    if locked.status != ProofDocument.Status.READY or locked.suspended == suspended:
        raise IllegalTransition(
            _("This document cannot be suspended now.")
            if suspended
            else _("This document is not suspended."),
            code="suspend",
        )
    locked.suspended = suspended
    locked.save(update_fields=["suspended"])
    action = _suspension_action(suspended)
    audit_record(
        actor=acting_user,
        action=action,
        target=locked,
        before={"suspended": not suspended},
        after={"suspended": suspended},
        note=reason,
    )
    transaction.on_commit(status_lists_changed)
    return locked


def documents_revoke_for_achievement(*, acting_user, achievement: Achievement, reason: str) -> int:
    """A recognition was revoked: every ready document that lists it is revoked with that
    reason, in the caller's transaction. Returns how many."""
    count = 0
    for document in ProofDocument.objects.listing(achievement).filter(
        status=ProofDocument.Status.READY
    ):
        locked = _lock(document)
        locked.revoked_reason = (
            _("The recognition of “%(title)s” was revoked: %(reason)s")
            % {"title": achievement.title, "reason": reason}
        )[:300]
        locked.revoked_by = acting_user
        _move(locked, "revoke", actor=acting_user, fields=("revoked_reason", "revoked_by"))
        _end_shares(locked)
        count += 1
    return count


def _end_shares(document: ProofDocument) -> None:
    document.shares.filter(ended_at__isnull=True).update(ended_at=timezone.now())


# --- Sharing and the view log ------------------------------------------------------------------


@transaction.atomic
def share_create(
    *, acting_user, document: ProofDocument, label: str = "", pin: str = "", valid_days=30
) -> tuple[DocumentShare, str]:
    """A share link for a ready document, with an optional PIN of 4–8 digits; the link's
    token is returned once and only its hash kept."""
    locked = _lock(document)
    _require_owner(acting_user, locked)
    if locked.status != ProofDocument.Status.READY or locked.is_expired:
        raise IllegalTransition(_("Only a ready, valid document can be shared."), code="share")
    label = clean_text(label, field="label", max_length=60, required=False)
    pin = (pin or "").strip()
    if pin and not (pin.isdigit() and pin.isascii() and 4 <= len(pin) <= 8):
        raise InvalidInput(_("A PIN is 4 to 8 digits."), field="pin")
    try:
        days = int(valid_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= SHARE_DAYS_MAX:
        raise InvalidInput(
            _("Choose between 1 and %(high)s days.") % {"high": SHARE_DAYS_MAX},
            field="valid_days",
        )
    token = secrets.token_urlsafe(24)
    share = DocumentShare.objects.create(
        document=locked,
        label=label,
        token_hash=_sha256(token),
        pin_hash=make_password(pin) if pin else "",
        expires_at=min(timezone.now() + timedelta(days=days), locked.expires_at),
    )
    audit_record(
        actor=acting_user,
        action="document.share",
        target=locked,
        after={"share": share.pk, "label": label, "pin": bool(pin), "days": days},
    )
    return share, token


@transaction.atomic
def share_end(*, acting_user, share: DocumentShare) -> DocumentShare:
    locked = (
        DocumentShare.objects.select_for_update()
        .select_related("document__account")
        .get(pk=share.pk)
    )
    _require_owner(acting_user, locked.document)
    if locked.ended_at is not None:
        raise IllegalTransition(_("This share link has ended already."), code="share_end")
    locked.ended_at = timezone.now()
    locked.save(update_fields=["ended_at"])
    audit_record(
        actor=acting_user,
        action="document.share_end",
        target=locked.document,
        after={"share": locked.pk},
    )
    return locked


def share_lookup(token: str) -> DocumentShare | None:
    """The share whose link carries ``token``, or ``None`` (any state: the page says which)."""
    if not token or len(token) > 64:
        return None
    return (
        DocumentShare.objects.select_related("document__account")
        .filter(token_hash=_sha256(token))
        .first()
    )


@transaction.atomic
def share_check_pin(*, share: DocumentShare, pin: str) -> bool:
    """Whether ``pin`` opens ``share``; after ``PIN_TRIES`` wrong ones in a row the link is
    ended (the learner can make a new one), and the audit log says so."""
    locked = DocumentShare.objects.select_for_update().get(pk=share.pk)
    if not locked.is_open:
        return False
    if check_password((pin or "").strip(), locked.pin_hash):
        if locked.failed_pins:
            locked.failed_pins = 0
            locked.save(update_fields=["failed_pins"])
        return True
    locked.failed_pins += 1
    fields = ["failed_pins"]
    if locked.failed_pins >= PIN_TRIES:
        locked.ended_at = timezone.now()
        fields.append("ended_at")
        audit_record(
            actor=None,
            action="document.share_locked",
            target=locked.document,
            after={"share": locked.pk},
        )
    locked.save(update_fields=fields)
    return False


def document_view_record(*, document: ProofDocument, via: str, share=None) -> DocumentView:
    """One opening by someone else, for the learner's view log: when and through what."""
    return DocumentView.objects.create(document=document, via=via, share=share)


# --- Learning credit inquiry --------------------------------------------------------------------


@transaction.atomic
def consent_create(
    *, acting_user, scope: str, label: str = "", hours=24
) -> tuple[InquiryConsent, str]:
    """A consent code for one learning credit inquiry: single use, valid for ``hours`` (1, 24
    or 72), showing ``scope``. The code is returned once; only its hash is kept."""
    account = _own_account(acting_user)
    if scope not in InquiryConsent.Scope.values:
        raise InvalidInput(_("Choose what may be seen."), field="scope")
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        hours = 0
    if hours not in CONSENT_HOURS:
        raise InvalidInput(_("Choose how long the code works."), field="hours")
    label = clean_text(label, field="label", max_length=60, required=False)
    code = _random_code(CONSENT_CODE_LENGTH)
    consent = InquiryConsent.objects.create(
        account=account,
        scope=scope,
        label=label,
        code_hash=_sha256(f"{account.pk}:{code}"),
        code_hint=code[-4:],
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    audit_record(
        actor=acting_user,
        action="inquiry.consent",
        target=consent,
        after={"scope": scope, "hours": hours, "label": label},
    )
    return consent, code


@transaction.atomic
def consent_cancel(*, acting_user, consent: InquiryConsent) -> InquiryConsent:
    locked = InquiryConsent.objects.select_for_update().select_related("account").get(pk=consent.pk)
    if locked.account.user_id != acting_user.pk:
        raise NotAllowed(_("Only the learner who made this code can cancel it."))
    if locked.cancelled_at is not None or hasattr(locked, "inquiry"):
        raise IllegalTransition(_("This code was used or cancelled already."), code="consent")
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    audit_record(actor=acting_user, action="inquiry.consent_cancel", target=locked)
    return locked


def consent_state(consent: InquiryConsent) -> str:
    """``used``, ``cancelled``, ``expired`` or ``open``."""
    if hasattr(consent, "inquiry"):
        return "used"
    if consent.cancelled_at is not None:
        return "cancelled"
    if consent.expires_at <= timezone.now():
        return "expired"
    return "open"


def inquiry_result(account: LearnerAccount, scope: str) -> dict:
    """What an inquiry shows: the credit balance and counts; with the ``achievements`` scope
    also the recognised achievements (title, level, field, credits, date)."""
    balance = CreditEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    achievements = list(recognised_achievements(account))
    result = {
        "name": account.real_name,
        "account_number": account.account_number,
        "at": timezone.now().isoformat(),
        "credits": str(balance or 0),
        "achievements_count": len(achievements),
    }
    if scope == InquiryConsent.Scope.ACHIEVEMENTS:
        result["achievements"] = [
            {
                "title": item.title,
                "level": item.recognition.level.name_zh if item.recognition.level else "",
                "level_en": item.recognition.level.name_en if item.recognition.level else "",
                "field": item.recognition.field,
                "credits": str(item.recognition.credits),
                "recognised_on": item.recognition.decided_at.date().isoformat(),
            }
            for item in achievements
        ]
    return result


@transaction.atomic
def inquiry_make(*, account_number: str, code: str, inquirer: str, purpose: str = ""):
    """A third party's learning credit inquiry. Any mismatch — no such account, wrong code,
    expired, used, cancelled — is the same ``InvalidInput``, so that the answer tells nothing
    about which; the consent is used up by a successful inquiry."""
    inquirer = clean_text(inquirer, field="inquirer", max_length=120)
    purpose = clean_text(purpose, field="purpose", max_length=120, required=False)
    refused = InvalidInput(
        _("The account number and consent code do not match a valid consent."), field="code"
    )
    account = LearnerAccount.objects.filter(
        account_number=(account_number or "").strip().upper()
    ).first()
    if account is None:
        raise refused
    consent = (
        InquiryConsent.objects.select_for_update()
        .filter(account=account, code_hash=_sha256(f"{account.pk}:{code_normalise(code)}"))
        .first()
    )
    if consent is None or consent_state(consent) != "open":
        raise refused
    inquiry = CreditInquiry.objects.create(
        consent=consent,
        inquirer=inquirer,
        purpose=purpose,
        result=inquiry_result(account, consent.scope),
    )
    audit_record(
        actor=None,
        action="inquiry.make",
        target=consent,
        after={"inquiry": inquiry.pk, "inquirer": inquirer, "scope": consent.scope},
    )
    with notice_language():
        title = _("Someone made a learning credit inquiry")
        body = _("%(inquirer)s used your consent code …%(hint)s.") % {
            "inquirer": inquirer,
            "hint": consent.code_hint,
        }
    notice_send(
        user=account.user, title=title, body=body, link=reverse("achievements:consent_list")
    )
    return inquiry
