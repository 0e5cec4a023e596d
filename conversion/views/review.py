"""Pages of a rule version's review: the queue, and the steps (POST only) that the review panel
of ``conversion:rule_manage_detail`` offers. A step that is refused shows its form again on a
page of its own, with the message beside the field (or above the form) and the status of the
refusal (``creditbank.pages.status_for``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import CENTRE_ADMIN, EXPERT, INSTITUTION_ADMIN, INSTITUTION_CLERK
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, form_page, paginate, refuse, status_for

from ..access import review_queue_for, review_queues_of, rule_version_for
from ..forms.review import ApproveForm, ConfirmForm, OpinionForm, PanelForm, ReasonForm
from ..services import review

QUEUE_TITLES = {
    "panel": gettext_lazy("Waiting for a panel"),
    "review": gettext_lazy("In expert review"),
    "decision": gettext_lazy("Ready for a decision"),
    "publish": gettext_lazy("Approved, to publish"),
    "waiting": gettext_lazy("Waiting for my opinion"),
    "answered": gettext_lazy("I gave my opinion"),
    "returned": gettext_lazy("Returned to us"),
}
QUEUE_HELP = {
    "panel": gettext_lazy("Submitted rule versions: assign a panel of experts or return them."),
    "review": gettext_lazy("Rule versions with their panels, and how many opinions are in."),
    "decision": gettext_lazy(
        "Every expert on the panel has answered: approve or return. Versions you wrote or of an "
        "institution you work for are left to another centre administrator."
    ),
    "publish": gettext_lazy(
        "Approved versions: publishing announces them and ends the versions they take over from."
    ),
    "waiting": gettext_lazy("Rule versions on your panels that wait for your opinion."),
    "answered": gettext_lazy("Rule versions you gave an opinion on, the latest first."),
    "returned": gettext_lazy(
        "Drafts the centre returned to your institution, with its reason: change and submit them."
    ),
}


@role_required(CENTRE_ADMIN, EXPERT, INSTITUTION_ADMIN, INSTITUTION_CLERK)
@require_GET
def review_queue(request):
    """The rule versions waiting for the person: a centre administrator's panels, decisions
    and publications, an expert's opinions, a writer's returned drafts; one list at a time
    (``?show=``), paginated."""
    queues = review_queues_of(request.user)
    show = request.GET.get("show")
    if show not in queues:
        show = queues[0] if queues else ""
    page = paginate(request, review_queue_for(request.user, show))
    context = {
        "queues": [(name, QUEUE_TITLES[name]) for name in queues],
        "show": show,
        "title": QUEUE_TITLES.get(show, gettext_lazy("Rule review")),
        "help": QUEUE_HELP.get(show, ""),
        "page": page,
        "query": filter_query(request),
    }
    return render(request, "conversion/review/queue.html", context)


def _detail_url(version) -> str:
    return reverse("conversion:rule_manage_detail", args=[version.pk])


def _step(request, version, form, *, call, done, title, submit):
    """Run ``call(cleaned_data)`` (one service) if ``form`` is valid and go back to the
    version's page with ``done``; else show the form with the refusal."""
    status = 400
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
            status = status_for(exc)
        else:
            messages.success(request, done)
            return redirect(_detail_url(version))
    names = {"number": version.rule.number, "version": version.version}
    return form_page(
        request,
        form,
        title=title % names,
        submit=submit,
        cancel=_detail_url(version),
        back=(_detail_url(version), f"{version.rule.number} {version.rule.title}"),
        status=status,
    )


@role_required(INSTITUTION_ADMIN, INSTITUTION_CLERK)
@require_POST
def rule_submit(request, pk):
    version = rule_version_for(request.user, pk, write=True)
    return _step(
        request,
        version,
        ConfirmForm(request.POST),
        call=lambda data: review.rule_submit(acting_user=request.user, version=version),
        done=_("The rule version was submitted to the centre for expert review."),
        title=gettext_lazy("Submit %(number)s version %(version)s"),
        submit=gettext_lazy("Submit for review"),
    )


@role_required(INSTITUTION_ADMIN, INSTITUTION_CLERK)
@require_POST
def rule_withdraw(request, pk):
    version = rule_version_for(request.user, pk, write=True)
    return _step(
        request,
        version,
        ConfirmForm(request.POST),
        call=lambda data: review.rule_withdraw(acting_user=request.user, version=version),
        done=_("The rule version was withdrawn from review and is a draft again."),
        title=gettext_lazy("Withdraw %(number)s version %(version)s"),
        submit=gettext_lazy("Withdraw from review"),
    )


@role_required(CENTRE_ADMIN)
@require_POST
def rule_panel_assign(request, pk):
    version = rule_version_for(request.user, pk)
    return _step(
        request,
        version,
        PanelForm(request.POST, prefix="panel", version=version),
        call=lambda data: review.rule_panel_assign(
            acting_user=request.user, version=version, experts=data["experts"]
        ),
        done=_("The experts were put on the panel and told."),
        title=gettext_lazy("Expert panel for %(number)s version %(version)s"),
        submit=gettext_lazy("Assign"),
    )


@role_required(EXPERT)
@require_POST
def rule_opinion(request, pk):
    version = rule_version_for(request.user, pk)
    return _step(
        request,
        version,
        OpinionForm(request.POST, prefix="opinion"),
        call=lambda data: review.rule_opinion_give(
            acting_user=request.user, version=version, **data
        ),
        done=_("Your opinion was recorded. Thank you."),
        title=gettext_lazy("Your opinion on %(number)s version %(version)s"),
        submit=gettext_lazy("Give my opinion"),
    )


@role_required(CENTRE_ADMIN)
@require_POST
def rule_return(request, pk):
    version = rule_version_for(request.user, pk)
    return _step(
        request,
        version,
        ReasonForm(request.POST, prefix="return"),
        call=lambda data: review.rule_return(
            acting_user=request.user, version=version, reason=data["reason"]
        ),
        done=_("The rule version was returned to its institution as a draft."),
        title=gettext_lazy("Return %(number)s version %(version)s"),
        submit=gettext_lazy("Return to the institution"),
    )


@role_required(CENTRE_ADMIN)
@require_POST
def rule_approve(request, pk):
    version = rule_version_for(request.user, pk)
    return _step(
        request,
        version,
        ApproveForm(request.POST, prefix="approve"),
        call=lambda data: review.rule_approve(
            acting_user=request.user, version=version, note=data["note"]
        ),
        done=_("The rule version was approved. Publish it when it should be announced."),
        title=gettext_lazy("Approve %(number)s version %(version)s"),
        submit=gettext_lazy("Approve"),
    )


@role_required(CENTRE_ADMIN)
@require_POST
def rule_publish(request, pk):
    version = rule_version_for(request.user, pk)
    return _step(
        request,
        version,
        ConfirmForm(request.POST),
        call=lambda data: review.rule_publish(acting_user=request.user, version=version),
        done=_("The rule version was published and announced."),
        title=gettext_lazy("Publish %(number)s version %(version)s"),
        submit=gettext_lazy("Publish"),
    )


@role_required(CENTRE_ADMIN)
@require_POST
def rule_retire(request, pk):
    version = rule_version_for(request.user, pk)
    return _step(
        request,
        version,
        ReasonForm(request.POST, prefix="retire"),
        call=lambda data: review.rule_retire(
            acting_user=request.user, version=version, reason=data["reason"]
        ),
        done=_("The rule version was retired."),
        title=gettext_lazy("Retire %(number)s version %(version)s"),
        submit=gettext_lazy("Retire"),
    )
