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

LEARNER = "learner"

# branches.apps registers a function here at start-up: user -> a queryset of the user's
# role names (one text column), read together with the others in one query.
branch_role_providers: list[Callable] = []


def roles_of(user) -> frozenset[str]:
    """All role names of ``user``, computed once per user object (i.e. once per request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cb_roles", None)
    if cached is not None:
        return cached
    # One query (UNION ALL) for the centre, institution and branch roles: it runs on every page.
    centre = user.role_grants.values_list("role", flat=True)
    institution = user.institution_roles.annotate(
        name=Concat(Value("institution_"), "role", output_field=CharField())
    ).values_list("name", flat=True)
    others = [provider(user) for provider in branch_role_providers]
    names = set(centre.order_by().union(institution.order_by(), *others, all=True))
    if user.is_superuser:
        names.add("system_admin")
    # Everyone who is not staff may open a learning account; staff who hold one are learners too.
    if not names or user_has_learning_account(user):
        names.add(LEARNER)
    user._cb_roles = frozenset(names)
    return user._cb_roles


def learning_account_of(user):
    """The user's learning account or None, read once per user object (i.e. per request): the
    archive and the navigation beside it both show it. Not for a request that opens one."""
    from .models import LearnerAccount

    if not hasattr(user, "_cb_learning_account"):
        user._cb_learning_account = LearnerAccount.objects.filter(user=user).first()
    return user._cb_learning_account


def user_has_learning_account(user) -> bool:
    from .models import LearnerAccount

    return LearnerAccount.objects.filter(user=user).exists()


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
    labels |= {f"institution_{r.value}": r.label for r in InstitutionStaff.Role}
    labels |= {"branch_manager": _("Branch manager"), "branch_staff": _("Branch staff")}
    return labels


def role_label(name: str) -> str:
    """The human name of one role name (``institution_clerk`` → "Clerk")."""
    return str(_role_labels().get(name, name))


def role_labels(user) -> list[str]:
    """Human names of the person's roles, in a stable order."""
    return [role_label(name) for name in sorted(roles_of(user))]
