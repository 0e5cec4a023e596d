"""Pages of conversion applications (转换申请).

The learner's: their applications (paginated), one application with its steps as a timeline, the
date a decision is expected by, each line with the trace pinned at submission; withdrawing it and
appealing refused lines. The staff's: the queues of what waits for them (accept, decide,
confirm: ``access.APPLICATION_QUEUES``), oldest first, with each item's age in working days and
an overdue mark, and the review page of one application with the steps they may take on it and
on each of its lines. Every step is one service call (``services.applications``); a refusal
shows the page again with the message beside the field and the status of the refusal.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import role_required
from accounts.roles import LEARNER, role_label
from achievements.selectors import masked_name
from creditbank.errors import IllegalTransition, NotAllowed, ServiceError
from creditbank.pages import paginate, refuse, status_for
from creditbank.workdays import add_working_days, working_days_between

from .. import trace as trace_text
from ..access import (
    APPLICATION_QUEUES,
    appeal_deadline,
    application_actions,
    application_for,
    application_queues_of,
    expected_decision_date,
    learner_applications,
    line_actions,
    line_for,
)
from ..desk import PROMISED_STATUSES, application_queue_rows, queue_deadline
from ..forms.applications import (
    AppealForm,
    DecideForm,
    DeclineForm,
    SendBackForm,
    StepForm,
    WithdrawForm,
)
from ..models import ApplicationEvent, ApplicationLine, LineHolding
from ..services import applications as services

QUEUE_TITLES = {
    "accept": gettext_lazy("Conversion applications to accept"),
    "decide": gettext_lazy("Conversion decisions"),
    "confirm": gettext_lazy("Conversion re-reviews"),
}
QUEUE_HELP = {
    "accept": gettext_lazy(
        "Applications submitted at your branch centre, or addressed to your institution: check "
        "the learner's identity and the evidence of the achievements used, then accept the "
        "application or say why it cannot be accepted."
    ),
    "decide": gettext_lazy(
        "Accepted applications addressed to your institution: take one, then approve or refuse "
        "each line, giving the reason for each refusal. The decision is due within the working "
        "days promised from acceptance."
    ),
    "confirm": gettext_lazy(
        "Approvals above the re-review threshold: confirm them or send them back. You cannot "
        "re-review a decision you made."
    ),
}
# What each step of the history reads as (``ApplicationEvent.action``).
EVENT_LABELS = {
    "submit": gettext_lazy("Application submitted"),
    "accept": gettext_lazy("Accepted (受理)"),
    "decline": gettext_lazy("Not accepted"),
    "take": gettext_lazy("Taken up by the institution"),
    "decide": gettext_lazy("Line decided"),
    "approve": gettext_lazy("Line approved"),
    "refuse": gettext_lazy("Line refused"),
    "confirm": gettext_lazy("Approval confirmed by the centre"),
    "send_back": gettext_lazy("Sent back for a new decision"),
    "withdraw": gettext_lazy("Withdrawn by the learner"),
    "appeal": gettext_lazy("Appealed"),
    "remind": gettext_lazy("Institution reminded"),
    "decided": gettext_lazy("Application decided"),
}

APPLICATION_STEPS = {
    "accept": (
        StepForm,
        services.application_accept,
        gettext_lazy("The application was accepted; it goes on to the institution."),
    ),
    "decline": (
        DeclineForm,
        services.application_decline,
        gettext_lazy("The application was not accepted. The learner has been told why."),
    ),
    "take": (
        StepForm,
        services.application_take,
        gettext_lazy("You took the application: decide each of its lines."),
    ),
}
LINE_STEPS = {
    "decide": (DecideForm, services.line_decide, None),
    "confirm": (
        StepForm,
        services.line_confirm,
        gettext_lazy("The approval was confirmed: the conversion is on the learner's ledger."),
    ),
    "send_back": (
        SendBackForm,
        services.line_send_back,
        gettext_lazy("The decision was sent back to its reviewer."),
    ),
}
LINE_DONE = {
    True: gettext_lazy("The line was approved."),
    False: gettext_lazy("The line was refused. The learner will read your reason."),
}


# --- What the pages show of an application ---------------------------------------------------


def _lines(application) -> list[dict]:
    """Each line of ``application`` with what the pages show of it: the course, the pinned rule
    version, the trace read as sentences, the achievements it uses (a fixed number of queries
    for any number of lines)."""
    lines = list(
        ApplicationLine.objects.filter(application=application)
        .select_related("course", "rule_version__rule", "entry")
        .order_by("course__code", "pk")
    )
    holdings: dict[int, list] = {}
    for used in (
        LineHolding.objects.filter(line__application=application)
        .select_related("achievement__category")
        .order_by("achievement__title", "achievement_id")
    ):
        holdings.setdefault(used.line_id, []).append(used.achievement)
    names = trace_text.names_for([line.trace for line in lines if line.trace])
    pinned_holdings = (application.trace or {}).get("holdings") or {}
    found = []
    for line in lines:
        pinned = line.trace or {}
        found.append(
            {
                "line": line,
                "trace": pinned,
                "sentences": trace_text.line_sentences(pinned, names, holdings=pinned_holdings)
                if pinned
                else [],
                "missing": trace_text.missing_sentences(pinned, names) if pinned else [],
                "achievements": holdings.get(line.pk, []),
            }
        )
    return found


def _events(application) -> list[ApplicationEvent]:
    events = list(
        application.events.select_related("actor", "line__course").order_by("created_at", "pk")
    )
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.role_display = role_label(event.actor_role) if event.actor_role else ""
    return events


def _application_context(application) -> dict:
    due_on = application.due_on
    return {
        "application": application,
        "lines": _lines(application),
        "events": _events(application),
        "expected": expected_decision_date(application),
        "late": due_on is not None
        and application.status in PROMISED_STATUSES
        and due_on < timezone.localdate(),
        "appeal_deadline": appeal_deadline(application),
    }


def _refused(request, form, exc: ServiceError) -> int:
    """Show a service's refusal and give the status it answers: not allowed is a 403 (audited
    as a refused access); a state that no longer allows the step (someone acted first) is told
    above the page, since its form may be gone; anything else beside the field."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied from exc
    if isinstance(exc, IllegalTransition):
        messages.error(request, exc.message)
    else:
        refuse(form, exc)
    return status_for(exc)


def _owner(request, application) -> bool:
    return application.account.user_id == request.user.pk


def _learners(request, pk):
    """The application for its learner's own step: anyone else who may read it gets 403."""
    application = application_for(request.user, pk, write=True)
    if not _owner(request, application):
        raise PermissionDenied
    return application


# --- The learner's pages ---------------------------------------------------------------------


@role_required(LEARNER)
@require_GET
def my_applications(request):
    """The learner's conversion applications, newest first, with the date each decision is
    expected by."""
    page = paginate(request, learner_applications(request.user))
    rows = [{"application": item, "expected": expected_decision_date(item)} for item in page]
    context = {"page": page, "rows": rows, "query": ""}
    return render(request, "conversion/application_list.html", context)


def _learner_page(request, application, *, bound=None, status=200):
    actions = application_actions(request.user, application)
    context = _application_context(application)
    context.update(
        withdraw_form=(bound or {}).get("withdraw") or WithdrawForm(prefix="withdraw")
        if "withdraw" in actions
        else None,
        can_appeal="appeal" in actions,
    )
    return render(request, "conversion/application_detail.html", context, status=status)


@login_required
@require_GET
def my_application(request, pk):
    """One application as its learner follows it. Staff who may read it are sent to its review
    page; anyone else gets 404 (``access.application_for``)."""
    application = application_for(request.user, pk)
    if not _owner(request, application):
        return redirect("conversion:application_review", pk=application.pk)
    return _learner_page(request, application)


@login_required
@require_POST
def application_withdraw(request, pk):
    application = _learners(request, pk)
    form = WithdrawForm(request.POST, prefix="withdraw")
    status = 400
    if form.is_valid():
        try:
            services.application_withdraw(
                acting_user=request.user,
                application=application,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            status = _refused(request, form, exc)
        else:
            messages.success(request, gettext_lazy("Your application was withdrawn."))
            return redirect("conversion:my_application", pk=application.pk)
    application = application_for(request.user, pk)  # as it is now
    return _learner_page(request, application, bound={"withdraw": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def application_appeal(request, pk):
    """The appeal against refused lines: the form, the last day to appeal and the lines
    refused, with their reasons."""
    application = _learners(request, pk)
    form = AppealForm(request.POST or None, prefix="appeal")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.application_appeal(
                    acting_user=request.user,
                    application=application,
                    reason=form.cleaned_data["reason"],
                )
            except ServiceError as exc:
                status = _refused(request, form, exc)
            else:
                messages.success(
                    request,
                    gettext_lazy(
                        "Your appeal was sent; a reviewer who took no part in the decision "
                        "decides it."
                    ),
                )
                return redirect("conversion:my_application", pk=application.pk)
    refused = ApplicationLine.objects.filter(
        application=application, status=ApplicationLine.Status.REFUSED
    ).select_related("course")
    context = {
        "application": application,
        "form": form,
        "open": "appeal" in application_actions(request.user, application),
        "deadline": appeal_deadline(application),
        "refused_lines": list(refused.order_by("course__code", "pk")),
    }
    return render(request, "conversion/application_appeal.html", context, status=status)


# --- The staff's queues and review page --------------------------------------------------------


@login_required
@require_GET
def application_queue(request, queue: str):
    """One queue, oldest first, with each item's age in working days and an overdue mark
    (``desk.queue_deadline``: waiting to be accepted, since submission; waiting for the
    decision, since acceptance or appeal — an accepted one is overdue once its ``due_on`` has
    passed). The desk counts the same rows and marks."""
    if queue not in APPLICATION_QUEUES:
        raise Http404
    queues = application_queues_of(request.user)
    if queue not in queues:
        raise PermissionDenied
    page = paginate(request, application_queue_rows(request.user, queue))
    today = timezone.localdate()
    since_field, due = queue_deadline(queue)
    rows = []
    for application in page:
        since = timezone.localdate(getattr(application, since_field))
        age = working_days_between(since, today)
        rows.append(
            {
                "application": application,
                "learner_name": masked_name(application.account.real_name),
                "since": since,
                "due_by": add_working_days(since, due),
                "age": age,
                "overdue": age > due,
            }
        )
    context = {
        "queue": queue,
        "queues": [{"name": name, "title": QUEUE_TITLES[name]} for name in queues],
        "title": QUEUE_TITLES[queue],
        "help": QUEUE_HELP[queue],
        "page": page,
        "rows": rows,
        "due": due,
        "query": "",
    }
    return render(request, "conversion/application_queue.html", context)


def _review_page(request, application, *, bound=None, status=200):
    actions = application_actions(request.user, application)
    bound = bound or {}
    steps = []
    for action in ("accept", "decline", "take"):
        if action in actions:
            form_class = APPLICATION_STEPS[action][0]
            form = bound.get(action) or form_class(prefix=action)
            steps.append({"action": action, "form": form})
    context = _application_context(application)
    for row in context["lines"]:
        line = row["line"]
        line.application = application  # the helpers ask about the application
        allowed = line_actions(request.user, line)
        # One form per line and step on the page: ids of their own, names as posted.
        row["steps"] = [
            {
                "action": action,
                "form": bound.get((action, line.pk))
                or LINE_STEPS[action][0](prefix=action, auto_id=f"line{line.pk}-%s"),
            }
            for action in ("decide", "confirm", "send_back")
            if action in allowed
        ]
    account = application.account
    context.update(
        steps=steps,
        learner={
            "name": account.real_name,
            "id_number": account.id_number_masked,
            "account_number": account.account_number,
        },
        staff_view=True,
    )
    return render(request, "conversion/application_review.html", context, status=status)


@login_required
@require_GET
def application_review(request, pk):
    """One application as the staff read it: who the learner is (name and masked ID only), the
    achievements used with their evidence, the trace of each line and the steps open to the
    person. Its learner is sent to their own page."""
    application = application_for(request.user, pk)
    if _owner(request, application):
        return redirect("conversion:my_application", pk=application.pk)
    return _review_page(request, application)


def _application_step(request, pk, action: str):
    application = application_for(request.user, pk, write=True)
    form_class, service, done = APPLICATION_STEPS[action]
    form = form_class(request.POST, prefix=action)
    status = 400
    if form.is_valid():
        try:
            service(acting_user=request.user, application=application, **form.cleaned_data)
        except ServiceError as exc:
            status = _refused(request, form, exc)
        else:
            messages.success(request, done)
            return redirect("conversion:application_review", pk=application.pk)
    application = application_for(request.user, pk)  # as it is now
    return _review_page(request, application, bound={action: form}, status=status)


@login_required
@require_POST
def application_accept(request, pk):
    return _application_step(request, pk, "accept")


@login_required
@require_POST
def application_decline(request, pk):
    return _application_step(request, pk, "decline")


@login_required
@require_POST
def application_take(request, pk):
    return _application_step(request, pk, "take")


def _line_step(request, pk, action: str):
    line = line_for(request.user, pk, write=True)
    form_class, service, done = LINE_STEPS[action]
    form = form_class(request.POST, prefix=action, auto_id=f"line{line.pk}-%s")
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        if action == "decide":
            data = {"approve": form.approve, "reason": data["reason"]}
        try:
            service(acting_user=request.user, line=line, **data)
        except ServiceError as exc:
            status = _refused(request, form, exc)
        else:
            messages.success(request, done if done is not None else LINE_DONE[data["approve"]])
            return redirect("conversion:application_review", pk=line.application_id)
    # Read again: a refused step may have been refused for a state someone else changed.
    application = application_for(request.user, line.application_id)
    return _review_page(request, application, bound={(action, line.pk): form}, status=status)


@login_required
@require_POST
def line_decide(request, pk):
    return _line_step(request, pk, "decide")


@login_required
@require_POST
def line_confirm(request, pk):
    return _line_step(request, pk, "confirm")


@login_required
@require_POST
def line_send_back(request, pk):
    return _line_step(request, pk, "send_back")
