from .models import LearnerAccount, Notice
from .navigation import items_for
from .roles import roles_of


def navigation(request):
    """The navigation for the person's roles, and their learning account (shown on every
    page of a learner)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    account, unread = None, 0
    if user.is_authenticated:
        unread = Notice.objects.filter(user=user).unread().count()
        account = LearnerAccount.objects.filter(user=user).only("account_number", "status").first()
    return {
        "nav_items": items_for(user),
        "my_roles": roles_of(user),
        "learner_account": account,
        "unread_notices": unread,
    }
