"""Personal learning accounts: opening one per identity, its status, and revealing the ID number.

State machine (the only allowed transitions, written once here)::

    pending_verification --verify--> active --freeze--> frozen --unfreeze--> active
    pending_verification --return--> returned --resubmit--> pending_verification
    pending_verification | returned | active | frozen --close--> closed

``return`` asks the learner for a new photo of the ID (with a reason they are told);
``resubmit`` is the learner uploading it.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import luhn

from creditbank import pii
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.redaction import mask_id_number

from ..models import LearnerAccount
from .notices import notice_language, notice_send

Status = LearnerAccount.Status

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "verify": (frozenset({Status.PENDING_VERIFICATION}), Status.ACTIVE),
    "return": (frozenset({Status.PENDING_VERIFICATION}), Status.RETURNED),
    "resubmit": (frozenset({Status.RETURNED}), Status.PENDING_VERIFICATION),
    "freeze": (frozenset({Status.ACTIVE}), Status.FROZEN),
    "unfreeze": (frozenset({Status.FROZEN}), Status.ACTIVE),
    "close": (
        frozenset({Status.PENDING_VERIFICATION, Status.RETURNED, Status.ACTIVE, Status.FROZEN}),
        Status.CLOSED,
    ),
}
ACTION_LABELS = {
    "verify": gettext_lazy("verified"),
    "return": gettext_lazy("returned for a new ID photo"),
    "resubmit": gettext_lazy("sent for verification again"),
    "freeze": gettext_lazy("frozen"),
    "unfreeze": gettext_lazy("unfrozen"),
    "close": gettext_lazy("closed"),
}

DUPLICATE_IDENTITY = gettext_lazy(
    "A learning account already exists for this ID. Please sign in with it; if you have "
    "forgotten your log-in, reset your password or ask any service point for help."
)


@dataclass(frozen=True)
class Identity:
    """What a form has checked and normalised about a person (accounts.identity)."""

    real_name: str
    id_type: str
    id_number: str
    birth_date: date | None
    mobile: str
    education: str
    work_unit: str = ""


def account_number_is_valid(number: str) -> bool:
    prefix = settings.CREDITBANK_ACCOUNT_PREFIX
    digits = number[len(prefix) :]
    return number.startswith(prefix) and digits.isdigit() and luhn.is_valid(digits)


def _next_account_number() -> str:
    """``CB`` + 10 digits from a database sequence + a Luhn check digit (13 characters)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('accounts_learner_account_number_seq')")
        (serial,) = cursor.fetchone()
    digits = f"{serial:010d}"
    return f"{settings.CREDITBANK_ACCOUNT_PREFIX}{digits}{luhn.calc_check_digit(digits)}"


def identity_hash(id_type: str, id_number: str) -> str:
    return pii.blind_index("learner-id", id_type, id_number)


def identity_is_registered(id_type: str, id_number: str) -> bool:
    return LearnerAccount.objects.filter(id_number_hash=identity_hash(id_type, id_number)).exists()


@transaction.atomic
def learner_account_create(
    *,
    acting_user,
    user,
    identity: Identity,
    channel: str,
    verified: bool,
    id_image=None,
) -> LearnerAccount:
    """Open a learning account for ``user`` with a real-name identity.

    One identity, one account: a second account for the same ID type and number is refused
    with a message that names the way forward, whether the first one was found by the lookup
    or by the unique index in a race. An account verified on the spot (in person) starts
    ``active``; otherwise ``pending_verification``.
    """
    if LearnerAccount.objects.filter(user=user).exists():
        raise IllegalTransition(
            _("This person already has a learning account."), code="has_account"
        )
    id_hash = identity_hash(identity.id_type, identity.id_number)
    if LearnerAccount.objects.filter(id_number_hash=id_hash).exists():
        raise InvalidInput(str(DUPLICATE_IDENTITY), field="id_number", code="duplicate_identity")
    now = timezone.now()
    account = LearnerAccount(
        user=user,
        account_number=_next_account_number(),
        real_name=identity.real_name,
        id_type=identity.id_type,
        id_number_encrypted=pii.encrypt(identity.id_number),
        id_number_hash=id_hash,
        id_number_masked=mask_id_number(identity.id_number),
        birth_date=identity.birth_date,
        mobile=identity.mobile,
        education=identity.education,
        work_unit=identity.work_unit,
        channel=channel,
        status=Status.ACTIVE if verified else Status.PENDING_VERIFICATION,
        verified_by=acting_user if verified else None,
        verified_at=now if verified else None,
        status_changed_at=now,
    )
    if id_image is not None:
        account.id_image = id_image
    try:
        with transaction.atomic():
            account.save(force_insert=True)
    except IntegrityError as exc:
        raise InvalidInput(
            str(DUPLICATE_IDENTITY), field="id_number", code="duplicate_identity"
        ) from exc
    audit_record(
        actor=acting_user,
        action="learner_account.open",
        target=account,
        after={
            "account_number": account.account_number,
            "channel": channel,
            "status": account.status,
            "id_type": identity.id_type,
            "id_number": account.id_number_masked,
        },
    )
    return account


def _transition(*, acting_user, account: LearnerAccount, action: str, reason: str, **extra):
    allowed_from, target = TRANSITIONS[action]
    locked = LearnerAccount.objects.select_for_update().get(pk=account.pk)
    if locked.status not in allowed_from:
        raise IllegalTransition(
            _("This account is %(status)s and cannot be %(action)s.")
            % {"status": locked.get_status_display(), "action": ACTION_LABELS[action]},
            code="illegal_transition",
        )
    before = locked.status
    locked.status = target
    locked.status_reason = reason
    locked.status_changed_at = timezone.now()
    for field, value in extra.items():
        setattr(locked, field, value)
    locked.save(update_fields=["status", "status_reason", "status_changed_at", *extra])
    audit_record(
        actor=acting_user,
        action=f"learner_account.{action}",
        target=locked,
        before={"status": before},
        after={"status": target, "reason": reason},
    )
    return locked


def _account_notice(account: LearnerAccount, action: str, reason: str = "") -> None:
    """Tell the learner (in-site and by e-mail, in their language) that their account was
    verified, frozen, unfrozen, closed or returned for a new ID photo, with the reason, linking
    to their account page."""
    with notice_language():
        number = {"number": account.account_number}
        title, body = {
            "verify": (
                _("Your learning account is verified"),
                _(
                    "Your learning account %(number)s has passed real-name verification and is "
                    "active. You can now deposit your learning achievements."
                ),
            ),
            "freeze": (
                _("Your learning account has been frozen"),
                _(
                    "Your learning account %(number)s has been frozen. If you have questions, "
                    "contact your branch centre."
                ),
            ),
            "unfreeze": (
                _("Your learning account is active again"),
                _("Your learning account %(number)s has been unfrozen and is active again."),
            ),
            "return": (
                _("Please upload a new photo of your ID"),
                _(
                    "The branch centre could not verify your learning account %(number)s from "
                    "the ID image. Upload a new photo on your account page, or bring your ID to "
                    "a service point."
                ),
            ),
            "close": (
                _("Your learning account has been closed"),
                _(
                    "Your learning account %(number)s has been closed. If you have questions, "
                    "contact your branch centre."
                ),
            ),
        }[action]
        body = body % number
        if reason:
            body += "\n" + _("Reason: %(reason)s") % {"reason": reason}
    notice_send(user=account.user, title=title, body=body, link=reverse("accounts:my_account"))


@transaction.atomic
def learner_account_verify(
    *, acting_user, account: LearnerAccount, method: str, note: str = ""
) -> LearnerAccount:
    """Real-name verification by branch staff, in person or from the uploaded ID image."""
    if method == "id_image" and not account.id_image:
        raise InvalidInput(
            _("No ID image was uploaded; verify the person in person instead."), field="method"
        )
    reason = {"in_person": _("Verified in person"), "id_image": _("Verified from the ID image")}[
        method
    ]
    locked = _transition(
        acting_user=acting_user,
        account=account,
        action="verify",
        reason=f"{reason}{': ' + note if note else ''}"[:300],
        verified_by=acting_user,
        verified_at=timezone.now(),
    )
    _account_notice(locked, "verify")
    return locked


@transaction.atomic
def learner_account_return(*, acting_user, account: LearnerAccount, reason: str) -> LearnerAccount:
    """Branch staff ask the learner for a new photo of the ID (unreadable, cut off, not the
    person's): the account waits for the learner, who is told ``reason`` in a notice (and by
    e-mail) with a link to the page where they upload it."""
    locked = _transition(acting_user=acting_user, account=account, action="return", reason=reason)
    _account_notice(locked, "return", reason)
    return locked


@transaction.atomic
def learner_account_resubmit(*, acting_user, account: LearnerAccount, id_image) -> LearnerAccount:
    """The learner uploads a new ID image for an account that was returned; it waits for
    verification again. Only the account's owner may; the old image is deleted once the
    change is committed (an ID image is personal data kept no longer than needed)."""
    if account.user_id != acting_user.pk:
        raise NotAllowed(_("Only the learner can upload their own ID image."))
    old = LearnerAccount.objects.get(pk=account.pk).id_image
    locked = _transition(
        acting_user=acting_user,
        account=account,
        action="resubmit",
        reason="",
        id_image=id_image,
    )
    if old and old.name != locked.id_image.name:
        storage, name = old.storage, old.name
        transaction.on_commit(lambda: storage.delete(name))
    return locked


@transaction.atomic
def learner_account_freeze(*, acting_user, account: LearnerAccount, reason: str):
    """Freeze an active account (it keeps its data; the learner sees why)."""
    locked = _transition(acting_user=acting_user, account=account, action="freeze", reason=reason)
    _account_notice(locked, "freeze", reason)
    return locked


@transaction.atomic
def learner_account_unfreeze(*, acting_user, account: LearnerAccount, reason: str):
    locked = _transition(acting_user=acting_user, account=account, action="unfreeze", reason=reason)
    _account_notice(locked, "unfreeze", reason)
    return locked


@transaction.atomic
def learner_account_close(*, acting_user, account: LearnerAccount, reason: str):
    """Close an account for good; closing is final."""
    locked = _transition(acting_user=acting_user, account=account, action="close", reason=reason)
    _account_notice(locked, "close", reason)
    return locked


@transaction.atomic
def learner_id_reveal(*, acting_user, account: LearnerAccount) -> str:
    """Return the full ID number to branch staff, after an explicit click; audited (the event
    names who looked, never the number)."""
    audit_record(actor=acting_user, action="learner_account.reveal_id", target=account)
    return pii.decrypt(account.id_number_encrypted)


@transaction.atomic
def learner_mobile_change(*, acting_user, account: LearnerAccount, mobile: str) -> LearnerAccount:
    """Change the learner's mobile number (the form has checked the password again).

    E-mail addresses are changed on allauth's e-mail page, which asks for the password again
    (``ACCOUNT_REAUTHENTICATION_REQUIRED``) and verifies the new address.
    """
    locked = LearnerAccount.objects.select_for_update().get(pk=account.pk)
    if locked.status == Status.CLOSED:
        raise IllegalTransition(_("A closed account cannot be changed."), code="closed")
    before = locked.mobile
    locked.mobile = mobile
    locked.save(update_fields=["mobile"])
    audit_record(
        actor=acting_user,
        action="learner_account.mobile_change",
        target=locked,
        before={"mobile": before},
        after={"mobile": mobile},
    )
    return locked
