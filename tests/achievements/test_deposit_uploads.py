"""Evidence uploads are told by their content, never by their name, and a refusal writes nothing."""

import pytest

from achievements.models import Achievement, Evidence
from creditbank.errors import ServiceError
from tests.achievements.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, active_account, deposit
from tests.achievements.factories import upload as make_upload
from tests.branches.factories import BranchCentreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def account(people):
    return active_account(branch=BranchCentreFactory(), user=people["learner"])


def files_in(root):
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("content", "kind", "extension"),
    [(PNG_BYTES, "png", "png"), (JPEG_BYTES, "jpeg", "jpg"), (PDF_BYTES, "pdf", "pdf")],
)
def test_the_type_comes_from_the_content_not_the_name(account, content, kind, extension):
    achievement = deposit(account=account, files=[make_upload("证书.pdf", content)])
    evidence = achievement.evidence.get()
    assert evidence.kind == kind
    assert evidence.file.name.endswith(f".{extension}")
    assert evidence.original_name == "证书.pdf"
    assert "证书" not in evidence.file.name


def test_the_original_name_is_trimmed_and_never_a_path(account):
    achievement = deposit(account=account, files=[make_upload("../../" + "a" * 300 + ".pdf")])
    evidence = achievement.evidence.get()
    assert len(evidence.original_name) == 120
    assert "/" not in evidence.original_name and ".." not in evidence.file.name


REFUSED = {
    "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "javascript": b"alert(document.cookie)",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "exe": b"MZ\x90\x00\x03\x00\x00\x00",
    "zip": b"PK\x03\x04\x14\x00\x00\x00",
    "pdf_late": b"  %PDF-1.4 not at the start",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_other_content_named_pdf_is_refused_and_nothing_is_written(account, media, name):
    good = make_upload("good.pdf")
    with pytest.raises(ServiceError) as refused:
        deposit(account=account, files=[good, make_upload("evidence.pdf", REFUSED[name])])
    assert refused.value.field == "files"
    assert refused.value.code == "file_type"
    assert not Achievement.objects.exists()
    assert not Evidence.objects.exists()
    assert files_in(media) == []


def test_an_empty_file_is_refused(account, media):
    with pytest.raises(ServiceError) as refused:
        deposit(account=account, files=[make_upload("empty.pdf", b"")])
    assert refused.value.code == "empty"
    assert files_in(media) == []


def test_a_file_over_the_limit_is_refused(account, media, settings):
    settings.CREDITBANK_EVIDENCE_MAX_FILE = 100
    deposit(account=account, files=[make_upload("small.pdf", PDF_BYTES + b"x" * 10)])
    with pytest.raises(ServiceError) as refused:
        deposit(account=account, files=[make_upload("big.pdf", PDF_BYTES + b"x" * 100)])
    assert refused.value.code == "too_large"
    assert Achievement.objects.count() == 1
    assert len(files_in(media)) == 1


def test_media_is_not_served_by_any_url(client, account):
    achievement = deposit(account=account)
    name = achievement.evidence.get().file.name
    client.force_login(account.user)
    assert client.get(f"/media/{name}").status_code == 404
