"""The centre's document pages: the list (search by code or account number, filter, counts),
a document's page, and revoking, suspending and reinstating — by centre administrators only;
quality auditors read."""

import pytest
from django.urls import reverse

from achievements.models import ProofDocument
from creditbank.models import AuditEvent
from tests.achievements.verify_helpers import ready, requested
from tests.conftest import signed_in
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

Status = ProofDocument.Status
LIST = reverse("achievements:document_manage_list")


def detail_of(document):
    return reverse("achievements:document_manage_detail", args=[document.pk])


def action_of(document, action):
    return reverse(f"achievements:document_{action}", args=[document.pk])


@pytest.fixture
def document(review):
    return ready(review, achievements=[review.recognised(title="养老护理员培训")])


# --- Who may open the pages --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["centre_admin", "quality_auditor"])
def test_the_centre_reads_the_list_and_a_document(client, review, document, role):
    signed_in(client, review[role])
    page = client.get(LIST).content.decode()
    assert document.code_display in page and review.account.account_number in page
    page = client.get(detail_of(document)).content.decode()
    assert "养老护理员培训" in page and document.code_display in page


@pytest.mark.parametrize("role", ["learner", "expert", "institution_admin", "branch_staff"])
def test_others_get_a_refusal_even_for_their_own_document(client, review, document, role):
    signed_in(client, review[role])
    assert client.get(LIST).status_code == 403
    assert client.get(detail_of(document)).status_code == 404
    for action in ("revoke", "suspend", "reinstate"):
        assert client.post(action_of(document, action), {"revoke-reason": "x"}).status_code == 404


def test_the_anonymous_are_sent_to_sign_in(client, document):
    for url in (LIST, detail_of(document)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert client.post(action_of(document, "revoke")).status_code == 302
    document.refresh_from_db()
    assert document.status == Status.READY


def test_a_quality_auditor_sees_no_actions_and_may_not_act(client, review, document):
    signed_in(client, review["quality_auditor"])
    page = client.get(detail_of(document)).content.decode()
    assert action_of(document, "revoke") not in page and action_of(document, "suspend") not in page
    response = client.post(action_of(document, "revoke"), {"revoke-reason": "伪造"})
    assert response.status_code == 403
    assert (
        client.post(action_of(document, "suspend"), {"suspend-reason": "核查"}).status_code == 403
    )
    document.refresh_from_db()
    assert (document.status, document.suspended) == (Status.READY, False)
    assert not AuditEvent.objects.filter(action__in=["document.revoke", "document.suspend"])


def test_the_actions_take_post_only(client, review, document):
    signed_in(client, review["centre_admin"])
    for action in ("revoke", "suspend", "reinstate"):
        assert client.get(action_of(document, action)).status_code == 405


# --- The list --------------------------------------------------------------------------------


def test_the_list_finds_by_code_as_typed_or_by_account_number_and_counts_by_status(
    client, review, document
):
    waiting = requested(review)
    ProofDocument.objects.filter(pk=document.pk).update(suspended=True)
    signed_in(client, review["centre_admin"])
    page = client.get(LIST, {"q": document.code_display.lower()}).content.decode()
    assert document.code_display in page and waiting.code_display not in page
    page = client.get(LIST, {"q": review.account.account_number.lower()}).content.decode()
    assert document.code_display in page and waiting.code_display in page
    page = client.get(LIST, {"q": document.code[:8]}).content.decode()  # exact codes only
    assert document.code_display not in page
    page = client.get(LIST, {"status": "requested"}).content.decode()
    assert waiting.code_display in page and document.code_display not in page
    page = client.get(LIST, {"status": "suspended"}).content.decode()
    assert document.code_display in page and waiting.code_display not in page
    counts = client.get(LIST).context["counts"]
    assert {item["value"]: item["count"] for item in counts} == {
        "": 2,
        "requested": 1,
        "rendering": 0,
        "ready": 1,
        "failed": 0,
        "revoked": 0,
        "withdrawn": 0,
        "suspended": 1,
    }


def test_the_list_and_the_page_are_chinese(client, review, document):
    client.force_login(review["centre_admin"])
    assert_chinese(client.get(LIST))
    assert_chinese(client.get(detail_of(document)))


def test_the_centre_administrators_navigation_links_the_list(client, review):
    signed_in(client, review["centre_admin"])
    assert f'href="{LIST}"' in client.get(reverse("accounts:desk")).content.decode()
    signed_in(client, review["learner"])
    assert f'href="{LIST}"' not in client.get(reverse("accounts:desk")).content.decode()


def test_the_pages_read_a_constant_number_of_queries(client, review, django_assert_max_num_queries):
    signed_in(client, review["centre_admin"])
    few = ready(review, achievements=[review.recognised()])
    client.get(LIST)  # the session and the cached navigation state, once
    with django_assert_max_num_queries(12) as few_list:
        client.get(LIST)
    with django_assert_max_num_queries(14) as few_page:
        client.get(detail_of(few))
    many = ready(review, achievements=[review.recognised() for _ in range(4)])
    for _ in range(3):
        requested(review)
    with django_assert_max_num_queries(len(few_list)):
        client.get(LIST)
    with django_assert_max_num_queries(len(few_page)):
        client.get(detail_of(many))


# --- Acting ------------------------------------------------------------------------------------


def test_the_centre_revokes_a_document_and_its_public_page_turns_red(client, review, document):
    signed_in(client, review["centre_admin"])
    response = client.post(action_of(document, "revoke"), {"revoke-reason": "证书系伪造。"})
    assert response.status_code == 302 and response["Location"] == detail_of(document)
    document.refresh_from_db()
    assert (document.status, document.revoked_reason) == (Status.REVOKED, "证书系伪造。")
    assert AuditEvent.objects.filter(action="document.revoke").count() == 1
    page = client.get(detail_of(document)).content.decode()
    assert "The document was revoked" in page
    assert action_of(document, "revoke") not in page
    public = client.get(reverse("verify:document", args=[document.code])).content.decode()
    assert "证书系伪造。" in public and 'class="message error"' in public


def test_a_revocation_without_a_reason_is_told_beside_the_field(client, review, document):
    signed_in(client, review["centre_admin"])
    response = client.post(action_of(document, "revoke"), {"revoke-reason": "  "})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_revoke-reason_error"' in page or 'aria-invalid="true"' in page
    document.refresh_from_db()
    assert document.status == Status.READY
    assert not AuditEvent.objects.filter(action="document.revoke").exists()


def test_a_refused_action_on_a_document_no_longer_ready_is_shown_above_the_page(
    client, review, document
):
    waiting = requested(review)
    signed_in(client, review["centre_admin"])
    response = client.post(action_of(waiting, "revoke"), {"revoke-reason": "伪造"})
    assert response.status_code == 200
    assert "that is not possible now" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.REQUESTED


def test_the_centre_suspends_and_reinstates_a_document(client, review, document):
    signed_in(client, review["centre_admin"])
    response = client.post(action_of(document, "suspend"), {"suspend-reason": "用人单位举报。"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.suspended
    page = client.get(detail_of(document)).content.decode()
    assert "suspended while the centre looks into it" in page
    assert action_of(document, "reinstate") in page and action_of(document, "suspend") not in page
    public = client.get(reverse("verify:document", args=[document.code])).content.decode()
    assert "The credit bank is looking into this document" in public
    assert client.post(action_of(document, "reinstate")).status_code == 302
    document.refresh_from_db()
    assert not document.suspended
    actions = AuditEvent.objects.filter(action__startswith="document.").values_list(
        "action", flat=True
    )
    assert {"document.suspend", "document.reinstate"} <= set(actions)
    again = client.post(action_of(document, "reinstate"))
    assert again.status_code == 200 and "This document is not suspended." in again.content.decode()
