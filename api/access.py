"""Who may see and manage an institution's API tokens, and which token a request carries.

Only an institution's administrators manage its tokens: ``accounts.access.institution_for``
with ``write=True`` says so for the institution (its other staff and the centre's
administrators, who may read the institution, get 403; everyone else 404, as for an
institution that does not exist). A token of another institution is 404 like one that does
not exist.
"""

from django.shortcuts import get_object_or_404

from accounts.access import institution_for
from accounts.models import Institution, InstitutionStaff
from branches.selectors import is_alliance_member

from .models import ApiToken, token_hash


def token_institution_for(user, pk) -> Institution:
    """The institution ``pk`` for one of its administrators, whose tokens they manage (403
    for its other readers, 404 for everyone else)."""
    return institution_for(user, pk, write=True)


def api_token_for(user, pk, token_pk) -> ApiToken:
    """Token ``token_pk`` of institution ``pk`` for one of the institution's administrators
    (as ``token_institution_for``); a token of another institution is 404."""
    institution = token_institution_for(user, pk)
    return get_object_or_404(
        ApiToken.objects.select_related("institution", "created_by", "revoked_by"),
        institution=institution,
        pk=token_pk,
    )


def may_make_tokens(user, institution: Institution) -> bool:
    """Whether ``user`` may make a token for ``institution`` now: an administrator of it while
    it is approved (the service checks the same under the row lock)."""
    return (
        institution.status == Institution.Status.APPROVED
        and InstitutionStaff.objects.filter(
            institution=institution, user_id=user.pk, role=InstitutionStaff.Role.ADMIN
        ).exists()
    )


def api_token_by_secret(secret: str) -> ApiToken | None:
    """The token in use whose secret is ``secret`` (with its institution and maker), else
    ``None``: an unknown secret and a revoked token look the same to the caller. It carries
    ``maker_may_act`` (``ApiTokenQuerySet.with_maker_standing``)."""
    if not secret:
        return None
    return (
        ApiToken.objects.active()
        .with_maker_standing()
        .select_related("institution", "created_by")
        .filter(token_hash=token_hash(secret))
        .first()
    )


def token_institution_may_call(token: ApiToken) -> bool:
    """Whether the token's institution may still use the API: approved, and an active member of
    the alliance (a suspended institution or membership stops its tokens at once)."""
    return is_alliance_member(token.institution)
