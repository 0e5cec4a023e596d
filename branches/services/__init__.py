"""Writes on the service network, one module per subject."""

from .announcements import (
    ANNOUNCEMENT_TRANSITIONS,
    announcement_actions,
    announcement_create,
    announcement_is_editable,
    announcement_publish,
    announcement_unpublish,
    announcement_update,
)
from .districts import districts_load
from .help_pages import (
    HELP_PAGE_TRANSITIONS,
    help_page_actions,
    help_page_create,
    help_page_is_editable,
    help_page_publish,
    help_page_unpublish,
    help_page_update,
)
from .memberships import (
    MEMBERSHIP_TRANSITIONS,
    membership_actions,
    membership_create,
    membership_end,
    membership_reinstate,
    membership_suspend,
    membership_update,
)
from .network import (
    branch_create,
    branch_update,
    service_point_create,
    service_point_update,
    staff_assignment_create,
    staff_assignment_remove,
)

__all__ = [
    "ANNOUNCEMENT_TRANSITIONS",
    "HELP_PAGE_TRANSITIONS",
    "MEMBERSHIP_TRANSITIONS",
    "announcement_actions",
    "announcement_create",
    "announcement_is_editable",
    "announcement_publish",
    "announcement_unpublish",
    "announcement_update",
    "branch_create",
    "branch_update",
    "districts_load",
    "help_page_actions",
    "help_page_create",
    "help_page_is_editable",
    "help_page_publish",
    "help_page_unpublish",
    "help_page_update",
    "membership_actions",
    "membership_create",
    "membership_end",
    "membership_reinstate",
    "membership_suspend",
    "membership_update",
    "service_point_create",
    "service_point_update",
    "staff_assignment_create",
    "staff_assignment_remove",
]
