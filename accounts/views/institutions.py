"""Institution accounts: applying, the centre's decisions, and the institution's own staff."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from creditbank.errors import ServiceError
from creditbank.pages import paginate, refuse

from .. import services
from ..access import (
    institution_actions,
    institution_for,
    institution_invitation_by_token,
    institution_invitation_for,
    institution_staff_for,
    institutions_for,
    role_required,
)
from ..desk import invitations_waiting
from ..forms.institutions import (
    InstitutionApplicationForm,
    InstitutionDecisionForm,
    InstitutionFilterForm,
    InstitutionInvitationForm,
)
from ..models import Institution, InstitutionStaff
from ..roles import CENTRE_ADMIN, has_role
from ..services.institutions import TRANSITIONS, invitation_check

DECIDED = {
    "approve": gettext_lazy("The institution has been approved."),
    "reject": gettext_lazy("The application has been rejected."),
    "suspend": gettext_lazy("The institution has been suspended."),
    "reinstate": gettext_lazy("The institution has been reinstated."),
}


@login_required
@require_http_methods(["GET", "POST"])
def institution_apply(request):
    """Any signed-in person applies for an institution account on an organisation's behalf."""
    form = InstitutionApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_apply(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("Your application has been received. The centre will review it."),
            )
            return redirect("accounts:institution_detail", pk=institution.pk)
    return render(request, "accounts/institution_apply.html", {"form": form})


@login_required
@require_GET
def institution_mine(request):
    """The institutions the person works for or applied for, with their roles there."""
    roles: dict[int, list] = {}
    for staff in request.user.institution_roles.all():
        roles.setdefault(staff.institution_id, []).append(staff.get_role_display())
    rows = [(i, roles.get(i.pk, [])) for i in institutions_for(request.user).order_by("name")]
    invitations = invitations_waiting(request.user).select_related("institution", "invited_by")
    context = {"rows": rows, "invitations": list(invitations)}
    return render(request, "accounts/institution_mine.html", context)


@role_required(CENTRE_ADMIN)
@require_GET
def institution_list(request):
    """Applications and institutions for the centre, oldest first; pending ones by default."""
    form = InstitutionFilterForm(request.GET or {"status": Institution.Status.APPLIED})
    institutions = Institution.objects.select_related("applied_by").order_by("created_at", "pk")
    query = ""
    if form.is_valid():
        institutions = form.filter(institutions)
        # The filter in force, not the URL's (filter_query): the default is in no URL, and
        # page 2 must keep it.
        query = urlencode({"status": form.cleaned_data["status"]})
    page = paginate(request, institutions)
    context = {"form": form, "page": page, "query": query}
    return render(request, "accounts/institution_list.html", context)


def _render_detail(request, institution, *, decision_form=None):
    """The institution page; the decision form only for a centre administrator who may decide."""
    user = request.user
    staff = list(institution.staff.select_related("user").order_by("role", "user__username"))
    is_admin = any(s.user_id == user.pk and s.role == InstitutionStaff.Role.ADMIN for s in staff)
    invitations = []
    if is_admin:
        invitations = list(
            institution.invitations.filter(accepted_at__isnull=True).select_related("invited_by")
        )
    decisions = institution_actions(user, institution)
    if decision_form is None and decisions:
        decision_form = InstitutionDecisionForm(decisions=decisions)
    if decision_form is not None:  # after a refused decision: offer what is open now
        decision_form.fields["decision"].choices = [
            (d, InstitutionDecisionForm.LABELS[d]) for d in decisions
        ]
    context = {
        "institution": institution,
        "staff": staff,
        "is_admin": is_admin,
        "invitations": invitations,
        "decisions": decisions,
        "decision_form": decision_form,
        "is_centre_admin": has_role(user, CENTRE_ADMIN),
    }
    return render(request, "accounts/institution_detail.html", context)


@login_required
@require_GET
def institution_detail(request, pk):
    return _render_detail(request, institution_for(request.user, pk))


@role_required(CENTRE_ADMIN)
@require_POST
def institution_decide(request, pk):
    """Approve, reject, suspend or reinstate; the service checks the status and the reason."""
    institution = institution_for(request.user, pk)
    form = InstitutionDecisionForm(request.POST, decisions=list(TRANSITIONS))
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            services.institution_decide(
                acting_user=request.user,
                institution=institution,
                decision=decision,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, DECIDED[decision])
            return redirect("accounts:institution_detail", pk=institution.pk)
    institution.refresh_from_db()  # show the status as it is now, after a refused decision
    return _render_detail(request, institution, decision_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def institution_invite(request, pk):
    """The institution's administrator invites a member of staff by e-mail."""
    institution = institution_for(request.user, pk, write=True)
    form = InstitutionInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_invite(
                acting_user=request.user,
                institution=institution,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:institution_detail", pk=institution.pk)
    context = {"institution": institution, "form": form}
    return render(request, "accounts/institution_invite.html", context)


@login_required
@require_POST
def institution_invitation_cancel(request, pk, invitation_pk):
    invitation = institution_invitation_for(request.user, pk, invitation_pk)
    try:
        services.institution_invitation_cancel(acting_user=request.user, invitation=invitation)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation has been withdrawn."))
    return redirect("accounts:institution_detail", pk=pk)


@login_required
@require_POST
def institution_staff_remove(request, pk, staff_pk):
    staff = institution_staff_for(request.user, pk, staff_pk)
    try:
        services.institution_staff_remove(acting_user=request.user, staff=staff)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(person)s no longer holds the role %(role)s.")
            % {"person": staff.user.get_username(), "role": staff.get_role_display()},
        )
    return redirect("accounts:institution_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def institution_invitation(request, token):
    """The invitee's page: what they are invited to, and a button to accept if they may."""
    invitation = institution_invitation_by_token(token)
    problem = None
    if request.method == "POST":
        try:
            staff = services.institution_invitation_accept(acting_user=request.user, token=token)
        except ServiceError as exc:
            problem = exc.message
        else:
            messages.success(
                request,
                _("Welcome: you are now %(role)s at %(institution)s.")
                % {"role": staff.get_role_display(), "institution": staff.institution.name},
            )
            return redirect("accounts:institution_detail", pk=staff.institution_id)
    else:
        try:
            invitation_check(invitation=invitation, user=request.user)
        except ServiceError as exc:
            problem = exc.message
    context = {"invitation": invitation, "problem": problem}
    return render(request, "accounts/institution_invitation.html", context)
