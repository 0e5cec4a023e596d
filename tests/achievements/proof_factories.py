"""Proof documents for the learner's tests, without the rendering: requested through the service
(the test's transaction never commits, so the queued rendering never runs), then made ready,
failed or expired in the database as the render task would leave them."""

import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from achievements.models import DocumentShare, DocumentView, ProofDocument
from achievements.services.proof import document_request
from tests.achievements.factories import PDF_BYTES

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "ClrCredential"],
    "name": "成绩单",
}


def requested(account, *, kind="transcript", language="zh-hans", valid_days=90, ids=()):
    """A document as ``document_request`` leaves it (status ``requested``)."""
    return document_request(
        acting_user=account.user,
        kind=kind,
        language=language,
        valid_days=valid_days,
        achievement_ids=ids,
    )


def make_ready(document, *, issued_at=None, credential=CREDENTIAL) -> ProofDocument:
    """``document`` issued at ``issued_at`` (now by default), with a small PDF and a credential."""
    issued = (issued_at or timezone.now()).replace(microsecond=0)
    document.pdf.save(f"{document.code}.pdf", ContentFile(PDF_BYTES), save=False)
    ProofDocument.objects.filter(pk=document.pk).update(
        status=ProofDocument.Status.READY,
        pdf=document.pdf.name,
        pdf_sha256="0" * 64,
        pages=1,
        progress=100,
        credential=credential,
        issued_at=issued,
        expires_at=issued + timedelta(days=document.valid_days),
        status_changed_at=issued,
    )
    document.refresh_from_db()
    return document


def ready(account, **kwargs) -> ProofDocument:
    return make_ready(requested(account, **kwargs))


def failed(account, **kwargs) -> ProofDocument:
    document = requested(account, **kwargs)
    ProofDocument.objects.filter(pk=document.pk).update(
        status=ProofDocument.Status.FAILED, failure="OSError: the disk is full"
    )
    document.refresh_from_db()
    return document


def rendering(account, *, progress=40, **kwargs) -> ProofDocument:
    document = requested(account, **kwargs)
    ProofDocument.objects.filter(pk=document.pk).update(
        status=ProofDocument.Status.RENDERING, progress=progress
    )
    document.refresh_from_db()
    return document


def share(document, *, label="某公司人事部", ended=False, days=30) -> DocumentShare:
    """A share link made directly (its token is not needed: the learner never sees it again)."""
    now = timezone.now()
    return DocumentShare.objects.create(
        document=document,
        label=label,
        token_hash=secrets.token_hex(32),
        expires_at=now + timedelta(days=days),
        ended_at=now if ended else None,
    )


def views(document, count, *, share=None, via=DocumentView.Via.CODE):
    DocumentView.objects.bulk_create(
        DocumentView(document=document, via=via, share=share) for _ in range(count)
    )
