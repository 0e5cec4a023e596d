"""Alliance membership (联盟成员单位): an approved institution joins under a branch centre.

The transitions, written once here::

    (join) → active ⇄ suspended      (suspend / reinstate, with a reason)
    active | suspended → ended       (end, with a reason)
    ended → active                   (join again: the same row, a new join date)

Only an active membership of an approved institution counts (``selectors.is_alliance_member``).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Institution
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput
from creditbank.text import clean_text

from ..models import AllianceMembership, BranchCentre
from ._summary import changes, snapshot

Status = AllianceMembership.Status

# action → (statuses it may start from, status it leads to)
MEMBERSHIP_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({Status.ACTIVE}), Status.SUSPENDED),
    "reinstate": (frozenset({Status.SUSPENDED}), Status.ACTIVE),
    "end": (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.ENDED),
}
REASON_MAX = AllianceMembership._meta.get_field("status_reason").max_length
MEMBERSHIP_FIELDS = ("institution", "branch", "joined_on", "pilot_batch", "status", "status_reason")


def membership_actions(membership: AllianceMembership) -> list[str]:
    """The transitions open to ``membership`` now, in the order a page shows them."""
    return [
        a for a, (sources, _to) in MEMBERSHIP_TRANSITIONS.items() if membership.status in sources
    ]


def _check_joined_on(joined_on: datetime.date) -> None:
    if joined_on > timezone.localdate():
        raise InvalidInput(
            _("The join date cannot be in the future."), field="joined_on", code="future_date"
        )


def _check_approved(institution: Institution, field: str | None = "institution") -> None:
    if institution.status != Institution.Status.APPROVED:
        raise InvalidInput(
            _(
                "%(name)s is not an approved institution (its status is “%(status)s”). Only "
                "approved institutions can be alliance members; the centre must approve its "
                "application first."
            )
            % {"name": institution.name, "status": institution.get_status_display()},
            field=field,
            code="not_approved",
        )


@transaction.atomic
def membership_create(
    *,
    acting_user,
    institution: Institution,
    branch: BranchCentre,
    joined_on: datetime.date,
    pilot_batch: str = "",
) -> AllianceMembership:
    """Record that ``institution`` joins the alliance under ``branch``; the membership starts
    ``active``.

    Only an approved institution may join. An institution that is already a member (active or
    suspended) is refused; one whose membership ended joins again on the same record, which
    keeps one membership per institution (the audit log keeps the history). The join date may
    not lie in the future. Joins of one institution are serialised on its row.
    """
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    _check_approved(institution)
    _check_joined_on(joined_on)
    existing = AllianceMembership.objects.select_for_update().filter(institution=institution)
    membership = existing.first()
    if membership is not None and membership.status != Status.ENDED:
        raise InvalidInput(
            _("%(name)s is already an alliance member (status: %(status)s).")
            % {"name": institution.name, "status": membership.get_status_display()},
            field="institution",
            code="already_member",
        )
    if membership is None:
        membership = AllianceMembership.objects.create(
            institution=institution,
            branch=branch,
            joined_on=joined_on,
            pilot_batch=pilot_batch,
            status=Status.ACTIVE,
        )
        audit_record(
            actor=acting_user,
            action="membership.create",
            target=membership,
            after=snapshot(membership, MEMBERSHIP_FIELDS),
        )
        return membership
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.branch, membership.joined_on, membership.pilot_batch = branch, joined_on, pilot_batch
    membership.status, membership.status_reason = Status.ACTIVE, ""
    membership.save(update_fields=["branch", "joined_on", "pilot_batch", "status", "status_reason"])
    old, new = changes(before, snapshot(membership, MEMBERSHIP_FIELDS))
    audit_record(
        actor=acting_user, action="membership.rejoin", target=membership, before=old, after=new
    )
    return membership


@transaction.atomic
def membership_update(
    *,
    acting_user,
    membership: AllianceMembership,
    branch: BranchCentre,
    joined_on: datetime.date,
    pilot_batch: str,
) -> AllianceMembership:
    """Correct the branch, join date or pilot batch of a current (active or suspended)
    membership. An ended membership is history and is not edited."""
    membership = AllianceMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == Status.ENDED:
        raise IllegalTransition(
            _("This membership has ended and can no longer be changed."), code="ended"
        )
    _check_joined_on(joined_on)
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.branch, membership.joined_on, membership.pilot_batch = branch, joined_on, pilot_batch
    old, new = changes(before, snapshot(membership, MEMBERSHIP_FIELDS))
    if new:
        membership.save(update_fields=list(new))
        audit_record(
            actor=acting_user, action="membership.update", target=membership, before=old, after=new
        )
    return membership


def _transition(acting_user, membership: AllianceMembership, action: str, reason: str):
    sources, target = MEMBERSHIP_TRANSITIONS[action]
    membership = (
        AllianceMembership.objects.select_for_update()
        .select_related("institution")
        .get(pk=membership.pk)
    )
    if membership.status not in sources:
        raise IllegalTransition(
            _("A membership that is “%(status)s” cannot be changed this way.")
            % {"status": membership.get_status_display()},
            code="illegal_transition",
        )
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, required=False)
    if not reason:
        raise InvalidInput(_("Please give a reason."), field="reason", code="reason_required")
    if target == Status.ACTIVE:
        _check_approved(membership.institution, field=None)
    before = {"status": membership.status, "reason": membership.status_reason}
    membership.status, membership.status_reason = target, reason
    membership.save(update_fields=["status", "status_reason"])
    audit_record(
        actor=acting_user,
        action=f"membership.{action}",
        target=membership,
        before=before,
        after={"status": target, "reason": reason},
    )
    return membership


@transaction.atomic
def membership_suspend(
    *, acting_user, membership: AllianceMembership, reason: str
) -> AllianceMembership:
    """Suspend an active membership, with a reason; the institution stops counting as a
    member (it may not sign conversion rules) until reinstated."""
    return _transition(acting_user, membership, "suspend", reason)


@transaction.atomic
def membership_reinstate(
    *, acting_user, membership: AllianceMembership, reason: str
) -> AllianceMembership:
    """Reinstate a suspended membership, with a reason; the institution must still be
    approved."""
    return _transition(acting_user, membership, "reinstate", reason)


@transaction.atomic
def membership_end(
    *, acting_user, membership: AllianceMembership, reason: str
) -> AllianceMembership:
    """End an active or suspended membership, with a reason."""
    return _transition(acting_user, membership, "end", reason)
