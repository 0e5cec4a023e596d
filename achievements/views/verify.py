"""The public verification pages (验证, ``/verify/``): a document by its verification code, by
a share link (with its PIN), its signed PDF and credential, and the learning credit inquiry
(学习信誉查询) under a consent code. No sign-in.

What a visitor learns is only what the code or link they hold opens: a wrong code is a bare
"no document with this code" (the same for every wrong code), and every lookup counts against
the visitor's address (``achievements.ratelimit``). Each opening by someone other than the
learner is written to the learner's view log (when and through what, never who)."""

import json

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from creditbank.errors import ServiceError
from creditbank.pages import refuse

from .. import ratelimit
from ..forms.verify import InquiryForm, SharePinForm, VerifyCodeForm
from ..models import DocumentView, ProofDocument
from ..services.proof import (
    PIN_TRIES,
    document_lookup,
    document_view_record,
    inquiry_make,
    share_check_pin,
    share_lookup,
    verify_url,
)

Status = ProofDocument.Status
Via = DocumentView.Via


# --- What a page shows of a document ----------------------------------------------------------


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _level_name(level: dict | None, english: bool) -> str:
    if not level:
        return ""
    return level.get("name_en" if english else "name_zh") or ""


def document_lines(content: dict) -> dict:
    """The frozen ``content`` of a document arranged for the page: achievements under their
    level and field (with each group's credits), conversions and totals, in the visitor's
    language where the snapshot has both."""
    english = _english()
    lines = {}
    for line in content.get("achievements", []):
        lines[line["id"]] = {
            **line,
            "category": line.get("category_en" if english else "category_zh", ""),
            "level_name": _level_name(line.get("level"), english),
        }
    groups = [
        {
            "level_name": _level_name(group.get("level"), english),
            "field": group.get("field", ""),
            "credits": group.get("credits", ""),
            "lines": [lines[pk] for pk in group.get("achievement_ids", []) if pk in lines],
        }
        for group in content.get("groups", [])
    ]
    return {
        "content": content,
        "groups": groups,
        "conversions": content.get("conversions", []),
        "totals": content.get("totals", {}),
        "is_transcript": content.get("kind") == ProofDocument.Kind.TRANSCRIPT,
    }


def _signer() -> str:
    """The name a PDF reader shows as the signer: the signing certificate's, when the signing
    module can tell it, else the bank's."""
    try:
        from ..proof.signing import signer_name

        return signer_name()
    except Exception:  # noqa: BLE001 — a help text must not break the page
        return str(settings.CREDITBANK_SITE_NAME)


def _issuer_did(document: ProofDocument) -> str:
    issuer = (document.credential or {}).get("issuer")
    return issuer.get("id", "") if isinstance(issuer, dict) else str(issuer or "")


def _did_document_url() -> str:
    try:
        return reverse("did_document")
    except NoReverseMatch:
        return "/.well-known/did.json"


def document_context(document: ProofDocument, *, checks: bool = True) -> dict:
    """What the document partials need (``achievements/verify/_status.html``, ``_facts.html``,
    ``_lines.html``, ``_checks.html``): its state, its lines and, while it is ready and
    ``checks`` is asked for, the downloads and how to check them."""
    state = document.state
    downloadable = document.status == Status.READY and bool(document.pdf)
    context = {
        "document": document,
        "state": state,
        "lines": document_lines(document.content or {}),
        "downloadable": downloadable,
        "has_credential": downloadable and bool(document.credential),
        "verify_address": verify_url(document),
    }
    if downloadable and checks:
        context["signer"] = _signer()
        context["issuer_did"] = _issuer_did(document)
        context["did_url"] = _did_document_url()
    return context


# --- The pages -----------------------------------------------------------------------------------


def _too_many(request):
    return render(request, "achievements/verify/too_many.html", status=429)


def _seen_by_other(request, document: ProofDocument) -> bool:
    """The learner's own openings are not in their view log."""
    return not (request.user.is_authenticated and request.user.pk == document.account.user_id)


def _record(request, document: ProofDocument, via: str, share=None) -> None:
    if _seen_by_other(request, document):
        document_view_record(document=document, via=via, share=share)


@require_GET
def verify_form(request):
    """What can be verified, and the code box; a code (typed in any case, with or without
    dashes) goes to its page. The lookup itself, and its count, happen there."""
    form = VerifyCodeForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("verify:document", code=form.cleaned_data["code"])
    return render(request, "achievements/verify/verify_form.html", {"form": form})


def _ready_document(code: str) -> ProofDocument:
    document = document_lookup(code)
    if document is None or document.status != Status.READY or not document.pdf:
        raise Http404
    return document


@never_cache
@require_GET
def document(request, code):
    if not ratelimit.consume(request):
        return _too_many(request)
    found = document_lookup(code)
    if found is None:
        return render(request, "achievements/verify/not_found.html", status=404)
    _record(request, found, Via.CODE)
    return render(request, "achievements/verify/document.html", document_context(found))


@never_cache
@require_GET
def document_pdf(request, code):
    """The signed PDF, while the document is ready (an expired one too: its page says so)."""
    if not ratelimit.consume(request):
        return _too_many(request)
    found = _ready_document(code)
    try:
        data = found.pdf.open("rb")
    except OSError:  # the file storage lost it: nothing to show, as for no document
        raise Http404 from None
    _record(request, found, Via.PDF)
    return FileResponse(data, content_type="application/pdf", filename=f"{found.code}.pdf")


@never_cache
@require_GET
def document_credential(request, code):
    """The signed ClrCredential as JSON-LD, while the document is ready."""
    if not ratelimit.consume(request):
        return _too_many(request)
    found = _ready_document(code)
    if not found.credential:
        raise Http404
    _record(request, found, Via.CREDENTIAL)
    response = HttpResponse(
        json.dumps(found.credential, ensure_ascii=False, indent=2),
        content_type="application/ld+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{found.code}.credential.json"'
    return response


def _share_session_key(share) -> str:
    return f"verify-share-{share.pk}"


@never_cache
@require_http_methods(["GET", "POST"])
def share(request, token):
    """A share link: unknown is a 404; ended or expired says so; with a PIN, the PIN first
    (remembered for this link in the visitor's session); then the document's page."""
    if not ratelimit.consume(request):
        return _too_many(request)
    found = share_lookup(token)
    if found is None:
        return render(request, "achievements/verify/share_not_found.html", status=404)
    if not found.is_open or found.document.status != Status.READY:
        return render(request, "achievements/verify/share_ended.html", {"share": found})
    if found.has_pin and not request.session.get(_share_session_key(found)):
        return _share_pin(request, found)
    _record(request, found.document, Via.SHARE, share=found)
    context = {**document_context(found.document), "share": found}
    return render(request, "achievements/verify/document.html", context)


def _share_pin(request, found):
    form = SharePinForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if share_check_pin(share=found, pin=form.cleaned_data["pin"]):
            request.session[_share_session_key(found)] = True
            return redirect(request.path)
        found.refresh_from_db()
        if not found.is_open:
            return render(request, "achievements/verify/share_ended.html", {"share": found})
        form.add_error(
            "pin",
            _("This PIN is not right. After %(left)s more wrong tries the link stops working.")
            % {"left": PIN_TRIES - found.failed_pins},
        )
    return render(request, "achievements/verify/share_pin.html", {"form": form, "share": found})


def inquiry_lines(result: dict) -> list[dict]:
    english = _english()
    return [
        {**item, "level_name": item.get("level_en" if english else "level", "")}
        for item in result.get("achievements", [])
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def inquiry(request):
    """The learning credit inquiry: the learner's account number and the consent code they
    made; any mismatch is one message, beside the code."""
    form = InquiryForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        if not ratelimit.consume(request):
            return _too_many(request)
        if form.is_valid():
            try:
                made = inquiry_make(**form.cleaned_data)
            except ServiceError as exc:
                refuse(form, exc)
            else:
                context = {
                    "inquiry": made,
                    "result": made.result,
                    "achievements": inquiry_lines(made.result),
                    "shows_achievements": "achievements" in made.result,
                }
                return render(request, "achievements/verify/inquiry_result.html", context)
    return render(request, "achievements/verify/inquiry.html", {"form": form})
