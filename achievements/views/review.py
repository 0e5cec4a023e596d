"""Pages of recognition (认定) for the staff: the queues of what waits for them, oldest first,
and the review page of one achievement with the steps they may take on it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import has_role
from creditbank.errors import IllegalTransition, NotAllowed, ServiceError
from creditbank.pages import paginate, refuse
from creditbank.workdays import working_days_between

from .. import selectors, services
from ..access import REVIEW_QUEUES, achievement_for_review, allowed_actions, review_queue_for
from ..credits import credit_hint, credits_from_hours
from ..forms.review import STEP_FORMS

# queue (``access.REVIEW_QUEUES``) → the slug of its address and URL name, as published before
# the queues were named by their steps: /review/check/ is ``review_check_queue``.
QUEUE_SLUGS = {
    "first_check": "check",
    "decision": "decide",
    "re_review": "confirm",
    "appeals": "appeals",
}
QUEUE_TITLES = {
    "first_check": gettext_lazy("First check"),
    "decision": gettext_lazy("Recognition decisions"),
    "re_review": gettext_lazy("Centre re-review"),
    "appeals": gettext_lazy("Appeals"),
}
QUEUE_HELP = {
    "first_check": gettext_lazy(
        "Applications received at your branch, or for your member institution's own outcomes: "
        "check that the evidence is complete and authentic, then forward each one or return "
        "it to the learner saying what is missing."
    ),
    "decision": gettext_lazy(
        "Achievements that passed the first check: recognise each one against a unit standard "
        "or at a stated credit value and level, or reject it with a reason."
    ),
    "re_review": gettext_lazy(
        "Recognitions above the re-review threshold: confirm or send back decisions that "
        "someone else made. You cannot re-review your own decisions."
    ),
    "appeals": gettext_lazy(
        "Learners' appeals against a rejection: decide those in which you took no part."
    ),
}
STEP_SERVICES = {
    "forward": services.achievement_forward,
    "return": services.achievement_return,
    "recognise": services.achievement_recognise,
    "reject": services.achievement_reject,
    "confirm": services.recognition_confirm,
    "send_back": services.recognition_send_back,
    "revoke": services.achievement_revoke,
}
STEP_DONE = {
    "forward": gettext_lazy("Forwarded for a decision. The learner has been told."),
    "return": gettext_lazy("Returned to the learner. They have been told what is missing."),
    "recognise": gettext_lazy("The recognition decision was recorded. The learner has been told."),
    "reject": gettext_lazy("The rejection was recorded. The learner has been told."),
    "confirm": gettext_lazy("Confirmed: the credits are on the learner's ledger."),
    "send_back": gettext_lazy("Sent back for a new decision."),
    "revoke": gettext_lazy("The recognition was revoked and its credits reversed."),
}
STEP_TITLES = {
    "forward": gettext_lazy("Forward for a decision"),
    "return": gettext_lazy("Return to the learner"),
    "recognise": gettext_lazy("Recognise"),
    "reject": gettext_lazy("Reject"),
    "confirm": gettext_lazy("Confirm the decision"),
    "send_back": gettext_lazy("Send the decision back"),
    "revoke": gettext_lazy("Revoke the recognition"),
}
# The queue an achievement in each status waits in: a step taken on it leads on to the next.
QUEUE_OF_STATUS = {status: queue for queue, (status, _roles) in REVIEW_QUEUES.items()}
# The order the steps are offered in on the review page.
STEP_ORDER = ["forward", "return", "recognise", "reject", "confirm", "send_back", "revoke"]


@login_required
@require_GET
def review_queue(request, queue: str):
    """One queue, oldest first, with each item's age in working days and an overdue mark."""
    _status, roles = REVIEW_QUEUES[queue]
    if not has_role(request.user, *roles):
        raise PermissionDenied
    achievements = selectors.review_queue_rows(request.user, queue)
    page = paginate(request, achievements)
    today = timezone.localdate()
    due = settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS
    rows = []
    for achievement in page:
        age = working_days_between(timezone.localdate(achievement.status_changed_at), today)
        rows.append(
            {
                "achievement": achievement,
                "learner_name": selectors.masked_name(achievement.account.real_name),
                "age": age,
                "overdue": age > due,
            }
        )
    queues = [
        {
            "name": name,
            "title": QUEUE_TITLES[name],
            "url_name": f"achievements:review_{QUEUE_SLUGS[name]}_queue",
        }
        for name, (_s, queue_roles) in REVIEW_QUEUES.items()
        if has_role(request.user, *queue_roles)
    ]
    context = {
        "queue": queue,
        "title": QUEUE_TITLES[queue],
        "help": QUEUE_HELP[queue],
        "queues": queues,
        "page": page,
        "rows": rows,
        "due": due,
        "query": "",
    }
    return render(request, "achievements/review_queue.html", context)


def _review_page(request, achievement, *, bound=None, status=200):
    allowed = allowed_actions(request.user, achievement)
    steps = []
    for action in STEP_ORDER:
        if action not in allowed:
            continue
        form = (bound or {}).get(action) or _step_form(action, achievement)
        steps.append({"action": action, "title": STEP_TITLES[action], "form": form})
    context = {
        "achievement": achievement,
        "evidence": list(achievement.evidence.select_related("uploaded_by")),
        "events": list(achievement.events.timeline()),
        "decisions": list(
            achievement.decisions.select_related(
                "unit_standard", "level", "decided_by", "re_reviewed_by"
            )
        ),
        "learner_name": selectors.masked_name(achievement.account.real_name),
        "steps": steps,
        "staff_view": True,
        "credit_hint": credit_hint(),
        "credits_from_hours": credits_from_hours(achievement.hours),
    }
    return render(request, "achievements/review_detail.html", context, status=status)


def _step_form(action: str, achievement, data=None):
    """The form of ``action`` on ``achievement`` (the recognition's standard searched among
    those this person may choose from, on this achievement)."""
    if action == "recognise":
        url = reverse("achievements:review_standards", args=[achievement.pk])
        return STEP_FORMS[action](data, prefix=action, search_url=url)
    return STEP_FORMS[action](data, prefix=action)


@login_required
@require_GET
def review_standards(request, pk):
    """The approved unit standards whose code or name contains what was typed into the
    recognition form's code input, as the options of its list (htmx); for those who may
    recognise this achievement, as the step itself is."""
    achievement_for_review(request.user, pk, action="recognise")
    query = (request.GET.get("recognise-unit_standard") or request.GET.get("q") or "").strip()
    standards = selectors.standards_matching(query[:60]) if query else []
    return render(request, "achievements/_standard_options.html", {"standards": standards})


@login_required
@require_GET
def review_detail(request, pk):
    return _review_page(request, achievement_for_review(request.user, pk))


@login_required
@require_POST
def review_step(request, pk, action: str):
    """Take one step: the access helper refuses (403) anyone who may not take it in any
    capacity — the maker of a decision asked to re-review it included; the service checks again
    under lock: a step the status no longer allows (someone acted first) is told in a message
    on the page, any other refusal beside the form."""
    achievement = achievement_for_review(request.user, pk, action=action)
    form = _step_form(action, achievement, request.POST)
    waited_in = QUEUE_OF_STATUS.get(achievement.status)  # the status the step starts from
    if form.is_valid():
        try:
            STEP_SERVICES[action](
                acting_user=request.user, achievement=achievement, **form.cleaned_data
            )
        except NotAllowed as exc:
            raise PermissionDenied from exc
        except IllegalTransition as exc:
            # Someone else took a step first, or the status never allowed this one.
            messages.error(request, exc.message)
        except ServiceError as exc:
            refuse(form, exc)
            return _review_page(request, achievement, bound={action: form})
        else:
            messages.success(request, str(STEP_DONE[action]))
            return _on_to_the_next(request, achievement, waited_in)
        return redirect("achievements:review_detail", pk=achievement.pk)
    return _review_page(request, achievement, bound={action: form})


def _on_to_the_next(request, achievement, queue: str | None):
    """After a step on an item of ``queue``: the next item of the same queue that waits for
    this person, the longest-waiting first, else the queue, each told in a message; after a
    step outside the queues (a revocation), the achievement again."""
    if queue is None:
        return redirect("achievements:review_detail", pk=achievement.pk)
    following = (
        review_queue_for(request.user, queue)
        .exclude(pk=achievement.pk)
        .values_list("pk", flat=True)
        .first()
    )
    title = QUEUE_TITLES[queue]
    if following is not None:
        messages.info(
            request, _("Next in “%(queue)s”: the longest-waiting item.") % {"queue": title}
        )
        return redirect("achievements:review_detail", pk=following)
    messages.info(request, _("Nothing else waits for you in “%(queue)s”.") % {"queue": title})
    return redirect(f"achievements:review_{QUEUE_SLUGS[queue]}_queue")
