from .cache import user_state
from .desk import todo_total
from .navigation import items_for
from .roles import roles_of


def navigation(request):
    """The navigation for the person's roles, their learning account (shown on every page of a
    learner), the unread notices and the to-dos waiting for them: from ``accounts.cache``, one
    cache read a page."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    account, unread, todos = None, 0, 0
    if user.is_authenticated:
        state = user_state(user)
        unread = state.unread
        # The account row if the page read it already (it may have just changed), else the
        # cached summary of it.
        account = getattr(user, "_cb_learning_account", None) or state.account
        todos = todo_total(user)
    return {
        "nav_items": items_for(user),
        "my_roles": roles_of(user),
        "learner_account": account,
        "unread_notices": unread,
        "todo_total": todos,
    }
