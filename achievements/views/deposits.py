"""Pages of deposits (存储): a learner's achievements and their evidence, and institutions'
clerks depositing for learners."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import role_required
from accounts.models import LearnerAccount
from accounts.roles import INSTITUTION_CLERK, LEARNER, learning_account_of
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, paginate, refusal, refuse

from .. import selectors, services
from ..access import (
    achievement_for,
    allowed_actions,
    appeal_deadline,
    clerk_institutions,
    evidence_for,
)
from ..archive import archive_sections
from ..forms.deposits import (
    AccountLookupForm,
    AchievementFilterForm,
    AchievementForm,
    ClerkDepositForm,
    DepositForm,
    EvidenceForm,
)
from ..forms.review import AnswerForm, AppealForm
from ..forms.standards import ConfirmForm
from ..models import Achievement


@role_required(LEARNER)
@require_GET
def archive(request):
    """The lifelong learning archive (终身学习档案): the credit balance by level and field,
    every achievement with its status and history (filtered by category, status and year),
    and the statement of ledger entries — each list paginated, in a fixed number of queries."""
    account = learning_account_of(request.user)
    form = AchievementFilterForm(request.GET or None)
    context = {"account": account, "form": form, "query": filter_query(request)}
    if account is not None:
        # The page of achievements is read as keys; their cards come from the cache.
        achievements = selectors.archive_keys(account)
        if form.is_valid():
            achievements = form.filter(achievements)
        ledger = selectors.ledger_state(account)
        page = paginate(request, achievements)
        context.update(
            page=page,
            cards=selectors.archive_cards(page),
            ledger_state=ledger.key,
            balance=SimpleLazyObject(lambda: selectors.balance_of(account)),
            statement=paginate(
                request,
                selectors.statement(account),
                param="entries",
                count=ledger.entries,  # known: no second count
            ),
            statement_query=filter_query(request, param="entries"),
            # What higher apps add: conversion's "converted at institutions".
            sections=archive_sections(account),
        )
    return render(request, "achievements/archive.html", context)


@role_required(LEARNER)
@require_http_methods(["GET", "POST"])
def achievement_deposit(request):
    account = LearnerAccount.objects.filter(user=request.user).first()
    form = DepositForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and account is not None and form.is_valid():
        try:
            achievement = services.achievement_deposit(
                acting_user=request.user,
                account=account,
                facts=form.facts(),
                files=form.cleaned_data["files"],
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The achievement was deposited in your learning account."))
            return redirect("achievements:achievement_detail", pk=achievement.pk)
    context = {"form": form, "account": account}
    return render(request, "achievements/achievement_deposit.html", context)


def _detail(request, achievement, *, evidence_form=None, refused=None, bound=None, status=200):
    owner = achievement.account.user_id == request.user.pk
    allowed = allowed_actions(request.user, achievement) if owner else set()
    deadline = appeal_deadline(achievement) if owner else None
    steps = {
        action: (bound or {}).get(action) or LEARNER_STEP_FORMS[action]()
        for action in LEARNER_STEP_FORMS
        if action in allowed
    }
    context = {
        "achievement": achievement,
        "evidence": list(achievement.evidence.select_related("uploaded_by")),
        "events": list(achievement.events.timeline()),
        "decision": _last_decision(achievement),
        "owner": owner,
        "can_edit": owner and achievement.status == Achievement.Status.DEPOSITED,
        "can_change_evidence": owner and achievement.status in services.EVIDENCE_OPEN,
        "evidence_form": evidence_form or EvidenceForm(),
        "refused": refused,
        "steps": steps,
        "appeal_deadline": deadline,
    }
    return render(request, "achievements/achievement_detail.html", context, status=status)


def _last_decision(achievement):
    return (
        achievement.decisions.select_related("unit_standard", "level")
        .order_by("-decided_at", "-pk")
        .first()
    )


LEARNER_STEP_FORMS = {"submit": ConfirmForm, "resubmit": AnswerForm, "appeal": AppealForm}
LEARNER_STEP_SERVICES = {
    "submit": services.achievement_submit,
    "resubmit": services.achievement_resubmit,
    "appeal": services.achievement_appeal,
}
LEARNER_STEP_DONE = {
    "submit": gettext_lazy("Your application for recognition was sent to the branch centre."),
    "resubmit": gettext_lazy("Your answer was sent; the branch centre checks it again."),
    "appeal": gettext_lazy("Your appeal was sent; an expert will decide."),
}


@login_required
@require_POST
def achievement_step(request, pk, action: str):
    """The learner applies for recognition, answers a return or appeals a rejection."""
    achievement = achievement_for(request.user, pk, write=True)
    form = LEARNER_STEP_FORMS[action](request.POST)
    if form.is_valid():
        try:
            LEARNER_STEP_SERVICES[action](
                acting_user=request.user, achievement=achievement, **form.cleaned_data
            )
        except ServiceError as exc:
            if exc.field in form.fields:
                refuse(form, exc)
                return _detail(request, achievement, bound={action: form})
            return _detail(request, achievement, bound={action: form}, refused=refusal(exc))
        messages.success(request, str(LEARNER_STEP_DONE[action]))
        return redirect("achievements:achievement_detail", pk=achievement.pk)
    return _detail(request, achievement, bound={action: form})


@login_required
@require_GET
def achievement_detail(request, pk):
    return _detail(request, achievement_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def achievement_edit(request, pk):
    achievement = achievement_for(request.user, pk, write=True)
    initial = {
        "category": achievement.category_id,
        "title": achievement.title,
        "issuer_institution": achievement.issuer_institution_id,
        "issuer_name": achievement.issuer_name,
        "obtained_on": achievement.obtained_on,
        "result_kind": achievement.result_kind,
        AchievementForm.RESULT_FIELDS[achievement.result_kind]: achievement.result_value,
        "hours": achievement.hours,
        "original_credits": achievement.original_credits,
        "certificate_number": achievement.certificate_number,
    }
    form = AchievementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.achievement_update(
                acting_user=request.user, achievement=achievement, facts=form.facts()
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The achievement was saved."))
            return redirect("achievements:achievement_detail", pk=achievement.pk)
    context = {"form": form, "achievement": achievement}
    return render(request, "achievements/achievement_edit.html", context)


@login_required
@require_POST
def achievement_delete(request, pk):
    achievement = achievement_for(request.user, pk, write=True)
    try:
        services.achievement_delete(acting_user=request.user, achievement=achievement)
    except ServiceError as exc:
        return _detail(request, achievement, refused=refusal(exc))
    messages.success(request, _("The deposit was deleted with its evidence."))
    return redirect("achievements:archive")


@login_required
@require_POST
def evidence_add(request, pk):
    achievement = achievement_for(request.user, pk, write=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                acting_user=request.user, achievement=achievement, files=form.cleaned_data["files"]
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The evidence was added."))
            return redirect("achievements:achievement_detail", pk=achievement.pk)
    return _detail(request, achievement, evidence_form=form)


@login_required
@require_POST
def evidence_remove(request, pk):
    evidence = evidence_for(request.user, pk, write=True)
    try:
        services.evidence_remove(acting_user=request.user, evidence=evidence)
    except ServiceError as exc:
        return _detail(request, evidence.achievement, refused=refusal(exc))
    messages.success(request, _("The evidence file was removed."))
    return redirect("achievements:achievement_detail", pk=evidence.achievement_id)


@login_required
@require_GET
def evidence_download(request, pk):
    """An evidence file, as a download that is never cached, sniffed or rendered inline."""
    evidence = evidence_for(request.user, pk)
    extension = evidence.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=f"evidence-{evidence.pk}.{extension}",
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Institutions' clerks ---------------------------------------------------------------------


@role_required(INSTITUTION_CLERK)
@require_GET
def achievement_clerk_list(request):
    """The deposits this clerk made for learners, newest first."""
    achievements = selectors.clerk_deposits(request.user)
    context = {"page": paginate(request, achievements), "query": ""}
    return render(request, "achievements/clerk_list.html", context)


@role_required(INSTITUTION_CLERK)
@require_http_methods(["GET", "POST"])
def achievement_clerk_deposit(request):
    """Find the learner by account number (the masked name shows once it matches), then
    deposit for them an achievement issued by the clerk's institution."""
    institutions = clerk_institutions(request.user).order_by("name")
    lookup = AccountLookupForm(request.POST or request.GET or None)
    account = None
    if lookup.is_bound and lookup.is_valid():
        account = LearnerAccount.objects.filter(
            account_number=lookup.cleaned_data["account_number"]
        ).first()
        if account is None:
            lookup.add_error("account_number", _("No learning account has this number."))
    form = None
    if account is not None:
        initial = {"account_number": account.account_number}
        if request.method == "POST":
            form = ClerkDepositForm(request.POST, request.FILES, institutions=institutions)
        else:
            form = ClerkDepositForm(initial=initial, institutions=institutions)
        if request.method == "POST" and form.is_valid():
            try:
                achievement = services.achievement_deposit(
                    acting_user=request.user,
                    account=account,
                    facts=form.facts(),
                    files=form.cleaned_data["files"],
                )
            except ServiceError as exc:
                refuse(form, exc)
            else:
                messages.success(
                    request, _("The achievement was deposited; the learner has been told.")
                )
                return redirect("achievements:achievement_detail", pk=achievement.pk)
    context = {
        "lookup": lookup,
        "account": account,
        "masked_name": selectors.masked_name(account.real_name) if account else "",
        "form": form,
        "has_institution": institutions.exists(),
    }
    return render(request, "achievements/clerk_deposit.html", context)
