"""Recognition's part of the desk (``accounts.desk``): the four review queues and the unit
standards waiting for the centre's approval; for a learner, their applications under review with
the step each is at and the date it should be decided by."""

from functools import partial

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.desk import Section, Todo, section_register, tally, todo_register
from accounts.roles import CENTRE_ADMIN, LEARNER, learning_account_of
from creditbank.workdays import add_working_days

from .access import REVIEW_QUEUES, review_queue_for
from .models import Achievement, UnitStandard

# What a learner's desk lists of their applications: those on their way through the review.
UNDER_REVIEW = (
    Achievement.Status.UNDER_REVIEW,
    Achievement.Status.RETURNED,
    Achievement.Status.FORWARDED,
    Achievement.Status.CONFIRMING,
    Achievement.Status.APPEALED,
)
# At most this many on the desk; the archive lists them all.
LEARNER_ROWS = 10


def review_queue_count(user, queue: str):
    """The items of the review queue ``queue`` that the queue page shows ``user``
    (``access.review_queue_for``), overdue after ``CREDITBANK_REVIEW_DUE_WORKING_DAYS``."""
    return tally(
        review_queue_for(user, queue),
        "status_changed_at",
        settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS,
    )


def standards_to_approve(user):
    """Submitted unit standards a centre administrator may decide: all but those they wrote
    and those of an institution they work for (maker-checker, as
    ``services.standards.unit_standard_decide`` checks)."""
    waiting = (
        UnitStandard.objects.filter(status=UnitStandard.Status.SUBMITTED)
        .exclude(authors=user)
        .exclude(issuing_institution__in=user.institution_roles.values("institution_id"))
    )
    return tally(waiting, "submitted_at", settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS)


def learner_applications(user) -> dict | None:
    """The learner's applications under review, the longest-waiting first, each with the date
    its current step should be done by; ``None`` without a learning account."""
    account = learning_account_of(user)
    if account is None:
        return None
    due = settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS
    today = timezone.localdate()
    achievements = list(
        Achievement.objects.filter(account=account, status__in=UNDER_REVIEW)
        .order_by("status_changed_at", "pk")
        .only("title", "status", "status_changed_at")[: LEARNER_ROWS + 1]
    )
    rows = []
    for achievement in achievements[:LEARNER_ROWS]:
        waits_for_learner = achievement.status == Achievement.Status.RETURNED
        expected = None
        if not waits_for_learner:
            expected = add_working_days(timezone.localdate(achievement.status_changed_at), due)
        rows.append(
            {
                "achievement": achievement,
                "yours": waits_for_learner,
                "expected": expected,
                "late": expected is not None and expected < today,
            }
        )
    return {"rows": rows, "more": len(achievements) > LEARNER_ROWS, "due_days": due}


QUEUES = {
    "first_check": (_("First checks"), "achievements:review_check_queue", 20),
    "decision": (_("Recognition decisions"), "achievements:review_decide_queue", 30),
    "re_review": (_("Centre re-reviews"), "achievements:review_confirm_queue", 40),
    "appeals": (_("Appeals"), "achievements:review_appeals_queue", 50),
}


def register_achievements_desk() -> None:
    for queue, (label, url_name, order) in QUEUES.items():
        todo_register(
            Todo(
                queue,
                label,
                frozenset(REVIEW_QUEUES[queue][1]),
                partial(review_queue_count, queue=queue),
                url_name,
                order=order,
            )
        )
    todo_register(
        Todo(
            "standards_to_approve",
            _("Unit standards waiting for approval"),
            frozenset({CENTRE_ADMIN}),
            standards_to_approve,
            "achievements:standard_manage",
            query="status=submitted",
            order=70,
        )
    )
    section_register(
        Section(
            "learner_applications",
            "achievements/_desk_applications.html",
            frozenset({LEARNER}),
            learner_applications,
            order=20,
        )
    )
