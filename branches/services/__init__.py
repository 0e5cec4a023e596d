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
