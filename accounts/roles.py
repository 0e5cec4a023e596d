"""What a signed-in person is: the set of role names the navigation and access helpers use.

Role names: ``learner`` (everyone signed in who holds no staff role, and staff who hold a
learning account), the centre roles of
``accounts.Role``, ``institution_admin|clerk|reviewer`` and ``branch_manager|branch_staff``.
Branch roles live in the ``branches`` app; this module asks for them through the
``BRANCH_ROLE_PROVIDER`` hook rather than importing a higher app.
"""

import functools
from collections.abc import Callable

from django.db.models import CharField, Value
from django.db.models.functions import Concat

# Every role name, spelled here and nowhere else (accounts.models.Role reads the centre's from
# here: this module imports accounts.models only inside functions, so the import stays acyclic).
LEARNER = "learner"
# The centre's roles and the three separated administrator powers (accounts.models.Role).
CENTRE_ADMIN = "centre_admin"
EXPERT = "expert"
QUALITY_AUDITOR = "quality_auditor"
COMMITTEE_MEMBER = "committee_member"
SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"
# An institution's staff: InstitutionStaff.role stores "admin", "clerk" or "reviewer"; the role
# name is that value after INSTITUTION_PREFIX.
INSTITUTION_PREFIX = "institution_"
INSTITUTION_ADMIN = "institution_admin"
INSTITUTION_CLERK = "institution_clerk"
INSTITUTION_REVIEWER = "institution_reviewer"
# A branch centre's staff (branches.StaffAssignment.role "manager" or "staff", after BRANCH_PREFIX).
BRANCH_PREFIX = "branch_"
BRANCH_MANAGER = "branch_manager"
BRANCH_STAFF = "branch_staff"

CENTRE_ROLES = (
    CENTRE_ADMIN,
    EXPERT,
    QUALITY_AUDITOR,
    COMMITTEE_MEMBER,
    SYSTEM_ADMIN,
    SECURITY_ADMIN,
    AUDIT_ADMIN,
)
INSTITUTION_ROLES = (INSTITUTION_ADMIN, INSTITUTION_CLERK, INSTITUTION_REVIEWER)
BRANCH_ROLES = (BRANCH_MANAGER, BRANCH_STAFF)
ROLE_NAMES = frozenset({LEARNER, *CENTRE_ROLES, *INSTITUTION_ROLES, *BRANCH_ROLES})

# branches.apps registers a function here at start-up: user -> a queryset of the user's
# role names (one text column), read together with the others in one query.
branch_role_providers: list[Callable] = []


def roles_of(user) -> frozenset[str]:
    """All role names of ``user``, computed once per user object (i.e. once per request), from
    what ``accounts.cache`` keeps of the person (read from the database when not cached)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cb_roles", None)
    if cached is not None:
        return cached
    from .cache import user_state

    # Read afresh: a service that changed the person's roles resets ``_cb_roles``.
    state = user_state(user, fresh=True)
    names = set(state.role_names)
    if user.is_superuser:
        names.add(SYSTEM_ADMIN)
    # Everyone who is not staff may open a learning account; staff who hold one are learners too.
    if not names or state.has_learning_account:
        names.add(LEARNER)
    user._cb_roles = frozenset(names)
    return user._cb_roles


def stored_role_names(user) -> frozenset[str]:
    """The role names held in the database: the centre's, the institutions' and the branches'
    in one query (UNION ALL). ``roles_of`` reads them through the cache."""
    centre = user.role_grants.values_list("role", flat=True)
    institution = user.institution_roles.annotate(
        name=Concat(Value(INSTITUTION_PREFIX), "role", output_field=CharField())
    ).values_list("name", flat=True)
    others = [provider(user) for provider in branch_role_providers]
    return frozenset(centre.order_by().union(institution.order_by(), *others, all=True))


def learning_account_of(user):
    """The user's learning account or None, read once per user object (i.e. per request): the
    archive and the navigation beside it both show it. Not for a request that opens one."""
    from .models import LearnerAccount

    if not hasattr(user, "_cb_learning_account"):
        user._cb_learning_account = LearnerAccount.objects.filter(user=user).first()
    return user._cb_learning_account


def is_staff_member(user) -> bool:
    return bool(roles_of(user) - {LEARNER})


def has_role(user, *names: str) -> bool:
    return bool(roles_of(user) & set(names))


@functools.cache
def _role_labels() -> dict:
    """Role name → its lazy human name (translated when it is turned into a string)."""
    from django.utils.translation import gettext_lazy as _

    from .models import InstitutionStaff, Role

    labels = {LEARNER: _("Learner"), **{r.value: r.label for r in Role}}
    labels |= {INSTITUTION_PREFIX + r.value: r.label for r in InstitutionStaff.Role}
    labels |= {BRANCH_MANAGER: _("Branch manager"), BRANCH_STAFF: _("Branch staff")}
    return labels


def role_label(name: str) -> str:
    """The human name of one role name (``institution_clerk`` → "Clerk")."""
    return str(_role_labels().get(name, name))


def role_labels(user) -> list[str]:
    """Human names of the person's roles, in a stable order."""
    return [role_label(name) for name in sorted(roles_of(user))]
