"""Loading objects of the service network for a user. Every view goes through these helpers.

Contract (as in STYLE.md): an object the user may not even know of is a 404; one they may see
but not change, asked for with ``write=True``, is a 403. Branch staff act within the branches
they are posted to; the owner of a learning account sees it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import LearnerAccount

from .models import StaffAssignment


def staff_branch_ids(user) -> frozenset[int]:
    """The branch centres ``user`` is posted to (once per request)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cb_branch_ids", None)
    if cached is None:
        cached = frozenset(
            StaffAssignment.objects.filter(user=user).values_list("branch_id", flat=True)
        )
        user._cb_branch_ids = cached
    return cached


def learner_accounts_for(user):
    """The learning accounts branch staff may work on: those homed at their branches."""
    return LearnerAccount.objects.filter(home__branch_id__in=staff_branch_ids(user))


def learner_account_for(user, account_id, *, write: bool = False) -> LearnerAccount:
    """A learning account for branch staff of its home branch (read and write) or its owner
    (read only: a write is 403). Anyone else gets 404."""
    account = get_object_or_404(
        LearnerAccount.objects.select_related("user", "home__branch", "home__service_point"),
        pk=account_id,
    )
    home = getattr(account, "home", None)
    if home is not None and home.branch_id in staff_branch_ids(user):
        return account
    if account.user_id == user.pk:
        if write:
            raise PermissionDenied
        return account
    raise Http404
