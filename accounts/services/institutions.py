"""Institution accounts (机构账户): applications, the centre's decisions, the institution's staff.

The institution state machine is written once, in ``TRANSITIONS``: a centre administrator
approves or rejects an application, and may later suspend and reinstate an approved institution.
Staff join an institution through an e-mailed invitation whose token is stored only as a hash
(and made only when the e-mail is sent, by the worker that sends it).
"""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text

from ..models import (
    INSTITUTION_TRANSITIONS,
    Institution,
    InstitutionInvitation,
    InstitutionStaff,
    institution_decisions_open,
    invitation_token_hash,
)
from ..roles import CENTRE_ADMIN, has_role
from .notices import notice_language, notice_send

Status = Institution.Status

TRANSITIONS = INSTITUTION_TRANSITIONS
# Decisions that take something away from the institution must say why.
REASON_REQUIRED = frozenset({"reject", "suspend"})

REASON_MAX_LENGTH = Institution._meta.get_field("status_reason").max_length
INVITATION_VALID_FOR = timedelta(days=14)


decisions_open = institution_decisions_open


def _credit_code_taken(credit_code: str) -> bool:
    return Institution.objects.filter(credit_code=credit_code).exists()


def _duplicate_code_error() -> InvalidInput:
    return InvalidInput(
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
        raise NotAllowed(_("Please sign in to apply."), code="not_signed_in")
    if not uscc.is_valid(credit_code) or credit_code != uscc.compact(credit_code):
        raise InvalidInput(
            _("This is not a valid unified social credit code."),
            field="credit_code",
            code="invalid_code",
        )
    if kind not in Institution.Kind.values:
        raise InvalidInput(_("Choose a type of institution."), field="kind", code="invalid_kind")
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
        raise InvalidInput(_("Unknown decision."), field="decision", code="unknown_decision")
    if not has_role(acting_user, CENTRE_ADMIN):
        raise NotAllowed(
            _("Only a centre administrator decides on institutions."), code="not_allowed"
        )
    reason = clean_text(
        reason, field="reason", max_length=REASON_MAX_LENGTH, required=False, multiline=True
    )
    if decision in REASON_REQUIRED and not reason:
        raise InvalidInput(
            _("Please give the reason; the institution will see it."),
            field="reason",
            code="reason_required",
        )
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    if (
        locked.applied_by_id == acting_user.pk
        or locked.staff.filter(user_id=acting_user.pk).exists()
    ):
        raise NotAllowed(
            _("You cannot decide on an institution that you applied for or work for."),
            field="decision",
            code="own_institution",
        )
    source, target = TRANSITIONS[decision]
    if locked.status != source:
        raise IllegalTransition(
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
    if decision in ("approve", "reject") and locked.applied_by_id is not None:
        _decision_notice(locked, decision)
    return locked


def _decision_notice(institution: Institution, decision: str) -> None:
    """Tell the applicant that the centre approved or rejected their application (with the
    reason), linking to the institution's page."""
    name = {"name": institution.name}
    with notice_language():
        if decision == "approve":
            title = _("Your institution application is approved")
            body = (
                _(
                    "%(name)s is now an institution of the credit bank and you are its "
                    "administrator. Invite its staff on the institution's page."
                )
                % name
            )
        else:
            title = _("Your institution application was not approved")
            body = _("The centre rejected the application for %(name)s.") % name
        if institution.status_reason:
            body += "\n" + _("Reason: %(reason)s") % {"reason": institution.status_reason}
    notice_send(
        user=institution.applied_by,
        title=title,
        body=body,
        link=reverse("accounts:institution_detail", args=[institution.pk]),
    )


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
        raise NotAllowed(
            _("Only an administrator of the institution manages its staff."), code="not_allowed"
        )
    if must_be_approved and locked.status != Status.APPROVED:
        raise IllegalTransition(
            _("Staff can only be invited while the institution is approved."),
            code="institution_not_approved",
        )
    return locked


@transaction.atomic
def institution_invite(
    *, acting_user, institution: Institution, email: str, role: str
) -> InstitutionInvitation:
    """An institution administrator invites ``email`` to join with ``role``.

    Once the transaction commits, a Celery task e-mails the invitation
    (``invitation_email_send``); nothing is sent if it rolls back. A second pending invitation
    for the same address, or an invitation for someone already holding the role, is refused.
    """
    if role not in InstitutionStaff.Role.values:
        raise InvalidInput(_("Choose a role."), field="role", code="invalid_role")
    locked = _lock_as_admin(acting_user, institution, must_be_approved=True)
    email = email.strip().lower()
    if locked.invitations.filter(email__iexact=email, accepted_at__isnull=True).exists():
        raise InvalidInput(
            _("This address already has a pending invitation; cancel it first to send a new one."),
            field="email",
            code="already_invited",
        )
    holders = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    if locked.staff.filter(user_id__in=holders, role=role).exists():
        raise InvalidInput(
            _("The person with this address already holds this role here."),
            field="email",
            code="already_staff",
        )
    invitation = InstitutionInvitation.objects.create(
        institution=locked, email=email, role=role, invited_by=acting_user
    )
    from ..tasks import invitation_email

    transaction.on_commit(lambda: invitation_email.delay(invitation.pk))
    audit_record(
        actor=acting_user,
        action="institution.invite",
        target=locked,
        after={"invitation": invitation.pk, "email": email, "role": role},
    )
    return invitation


@transaction.atomic
def invitation_email_send(*, invitation_id: int) -> bool:
    """E-mail a pending invitation that has not been e-mailed yet; ``False`` if there is none.

    The token is made here, in the worker, and only its SHA-256 is stored: the token travels in
    the e-mail alone — never through the broker, a log or the database. Safe to run twice: an
    invitation that has a token, was accepted or was withdrawn is not sent again. The row stays
    locked while the mail goes out, so a failed send stores nothing and a retry makes a new
    token. The message is in the site's language (the bank knows no language of the invitee);
    the link is under ``CREDITBANK_SITE_URL``.
    """
    invitation = (
        InstitutionInvitation.objects.select_for_update(of=("self",))
        .select_related("institution", "invited_by")
        .filter(pk=invitation_id, token_hash__isnull=True, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    token = secrets.token_urlsafe(32)
    invitation.token_hash = invitation_token_hash(token)
    invitation.save(update_fields=["token_hash"])
    link = settings.CREDITBANK_SITE_URL.rstrip("/") + reverse(
        "accounts:institution_invitation", args=[token]
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "") + _(
            "Invitation to join %(institution)s"
        ) % {"institution": invitation.institution.name}
        body = render_to_string(
            "accounts/institution_invitation_email.txt",
            {
                "institution": invitation.institution,
                "role": invitation.get_role_display(),
                "inviter": invitation.invited_by,
                "link": link,
                "valid_days": INVITATION_VALID_FOR.days,
            },
        )
    send_mail(subject, body, None, [invitation.email])
    return True


@transaction.atomic
def institution_invitation_cancel(*, acting_user, invitation: InstitutionInvitation) -> None:
    """An institution administrator withdraws a pending invitation; its link stops working."""
    _lock_as_admin(acting_user, invitation.institution)
    deleted, _rows = InstitutionInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True
    ).delete()
    if not deleted:
        raise IllegalTransition(
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
        raise IllegalTransition(_("This invitation has already been used."), code="used")
    if timezone.now() - invitation.created_at > INVITATION_VALID_FOR:
        raise IllegalTransition(
            _("This invitation has expired. Ask the institution's administrator for a new one."),
            code="expired",
        )
    if not EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=invitation.email, verified=True
    ).exists():
        raise NotAllowed(
            _(
                "This invitation was sent to %(email)s. Sign in with the account that has this "
                "verified e-mail address, or add and verify it under Account settings."
            )
            % {"email": invitation.email},
            code="wrong_email",
        )
    if invitation.institution.status != Status.APPROVED:
        raise IllegalTransition(
            _("The institution is not approved at present, so it cannot take on staff."),
            code="institution_not_approved",
        )


@transaction.atomic
def institution_invitation_accept(*, acting_user, token: str) -> InstitutionStaff:
    """The invitee, signed in, accepts the invitation that ``token`` names: they get the
    invited role at the institution and the invitation is used up (see ``invitation_check``).
    """
    if not getattr(acting_user, "is_authenticated", False):
        raise NotAllowed(_("Please sign in to accept the invitation."), code="not_signed_in")
    invitation = (
        InstitutionInvitation.objects.select_for_update(of=("self",))
        .select_related("institution")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    if invitation is None:
        raise InvalidInput(
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
    _accepted_notice(invitation, staff)
    acting_user._cb_roles = None
    return staff


def _accepted_notice(invitation: InstitutionInvitation, staff: InstitutionStaff) -> None:
    """Tell the inviter and the institution's administrators (not the newcomer) that an
    invitation was accepted, linking to the institution's page, where they see its staff."""
    institution = invitation.institution
    recipients = {
        row.user
        for row in institution.staff.select_related("user").filter(
            Q(role=InstitutionStaff.Role.ADMIN) | Q(user_id=invitation.invited_by_id)
        )
        if row.user_id != staff.user_id
    }
    person = staff.user.get_full_name() or staff.user.get_username()
    with notice_language():
        title = _("%(person)s has joined %(institution)s") % {
            "person": person,
            "institution": institution.name,
        }
        body = _(
            "%(person)s accepted the invitation sent to %(email)s and is now %(role)s at "
            "%(institution)s."
        ) % {
            "person": person,
            "email": invitation.email,
            "role": staff.get_role_display(),
            "institution": institution.name,
        }
    link = reverse("accounts:institution_detail", args=[institution.pk])
    for user in sorted(recipients, key=lambda u: u.pk):
        notice_send(user=user, title=title, body=body, link=link)


@transaction.atomic
def institution_staff_remove(*, acting_user, staff: InstitutionStaff) -> None:
    """An institution administrator takes a role away from a member of staff.

    The institution keeps at least one administrator: removing the last one is refused. The
    institution row is locked so that two administrators cannot remove each other at once.
    """
    locked = _lock_as_admin(acting_user, staff.institution)
    row = locked.staff.select_related("user").filter(pk=staff.pk).first()
    if row is None:
        raise IllegalTransition(_("This person no longer holds this role."), code="not_found")
    admins = locked.staff.filter(role=InstitutionStaff.Role.ADMIN)
    if row.role == InstitutionStaff.Role.ADMIN and admins.count() == 1:
        raise IllegalTransition(
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
