from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from creditbank.audit_labels import event_rows
from creditbank.models import AuditEvent
from creditbank.pages import filter_query, paginate

from ..access import role_required
from ..desk import desk_rows, sections_of
from ..forms import AuditFilterForm
from ..roles import AUDIT_ADMIN, role_labels


@login_required
def desk(request):
    """What waits for the person (``accounts.desk``: each app's to-dos with counts and overdue
    marks, and sections such as the learner's next step), their roles and their pages."""
    context = {
        "role_labels": role_labels(request.user),
        "todos": desk_rows(request.user),
        "sections": sections_of(request.user),
    }
    return render(request, "accounts/desk.html", context)


@role_required(AUDIT_ADMIN)
def audit_log(request):
    """The audit log in words (creditbank.audit_labels), newest first, filtered by the form;
    filters that do not make sense show their message and no events."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if form.is_bound:
        events = form.filter(events) if form.is_valid() else events.none()
    page = paginate(request, events, per_page=50)
    context = {
        "form": form,
        "page": page,
        "rows": event_rows(page),
        "query": filter_query(request),
    }
    return render(request, "accounts/audit_log.html", context)
