from .navigation import items_for
from .roles import roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_items": items_for(user), "my_roles": roles_of(user)}
