"""The learner's proof pages (证明): their transcripts and proofs of learning outcomes — request,
watch the rendering, download, extend, withdraw, share with a link and see who opened it (when
and through what, never who) — and the consent codes for a learning credit inquiry (学习信誉查询).

Every document, share link and consent code is loaded through ``achievements.access``
(``own_document_for``, ``share_for``, ``consent_for``): anyone but its learner gets 404, the
centre's staff too (they have the management pages). A secret — a share link's token, a consent
code — is shown once: the step that made it keeps it in the session for the page it redirects
to, which takes it out again.
"""

import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import role_required
from accounts.roles import LEARNER, learning_account_of
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, paginate, refusal, refuse

from ..access import consent_for, documents_of, own_document_for, share_for
from ..forms.proof import ConsentForm, DocumentRequestForm, ExtendForm, ShareForm, WithdrawForm
from ..models import InquiryConsent, ProofDocument
from ..services import proof as services

Status = ProofDocument.Status
PENDING = (Status.REQUESTED, Status.RENDERING)
VIEWS_PER_PAGE = 50
# The session key under which a secret waits for the one page that shows it.
SHOWN_ONCE = "proof_shown_once"
# The downloaded file's name, in the document's language (RFC 5987 carries it, UTF-8).
FILE_STEMS = {
    ("transcript", "zh-hans"): "成绩单",
    ("proof", "zh-hans"): "学习成果证明",
    ("transcript", "en"): "Transcript",
    ("proof", "en"): "Proof-of-learning-outcomes",
}


# --- Documents ---------------------------------------------------------------------------------


@role_required(LEARNER)
@require_GET
def document_list(request):
    """The learner's transcripts and proofs, newest first."""
    context = {
        "account": learning_account_of(request.user),
        "page": paginate(request, documents_of(request.user)),
        "query": "",
    }
    return render(request, "achievements/proof/document_list.html", context)


@role_required(LEARNER)
@require_http_methods(["GET", "POST"])
def document_request(request):
    """Request a transcript or a proof (``?kind=proof`` chooses the kind): what it certifies is
    frozen now and the rendering queued; the learner watches it on the document's page."""
    account = learning_account_of(request.user)
    kind = request.GET.get("kind")
    initial = {"kind": kind if kind in ProofDocument.Kind.values else ProofDocument.Kind.TRANSCRIPT}
    form = DocumentRequestForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_request(acting_user=request.user, **form.request_kwargs())
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("Your %(kind)s is being prepared; this page shows when it is ready.")
                % {"kind": document.get_kind_display()},
            )
            return redirect("achievements:document_detail", pk=document.pk)
    context = {"form": form, "account": account}
    return render(request, "achievements/proof/document_request.html", context)


def share_state(share) -> str:
    """``ended`` (by the learner, a withdrawal or too many wrong PINs), ``expired`` or ``open``."""
    if share.ended_at is not None:
        return "ended"
    return "open" if share.is_open else "expired"


def _qr_svg(url: str) -> str:
    """The verification address as an inline SVG QR code (drawn here: nothing is fetched)."""
    return mark_safe(  # noqa: S308 — segno's own markup; the URL is ours
        segno.make(url, error="m", micro=False).svg_inline(
            scale=4, border=2, svgclass="qr", lineclass=None, omitsize=True
        )
    )


def _shown_once(request, key: str, pk: int) -> dict | None:
    """The secret the last step left for this page (``key`` of object ``pk``), taken out of
    the session so that it shows once."""
    shown = request.session.get(SHOWN_ONCE)
    if not shown or shown.get(key) != pk:
        return None
    del request.session[SHOWN_ONCE]
    return shown


def _detail(request, document, *, bound=None, refused=None):
    """The document's page; ``bound`` holds a step's form with its errors, ``refused`` a
    refusal with no field to sit beside. Errors answer 200, as the portal's other pages do."""
    bound = bound or {}
    ready = document.status == Status.READY
    shares = list(document.shares.all())
    for share in shares:
        share.state = share_state(share)
    context = {
        "document": document,
        "pending": document.status in PENDING,
        "ready": ready,
        "refused": refused,
        "shares": shares,
        "shown": _shown_once(request, "document", document.pk),
        "views": paginate(
            request,
            document.views.select_related("share"),
            per_page=VIEWS_PER_PAGE,
            param="views",
        ),
        "views_query": filter_query(request, param="views"),
        "extend_form": bound.get("extend") or ExtendForm(prefix="extend")
        if ready and not document.extended
        else None,
        "withdraw_form": bound.get("withdraw") or WithdrawForm(prefix="withdraw")
        if ready
        else None,
        "share_form": bound.get("share") or ShareForm(prefix="share")
        if ready and not document.is_expired
        else None,
    }
    if ready:
        context["verify_url"] = services.verify_url(document)
        context["qr"] = _qr_svg(context["verify_url"])
    return render(request, "achievements/proof/document_detail.html", context)


@login_required
@require_GET
def document_detail(request, pk):
    return _detail(request, own_document_for(request.user, pk))


@login_required
@require_GET
def document_progress(request, pk):
    """The status card while the document is prepared, for the page to poll (htmx). Once it is
    ready or failed the card stops polling and tells the page to reload (``HX-Refresh``)."""
    document = own_document_for(request.user, pk)
    pending = document.status in PENDING
    context = {"document": document, "pending": pending}
    response = render(request, "achievements/proof/_status.html", context)
    if not pending and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _ready(document) -> None:
    """Files are given out for a ready document only (an expired one too: it says so)."""
    if document.status != Status.READY:
        raise Http404


def _file_name(document, extension: str) -> str:
    return f"{FILE_STEMS[(document.kind, document.language)]}-{document.code}.{extension}"


@login_required
@require_GET
def document_download(request, pk):
    """The signed PDF, as a download that is never cached or rendered inline."""
    document = own_document_for(request.user, pk)
    _ready(document)
    response = FileResponse(
        document.pdf.open("rb"),
        as_attachment=True,
        filename=_file_name(document, "pdf"),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def document_credential(request, pk):
    """The signed verifiable credential (a ``ClrCredential``), as a JSON-LD download."""
    document = own_document_for(request.user, pk)
    _ready(document)
    if document.credential is None:
        raise Http404
    response = HttpResponse(
        json.dumps(document.credential, ensure_ascii=False, indent=2),
        content_type="application/ld+json; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, _file_name(document, "json"))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _step(request, document, key: str, form, act, done: str):
    """One step on the document's page: a valid form calls ``act(**cleaned_data)``; success
    redirects with ``done``, a refusal shows beside its field or above the page."""
    if form.is_valid():
        try:
            act(**form.cleaned_data)
        except ServiceError as exc:
            if exc.field in form.fields:
                refuse(form, exc)
                return _detail(request, document, bound={key: form})
            return _detail(request, document, bound={key: form}, refused=refusal(exc))
        messages.success(request, done)
        return redirect("achievements:document_detail", pk=document.pk)
    return _detail(request, document, bound={key: form})


@login_required
@require_POST
def document_extend(request, pk):
    document = own_document_for(request.user, pk)
    return _step(
        request,
        document,
        "extend",
        ExtendForm(request.POST, prefix="extend"),
        lambda days: services.document_extend(
            acting_user=request.user, document=document, days=days
        ),
        _("The document's verification was extended."),
    )


@login_required
@require_POST
def document_withdraw(request, pk):
    document = own_document_for(request.user, pk)
    return _step(
        request,
        document,
        "withdraw",
        WithdrawForm(request.POST, prefix="withdraw"),
        lambda reason, confirm: services.document_withdraw(
            acting_user=request.user, document=document, reason=reason
        ),
        _("The document was withdrawn: its code and share links no longer verify."),
    )


@login_required
@require_POST
def document_retry(request, pk):
    document = own_document_for(request.user, pk)
    try:
        services.document_retry(acting_user=request.user, document=document)
    except ServiceError as exc:
        return _detail(request, document, refused=refusal(exc))
    messages.success(request, _("The document is being prepared again."))
    return redirect("achievements:document_detail", pk=document.pk)


@login_required
@require_POST
def share_create(request, pk):
    """A share link; its address is shown once, on the document's page this redirects to."""
    document = own_document_for(request.user, pk)
    form = ShareForm(request.POST, prefix="share")

    def act(label, pin, valid_days):
        share, token = services.share_create(
            acting_user=request.user, document=document, label=label, pin=pin, valid_days=valid_days
        )
        request.session[SHOWN_ONCE] = {
            "document": document.pk,
            "share": share.pk,
            "url": request.build_absolute_uri(reverse("verify:share", args=[token])),
            "pin": share.has_pin,
        }

    return _step(request, document, "share", form, act, _("The share link was made."))


@login_required
@require_POST
def share_end(request, pk):
    share = share_for(request.user, pk)
    try:
        services.share_end(acting_user=request.user, share=share)
    except ServiceError as exc:
        document = own_document_for(request.user, share.document_id)
        return _detail(request, document, refused=refusal(exc))
    messages.success(request, _("The share link was ended; it no longer opens the document."))
    return redirect("achievements:document_detail", pk=share.document_id)


# --- Consent codes for a learning credit inquiry -------------------------------------------------


def _consents(request, *, form=None, refused=None):
    account = learning_account_of(request.user)
    consents = paginate(
        request,
        InquiryConsent.objects.filter(account=account).select_related("inquiry")
        if account is not None
        else InquiryConsent.objects.none(),
    )
    for consent in consents:
        consent.state = services.consent_state(consent)
    shown = request.session.pop(SHOWN_ONCE, None) if form is None else None
    if shown and "consent" not in shown:
        shown = None
    context = {
        "account": account,
        "form": form or ConsentForm(),
        "refused": refused,
        "page": consents,
        "query": "",
        "shown": shown,
        "inquiry_url": request.build_absolute_uri(reverse("verify:inquiry")),
    }
    return render(request, "achievements/proof/consent_list.html", context)


@role_required(LEARNER)
@require_GET
def consent_list(request):
    """The consent codes the learner made, what each allows and, once used, the inquiry: who
    asked (as they named themselves), why, when and what they were shown."""
    return _consents(request)


@role_required(LEARNER)
@require_POST
def consent_create(request):
    """A consent code; it is shown once, on the list this redirects to."""
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent, code = services.consent_create(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            request.session[SHOWN_ONCE] = {
                "consent": consent.pk,
                "code": "-".join(code[i : i + 4] for i in range(0, len(code), 4)),
            }
            messages.success(request, _("The consent code was made."))
            return redirect("achievements:consent_list")
    return _consents(request, form=form)


@login_required
@require_POST
def consent_cancel(request, pk):
    consent = consent_for(request.user, pk)
    try:
        services.consent_cancel(acting_user=request.user, consent=consent)
    except ServiceError as exc:
        return _consents(request, refused=refusal(exc))
    messages.success(request, _("The consent code was cancelled; it can no longer be used."))
    return redirect("achievements:consent_list")
