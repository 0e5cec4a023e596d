"""The security administrator gives and takes centre roles and administrator powers."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from creditbank.errors import ServiceError

from ..access import role_required
from ..forms.roles import RoleGrantForm
from ..models import RoleGrant
from ..services import role_grant, role_revoke


@role_required("security_admin")
@require_http_methods(["GET", "POST"])
def role_grants(request):
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role_grant(
                acting_user=request.user,
                user=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
            )
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("The role has been given."))
            return redirect("role_grants")
    grants = RoleGrant.objects.select_related("user", "granted_by").order_by("user__username")
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/role_grants.html", {"form": form, "page": page})


@role_required("security_admin")
@require_POST
def role_grant_revoke(request, pk):
    grant = get_object_or_404(RoleGrant.objects.select_related("user"), pk=pk)
    try:
        role_revoke(acting_user=request.user, user=grant.user, role=grant.role)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role has been taken away."))
    return redirect("role_grants")
