import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from achievements.demo import DEMO_SHARE_PIN, DEMO_SHARE_TOKEN, DEMO_TRANSCRIPT_CODE
from achievements.models import ProofDocument, UnitStandard
from achievements.services.proof import (
    CODE_ALPHABET,
    CODE_LENGTH,
    document_lookup,
    share_lookup,
)
from creditbank.audit import verify_chain
from creditbank.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_demo_has_approved_standards_and_one_waiting_and_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    statuses = dict(UnitStandard.objects.values_list("name", "status"))
    assert statuses["计算机应用基础"] == "approved"
    assert statuses["电工（中级）"] == "approved"
    assert statuses["养老护理员（四级）"] == "approved"
    assert list(statuses.values()).count("submitted") == 1
    assert UnitStandard.objects.count() == 4
    assert verify_chain().intact


def test_the_demo_learner_has_one_ready_transcript_under_the_readme_code(client):
    """The README prints the code: it is a valid one, and seeding twice makes one document,
    rendered for real (a signed PDF naming the code, the credentials), with a share link."""
    assert len(DEMO_TRANSCRIPT_CODE) == CODE_LENGTH
    assert set(DEMO_TRANSCRIPT_CODE) <= set(CODE_ALPHABET)
    call_command("seed_demo")
    call_command("seed_demo")
    document = ProofDocument.objects.get(code=DEMO_TRANSCRIPT_CODE)
    assert ProofDocument.objects.count() == 1
    assert document_lookup("cb14-dem0-tran-scr1-pt00") == document
    assert (document.status, document.kind, document.account.user.username) == (
        "ready",
        "transcript",
        "learner",
    )
    # Seeded after every app: it lists the conversions the conversion app's demo decided.
    assert document.content["totals"]["achievements"] >= 2 and document.content["conversions"]
    assert document.credential and document.pages >= 1
    path = document.pdf.path
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    assert document.code_display in text
    assert len(document.pdf_sha256) == 64
    signature = subprocess.run(["pdfsig", path], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in signature, signature
    assert (
        AuditEvent.objects.filter(action="document.ready", object_id=str(document.pk)).count() == 1
    )
    share = share_lookup(DEMO_SHARE_TOKEN)
    assert share.document == document and share.is_open and share.has_pin
    assert verify_chain().intact

    # What the README prints opens the document, for anyone.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    page = f"/verify/{document.code_display}/"
    assert page in readme and f"/verify/s/{DEMO_SHARE_TOKEN}/" in readme
    assert f"PIN `{DEMO_SHARE_PIN}`" in readme
    response = client.get(page)
    assert response.status_code == 200 and document.account.real_name in response.text
    assert client.get(f"{page}document.pdf").status_code == 200
    shared = f"/verify/s/{DEMO_SHARE_TOKEN}/"
    assert client.post(shared, {"pin": DEMO_SHARE_PIN}).status_code == 302
    assert document.account.real_name in client.get(shared).text
