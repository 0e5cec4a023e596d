"""Centre roles and the three separated administrator powers."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from creditbank.audit import audit_record
from creditbank.errors import InvalidInput, NotAllowed

from ..models import SEPARATED_POWERS, Role, RoleGrant

User = get_user_model()


@transaction.atomic
def role_grant(*, acting_user, user: User, role: str) -> RoleGrant:
    """Give ``user`` a centre role or an administrator power.

    The system, security and audit administrator powers are held by three different people: a
    second one for the same person is refused (the database constraint
    ``role_grant_one_separated_power`` backs this check). Granting a role someone already holds
    is refused too.
    """
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    if acting_user is not None and acting_user.pk == user.pk:
        raise NotAllowed(_("Nobody can give roles to themselves."), field="username", code="self")
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise grants per person
    held = set(user.role_grants.values_list("role", flat=True))
    if role in held:
        raise InvalidInput(
            _("This person already holds that role."), field="role", code="already_held"
        )
    if role in SEPARATED_POWERS and held & SEPARATED_POWERS:
        raise InvalidInput(
            _(
                "The system, security and audit administrator powers must be held by three "
                "different people; this person already holds one of them."
            ),
            field="role",
            code="separation_of_powers",
        )
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(user=user, role=role, granted_by=acting_user)
    except IntegrityError as exc:
        raise InvalidInput(_("This role cannot be given to this person."), field="role") from exc
    audit_record(actor=acting_user, action="role.grant", target=user, after={"role": role})
    user._cb_roles = None
    return grant


@transaction.atomic
def role_revoke(*, acting_user, user: User, role: str) -> None:
    """Take a centre role or administrator power away from ``user``."""
    if acting_user is not None and acting_user.pk == user.pk:
        raise NotAllowed(_("Nobody can take away their own roles."), code="self")
    deleted, _rows = RoleGrant.objects.filter(user=user, role=role).delete()
    if not deleted:
        raise InvalidInput(_("This person does not hold that role."), field="role")
    audit_record(actor=acting_user, action="role.revoke", target=user, before={"role": role})
    user._cb_roles = None
