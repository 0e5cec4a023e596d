from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from creditbank.models import AuditEvent

from ..access import role_required
from ..forms import AuditFilterForm
from ..roles import role_labels


@login_required
def desk(request):
    return render(request, "accounts/desk.html", {"role_labels": role_labels(request.user)})


@role_required("audit_admin")
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if form.is_valid():
        events = form.filter(events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"form": form, "page": page})
