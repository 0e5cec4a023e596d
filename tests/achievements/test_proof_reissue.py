"""Extending a document prints its PDF again with the new expiry (a Celery task after commit):
the code, the credentials' ids and the status stay; the new PDF is signed; the old file goes."""

from pathlib import Path

import pytest
from django.utils import timezone

from achievements.services import proof as services
from creditbank.models import AuditEvent
from tests.achievements.test_proof_signing import pdfsig
from tests.creditbank.test_pdf import run_poppler

pytestmark = pytest.mark.django_db


def _text(document) -> str:
    return run_poppler("pdftotext", "-enc", "UTF-8", document.pdf.path, "-")


def test_an_extension_reissues_the_pdf_with_the_new_expiry(
    review, reference_data, django_capture_on_commit_callbacks
):
    review.recognised(title="老年照护实务（初级）")
    learner = review["learner"]
    document = services.document_request(
        acting_user=learner, kind="transcript", language="zh-hans", valid_days=30
    )
    document = services.document_render(document_id=document.pk)
    first_file = Path(document.pdf.path)
    before = timezone.localtime(document.expires_at).date()
    assert f"{before.year}年{before.month}月{before.day}日" in _text(document)

    with django_capture_on_commit_callbacks(execute=True):
        services.document_extend(acting_user=learner, document=document, days=90)

    document.refresh_from_db()
    after = timezone.localtime(document.expires_at).date()
    text = _text(document)
    assert f"{after.year}年{after.month}月{after.day}日" in text
    assert f"{before.year}年{before.month}月{before.day}日" not in text
    assert document.code_display in text
    assert document.status == "ready"
    assert pdfsig(document.pdf.path)["Signature Validation"] == "Signature is Valid."
    assert not first_file.exists()
    assert Path(document.pdf.path).exists()
    [event] = AuditEvent.objects.filter(action="document.reissue")
    assert event.summary["after"]["expires_at"] == document.expires_at.isoformat()
