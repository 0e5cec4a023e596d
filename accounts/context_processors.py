from .models import Notice
from .navigation import items_for
from .roles import learning_account_of, roles_of


def navigation(request):
    """The navigation for the person's roles, and their learning account (shown on every
    page of a learner)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    account, unread = None, 0
    if user.is_authenticated:
        unread = Notice.objects.filter(user=user).unread().count()
        account = learning_account_of(user)
    return {
        "nav_items": items_for(user),
        "my_roles": roles_of(user),
        "learner_account": account,
        "unread_notices": unread,
    }
