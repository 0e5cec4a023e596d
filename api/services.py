"""Writes on the institutions' API tokens: made and revoked by an institution's administrators.

Each service is one transaction with one audit event. The secret of a new token is returned
once, to be shown once; only its SHA-256 is stored (``models.token_hash``).
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Institution, InstitutionStaff
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text

from .models import SHOWN_LENGTH, TOKEN_PREFIX, ApiToken, token_hash

NAME_MAX = ApiToken._meta.get_field("name").max_length


def new_secret() -> str:
    """A token's secret: the prefix and 32 random bytes, URL-safe (43 characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _require_admin(acting_user, institution: Institution) -> None:
    if not InstitutionStaff.objects.filter(
        institution=institution, user_id=acting_user.pk, role=InstitutionStaff.Role.ADMIN
    ).exists():
        raise NotAllowed(
            _("Only an administrator of the institution manages its API tokens."),
            code="not_allowed",
        )


def _summary(token: ApiToken) -> dict:
    return {
        "institution": token.institution_id,
        "name": token.name,
        "prefix": token.prefix,
        "can_push_results": token.can_push_results,
        "can_read_rules": token.can_read_rules,
    }


@transaction.atomic
def api_token_create(
    *, acting_user, institution: Institution, name: str, scopes: list[str]
) -> tuple[ApiToken, str]:
    """An administrator of ``institution`` makes a token with ``scopes`` (codes of
    ``ApiToken.Scope``, at least one); returns the token and its secret, which is not stored
    and cannot be shown again.

    Only while the institution is approved (``IllegalTransition`` otherwise); ``name`` must not
    be another token's in use (``InvalidInput`` on ``name``)."""
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    _require_admin(acting_user, locked)
    if locked.status != Institution.Status.APPROVED:
        raise IllegalTransition(
            _("API tokens can only be made while the institution is approved."),
            code="institution_not_approved",
        )
    name = clean_text(name, field="name", max_length=NAME_MAX)
    chosen = set(scopes or ())
    if not chosen or not chosen <= set(ApiToken.Scope.values):
        raise InvalidInput(
            _("Choose what the token may do."), field="scopes", code="scopes_required"
        )
    if locked.api_tokens.active().filter(name=name).exists():
        raise InvalidInput(
            _("A token in use already has this name; choose another."),
            field="name",
            code="name_taken",
        )
    secret = new_secret()
    token = ApiToken.objects.create(
        institution=locked,
        name=name,
        prefix=secret[:SHOWN_LENGTH],
        token_hash=token_hash(secret),
        can_push_results=ApiToken.Scope.PUSH_RESULTS in chosen,
        can_read_rules=ApiToken.Scope.READ_RULES in chosen,
        created_by=acting_user,
    )
    audit_record(actor=acting_user, action="api_token.create", target=token, after=_summary(token))
    return token, secret


@transaction.atomic
def api_token_revoke(*, acting_user, token: ApiToken) -> ApiToken:
    """An administrator of the token's institution revokes it: from now on the API answers its
    requests with 401. A token revoked already is refused (``IllegalTransition``)."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    _require_admin(acting_user, locked.institution)
    if locked.revoked_at is not None:
        raise IllegalTransition(_("This token was revoked already."), code="already_revoked")
    locked.revoked_at = timezone.now()
    locked.revoked_by = acting_user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=acting_user,
        action="api_token.revoke",
        target=locked,
        before={"revoked_at": None},
        after={**_summary(locked), "revoked_at": locked.revoked_at.isoformat()},
    )
    return locked
