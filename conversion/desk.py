"""Conversion's part of the desk (``accounts.desk``): the rule versions waiting for the centre
(a panel, a decision, publication), for an expert's opinion, and, for an institution's writers,
the drafts the centre returned. Each count is the rows of its list of the review queue
(``access.review_queue_for``). Then the conversion applications (转换申请): the three queues
(accept, decide, confirm: ``access.application_queue_for``) with their overdue items, and, for a
learner, their open applications with the date a decision is expected by."""

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.desk import Section, Todo, section_register, tally, todo_register
from accounts.roles import (
    BRANCH_MANAGER,
    BRANCH_STAFF,
    CENTRE_ADMIN,
    EXPERT,
    INSTITUTION_ADMIN,
    INSTITUTION_CLERK,
    INSTITUTION_REVIEWER,
    LEARNER,
    learning_account_of,
)

from .access import application_queue_for, expected_decision_date, review_queue_for
from .models import ConversionApplication

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
    register_application_desk()
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


# --- Conversion applications -------------------------------------------------------------------


def application_queue_rows(user, queue: str):
    """The queue ``queue`` of ``user`` (``access.application_queue_for``) with the moment each
    item's working days count from: its submission while it waits to be accepted, else its
    acceptance — or its appeal, which starts the decision's days again."""
    return application_queue_for(user, queue).annotate(
        decision_clock=Coalesce("appealed_at", "accepted_at", "submitted_at")
    )


def queue_deadline(queue: str) -> tuple[str, int]:
    """The field an item of ``queue`` waits since and the working days it may wait: accepting
    is a step of the usual length (``CREDITBANK_REVIEW_DUE_WORKING_DAYS``), the decision is
    promised within ``CREDITBANK_CONVERSION_DUE_WORKING_DAYS`` of acceptance (so an accepted
    application is overdue exactly once its ``due_on`` has passed)."""
    if queue == "accept":
        return "submitted_at", settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS
    return "decision_clock", settings.CREDITBANK_CONVERSION_DUE_WORKING_DAYS


def application_queue_count(user, queue: str):
    """The items of the application queue ``queue`` that its page shows ``user``, and those
    overdue (``queue_deadline``)."""
    since_field, due = queue_deadline(queue)
    return tally(application_queue_rows(user, queue), since_field, due)


@dataclass(frozen=True)
class QueueTodo(Todo):
    """A to-do whose queue's address names the queue (``conversion:application_queue``)."""

    queue: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=[self.queue])


# queue → (label, the roles that work it, its place on the desk)
APPLICATION_TODOS = {
    "accept": (
        _("Conversion applications to accept"),
        {BRANCH_STAFF, BRANCH_MANAGER, INSTITUTION_CLERK},
        22,
    ),
    "decide": (_("Conversion applications to decide"), {INSTITUTION_REVIEWER}, 32),
    "confirm": (_("Conversion approvals to re-review"), {CENTRE_ADMIN}, 42),
}
# The learner's applications that still wait for a step: on the desk, at most LEARNER_ROWS.
OPEN_APPLICATION_STATUSES = (
    ConversionApplication.Status.SUBMITTED,
    ConversionApplication.Status.ACCEPTED,
    ConversionApplication.Status.WITH_INSTITUTION,
    ConversionApplication.Status.APPEALED,
)
PROMISED_STATUSES = (
    ConversionApplication.Status.ACCEPTED,
    ConversionApplication.Status.WITH_INSTITUTION,
)
LEARNER_ROWS = 10


def learner_open_applications(user) -> dict | None:
    """The learner's open conversion applications, oldest first, with the date a decision is
    expected by (one query); ``None`` without a learning account or with none open."""
    account = learning_account_of(user)
    if account is None:
        return None
    applications = list(
        ConversionApplication.objects.filter(account=account, status__in=OPEN_APPLICATION_STATUSES)
        .select_related("institution", "programme")
        .order_by("submitted_at", "pk")[: LEARNER_ROWS + 1]
    )
    if not applications:
        return None
    today = timezone.localdate()
    rows = []
    for application in applications[:LEARNER_ROWS]:
        expected = expected_decision_date(application)
        rows.append(
            {
                "application": application,
                "expected": expected,
                # An appeal's decision has no promised date of its own (``due_on`` is the
                # first decision's).
                "late": expected is not None
                and application.status in PROMISED_STATUSES
                and expected < today,
            }
        )
    return {"rows": rows, "more": len(applications) > LEARNER_ROWS}


def register_application_desk() -> None:
    for queue, (label, roles, order) in APPLICATION_TODOS.items():
        todo_register(
            QueueTodo(
                f"applications_to_{queue}",
                label,
                frozenset(roles),
                partial(application_queue_count, queue=queue),
                "conversion:application_queue",
                order=order,
                queue=queue,
            )
        )
    section_register(
        Section(
            "learner_conversion_applications",
            "conversion/_desk_applications.html",
            frozenset({LEARNER}),
            learner_open_applications,
            order=22,
        )
    )
