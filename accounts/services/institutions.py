"""Institution accounts (机构账户): applications, the centre's decisions, the institution's staff.

The institution state machine is written once, in ``TRANSITIONS``: a centre administrator
approves or rejects an application, and may later suspend and reinstate an approved institution.
Staff join an institution through an e-mailed invitation whose token is stored only as a hash.
"""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from creditbank.audit import audit_record
from creditbank.errors import ServiceError

from ..models import (
    INSTITUTION_TRANSITIONS,
    Institution,
    InstitutionInvitation,
    InstitutionStaff,
    institution_decisions_open,
    invitation_token_hash,
)
from ..roles import has_role

Status = Institution.Status

TRANSITIONS = INSTITUTION_TRANSITIONS
# Decisions that take something away from the institution must say why.
REASON_REQUIRED = frozenset({"reject", "suspend"})

REASON_MAX_LENGTH = Institution._meta.get_field("status_reason").max_length
INVITATION_VALID_FOR = timedelta(days=14)


decisions_open = institution_decisions_open


def _credit_code_taken(credit_code: str) -> bool:
    return Institution.objects.filter(credit_code=credit_code).exists()


def _duplicate_code_error() -> ServiceError:
    return ServiceError(
        _(
            "An institution with this unified social credit code is already registered or has "
            "already applied. If it is your organisation, ask its administrator to invite you, "
            "or contact the centre."
        ),
        field="credit_code",
        code="duplicate",
    )


@transaction.atomic
def institution_apply(
    *,
    acting_user,
    name: str,
    credit_code: str,
    kind: str,
    address: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
) -> Institution:
    """An organisation applies for an institution account; the applicant is ``acting_user``.

    ``credit_code`` must already be in its canonical 18-character form (the form normalises it);
    a code that fails its GB 32100 check character, or one that any institution already holds
    (whatever its status), is refused. The application starts ``applied``.
    """
    if not getattr(acting_user, "is_authenticated", False):
        raise ServiceError(_("Please sign in to apply."), code="not_signed_in")
    if not uscc.is_valid(credit_code) or credit_code != uscc.compact(credit_code):
        raise ServiceError(
            _("This is not a valid unified social credit code."),
            field="credit_code",
            code="invalid_code",
        )
    if kind not in Institution.Kind.values:
        raise ServiceError(_("Choose a type of institution."), field="kind", code="invalid_kind")
    if _credit_code_taken(credit_code):
        raise _duplicate_code_error()
    try:
        with transaction.atomic():  # a concurrent application with the same code may win
            institution = Institution.objects.create(
                name=name,
                credit_code=credit_code,
                kind=kind,
                address=address,
                contact_name=contact_name,
                contact_phone=contact_phone,
                contact_email=contact_email,
                status=Status.APPLIED,
                applied_by=acting_user,
            )
    except IntegrityError as exc:
        raise _duplicate_code_error() from exc
    audit_record(
        actor=acting_user,
        action="institution.apply",
        target=institution,
        after={"name": name, "kind": kind, "status": Status.APPLIED},
    )
    return institution


@transaction.atomic
def institution_decide(
    *, acting_user, institution: Institution, decision: str, reason: str = ""
) -> Institution:
    """A centre administrator takes ``decision`` (a key of ``TRANSITIONS``) on ``institution``.

    The institution is locked and its current status checked against the transition; anything
    else is refused and changes nothing. Nobody decides on an institution they applied for or
    work for. ``reject`` and ``suspend`` need a reason. Approving makes the applicant the
    institution's first administrator. Returns the institution as saved.
    """
    if decision not in TRANSITIONS:
        raise ServiceError(_("Unknown decision."), field="decision", code="unknown_decision")
    if not has_role(acting_user, "centre_admin"):
        raise ServiceError(
            _("Only a centre administrator decides on institutions."), code="not_allowed"
        )
    reason = reason.strip()
    if decision in REASON_REQUIRED and not reason:
        raise ServiceError(
            _("Please give the reason; the institution will see it."),
            field="reason",
            code="reason_required",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(
            _("At most %(max)d characters, please.") % {"max": REASON_MAX_LENGTH},
            field="reason",
            code="max_length",
        )
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    if (
        locked.applied_by_id == acting_user.pk
        or locked.staff.filter(user_id=acting_user.pk).exists()
    ):
        raise ServiceError(
            _("You cannot decide on an institution that you applied for or work for."),
            field="decision",
            code="own_institution",
        )
    source, target = TRANSITIONS[decision]
    if locked.status != source:
        raise ServiceError(
            _("This decision is not possible now: the institution's status is %(status)s.")
            % {"status": locked.get_status_display()},
            field="decision",
            code="illegal_transition",
        )
    before = {"status": locked.status, "reason": locked.status_reason}
    locked.status = target
    locked.status_reason = reason
    locked.decided_by = acting_user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "decided_by", "decided_at"])
    after = {"status": target, "reason": reason}
    if decision == "approve" and locked.applied_by_id is not None:
        InstitutionStaff.objects.get_or_create(
            institution=locked, user_id=locked.applied_by_id, role=InstitutionStaff.Role.ADMIN
        )
        after["first_admin"] = locked.applied_by.get_username()
    audit_record(
        actor=acting_user,
        action=f"institution.{decision}",
        target=locked,
        before=before,
        after=after,
    )
    return locked


def institution_approve(*, acting_user, institution: Institution, reason: str = "") -> Institution:
    """Approve an application (``applied → approved``); see ``institution_decide``."""
    return institution_decide(
        acting_user=acting_user, institution=institution, decision="approve", reason=reason
    )


def institution_reject(*, acting_user, institution: Institution, reason: str) -> Institution:
    """Reject an application with a reason (``applied → rejected``)."""
    return institution_decide(
        acting_user=acting_user, institution=institution, decision="reject", reason=reason
    )


def institution_suspend(*, acting_user, institution: Institution, reason: str) -> Institution:
    """Suspend an approved institution with a reason (``approved → suspended``)."""
    return institution_decide(
        acting_user=acting_user, institution=institution, decision="suspend", reason=reason
    )


def institution_reinstate(
    *, acting_user, institution: Institution, reason: str = ""
) -> Institution:
    """Reinstate a suspended institution (``suspended → approved``)."""
    return institution_decide(
        acting_user=acting_user, institution=institution, decision="reinstate", reason=reason
    )


def _lock_as_admin(
    acting_user, institution: Institution, *, must_be_approved: bool = False
) -> Institution:
    """Lock ``institution`` and check that ``acting_user`` administers it (and, if asked, that
    it is approved: a suspended institution takes on no staff but may still let staff go)."""
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    if not locked.staff.filter(user_id=acting_user.pk, role=InstitutionStaff.Role.ADMIN).exists():
        raise ServiceError(
            _("Only an administrator of the institution manages its staff."), code="not_allowed"
        )
    if must_be_approved and locked.status != Status.APPROVED:
        raise ServiceError(
            _("Staff can only be invited while the institution is approved."),
            code="institution_not_approved",
        )
    return locked


@transaction.atomic
def institution_invite(
    *, acting_user, institution: Institution, email: str, role: str, base_url: str
) -> tuple[InstitutionInvitation, str]:
    """An institution administrator invites ``email`` to join with ``role``.

    A random token is e-mailed (once the transaction commits) as a link under ``base_url``
    (scheme and host, e.g. ``https://bank.example``); only its SHA-256 is stored. A second
    pending invitation for the same address, or an invitation for someone already holding the
    role, is refused. Returns the invitation and the token (for the caller's tests and logs,
    never to be shown to the inviter).
    """
    if role not in InstitutionStaff.Role.values:
        raise ServiceError(_("Choose a role."), field="role", code="invalid_role")
    locked = _lock_as_admin(acting_user, institution, must_be_approved=True)
    email = email.strip().lower()
    if locked.invitations.filter(email__iexact=email, accepted_at__isnull=True).exists():
        raise ServiceError(
            _("This address already has a pending invitation; cancel it first to send a new one."),
            field="email",
            code="already_invited",
        )
    holders = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    if locked.staff.filter(user_id__in=holders, role=role).exists():
        raise ServiceError(
            _("The person with this address already holds this role here."),
            field="email",
            code="already_staff",
        )
    token = secrets.token_urlsafe(32)
    invitation = InstitutionInvitation.objects.create(
        institution=locked,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=acting_user,
    )
    link = base_url.rstrip("/") + reverse("institution_invitation", args=[token])
    # Rendered now, in the inviter's language, and sent only if the invitation is committed.
    subject = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "") + _(
        "Invitation to join %(institution)s"
    ) % {"institution": locked.name}
    body = render_to_string(
        "accounts/institution_invitation_email.txt",
        {
            "institution": locked,
            "role": invitation.get_role_display(),
            "inviter": acting_user,
            "link": link,
            "valid_days": INVITATION_VALID_FOR.days,
        },
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    audit_record(
        actor=acting_user,
        action="institution.invite",
        target=locked,
        after={"invitation": invitation.pk, "email": email, "role": role},
    )
    return invitation, token


@transaction.atomic
def institution_invitation_cancel(*, acting_user, invitation: InstitutionInvitation) -> None:
    """An institution administrator withdraws a pending invitation; its link stops working."""
    _lock_as_admin(acting_user, invitation.institution)
    deleted, _rows = InstitutionInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True
    ).delete()
    if not deleted:
        raise ServiceError(
            _("This invitation has already been accepted or withdrawn."), code="not_pending"
        )
    audit_record(
        actor=acting_user,
        action="institution.invitation_cancel",
        target=invitation.institution,
        before={"invitation": invitation.pk, "email": invitation.email, "role": invitation.role},
    )


def invitation_check(*, invitation: InstitutionInvitation, user) -> None:
    """Raise the ``ServiceError`` that refuses ``user`` accepting ``invitation``, if any.

    An invitation works once, within ``INVITATION_VALID_FOR``, while the institution is
    approved, and only for a person who holds the invited address as a *verified* e-mail address.
    The accept service relies on it; the invitation page uses it to say so before anyone clicks.
    """
    if invitation.accepted_at is not None:
        raise ServiceError(_("This invitation has already been used."), code="used")
    if timezone.now() - invitation.created_at > INVITATION_VALID_FOR:
        raise ServiceError(
            _("This invitation has expired. Ask the institution's administrator for a new one."),
            code="expired",
        )
    if not EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=invitation.email, verified=True
    ).exists():
        raise ServiceError(
            _(
                "This invitation was sent to %(email)s. Sign in with the account that has this "
                "verified e-mail address, or add and verify it under Account settings."
            )
            % {"email": invitation.email},
            code="wrong_email",
        )
    if invitation.institution.status != Status.APPROVED:
        raise ServiceError(
            _("The institution is not approved at present, so it cannot take on staff."),
            code="institution_not_approved",
        )


@transaction.atomic
def institution_invitation_accept(*, acting_user, token: str) -> InstitutionStaff:
    """The invitee, signed in, accepts the invitation that ``token`` names: they get the
    invited role at the institution and the invitation is used up (see ``invitation_check``).
    """
    if not getattr(acting_user, "is_authenticated", False):
        raise ServiceError(_("Please sign in to accept the invitation."), code="not_signed_in")
    invitation = (
        InstitutionInvitation.objects.select_for_update(of=("self",))
        .select_related("institution")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    if invitation is None:
        raise ServiceError(
            _("This invitation link is not valid. It may have been withdrawn."),
            code="invalid_token",
        )
    invitation_check(invitation=invitation, user=acting_user)
    staff, _created = InstitutionStaff.objects.get_or_create(
        institution=invitation.institution, user=acting_user, role=invitation.role
    )
    invitation.accepted_by = acting_user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    audit_record(
        actor=acting_user,
        action="institution.invitation_accept",
        target=invitation.institution,
        after={"invitation": invitation.pk, "user": acting_user.get_username(), "role": staff.role},
    )
    acting_user._cb_roles = None
    return staff


@transaction.atomic
def institution_staff_remove(*, acting_user, staff: InstitutionStaff) -> None:
    """An institution administrator takes a role away from a member of staff.

    The institution keeps at least one administrator: removing the last one is refused. The
    institution row is locked so that two administrators cannot remove each other at once.
    """
    locked = _lock_as_admin(acting_user, staff.institution)
    row = locked.staff.select_related("user").filter(pk=staff.pk).first()
    if row is None:
        raise ServiceError(_("This person no longer holds this role."), code="not_found")
    admins = locked.staff.filter(role=InstitutionStaff.Role.ADMIN)
    if row.role == InstitutionStaff.Role.ADMIN and admins.count() == 1:
        raise ServiceError(
            _("The institution must keep at least one administrator."), code="last_admin"
        )
    row.delete()
    audit_record(
        actor=acting_user,
        action="institution.staff_remove",
        target=locked,
        before={"user": row.user.get_username(), "role": row.role},
    )
    row.user._cb_roles = None
