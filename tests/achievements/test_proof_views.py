"""The learner's proof pages: the list, the request form, the document's page (progress,
downloads, verification, extend, withdraw, share links, view log) and the consent codes — for
the learner, another learner (404), the centre's staff (404) and the anonymous (the log-in)."""

import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from achievements.models import DocumentShare, DocumentView, InquiryConsent, ProofDocument
from achievements.services import proof as services
from creditbank.models import AuditEvent
from tests.achievements.factories import PDF_BYTES, active_account
from tests.achievements.proof_factories import (
    CREDENTIAL,
    failed,
    make_ready,
    ready,
    rendering,
    requested,
)
from tests.achievements.proof_factories import share as make_share
from tests.achievements.proof_factories import views as make_views
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

Status = ProofDocument.Status


@pytest.fixture
def learner(review, client):
    """The test client signed in as the review's learner (pages in English)."""
    return signed_in(client, review["learner"])


def url(name, *args):
    return reverse(f"achievements:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def day(moment) -> str:
    """A date as the pages show it, in the portal's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%d")


# --- Who may open what ---------------------------------------------------------------------------


def object_pages(document, share, consent):
    """(url name, args, method) of every page about one object."""
    return [
        ("document_detail", [document.pk], "get"),
        ("document_progress", [document.pk], "get"),
        ("document_download", [document.pk], "get"),
        ("document_credential", [document.pk], "get"),
        ("document_extend", [document.pk], "post"),
        ("document_withdraw", [document.pk], "post"),
        ("document_retry", [document.pk], "post"),
        ("share_create", [document.pk], "post"),
        ("share_end", [share.pk], "post"),
        ("consent_cancel", [consent.pk], "post"),
    ]


@pytest.mark.parametrize("who", ["outsider", "centre_admin", "quality_auditor", "branch_staff"])
def test_anyone_but_the_learner_gets_404_and_nothing_changes(review, client, people, who):
    if who == "outsider":
        active_account(branch=review.branch, user=people["outsider"])
    document = ready(review.account)
    share = make_share(document)
    consent, _code = services.consent_create(acting_user=review["learner"], scope="totals")
    signed_in(client, people[who])
    for name, args, method in object_pages(document, share, consent):
        response = getattr(client, method)(url(name, *args), {"extend-days": 30})
        assert response.status_code == 404, name
    document.refresh_from_db()
    share.refresh_from_db()
    consent.refresh_from_db()
    assert (document.status, document.extended, share.ended_at, consent.cancelled_at) == (
        Status.READY,
        False,
        None,
        None,
    )
    assert DocumentShare.objects.count() == 1


def test_the_anonymous_are_sent_to_sign_in(review, client):
    document = ready(review.account)
    share = make_share(document)
    consent, _code = services.consent_create(acting_user=review["learner"], scope="totals")
    pages = [("document_list", [], "get"), ("document_request", [], "get")]
    pages += [("consent_list", [], "get"), ("consent_create", [], "post")]
    for name, args, method in [*pages, *object_pages(document, share, consent)]:
        response = getattr(client, method)(url(name, *args))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name


def test_the_lists_are_for_learners_only(client_for):
    client = client_for("centre_admin")
    for name in ("document_list", "document_request", "consent_list"):
        assert client.get(url(name)).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "document_extend",
        "document_withdraw",
        "document_retry",
        "share_create",
    ],
)
def test_the_steps_take_post_only(review, learner, name):
    document = ready(review.account)
    assert learner.get(url(name, document.pk)).status_code == 405


def test_ending_a_share_and_making_or_cancelling_a_consent_take_post_only(review, learner):
    share = make_share(ready(review.account))
    consent, _code = services.consent_create(acting_user=review["learner"], scope="totals")
    assert learner.get(url("share_end", share.pk)).status_code == 405
    assert learner.get(url("consent_create")).status_code == 405
    assert learner.get(url("consent_cancel", consent.pk)).status_code == 405


# --- The list ------------------------------------------------------------------------------------


def test_an_empty_list_explains_transcripts_and_proofs(review, learner):
    response = learner.get(url("document_list"))
    assert response.status_code == 200
    page = text(response)
    assert "You have no transcripts or proofs yet" in page
    assert "verification page" in page
    assert f"{url('document_request')}?kind=transcript" in page
    assert f"{url('document_request')}?kind=proof" in page
    assert url("consent_list") in page


def test_the_list_shows_each_document_newest_first(review, learner):
    old = ready(review.account)
    ProofDocument.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    new = requested(review.account, kind="proof", language="en", ids=[review.recognised().pk])

    page = text(learner.get(url("document_list")))

    assert page.index(new.code_display) < page.index(old.code_display)
    assert f'<span class="mono">{old.code_display}</span>' in page
    assert "Proof of learning outcomes" in page and "Transcript" in page
    assert day(old.issued_at) in page
    assert "badge proof-ok" in page and "badge proof-pending" in page


def test_the_list_shows_a_document_the_centre_suspended_as_suspended(review, learner):
    document = ready(review.account)
    ProofDocument.objects.filter(pk=document.pk).update(suspended=True)

    page = text(learner.get(url("document_list")))

    assert '<span class="badge proof-off">Suspended</span>' in page
    assert "badge proof-ok" not in page


def test_the_list_keeps_a_constant_number_of_queries(
    review, learner, django_assert_max_num_queries
):
    ready(review.account)
    learner.get(url("document_list"))
    with django_assert_max_num_queries(20) as few:
        learner.get(url("document_list"))
    for _ in range(25):
        ready(review.account)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = learner.get(url("document_list"))
    assert len(response.context["page"]) == 20
    assert "Page 1 of 2" in text(response)


def test_the_archive_links_to_the_documents(review, learner):
    page = text(learner.get(url("archive")))
    assert url("document_list") in page and url("consent_list") in page


# --- Requesting ----------------------------------------------------------------------------------


def test_the_request_form_offers_the_recognised_achievements(review, learner):
    achievement = review.recognised()
    review.deposit(title="只存储未认定的培训")

    response = learner.get(url("document_request"), {"kind": "proof"})

    assert response.status_code == 200
    form = response.context["form"]
    assert form["kind"].value() == "proof"
    assert list(form.fields["achievements"].queryset) == [achievement]
    page = text(response)
    assert achievement.title in page and "只存储未认定的培训" not in page
    assert "3.00 credits" in page
    assert "extend it once" in page


def test_requesting_a_transcript_goes_to_its_page(review, learner):
    review.recognised()
    response = learner.post(
        url("document_request"),
        {"kind": "transcript", "language": "en", "valid_days": "60"},
        follow=True,
    )
    document = ProofDocument.objects.get()
    assert response.redirect_chain == [(url("document_detail", document.pk), 302)]
    assert (document.kind, document.language, document.valid_days) == ("transcript", "en", 60)
    assert "is being prepared" in text(response)
    assert AuditEvent.objects.filter(action="document.request").count() == 1


def test_requesting_a_proof_of_chosen_achievements(review, learner):
    chosen = review.recognised()
    review.recognised(title="老年照护实务")
    learner.post(
        url("document_request"),
        {
            "kind": "proof",
            "language": "zh-hans",
            "valid_days": "30",
            "achievements": [chosen.pk],
        },
    )
    document = ProofDocument.objects.get()
    assert list(document.achievements.all()) == [chosen]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "proof"}, "achievements", "Choose at least one recognised achievement."),
        ({"valid_days": "45"}, "valid_days", "Select a valid choice."),
        ({"language": ""}, "language", "This field is required."),
    ],
)
def test_a_bad_request_is_told_beside_its_field_and_writes_nothing(
    review, learner, data, field, message
):
    review.recognised()
    response = learner.post(
        url("document_request"),
        {"kind": "transcript", "language": "zh-hans", "valid_days": "90"} | data,
    )
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not ProofDocument.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="document.").exists()


def test_a_learner_without_an_account_is_told_to_open_one(client_for):
    client = client_for("outsider")
    for name in ("document_list", "document_request", "consent_list"):
        response = client.get(url(name))
        assert response.status_code == 200
        assert "You do not have a learning account yet" in text(response)
    response = client.post(
        url("document_request"), {"kind": "transcript", "language": "en", "valid_days": "90"}
    )
    assert response.status_code == 200
    assert not ProofDocument.objects.exists()


# --- Progress ------------------------------------------------------------------------------------


def test_a_document_being_prepared_shows_its_progress_and_polls(review, learner):
    document = rendering(review.account, progress=40)
    page = text(learner.get(url("document_detail", document.pk)))
    progress = url("document_progress", document.pk)
    assert f'hx-get="{progress}"' in page
    assert 'hx-trigger="every 1s"' in page
    assert 'value="40"' in page and "<progress" in page
    assert "htmx" in page  # the script
    assert f'href="{url("document_detail", document.pk)}"' in page  # refresh without script

    partial = learner.get(progress, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'hx-trigger="every 1s"' in text(partial) and "HX-Refresh" not in partial
    assert "<html" not in text(partial)


@pytest.mark.parametrize("outcome", ["ready", "failed"])
def test_the_progress_stops_polling_and_reloads_the_page_when_done(review, learner, outcome):
    document = ready(review.account) if outcome == "ready" else failed(review.account)
    partial = learner.get(url("document_progress", document.pk), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "hx-trigger" not in text(partial)
    assert partial["HX-Refresh"] == "true"
    page = text(learner.get(url("document_detail", document.pk)))
    assert "hx-trigger" not in page


# --- A ready document ----------------------------------------------------------------------------


def test_a_ready_document_offers_its_files_its_verification_and_its_steps(review, learner):
    document = ready(review.account)
    response = learner.get(url("document_detail", document.pk))
    assert response.status_code == 200
    page = text(response)
    assert url("document_download", document.pk) in page
    assert url("document_credential", document.pk) in page
    verify = services.verify_url(document)
    assert f'<span class="mono">{verify}</span>' in page
    assert '<svg viewBox="' in page and 'class="qr"' in page
    assert document.code_display in page
    assert day(document.expires_at) in page
    for action in ("document_extend", "share_create", "document_withdraw"):
        assert url(action, document.pk) in page
    assert "document_retry" not in page and url("document_retry", document.pk) not in page


def test_the_pdf_downloads_with_its_name_in_the_documents_language(review, learner):
    document = ready(review.account)
    response = learner.get(url("document_download", document.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    name = f"成绩单-{document.code}.pdf"
    assert response["Content-Disposition"] == (f"attachment; filename*=utf-8''{quote(name)}")
    assert "no-store" in response["Cache-Control"]
    assert not DocumentView.objects.exists()  # the learner's own downloads are not views

    proof = ready(review.account, kind="proof", language="en", ids=[review.recognised().pk])
    response = learner.get(url("document_download", proof.pk))
    assert f"Proof-of-learning-outcomes-{proof.code}.pdf" in response["Content-Disposition"]


def test_the_credential_downloads_as_json_ld(review, learner):
    document = ready(review.account)
    response = learner.get(url("document_credential", document.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content) == CREDENTIAL


@pytest.mark.parametrize("state", ["requested", "failed", "withdrawn"])
def test_files_are_given_out_for_a_ready_document_only(review, learner, state):
    if state == "requested":
        document = requested(review.account)
    elif state == "failed":
        document = failed(review.account)
    else:
        document = ready(review.account)
        services.document_withdraw(acting_user=review["learner"], document=document)
    for name in ("document_download", "document_credential"):
        assert learner.get(url(name, document.pk)).status_code == 404


def test_a_failed_document_says_so_in_plain_words_and_is_tried_again(review, learner):
    document = failed(review.account)
    page = text(learner.get(url("document_detail", document.pk)))
    assert "Preparing the document failed" in page
    assert "OSError" not in page and "disk is full" not in page
    assert url("document_retry", document.pk) in page

    response = learner.post(url("document_retry", document.pk))

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Status.REQUESTED
    response = learner.post(url("document_retry", document.pk))  # no longer failed
    assert response.status_code == 200
    assert "not possible now" in text(response)


def test_extending_once(review, learner):
    document = ready(review.account, valid_days=30)
    expiry = document.expires_at

    response = learner.post(url("document_extend", document.pk), {"extend-days": "90"})

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.extended and document.expires_at == expiry + timedelta(days=90)
    page = text(learner.get(url("document_detail", document.pk)))
    assert url("document_extend", document.pk) not in page
    assert "(extended once)" in page

    response = learner.post(url("document_extend", document.pk), {"extend-days": "30"})
    assert response.status_code == 200
    assert "extended once already" in text(response)
    document.refresh_from_db()
    assert document.expires_at == expiry + timedelta(days=90)


def test_an_extension_out_of_the_choices_is_told_beside_the_field(review, learner):
    document = ready(review.account)
    response = learner.post(url("document_extend", document.pk), {"extend-days": "365"})
    assert response.status_code == 200
    assert response.context["extend_form"].errors["days"]
    document.refresh_from_db()
    assert not document.extended


def test_withdrawing_asks_for_confirmation_then_turns_the_page_red(review, learner):
    document = ready(review.account)
    make_share(document)

    response = learner.post(url("document_withdraw", document.pk), {"withdraw-reason": "写错了"})
    assert response.status_code == 200
    assert response.context["withdraw_form"].errors["confirm"]
    document.refresh_from_db()
    assert document.status == Status.READY

    response = learner.post(
        url("document_withdraw", document.pk),
        {"withdraw-reason": "写错了", "withdraw-confirm": "on"},
        follow=True,
    )
    document.refresh_from_db()
    assert document.status == Status.WITHDRAWN
    page = text(response)
    assert "You withdrew this document" in page and "写错了" in page
    assert "alert-card" in page
    assert url("document_download", document.pk) not in page
    assert url("share_create", document.pk) not in page
    assert "badge proof-off" in page
    assert not DocumentShare.objects.filter(ended_at__isnull=True).exists()


def test_a_revoked_document_shows_the_centres_reason(review, learner):
    document = ready(review.account)
    services.document_revoke(
        acting_user=review["centre_admin"], document=document, reason="证书系伪造"
    )
    page = text(learner.get(url("document_detail", document.pk)))
    assert "This document was revoked by the centre" in page and "证书系伪造" in page


# --- Share links ---------------------------------------------------------------------------------


def test_a_new_share_link_is_shown_once_in_full(review, learner):
    document = ready(review.account)

    response = learner.post(
        url("share_create", document.pk),
        {"share-label": "某公司", "share-pin": "１２３４", "share-valid_days": "7"},
        follow=True,
    )

    share = DocumentShare.objects.get()
    assert share.label == "某公司" and share.has_pin  # full-width digits made ASCII
    page = text(response)
    found = re.search(r"http://testserver/verify/s/([\w-]+)/", page)
    assert found, page
    assert services.share_lookup(found.group(1)) == share
    assert "Give them the access PIN separately" in page
    again = text(learner.get(url("document_detail", document.pk)))
    assert found.group(1) not in again
    assert "某公司" in again and "End this link" in again


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"share-pin": "12"}, "pin"),
        ({"share-pin": "12ab"}, "pin"),
        ({"share-valid_days": "91"}, "valid_days"),
        ({"share-valid_days": ""}, "valid_days"),
    ],
)
def test_a_bad_share_is_told_beside_its_field_and_makes_nothing(review, learner, data, field):
    document = ready(review.account)
    response = learner.post(
        url("share_create", document.pk),
        {"share-label": "", "share-pin": "", "share-valid_days": "7"} | data,
    )
    assert response.status_code == 200
    assert response.context["share_form"].errors[field]
    assert not DocumentShare.objects.exists()


def test_an_expired_document_cannot_be_shared(review, learner):
    document = make_ready(
        requested(review.account, valid_days=30), issued_at=timezone.now() - timedelta(days=31)
    )
    page = text(learner.get(url("document_detail", document.pk)))
    assert url("share_create", document.pk) not in page
    assert "Expired" in page
    response = learner.post(url("share_create", document.pk), {"share-valid_days": "7"})
    assert response.status_code == 200
    assert "Only a ready, valid document can be shared." in text(response)
    assert not DocumentShare.objects.exists()


def test_ending_a_share_link(review, learner):
    document = ready(review.account)
    share = make_share(document)

    response = learner.post(url("share_end", share.pk))

    assert response.status_code == 302 and response["Location"] == url(
        "document_detail", document.pk
    )
    share.refresh_from_db()
    assert share.ended_at is not None
    page = text(learner.get(url("document_detail", document.pk)))
    assert "Ended" in page and url("share_end", share.pk) not in page
    response = learner.post(url("share_end", share.pk))  # ended already
    assert response.status_code == 200
    assert "has ended already" in text(response)


def test_the_view_log_says_when_and_through_what_never_who(review, learner):
    document = ready(review.account)
    share = make_share(document, label="某公司人事部")
    make_views(document, 2)
    make_views(document, 1, share=share, via=DocumentView.Via.SHARE)

    page = text(learner.get(url("document_detail", document.pk)))

    assert "Opened 3 times by others" in page
    assert page.count("Verification code</td>") == 2
    assert "Share link</td>" in page
    assert page.count("某公司人事部") == 3  # the share list, its end button and the log


def test_the_document_page_keeps_a_constant_number_of_queries(
    review, learner, django_assert_max_num_queries
):
    document = ready(review.account)
    make_share(document)
    make_views(document, 1)
    learner.get(url("document_detail", document.pk))
    with django_assert_max_num_queries(20) as few:
        learner.get(url("document_detail", document.pk))
    shares = [make_share(document, label=f"单位{n}", ended=n % 2 == 0) for n in range(6)]
    for item in shares:
        make_views(document, 10, share=item, via=DocumentView.Via.SHARE)
    make_views(document, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = learner.get(url("document_detail", document.pk))
    assert len(response.context["views"]) == 50
    assert "Opened 91 times by others" in text(response)


# --- Consent codes -------------------------------------------------------------------------------


def test_the_consent_page_explains_the_inquiry(review, learner):
    response = learner.get(url("consent_list"))
    assert response.status_code == 200
    page = text(response)
    assert "learning credit inquiry" in page
    assert "You have not made any consent codes yet." in page


def test_a_new_consent_code_is_shown_once_with_the_account_number_and_address(review, learner):
    response = learner.post(
        url("consent_create"),
        {"scope": "achievements", "label": "某公司", "hours": "24"},
        follow=True,
    )
    consent = InquiryConsent.objects.get()
    assert response.redirect_chain == [(url("consent_list"), 302)]
    page = text(response)
    found = re.search(r'code-shown">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<', page)
    assert found, page
    code = found.group(1)
    assert code.endswith(consent.code_hint)
    assert review.account.account_number in page
    assert f"http://testserver{reverse('verify:inquiry')}" in page
    assert code not in text(learner.get(url("consent_list")))
    # The code, as shown, works once at the public inquiry.
    services.inquiry_make(
        account_number=review.account.account_number, code=code, inquirer="某公司"
    )


def test_a_bad_consent_is_told_beside_its_field_and_makes_nothing(review, learner):
    response = learner.post(url("consent_create"), {"scope": "totals", "hours": "48"})
    assert response.status_code == 200
    assert response.context["form"].errors["hours"]
    assert not InquiryConsent.objects.exists()


def test_each_consent_shows_its_state_and_the_inquiry_made_with_it(review, learner):
    review.recognised()
    used, code = services.consent_create(
        acting_user=review["learner"], scope="achievements", label="甲公司"
    )
    services.inquiry_make(
        account_number=review.account.account_number,
        code=code,
        inquirer="甲公司人事部",
        purpose="入职核验",
    )
    open_one, _code = services.consent_create(acting_user=review["learner"], scope="totals")
    cancelled, _code = services.consent_create(acting_user=review["learner"], scope="totals")
    services.consent_cancel(acting_user=review["learner"], consent=cancelled)

    page = text(learner.get(url("consent_list")))

    assert "甲公司人事部" in page and "入职核验" in page
    assert "They were shown" in page and "1 recognised achievement" in page
    assert "Used" in page and "Open" in page and "Cancelled" in page
    assert url("consent_cancel", open_one.pk) in page
    assert url("consent_cancel", used.pk) not in page
    assert url("consent_cancel", cancelled.pk) not in page


def test_cancelling_a_consent_code(review, learner):
    consent, _code = services.consent_create(acting_user=review["learner"], scope="totals")
    response = learner.post(url("consent_cancel", consent.pk), follow=True)
    consent.refresh_from_db()
    assert consent.cancelled_at is not None
    assert "was cancelled" in text(response)
    response = learner.post(url("consent_cancel", consent.pk))
    assert response.status_code == 200
    assert "used or cancelled already" in text(response)


# --- In Chinese ----------------------------------------------------------------------------------


def test_the_pages_speak_chinese_by_default(review, client):
    client.force_login(review["learner"])
    translation.activate("zh-hans")
    document = ready(review.account)
    pages = {
        url("document_list"): "成绩单与证明",
        url("document_request"): "申请",
        url("document_detail", document.pk): "下载",
        url("consent_list"): "学习信誉查询",
    }
    for address, words in pages.items():
        page = text(client.get(address))
        assert words in page, address
