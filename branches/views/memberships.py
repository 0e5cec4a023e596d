"""Pages of alliance membership (联盟成员单位): the public directory and the centre's records."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import CENTRE_ADMIN
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, form_page, paginate, refuse

from .. import services
from ..access import is_centre_admin, membership_for, memberships_for
from ..forms import MemberDirectoryFilterForm, MembershipEditForm, MembershipForm, ReasonForm
from ..models import AllianceMembership
from ..selectors import public_members

TRANSITION_SERVICES = {
    "suspend": services.membership_suspend,
    "reinstate": services.membership_reinstate,
    "end": services.membership_end,
}
TRANSITION_LABELS = {
    "suspend": gettext_lazy("Suspend the membership"),
    "reinstate": gettext_lazy("Reinstate the membership"),
    "end": gettext_lazy("End the membership"),
}
TRANSITION_DONE = {
    "suspend": gettext_lazy("The membership was suspended."),
    "reinstate": gettext_lazy("The membership was reinstated."),
    "end": gettext_lazy("The membership was ended."),
}


@require_GET
def membership_directory(request):
    """The public member directory: active members by district, branch centre, type, name."""
    form = MemberDirectoryFilterForm(request.GET or None)
    members = public_members()
    if form.is_valid():
        members = form.filter(members)
    context = {"form": form, "page": paginate(request, members), "query": filter_query(request)}
    return render(request, "branches/member_directory.html", context)


@role_required(CENTRE_ADMIN)
def membership_list(request):
    memberships = memberships_for(request.user)
    return render(
        request, "branches/membership_list.html", {"page": paginate(request, memberships)}
    )


@role_required(CENTRE_ADMIN)
def membership_create(request):
    form = MembershipForm(request.POST or None)
    if form.is_valid():
        try:
            membership = services.membership_create(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now an alliance member.") % {"name": membership.institution.name},
            )
            return redirect("branches:membership_detail", pk=membership.pk)
    return form_page(
        request,
        form,
        title=gettext_lazy("Record a new alliance member"),
        submit=gettext_lazy("Record the membership"),
        cancel=reverse("branches:membership_list"),
        intro=gettext_lazy("Only institutions the centre has approved can join the alliance."),
    )


def _detail(request, membership, *, bound=None):
    """The membership page; ``bound`` is a refused transition form to show with its errors."""
    actions = services.membership_actions(membership) if is_centre_admin(request.user) else []
    forms = [
        (
            action,
            TRANSITION_LABELS[action],
            bound if bound is not None and bound.prefix == action else ReasonForm(prefix=action),
        )
        for action in actions
    ]
    # A refusal for an action that is no longer open (another tab got there first) has no
    # form left to sit in: it is shown at the top of the page.
    refused = bound if bound is not None and bound.prefix not in actions else None
    context = {
        "membership": membership,
        "forms": forms,
        "refused": refused,
        "can_edit": is_centre_admin(request.user)
        and membership.status != AllianceMembership.Status.ENDED,
    }
    return render(request, "branches/membership_detail.html", context)


@login_required
def membership_detail(request, pk):
    return _detail(request, membership_for(request.user, pk))


@login_required
def membership_edit(request, pk):
    membership = membership_for(request.user, pk, write=True)
    initial = {
        "branch": membership.branch_id,
        "joined_on": membership.joined_on,
        "pilot_batch": membership.pilot_batch,
    }
    form = MembershipEditForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.membership_update(
                acting_user=request.user, membership=membership, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The membership was saved."))
            return redirect("branches:membership_detail", pk=membership.pk)
    return form_page(
        request,
        form,
        title=_("Edit the membership of %(name)s") % {"name": membership.institution.name},
        submit=gettext_lazy("Save"),
        cancel=reverse("branches:membership_detail", args=[membership.pk]),
    )


@login_required
@require_POST
def membership_transition(request, pk, action):
    """Suspend, reinstate or end a membership, with a reason."""
    if action not in TRANSITION_SERVICES:
        raise Http404
    membership = membership_for(request.user, pk, write=True)
    form = ReasonForm(request.POST, prefix=action)
    if form.is_valid():
        try:
            TRANSITION_SERVICES[action](
                acting_user=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, TRANSITION_DONE[action])
            return redirect("branches:membership_detail", pk=membership.pk)
    return _detail(request, membership, bound=form)
