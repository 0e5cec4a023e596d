from .models import LearnerAccount
from .navigation import items_for
from .roles import roles_of


def navigation(request):
    """The navigation for the person's roles, and their learning account (shown on every
    page of a learner)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    account = None
    if user.is_authenticated:
        account = LearnerAccount.objects.filter(user=user).only("account_number", "status").first()
    return {"nav_items": items_for(user), "my_roles": roles_of(user), "learner_account": account}
