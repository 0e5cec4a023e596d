"""Who may open which page. Every view states its rule through one of these helpers."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from creditbank.errors import NotAllowed

from .models import (
    Institution,
    InstitutionInvitation,
    InstitutionStaff,
    Notice,
    institution_decisions_open,
    invitation_token_hash,
)
from .roles import CENTRE_ADMIN, has_role


def require_centre_admin(acting_user) -> None:
    """What a service checks before a step only the centre's administrators take: ``NotAllowed``
    for anyone else."""
    if not has_role(acting_user, CENTRE_ADMIN):
        raise NotAllowed(_("Only a centre administrator may do this."), code="not_allowed")


def role_required(*roles: str):
    """Signed-in people holding one of ``roles``; others get 403, the anonymous the log-in."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def institution_roles(user) -> dict[int, set[str]]:
    """{institution id: the user's roles there}, once per request."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_cb_institution_staff_roles", None)
    if cached is None:
        cached = {}
        for institution_id, role in InstitutionStaff.objects.filter(user=user).values_list(
            "institution_id", "role"
        ):
            cached.setdefault(institution_id, set()).add(role)
        user._cb_institution_staff_roles = cached
    return cached


def institutions_for(user):
    """The institutions ``user`` works for or applied for (their "my institutions" list)."""
    if not user.is_authenticated:
        return Institution.objects.none()
    return Institution.objects.filter(Q(staff__user=user) | Q(applied_by=user)).distinct()


def institution_for(user, pk, *, write: bool = False) -> Institution:
    """An institution for someone who may know of it.

    Its staff and the person who applied for it read it; its administrators also write (invite
    and remove staff); centre administrators read it (their decisions go through views guarded
    by the ``centre_admin`` role). A reader asking with ``write=True`` gets 403; anyone else gets
    404, the same answer as for an institution that does not exist.
    """
    institution = get_object_or_404(
        Institution.objects.select_related("applied_by", "decided_by"), pk=pk
    )
    roles = set()
    if user.is_authenticated:
        roles = set(
            InstitutionStaff.objects.filter(institution=institution, user=user).values_list(
                "role", flat=True
            )
        )
    if InstitutionStaff.Role.ADMIN in roles:
        return institution
    if roles or institution.applied_by_id == user.pk or has_role(user, CENTRE_ADMIN):
        if write:
            raise PermissionDenied
        return institution
    raise Http404


def institution_actions(user, institution: Institution) -> list[str]:
    """The decisions (approve, reject, suspend, reinstate) ``user`` may take on ``institution``
    now, for its page.

    Only centre administrators decide, only what the institution's status allows, and never on
    an institution they applied for or work for (maker-checker); everyone else gets none. The
    service checks the same again under the row lock.
    """
    if not has_role(user, CENTRE_ADMIN):
        return []
    decisions = institution_decisions_open(institution.status)
    if not decisions:
        return []
    if institution.applied_by_id == user.pk or institution.pk in institution_roles(user):
        return []
    return decisions


def institution_staff_for(user, pk, staff_pk) -> InstitutionStaff:
    """One staff role of an institution, for that institution's administrators (else 403/404)."""
    institution = institution_for(user, pk, write=True)
    return get_object_or_404(
        InstitutionStaff.objects.select_related("user", "institution"),
        institution=institution,
        pk=staff_pk,
    )


def institution_invitation_for(user, pk, invitation_pk) -> InstitutionInvitation:
    """A pending invitation of an institution, for that institution's administrators."""
    institution = institution_for(user, pk, write=True)
    return get_object_or_404(
        InstitutionInvitation.objects.select_related("institution"),
        institution=institution,
        pk=invitation_pk,
        accepted_at__isnull=True,
    )


def institution_invitation_by_token(token: str) -> InstitutionInvitation:
    """The invitation a link carries: whoever holds the link may see it (404 for an unknown or
    withdrawn one). Whether they may accept it is the service's decision."""
    return get_object_or_404(
        InstitutionInvitation.objects.select_related("institution", "invited_by"),
        token_hash=invitation_token_hash(token),
    )


def notice_for(user, pk) -> Notice:
    """One of ``user``'s own notices; anyone else's, like one that does not exist, is 404."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Notice, pk=pk, user=user)
