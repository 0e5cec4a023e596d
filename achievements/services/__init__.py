"""Writes on learning achievements, one module per subject."""

from .standards import (
    STANDARD_TRANSITIONS,
    achievement_category_update,
    can_write,
    is_author,
    qualification_level_update,
    unit_standard_actions,
    unit_standard_approve,
    unit_standard_create,
    unit_standard_decide,
    unit_standard_new_version,
    unit_standard_reject,
    unit_standard_retire,
    unit_standard_submit,
    unit_standard_update,
    writable_institutions,
)

__all__ = [
    "STANDARD_TRANSITIONS",
    "achievement_category_update",
    "can_write",
    "is_author",
    "qualification_level_update",
    "unit_standard_actions",
    "unit_standard_approve",
    "unit_standard_create",
    "unit_standard_decide",
    "unit_standard_new_version",
    "unit_standard_reject",
    "unit_standard_retire",
    "unit_standard_submit",
    "unit_standard_update",
    "writable_institutions",
]
