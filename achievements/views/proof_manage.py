"""The centre's document pages: every transcript and proof, found by verification code or
account number, and revoking (fraud), suspending while looking into it, and reinstating.

The centre's administrators read and act; quality auditors read (their POSTs are 403);
everyone else gets 404 on a document, as if it did not exist (``document_for``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, paginate, refuse

from ..access import DOCUMENT_READERS, can_manage_documents, can_read_documents, document_for
from ..forms.standards import ConfirmForm, ReasonForm
from ..forms.verify import DOCUMENT_FILTERS, DocumentSearchForm
from ..models import ProofDocument
from ..services.proof import document_reinstate, document_revoke, document_suspend
from .verify import document_context

Status = ProofDocument.Status


def _status_counts() -> list[dict]:
    """Every filter with its number of documents, in one query."""
    rows = (
        ProofDocument.objects.order_by()
        .values("status")
        .annotate(total=Count("pk"), suspended=Count("pk", filter=Q(suspended=True)))
    )
    counts = {row["status"]: row["total"] for row in rows}
    counts["suspended"] = sum(row["suspended"] for row in rows if row["status"] == Status.READY)
    counts[""] = sum(row["total"] for row in rows)
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in DOCUMENT_FILTERS
    ]


@role_required(*DOCUMENT_READERS)
@require_GET
def document_manage_list(request):
    form = DocumentSearchForm(request.GET or None)
    documents = ProofDocument.objects.select_related("account")
    if form.is_valid():
        documents = form.filter(documents)
    context = {
        "form": form,
        "page": paginate(request, documents),
        "query": filter_query(request),
        "counts": _status_counts(),
        "current": form.cleaned_data.get("status", "") if form.is_valid() else "",
    }
    return render(request, "achievements/proof_manage/document_list.html", context)


def _manage_document(request, pk, *, write: bool = False) -> ProofDocument:
    """Only the centre's readers use these pages; a learner's own document is on their pages
    (``document_for`` would give it to them)."""
    if not can_read_documents(request.user):
        raise Http404
    return document_for(request.user, pk, write=write)


def _actions(user, document: ProofDocument) -> set[str]:
    if not can_manage_documents(user) or document.status != Status.READY:
        return set()
    return {"revoke", "reinstate" if document.suspended else "suspend"}


def _detail(request, document: ProofDocument, *, forms=None):
    """The document's page; ``forms`` are refused forms to show with their errors (by
    action). A refusal whose form is no longer offered is shown above the page."""
    forms = forms or {}
    actions = _actions(request.user, document)
    refused = [form for action, form in forms.items() if action not in actions]
    context = {
        **document_context(document, checks=False),
        "actions": actions,
        "revoke_form": forms.get("revoke") or ReasonForm(prefix="revoke"),
        "suspend_form": forms.get("suspend") or ReasonForm(prefix="suspend"),
        "reinstate_form": forms.get("reinstate") or ConfirmForm(),
        "refused": [error for form in refused for error in form.non_field_errors()]
        + [error for form in refused for field in form.fields for error in form[field].errors],
        "shares": document.shares.count(),
        "views": document.views.count(),
    }
    return render(request, "achievements/proof_manage/document_detail.html", context)


@login_required
@require_GET
def document_manage_detail(request, pk):
    return _detail(request, _manage_document(request, pk))


def _act(request, pk, action: str, form, call, done: str):
    """One centre action: the form, the service, a message and back to the page; a refusal
    stays beside the field on the page (200)."""
    document = _manage_document(request, pk, write=True)
    if form.is_valid():
        try:
            call(document, form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, done)
            return redirect("achievements:document_manage_detail", pk=document.pk)
    document.refresh_from_db()
    return _detail(request, document, forms={action: form})


@login_required
@require_POST
def document_revoke_view(request, pk):
    return _act(
        request,
        pk,
        "revoke",
        ReasonForm(request.POST, prefix="revoke"),
        lambda document, data: document_revoke(
            acting_user=request.user, document=document, reason=data["reason"]
        ),
        _("The document was revoked. Its verification page now says so."),
    )


@login_required
@require_POST
def document_suspend_view(request, pk):
    return _act(
        request,
        pk,
        "suspend",
        ReasonForm(request.POST, prefix="suspend"),
        lambda document, data: document_suspend(
            acting_user=request.user, document=document, reason=data["reason"]
        ),
        _("The document was suspended while the centre looks into it."),
    )


@login_required
@require_POST
def document_reinstate_view(request, pk):
    return _act(
        request,
        pk,
        "reinstate",
        ConfirmForm(request.POST),
        lambda document, data: document_reinstate(acting_user=request.user, document=document),
        _("The document was reinstated. It verifies as valid again."),
    )
