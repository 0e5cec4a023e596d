"""Pages of the network: the public service-point finder, and the management of branch
centres, service points and staff postings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.access import role_required
from accounts.roles import BRANCH_MANAGER, CENTRE_ADMIN
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, form_page, paginate, refuse

from .. import services
from ..access import (
    NETWORK_ROLES,
    branch_for,
    branches_for,
    is_centre_admin,
    managed_branch_ids,
    service_point_for,
    service_points_for,
    staff_assignment_for,
    staff_assignments_for,
)
from ..forms import (
    BranchForm,
    ConfirmForm,
    ServicePointFilterForm,
    ServicePointForm,
    ServicePointSearchForm,
    StaffAssignmentForm,
    StaffFilterForm,
)
from ..models import AllianceMembership
from ..selectors import open_service_points


@require_GET
def service_points(request):
    """The public service-point finder: filter by district, search by name or address."""
    form = ServicePointSearchForm(request.GET or None)
    points = open_service_points()
    if form.is_valid():
        points = form.filter(points)
    context = {"form": form, "page": paginate(request, points), "query": filter_query(request)}
    return render(request, "branches/service_points.html", context)


@role_required(*NETWORK_ROLES)
def network_index(request):
    """Where the network's pages start: the centre's sections, or one's own branch centres."""
    branches = branches_for(request.user).order_by("district_id", "name")[:20]
    return render(
        request,
        "branches/network_index.html",
        {
            "branches": branches,
            "is_centre_admin": is_centre_admin(request.user),
            "is_manager": bool(managed_branch_ids(request.user)),
        },
    )


@role_required(*NETWORK_ROLES)
def network_branch_list(request):
    branches = (
        branches_for(request.user)
        .annotate(
            point_count=Count("service_points", distinct=True),
            staff_count=Count("staff", distinct=True),
        )
        .order_by("district_id", "name", "pk")
    )
    context = {
        "page": paginate(request, branches),
        "is_centre_admin": is_centre_admin(request.user),
    }
    return render(request, "branches/network_branch_list.html", context)


@role_required(CENTRE_ADMIN)
def network_branch_create(request):
    form = BranchForm(request.POST or None)
    if form.is_valid():
        try:
            branch = services.branch_create(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Branch centre “%(name)s” opened.") % {"name": branch})
            return redirect("branches:network_branch_detail", pk=branch.pk)
    return form_page(
        request,
        form,
        title=gettext_lazy("New branch centre"),
        submit=gettext_lazy("Open the branch centre"),
        cancel=reverse("branches:network_branch_list"),
    )


@login_required
def network_branch_detail(request, pk):
    branch = branch_for(request.user, pk)
    counts = {
        "points": branch.service_points.count(),
        "open_points": branch.service_points.filter(is_open=True).count(),
        "staff": branch.staff.count(),
        "members": branch.members.filter(status=AllianceMembership.Status.ACTIVE).count(),
    }
    context = {
        "branch": branch,
        "counts": counts,
        "is_centre_admin": is_centre_admin(request.user),
        "is_manager": branch.pk in managed_branch_ids(request.user),
    }
    return render(request, "branches/network_branch_detail.html", context)


@login_required
def network_branch_edit(request, pk):
    branch = branch_for(request.user, pk, write=True)
    initial = {
        "name": branch.name,
        "district": branch.district_id,
        "address": branch.address,
        "phone": branch.phone,
    }
    form = BranchForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.branch_update(acting_user=request.user, branch=branch, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The branch centre was saved."))
            return redirect("branches:network_branch_detail", pk=branch.pk)
    return form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": branch.name},
        submit=gettext_lazy("Save"),
        cancel=reverse("branches:network_branch_detail", args=[branch.pk]),
    )


@role_required(*NETWORK_ROLES)
def network_service_point_list(request):
    form = ServicePointFilterForm(request.GET or None)
    points = service_points_for(request.user).order_by("branch__name", "name", "pk")
    if form.is_valid():
        points = form.filter(points)
    context = {
        "form": form,
        "page": paginate(request, points),
        "query": filter_query(request),
        "is_centre_admin": is_centre_admin(request.user),
        "managed_ids": managed_branch_ids(request.user),
    }
    return render(request, "branches/network_service_point_list.html", context)


@role_required(CENTRE_ADMIN)
def network_service_point_create(request):
    initial = {"is_open": True, "branch": request.GET.get("branch")}
    form = ServicePointForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            point = services.service_point_create(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Service point “%(name)s” opened.") % {"name": point})
            return redirect("branches:network_service_point_list")
    return form_page(
        request,
        form,
        title=gettext_lazy("New service point"),
        submit=gettext_lazy("Open the service point"),
        cancel=reverse("branches:network_service_point_list"),
    )


@login_required
def network_service_point_edit(request, pk):
    """Edit a service point: the centre administrator any (and may move it to another branch),
    a branch manager those of their own branch."""
    point = service_point_for(request.user, pk, write=True)
    with_branch = is_centre_admin(request.user)
    form = ServicePointForm(
        request.POST or None, initial=ServicePointForm.initial_for(point), with_branch=with_branch
    )
    if form.is_valid():
        try:
            services.service_point_update(
                acting_user=request.user, service_point=point, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Service point “%(name)s” saved.") % {"name": point})
            return redirect("branches:network_service_point_list")
    return form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": point.name},
        submit=gettext_lazy("Save"),
        cancel=reverse("branches:network_service_point_list"),
        intro=_("Branch centre: %(branch)s") % {"branch": point.branch.name},
    )


@role_required(CENTRE_ADMIN, BRANCH_MANAGER)
def network_staff_list(request):
    form = StaffFilterForm(request.GET or None)
    assignments = staff_assignments_for(request.user)
    if form.is_valid():
        assignments = form.filter(assignments)
    context = {
        "form": form,
        "page": paginate(request, assignments),
        "query": filter_query(request),
        "is_centre_admin": is_centre_admin(request.user),
    }
    return render(request, "branches/network_staff_list.html", context)


@role_required(CENTRE_ADMIN)
def network_staff_create(request):
    form = StaffAssignmentForm(request.POST or None, initial={"branch": request.GET.get("branch")})
    if form.is_valid():
        try:
            assignment = services.staff_assignment_create(
                acting_user=request.user, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("%(user)s is now posted to %(branch)s.")
                % {"user": assignment.user.get_username(), "branch": assignment.branch.name},
            )
            return redirect("branches:network_staff_list")
    return form_page(
        request,
        form,
        title=gettext_lazy("Post a member of staff"),
        submit=gettext_lazy("Post"),
        cancel=reverse("branches:network_staff_list"),
        intro=gettext_lazy(
            "Staff roles need two-factor authentication: the person will be asked to set it up "
            "at their next page."
        ),
    )


@login_required
def network_staff_remove(request, pk):
    """Ask, then end a posting (POST)."""
    assignment = staff_assignment_for(request.user, pk, write=True)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.staff_assignment_remove(acting_user=request.user, assignment=assignment)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The posting was removed."))
            return redirect("branches:network_staff_list")
    return render(
        request, "branches/network_staff_remove.html", {"assignment": assignment, "form": form}
    )
