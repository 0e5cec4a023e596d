"""The public verification pages: a document by its code, its PDF and credential, share links
with and without a PIN, the learning credit inquiry, the rate limit — without signing in."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from achievements.models import CreditInquiry, DocumentView, ProofDocument
from achievements.services.proof import (
    PIN_TRIES,
    consent_create,
    document_revoke,
    document_withdraw,
    share_create,
    share_end,
)
from tests.achievements.verify_helpers import CREDENTIAL, SMALL_PDF, ready, requested
from tests.branches.network_helpers import english
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

Via = DocumentView.Via


def page_of(document):
    return reverse("verify:document", args=[document.code])


def views_of(document):
    return list(DocumentView.objects.filter(document=document).values_list("via", "share"))


@pytest.fixture
def document(review):
    achievement = review.recognised(title="养老护理员培训")
    return ready(review, achievements=[achievement])


# --- The code form ---------------------------------------------------------------------------


def test_the_form_explains_and_is_chinese(client):
    response = client.get(reverse("verify:verify_form"))
    assert_chinese(response)
    page = response.content.decode()
    assert reverse("verify:inquiry") in page
    assert "验证码" in page


def test_a_code_typed_in_small_letters_with_dashes_goes_to_its_page(client, document):
    typed = "-".join(document.code[i : i + 4] for i in range(0, 20, 4)).lower()
    response = client.get(reverse("verify:verify_form"), {"code": f" {typed} "})
    assert response.status_code == 302
    assert response["Location"] == page_of(document)


def test_a_code_of_the_wrong_shape_is_told_beside_the_field(client):
    english(client)
    response = client.get(reverse("verify:verify_form"), {"code": "ABC-123"})
    assert response.status_code == 200
    assert "A verification code has 20 letters and digits" in response.content.decode()


# --- A document's page -----------------------------------------------------------------------


def test_a_valid_document_shows_what_it_certifies_and_is_logged(client, review, document):
    response = client.get(page_of(document))
    assert_chinese(response)
    page = response.content.decode()
    assert "有效" in page
    assert review.account.real_name in page and review.account.account_number in page
    assert "养老护理员培训" in page and "3.00" in page
    assert document.code_display in page
    assert reverse("verify:pdf", args=[document.code]) in page
    assert reverse("verify:credential", args=[document.code]) in page
    assert "did:web:creditbank.example" in page
    assert views_of(document) == [(Via.CODE, None)]


def test_the_learner_opening_their_own_page_is_not_in_the_view_log(client, review, document):
    client.force_login(review["learner"])
    assert client.get(page_of(document)).status_code == 200
    assert client.get(reverse("verify:pdf", args=[document.code])).status_code == 200
    assert views_of(document) == []


def test_a_code_in_any_case_and_with_dashes_opens_the_page(client, document):
    response = client.get(reverse("verify:document", args=[document.code_display.lower()]))
    assert response.status_code == 200
    assert document.code_display in response.content.decode()


def test_a_wrong_code_says_only_that_no_document_has_it(client, review, document):
    wrong = document.code[:-1] + ("A" if document.code[-1] != "A" else "B")
    for code in (wrong, "NOT-A-CODE", "0" * 20):
        response = client.get(reverse("verify:document", args=[code]))
        assert_chinese(response, status=404)
        page = response.content.decode()
        assert "没有此验证码的证明" in page
        assert review.account.real_name not in page and document.code_display not in page
    assert views_of(document) == []


def test_an_expired_document_says_so_and_still_offers_its_files(client, review):
    document = ready(review, expires_in=-timedelta(days=1))
    english(client)
    page = client.get(page_of(document)).content.decode()
    assert "Expired" in page and "verification period ended" in page
    assert reverse("verify:pdf", args=[document.code]) in page
    assert client.get(reverse("verify:pdf", args=[document.code])).status_code == 200


def test_a_revoked_document_turns_red_with_its_reason_and_its_files_are_gone(
    client, review, document
):
    document_revoke(acting_user=review["centre_admin"], document=document, reason="证书系伪造。")
    response = client.get(page_of(document))
    assert_chinese(response)
    page = response.content.decode()
    assert 'class="message error"' in page and "已撤销" in page and "证书系伪造。" in page
    assert reverse("verify:pdf", args=[document.code]) not in page
    assert client.get(reverse("verify:pdf", args=[document.code])).status_code == 404
    assert client.get(reverse("verify:credential", args=[document.code])).status_code == 404


def test_a_withdrawn_document_shows_its_status_and_not_the_learner(client, review, document):
    document_withdraw(acting_user=review["learner"], document=document)
    english(client)
    page = client.get(page_of(document)).content.decode()
    assert "Withdrawn" in page and "The learner withdrew this document" in page
    assert review.account.real_name not in page and "养老护理员培训" not in page
    assert client.get(reverse("verify:pdf", args=[document.code])).status_code == 404


def test_a_suspended_document_says_the_centre_is_looking_into_it(client, review, document):
    ProofDocument.objects.filter(pk=document.pk).update(suspended=True)
    english(client)
    page = client.get(page_of(document)).content.decode()
    assert "Suspended" in page and "The credit bank is looking into this document" in page


def test_a_document_not_yet_issued_certifies_nothing(client, review):
    document = requested(review)
    english(client)
    page = client.get(page_of(document)).content.decode()
    assert "Not issued" in page
    assert review.account.real_name not in page
    assert client.get(reverse("verify:pdf", args=[document.code])).status_code == 404
    assert client.get(reverse("verify:credential", args=[document.code])).status_code == 404


def test_the_pdf_and_the_credential_are_the_issued_ones_and_are_logged(client, document):
    pdf = client.get(reverse("verify:pdf", args=[document.code]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == SMALL_PDF
    credential = client.get(reverse("verify:credential", args=[document.code]))
    assert credential["Content-Type"].startswith("application/ld+json")
    assert json.loads(credential.content) == CREDENTIAL
    assert sorted(views_of(document)) == [(Via.CREDENTIAL, None), (Via.PDF, None)]


def test_a_document_without_its_credential_has_no_credential_link(client, review):
    document = ready(review, credential=False)
    page = client.get(page_of(document)).content.decode()
    assert reverse("verify:credential", args=[document.code]) not in page
    assert client.get(reverse("verify:credential", args=[document.code])).status_code == 404


def test_the_page_reads_a_constant_number_of_queries(client, review, django_assert_max_num_queries):
    few = ready(review, achievements=[review.recognised()])
    many = ready(review, achievements=[review.recognised() for _ in range(5)])
    for document in (few, many):
        with django_assert_max_num_queries(4):
            assert client.get(page_of(document)).status_code == 200


# --- The rate limit ------------------------------------------------------------------------


def test_lookups_over_the_limit_get_too_many_attempts(client, settings, document):
    settings.CREDITBANK_VERIFY_PER_MINUTE = 3
    assert client.get(page_of(document)).status_code == 200
    assert client.get(reverse("verify:document", args=["0" * 20])).status_code == 404
    assert client.get(reverse("verify:share", args=["x" * 32])).status_code == 404
    response = client.get(page_of(document))
    assert_chinese(response, status=429)
    assert "请一分钟后再试" in response.content.decode()
    assert client.post(reverse("verify:inquiry"), {"code": "X"}).status_code == 429
    assert client.get(reverse("verify:pdf", args=[document.code])).status_code == 429
    # Another address has its own count; opening the form costs nothing.
    assert Client(REMOTE_ADDR="10.1.2.3").get(page_of(document)).status_code == 200
    assert client.get(reverse("verify:verify_form")).status_code == 200


# --- Share links -------------------------------------------------------------------------------


def test_a_share_without_a_pin_shows_the_document_and_is_logged(client, review, document):
    share, token = share_create(acting_user=review["learner"], document=document, label="某公司")
    response = client.get(reverse("verify:share", args=[token]))
    assert_chinese(response)
    assert "养老护理员培训" in response.content.decode()
    assert views_of(document) == [(Via.SHARE, share.pk)]


def test_an_unknown_share_is_a_404_and_an_ended_one_says_it_ended(client, review, document):
    assert_chinese(client.get(reverse("verify:share", args=["no-such-token"])), status=404)
    share, token = share_create(acting_user=review["learner"], document=document)
    share_end(acting_user=review["learner"], share=share)
    response = client.get(reverse("verify:share", args=[token]))
    assert_chinese(response)
    page = response.content.decode()
    assert "此分享链接已结束" in page and review.account.real_name not in page
    assert views_of(document) == []


def test_a_share_with_a_pin_asks_for_it_once_per_session(client, review, document):
    share, token = share_create(acting_user=review["learner"], document=document, pin="4821")
    url = reverse("verify:share", args=[token])
    response = client.get(url)
    assert_chinese(response)
    assert "养老护理员培训" not in response.content.decode()
    english(client)
    wrong = client.post(url, {"pin": "0000"})
    assert wrong.status_code == 200
    assert f"After {PIN_TRIES - 1} more wrong tries" in wrong.content.decode()
    right = client.post(url, {"pin": "4821"})
    assert right.status_code == 302 and right["Location"] == url
    assert "养老护理员培训" in client.get(url).content.decode()
    assert "养老护理员培训" in client.get(url).content.decode()  # remembered
    assert views_of(document) == [(Via.SHARE, share.pk)] * 2
    assert "养老护理员培训" not in Client().get(url).content.decode()  # another visitor


def test_too_many_wrong_pins_end_the_share(client, review, document):
    _share, token = share_create(acting_user=review["learner"], document=document, pin="4821")
    url = reverse("verify:share", args=[token])
    for _ in range(PIN_TRIES - 1):
        client.post(url, {"pin": "0000"})
    english(client)
    page = client.post(url, {"pin": "0000"}).content.decode()
    assert "This share link has ended" in page
    assert "This share link has ended" in client.post(url, {"pin": "4821"}).content.decode()
    assert views_of(document) == []


# --- The learning credit inquiry -------------------------------------------------------------


def inquiry_data(review, code, **overrides):
    return {
        "account_number": review.account.account_number,
        "code": code,
        "inquirer": "重庆某科技有限公司",
        "purpose": "招聘",
    } | overrides


def test_the_inquiry_form_is_chinese(client):
    assert_chinese(client.get(reverse("verify:inquiry")))


def test_an_inquiry_with_the_consent_code_shows_the_credits_once(client, review):
    review.recognised(title="养老护理员培训")
    _consent, code = consent_create(acting_user=review["learner"], scope="achievements")
    response = client.post(reverse("verify:inquiry"), inquiry_data(review, code.lower()))
    assert_chinese(response)
    page = response.content.decode()
    assert review.account.real_name in page and review.account.account_number in page
    assert "3.00" in page and "养老护理员培训" in page and "重庆某科技有限公司" in page
    assert CreditInquiry.objects.count() == 1
    english(client)
    again = client.post(reverse("verify:inquiry"), inquiry_data(review, code))
    assert again.status_code == 200
    assert "do not match a valid consent" in again.content.decode()
    assert CreditInquiry.objects.count() == 1


def test_a_totals_consent_shows_no_achievements(client, review):
    review.recognised(title="养老护理员培训")
    _consent, code = consent_create(acting_user=review["learner"], scope="totals")
    page = client.post(reverse("verify:inquiry"), inquiry_data(review, code)).content.decode()
    assert "3.00" in page and "养老护理员培训" not in page


def test_a_wrong_code_is_told_beside_the_code_field_and_nothing_is_written(client, review):
    consent_create(acting_user=review["learner"], scope="totals")
    english(client)
    response = client.post(reverse("verify:inquiry"), inquiry_data(review, "ABCDEFGHJKMN"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "do not match a valid consent" in page
    assert 'id="id_code_error"' in page or 'aria-invalid="true"' in page
    assert CreditInquiry.objects.count() == 0
    missing = client.post(reverse("verify:inquiry"), inquiry_data(review, "X", inquirer=""))
    assert missing.status_code == 200 and CreditInquiry.objects.count() == 0
