"""Pages of batch recognition (批量认定): an institution clerk sends a file of results, watches
it being read and recorded, and downloads the refused rows to correct and send again.

The batches are read by their institution's clerks and administrators and by the centre's
readers (``access.batches_for``); a batch anyone else asks for is 404 (``access.batch_for``).
Only a clerk of an approved member institution sends a batch (``batch_sender_institutions``)
and downloads its refused rows, whose cells may hold ID numbers; the pages never show those.
"""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.roles import INSTITUTION_ADMIN, INSTITUTION_CLERK, has_role
from creditbank.errors import ServiceError
from creditbank.pages import paginate, refuse

from ..access import (
    BATCH_READERS,
    batch_for,
    batch_sender_institutions,
    batches_for,
    sender_mandates,
)
from ..batch.errors import write_refused_xlsx
from ..batch.normalise import stored_errors
from ..batch.reader import DATA_SHEET, HEADINGS, REQUIRED_HEADINGS, template_xlsx
from ..forms.batch import BatchUploadForm
from ..models import ImportBatch, ImportRow
from ..services.batch import batch_upload

# Who opens the list of batches and the template: the institutions' staff who read their
# batches, and the centre's readers.
LIST_ROLES = (INSTITUTION_ADMIN, INSTITUTION_CLERK, *BATCH_READERS)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How often the detail page asks for the batch's progress while it is worked (htmx).
POLL_SECONDS = 2

Status = ImportBatch.Status


def _labelled(batch: ImportBatch) -> ImportBatch:
    batch.status_label = batch.get_status_display()
    return batch


@role_required(*LIST_ROLES)
@require_GET
def batch_list(request):
    """The batches the person may read, newest first, with their figures."""
    senders = batch_sender_institutions(request.user)
    page = paginate(request, batches_for(request.user))
    for batch in page:
        _labelled(batch)
    context = {
        "page": page,
        "query": "",
        "can_send": bool(senders),
        "is_clerk": has_role(request.user, INSTITUTION_CLERK),
        "show_institution": len(senders) != 1,
    }
    return render(request, "achievements/batch/batch_list.html", context)


@role_required(INSTITUTION_CLERK)
@require_http_methods(["GET", "POST"])
def batch_new(request):
    """The upload form: the file is stored as a new batch and handed to a worker; the clerk
    is sent to the batch's page to watch it. A refusal stays beside its field, nothing
    written."""
    institutions = batch_sender_institutions(request.user)
    if not institutions:
        raise PermissionDenied
    posted = request.method == "POST"
    form = BatchUploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        institutions=institutions,
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            batch = batch_upload(
                acting_user=request.user,
                institution=form.chosen_institution(),
                category=data["category"],
                mode=data["mode"],
                upload=data["file"],
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("The file was received as batch %(batch)s. This page shows its progress.")
                % {"batch": batch.reference},
            )
            return redirect("achievements:batch_detail", pk=batch.pk)
    context = {
        "form": form,
        "mandates": sender_mandates(institutions),
        "several": len(institutions) > 1,
        "threshold": settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD,
        "max_file": settings.CREDITBANK_BATCH_MAX_FILE,
        "sheet": DATA_SHEET,
        "required": [HEADINGS[key] for key in REQUIRED_HEADINGS],
    }
    return render(request, "achievements/batch/batch_new.html", context)


# The bar's share for reading and checking the rows; recording them takes the rest (about a
# third and two thirds of a batch's time: make bench-batch).
READ_SHARE = 30


def _progress(batch: ImportBatch) -> int | None:
    """How far the batch is, in percent: the share of the file read (its bytes, or its sheet's
    rows) in the first ``READ_SHARE``, the valid rows recorded in the rest; ``None`` while it
    waits for a worker. (An API batch is read and recorded in one transaction: never seen here
    unfinished.)"""
    if batch.status == Status.DONE:
        return 100
    if batch.status == Status.VALIDATING:
        return min(READ_SHARE, batch.read_permille * READ_SHARE // 1000)
    if batch.status == Status.PROCESSING:
        to_commit = batch.rows_valid - batch.unchanged
        if to_commit <= 0:
            return 99
        return min(99, READ_SHARE + batch.rows_committed * (100 - READ_SHARE) // to_commit)
    return None


def _refused_page(request, batch: ImportBatch):
    """A page of the refused rows (once the batch is finished) with each error after its
    column's heading; the raw cells stay sealed."""
    rows = (
        ImportRow.objects.filter(batch=batch, outcome=ImportRow.Outcome.REFUSED)
        .order_by("row_number")
        .only("row_number", "external_id", "errors")
    )
    page = paginate(request, rows, count=batch.rows_refused)
    page.lines = [
        {
            "number": row.row_number,
            "external_id": row.external_id,
            "errors": [
                {"heading": HEADINGS.get(column, ""), "message": message}
                for column, _code, message in stored_errors(row.errors)
            ],
        }
        for row in page
    ]
    return page


def _state(request, batch: ImportBatch) -> dict:
    """What the batch's state part shows (the detail page, and its polled fragment)."""
    context = {
        "batch": _labelled(batch),
        "progress": _progress(batch),
        "poll_seconds": POLL_SECONDS,
        "refused": None,
        "can_download": False,
    }
    if batch.is_finished and batch.rows_refused:
        context["refused"] = _refused_page(request, batch)
        senders = {i.pk for i in batch_sender_institutions(request.user)}
        context["can_download"] = batch.institution_id in senders
    return context


@login_required
@require_GET
def batch_detail(request, pk):
    batch = batch_for(request.user, pk)
    return render(request, "achievements/batch/batch_detail.html", _state(request, batch))


@login_required
@require_GET
def batch_progress(request, pk):
    """The batch's state part, which the detail page polls (htmx) while the batch is worked;
    once it is finished the part comes without its polling trigger, and the polling stops."""
    batch = batch_for(request.user, pk)
    return render(request, "achievements/batch/_state.html", _state(request, batch))


@login_required
@require_GET
def batch_refused(request, pk):
    """The refused rows of a finished batch as an XLSX workbook with an error column, for a
    clerk of its institution to correct and send again; written to a temporary file a row at
    a time (``batch.errors``), never held whole in memory."""
    batch = batch_for(request.user, pk, write=True)
    if not batch.is_finished or not batch.rows_refused:
        raise Http404
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it, and it goes)
    try:
        write_refused_xlsx(batch, file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"{batch.reference}-refused.xlsx",
        content_type=XLSX,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*LIST_ROLES)
@require_GET
def batch_template(request):
    """The workbook to fill in: the headings, an example row and the instructions in the
    page's language."""
    response = HttpResponse(template_xlsx(get_language()), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("result-batch-template.xlsx")
    )
    response["Cache-Control"] = "private, no-store"
    return response
