"""Documents for the tests of verification and of the centre's document pages: requested
through the lead's service, then made ready by hand (a small PDF and a stand-in credential),
so that these tests do not depend on rendering and signing."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from achievements.models import ProofDocument
from achievements.services.proof import document_request

# A PDF's first and last lines: enough for a download to be compared byte for byte.
SMALL_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "ClrCredential"],
    "issuer": {"id": "did:web:creditbank.example", "type": ["Profile"]},
    "name": "成绩单",
}


def requested(review, *, kind="transcript", achievements=(), language="zh-hans", days=90):
    """A document the review's learner requested (not rendered: tests run no on-commit)."""
    return document_request(
        acting_user=review["learner"],
        kind=kind,
        language=language,
        valid_days=days,
        achievement_ids=[achievement.pk for achievement in achievements],
    )


def make_ready(document, *, expires_in=None, credential=True) -> ProofDocument:
    """``document`` issued now, valid for its days (or ``expires_in``, a timedelta: negative
    for an expired one)."""
    now = timezone.now().replace(microsecond=0)
    document.pdf.save(f"{document.code}.pdf", ContentFile(SMALL_PDF), save=False)
    document.status = ProofDocument.Status.READY
    document.issued_at = now
    document.expires_at = now + (expires_in or timedelta(days=document.valid_days))
    document.credential = dict(CREDENTIAL) if credential else None
    document.pages = 1
    document.progress = 100
    document.save(
        update_fields=[
            "pdf",
            "status",
            "issued_at",
            "expires_at",
            "credential",
            "pages",
            "progress",
        ]
    )
    return document


def ready(review, **kwargs) -> ProofDocument:
    expires_in = kwargs.pop("expires_in", None)
    credential = kwargs.pop("credential", True)
    return make_ready(requested(review, **kwargs), expires_in=expires_in, credential=credential)
