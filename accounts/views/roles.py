"""The security administrator gives and takes centre roles and administrator powers."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from creditbank.errors import ServiceError
from creditbank.pages import paginate, refuse

from ..access import role_required
from ..forms.roles import RoleGrantForm
from ..models import RoleGrant
from ..roles import SECURITY_ADMIN
from ..services import role_grant, role_revoke


@role_required(SECURITY_ADMIN)
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
            refuse(form, exc)
        else:
            messages.success(request, _("The role has been given."))
            return redirect("accounts:role_grants")
    grants = RoleGrant.objects.select_related("user", "granted_by").order_by("user__username")
    page = paginate(request, grants, per_page=50)
    return render(request, "accounts/role_grants.html", {"form": form, "page": page})


@role_required(SECURITY_ADMIN)
@require_POST
def role_grant_revoke(request, pk):
    grant = get_object_or_404(RoleGrant.objects.select_related("user"), pk=pk)
    try:
        role_revoke(acting_user=request.user, user=grant.user, role=grant.role)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role has been taken away."))
    return redirect("accounts:role_grants")
