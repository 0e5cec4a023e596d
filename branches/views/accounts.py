"""Learning accounts in the network: opening one online, and the branch staff's account desk."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import role_required
from accounts.forms.learners import OpenInPersonForm, OpenOnlineForm, ReasonForm, VerifyForm
from accounts.models import LearnerAccount
from accounts.roles import BRANCH_ROLES
from accounts.services import (
    learner_account_close,
    learner_account_freeze,
    learner_account_return,
    learner_account_unfreeze,
    learner_account_verify,
    learner_id_reveal,
)
from creditbank.errors import ServiceError
from creditbank.files import IMAGE_TYPES, detect_document_kind, pdf_first_page_png
from creditbank.pages import filter_query, paginate, refuse

from ..access import learner_account_for, learner_accounts_for, staff_branch_ids
from ..models import BranchCentre, ServicePoint
from ..services.accounts import account_open_in_person, account_open_online


@login_required
@require_http_methods(["GET", "POST"])
def account_open(request):
    """A signed-in person opens their learning account online (pending verification)."""
    if LearnerAccount.objects.filter(user=request.user).exists():
        return redirect("accounts:my_account")
    form = OpenOnlineForm(
        request.POST or None,
        request.FILES or None,
        branches=BranchCentre.objects.select_related("district"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_open_online(
                acting_user=request.user,
                branch=form.cleaned_data["branch"],
                identity=form.identity(),
                id_image=form.cleaned_data["id_image"],
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("Your learning account is open and waits for real-name verification."),
            )
            return redirect("accounts:my_account")
    return render(request, "branches/account_open.html", {"form": form})


@role_required(*BRANCH_ROLES)
def desk_accounts(request):
    """The accounts of my branches: those waiting for verification first, then the newest."""
    accounts = learner_accounts_for(request.user).select_related("home__branch")
    status = request.GET.get("status", "")
    if status in LearnerAccount.Status.values:
        accounts = accounts.filter(status=status)
    if query := request.GET.get("q", "").strip()[:50]:
        accounts = accounts.filter(Q(account_number__iexact=query) | Q(real_name__icontains=query))
    accounts = accounts.annotate(
        waiting=Case(
            When(status=LearnerAccount.Status.PENDING_VERIFICATION, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("waiting", "created_at" if status == "pending_verification" else "-created_at")
    page = paginate(request, accounts, per_page=25)
    return render(
        request,
        "branches/desk_accounts.html",
        {
            "page": page,
            "status": status,
            "q": query,
            "statuses": LearnerAccount.Status.choices,
            "query": filter_query(request),
        },
    )


@role_required(*BRANCH_ROLES)
@require_http_methods(["GET", "POST"])
def desk_account_new(request):
    """Branch staff open an account in person, after seeing the original ID."""
    points = ServicePoint.objects.filter(
        branch_id__in=staff_branch_ids(request.user)
    ).select_related("branch")
    form = OpenInPersonForm(request.POST or None, service_points=points)
    if request.method == "POST" and form.is_valid():
        try:
            account = account_open_in_person(
                acting_user=request.user,
                service_point=form.cleaned_data["service_point"],
                identity=form.identity(),
                email=form.cleaned_data["email"],
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("Account %(number)s is open; the person has been e-mailed a link.")
                % {"number": account.account_number},
            )
            return redirect("branches:desk_account", pk=account.pk)
    return render(request, "branches/desk_account_new.html", {"form": form})


def _desk_account_page(request, account, **forms):
    """One account on the desk: its data beside the ID image, verification (verify, or ask for
    a new photo) while it waits, and the status changes; ``forms`` are the bound ones."""
    context = {
        "account": account,
        "verify_form": VerifyForm(),
        "return_form": ReasonForm(prefix="return"),
        "reason_form": ReasonForm(),
        "id_image_is_pdf": account.id_image.name.endswith(".pdf") if account.id_image else False,
        **forms,
    }
    return render(request, "branches/desk_account.html", context)


@role_required(*BRANCH_ROLES)
def desk_account(request, pk):
    return _desk_account_page(request, learner_account_for(request.user, pk, write=True))


_TRANSITIONS = {
    "freeze": (learner_account_freeze, _("The account has been frozen.")),
    "unfreeze": (learner_account_unfreeze, _("The account has been unfrozen.")),
    "close": (learner_account_close, _("The account has been closed.")),
}

# The statuses in which an account is an item of the verification queue: a step taken on one
# leads on to the next waiting account.
_IN_QUEUE = {LearnerAccount.Status.PENDING_VERIFICATION}


def _on_to_the_next(request, account, done: str):
    """After a step on a waiting account: the next account waiting for verification at the
    staff's branches (the longest-waiting first, as on the list), else the list of waiting
    accounts, each with a message; after any other step, the account again."""
    messages.success(request, done)
    if account.status not in _IN_QUEUE:
        return redirect("branches:desk_account", pk=account.pk)
    following = (
        learner_accounts_for(request.user)
        .pending()
        .exclude(pk=account.pk)
        .exclude(user=request.user)
        .order_by("created_at", "pk")
        .first()
    )
    if following is not None:
        messages.info(request, _("Here is the next account waiting for verification."))
        return redirect("branches:desk_account", pk=following.pk)
    messages.info(request, _("No other account waits for verification at your branches."))
    return redirect(reverse("branches:desk_accounts") + "?status=pending_verification")


@role_required(*BRANCH_ROLES)
@require_POST
def desk_account_verify(request, pk):
    account = learner_account_for(request.user, pk, write=True)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            learner_account_verify(acting_user=request.user, account=account, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            return _on_to_the_next(request, account, _("The account is verified and active."))
    return _desk_account_page(request, account, verify_form=form)


@role_required(*BRANCH_ROLES)
@require_POST
def desk_account_return(request, pk):
    """Ask the learner for a new photo of the ID, saying why; they are told and upload it."""
    account = learner_account_for(request.user, pk, write=True)
    form = ReasonForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            learner_account_return(
                acting_user=request.user, account=account, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            return _on_to_the_next(
                request,
                account,
                _("The learner has been asked for a new photo of the ID and told why."),
            )
    return _desk_account_page(request, account, return_form=form)


@role_required(*BRANCH_ROLES)
@require_POST
def desk_account_status(request, pk, action):
    if action not in _TRANSITIONS:
        raise Http404
    account = learner_account_for(request.user, pk, write=True)
    service, done = _TRANSITIONS[action]
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service(acting_user=request.user, account=account, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            refuse(form, exc)
        else:
            return _on_to_the_next(request, account, str(done))
    return _desk_account_page(request, account, reason_form=form, action=action)


@role_required(*BRANCH_ROLES)
@require_POST
@never_cache
def desk_account_reveal(request, pk):
    """Show the full ID number once, after an explicit click; the click is audited."""
    account = learner_account_for(request.user, pk, write=True)
    full = learner_id_reveal(acting_user=request.user, account=account)
    return _desk_account_page(request, account, full_id_number=full)


@role_required(*BRANCH_ROLES)
@never_cache
def desk_account_id_image(request, pk):
    """The uploaded ID image, as a download that is never cached or rendered inline."""
    account = learner_account_for(request.user, pk, write=True)
    if not account.id_image:
        raise Http404
    extension = account.id_image.name.rsplit(".", 1)[-1]
    response = FileResponse(
        account.id_image.open("rb"),
        as_attachment=True,
        filename=f"{account.account_number}-id.{extension}",
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*BRANCH_ROLES)
@never_cache
def desk_account_id_preview(request, pk):
    """The uploaded ID image shown beside the account's data: a JPEG or PNG as it is (its type
    told by its content), a PDF's first page rendered to PNG; never cached, never sniffed."""
    account = learner_account_for(request.user, pk, write=True)
    if not account.id_image:
        raise Http404
    with account.id_image.open("rb") as file:
        data = file.read()
    kind = detect_document_kind(data[:8])
    if kind == "pdf":
        data, content_type = pdf_first_page_png(data), "image/png"
    else:
        content_type = IMAGE_TYPES.get(kind)
    if data is None or content_type is None:
        raise Http404
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
