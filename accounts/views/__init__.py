from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from creditbank.models import AuditEvent
from creditbank.pages import paginate

from ..access import role_required
from ..forms import AuditFilterForm
from ..roles import AUDIT_ADMIN, role_labels


@login_required
def desk(request):
    return render(request, "accounts/desk.html", {"role_labels": role_labels(request.user)})


@role_required(AUDIT_ADMIN)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if form.is_valid():
        events = form.filter(events)
    page = paginate(request, events, per_page=50)
    return render(request, "accounts/audit_log.html", {"form": form, "page": page})
