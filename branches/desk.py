"""The network's part of the desk (``accounts.desk``): accounts waiting for verification at the
branch, and the learner's own account — how to open one, or where and by when it is verified."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.desk import Section, Todo, section_register, tally, todo_register
from accounts.models import LearnerAccount
from accounts.roles import BRANCH_ROLES, LEARNER, learning_account_of
from creditbank.workdays import add_working_days

from .access import learner_accounts_for
from .models import AccountHome


def accounts_to_verify(user):
    """The accounts of the user's branches waiting for real-name verification: the rows of
    the account desk filtered by that status (``access.learner_accounts_for``)."""
    return tally(
        learner_accounts_for(user).pending(),
        "created_at",
        settings.CREDITBANK_VERIFICATION_DUE_WORKING_DAYS,
    )


def learner_account_section(user) -> dict:
    """The learner's account and its next step: none yet → how to open one; pending → the
    branch (and service point) that verifies it and the date it should be done by."""
    account = learning_account_of(user)
    context = {"account": account}
    if account is None or account.status != LearnerAccount.Status.PENDING_VERIFICATION:
        return context
    home = (
        AccountHome.objects.select_related("branch", "service_point")
        .filter(account=account)
        .first()
    )
    due = settings.CREDITBANK_VERIFICATION_DUE_WORKING_DAYS
    expected = add_working_days(timezone.localdate(account.created_at), due)
    context |= {
        "home": home,
        "due_days": due,
        "expected": expected,
        "late": expected < timezone.localdate(),
    }
    return context


def register_branches_desk() -> None:
    todo_register(
        Todo(
            "accounts_to_verify",
            _("Accounts waiting for verification"),
            frozenset(BRANCH_ROLES),
            accounts_to_verify,
            "branches:desk_accounts",
            query="status=pending_verification",
            order=10,
        )
    )
    section_register(
        Section(
            "learner_account",
            "branches/_desk_learner_account.html",
            frozenset({LEARNER}),
            learner_account_section,
            order=10,
        )
    )
