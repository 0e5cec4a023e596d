"""The navigation: each entry names the roles that see it (None: every signed-in person)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import roles_of


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str] | None = None


SIGNED_IN_ITEMS = [
    NavItem("desk", _("My desk")),
    NavItem("my_account", _("My learning account"), frozenset({"learner"})),
    NavItem("archive", _("My learning archive"), frozenset({"learner"})),
    NavItem(
        "achievement_clerk_deposit", _("Deposit for a learner"), frozenset({"institution_clerk"})
    ),
    NavItem("desk_accounts", _("Learning accounts"), frozenset({"branch_staff", "branch_manager"})),
    NavItem(
        "review_check_queue",
        _("First check"),
        frozenset({"branch_staff", "branch_manager", "institution_clerk"}),
    ),
    NavItem(
        "review_decide_queue",
        _("Recognition decisions"),
        frozenset({"institution_reviewer", "expert"}),
    ),
    NavItem("review_confirm_queue", _("Centre re-review"), frozenset({"centre_admin"})),
    NavItem("review_appeals_queue", _("Appeals"), frozenset({"expert"})),
    NavItem("audit_log", _("Audit log"), frozenset({"audit_admin"})),
    NavItem("role_grants", _("Roles and powers"), frozenset({"security_admin"})),
    NavItem("institution_list", _("Institution applications"), frozenset({"centre_admin"})),
    NavItem(
        "network_index",
        _("Service network"),
        frozenset({"centre_admin", "branch_manager", "branch_staff"}),
    ),
    NavItem("announcement_manage", _("Manage announcements"), frozenset({"centre_admin"})),
    NavItem(
        "standard_manage",
        _("Manage unit standards"),
        frozenset(
            {"centre_admin", "institution_admin", "institution_clerk", "institution_reviewer"}
        ),
    ),
    NavItem(
        "institution_mine",
        _("My institutions"),
        frozenset({"learner", "institution_admin", "institution_clerk", "institution_reviewer"}),
    ),
    NavItem("admin:index", _("System administration"), frozenset({"system_admin"})),
    NavItem("account_email", _("Account settings")),
]

PUBLIC_ITEMS = [
    NavItem("home", _("Home")),
    NavItem("service_points", _("Service points")),
    NavItem("announcement_list", _("Announcements")),
    NavItem("membership_directory", _("Member directory")),
    NavItem("standard_guide", _("Standards")),
]


def items_for(user) -> list[dict]:
    roles = roles_of(user)
    items = list(PUBLIC_ITEMS)
    if user.is_authenticated:
        items += [i for i in SIGNED_IN_ITEMS if i.roles is None or i.roles & roles]
    return [{"url": reverse(i.url_name), "label": i.label, "name": i.url_name} for i in items]
