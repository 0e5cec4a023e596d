"""Conversion's part of the desk (``accounts.desk``): the rule versions waiting for the centre
(a panel, a decision, publication), for an expert's opinion, and, for an institution's writers,
the drafts the centre returned. Each count is the rows of its list of the review queue
(``access.review_queue_for``)."""

from functools import partial

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.desk import Todo, tally, todo_register
from accounts.roles import CENTRE_ADMIN, EXPERT, INSTITUTION_ADMIN, INSTITUTION_CLERK

from .access import review_queue_for

# key → (label, roles, list of the queue, the field an item waits since, its place on the desk)
RULE_TODOS = {
    "rules_to_panel": (
        _("Conversion rules waiting for a panel"),
        {CENTRE_ADMIN},
        "panel",
        "submitted_at",
        72,
    ),
    "rules_to_decide": (
        _("Conversion rules ready for a decision"),
        {CENTRE_ADMIN},
        "decision",
        "review_started_at",
        74,
    ),
    "rules_to_publish": (
        _("Approved conversion rules to publish"),
        {CENTRE_ADMIN},
        "publish",
        "approved_at",
        76,
    ),
    "rules_for_my_opinion": (
        _("Conversion rules waiting for my opinion"),
        {EXPERT},
        "waiting",
        "review_started_at",
        60,
    ),
    "rules_returned": (
        _("Conversion rules returned to you"),
        {INSTITUTION_ADMIN, INSTITUTION_CLERK},
        "returned",
        "updated_at",
        25,
    ),
}


def rule_queue_count(user, queue: str, since_field: str):
    """The rows of the review queue's list ``queue`` for ``user``, overdue after
    ``CREDITBANK_REVIEW_DUE_WORKING_DAYS`` (a returned draft waits for its writers: no
    deadline)."""
    due = None if queue == "returned" else settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS
    return tally(review_queue_for(user, queue), since_field, due)


def register_conversion_desk() -> None:
    for key, (label, roles, queue, since_field, order) in RULE_TODOS.items():
        todo_register(
            Todo(
                key,
                label,
                frozenset(roles),
                partial(rule_queue_count, queue=queue, since_field=since_field),
                "conversion:review_queue",
                query=f"show={queue}",
                order=order,
            )
        )
