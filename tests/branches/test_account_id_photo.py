"""Account verification from the ID image: the image (or a PDF's first page) beside the data,
"ask for a new photo" (returned, with a reason the learner is told), the learner's new upload
(pending again), and staff going on to the next waiting account after each step."""

import pytest
import weasyprint
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import LearnerAccount, Notice
from accounts.services import (
    learner_account_close,
    learner_account_freeze,
    learner_account_resubmit,
    learner_account_return,
    learner_account_verify,
)
from branches.models import StaffAssignment
from creditbank.errors import IllegalTransition, NotAllowed
from creditbank.files import pdf_first_page_png
from creditbank.models import AuditEvent
from tests.accounts.learner_factories import open_account
from tests.achievements.factories import deposit
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

S = LearnerAccount.Status
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def my_branch(people):
    return StaffAssignment.objects.get(user=people["branch_staff"]).branch


def _with_image(account, content: bytes = PNG, name: str = "id.png"):
    account.id_image.save(name, ContentFile(content), save=False)
    LearnerAccount.objects.filter(pk=account.pk).update(id_image=account.id_image.name)
    account.refresh_from_db()
    return account


def _pdf() -> bytes:
    return weasyprint.HTML(string="<p>居民身份证 ID</p>").write_pdf()


# --- The services: the transitions, their audit events and the learner's notice -------------


def test_asking_for_a_new_photo_returns_the_account_and_tells_the_learner(people, my_branch):
    account = open_account(branch=my_branch)
    learner_account_return(
        acting_user=people["branch_staff"], account=account, reason="照片模糊，看不清号码。"
    )
    account.refresh_from_db()
    assert account.status == S.RETURNED
    assert account.status_reason == "照片模糊，看不清号码。"
    event = AuditEvent.objects.get(action="learner_account.return", object_id=str(account.pk))
    assert event.actor == people["branch_staff"]
    assert event.summary["before"] == {"status": "pending_verification"}
    assert event.summary["after"]["status"] == "returned"
    notice = Notice.objects.get(user=account.user)
    assert "照片模糊，看不清号码。" in notice.body
    assert notice.link == reverse("accounts:my_account")


def test_the_learners_new_photo_puts_the_account_back_in_the_queue_and_drops_the_old_one(
    people, my_branch, django_capture_on_commit_callbacks
):
    account = _with_image(open_account(branch=my_branch))
    old = account.id_image.name
    learner_account_return(acting_user=people["branch_staff"], account=account, reason="模糊")
    with django_capture_on_commit_callbacks(execute=True):
        learner_account_resubmit(
            acting_user=account.user,
            account=account,
            id_image=SimpleUploadedFile("id.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
        )
    account.refresh_from_db()
    assert account.status == S.PENDING_VERIFICATION
    assert account.id_image.name != old and account.id_image.name.endswith(".jpg")
    assert account.id_image.read().startswith(b"\xff\xd8\xff")
    assert not account.id_image.storage.exists(old)
    assert AuditEvent.objects.filter(
        action="learner_account.resubmit", actor=account.user, object_id=str(account.pk)
    ).exists()


@pytest.mark.parametrize(
    ("start", "step"),
    [
        (S.ACTIVE, "return"),
        (S.FROZEN, "return"),
        (S.CLOSED, "return"),
        (S.RETURNED, "return"),
        (S.PENDING_VERIFICATION, "resubmit"),
        (S.ACTIVE, "resubmit"),
        (S.CLOSED, "resubmit"),
        (S.RETURNED, "verify"),
        (S.RETURNED, "freeze"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(people, my_branch, start, step):
    account = open_account(branch=my_branch)
    LearnerAccount.objects.filter(pk=account.pk).update(status=start)
    account.refresh_from_db()
    staff = people["branch_staff"]
    calls = {
        "return": lambda: learner_account_return(acting_user=staff, account=account, reason="x"),
        "resubmit": lambda: learner_account_resubmit(
            acting_user=account.user, account=account, id_image=SimpleUploadedFile("id.png", PNG)
        ),
        "verify": lambda: learner_account_verify(
            acting_user=staff, account=account, method="in_person"
        ),
        "freeze": lambda: learner_account_freeze(acting_user=staff, account=account, reason="x"),
    }
    events = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition):
        calls[step]()
    account.refresh_from_db()
    assert account.status == start
    assert AuditEvent.objects.count() == events
    assert not Notice.objects.filter(user=account.user).exists()


def test_a_returned_account_may_be_closed(people, my_branch):
    account = open_account(branch=my_branch)
    learner_account_return(acting_user=people["branch_staff"], account=account, reason="x")
    learner_account_close(acting_user=people["branch_staff"], account=account, reason="重复")
    account.refresh_from_db()
    assert account.status == S.CLOSED


def test_a_returned_account_takes_no_deposit_and_says_why(people, my_branch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account = open_account(branch=my_branch)
    learner_account_return(acting_user=people["branch_staff"], account=account, reason="x")
    with pytest.raises(IllegalTransition) as refused:
        deposit(account=account)
    assert "new photo of the ID" in refused.value.message or "补传证件照片" in refused.value.message


def test_only_the_learner_uploads_their_new_photo(people, my_branch):
    account = open_account(branch=my_branch)
    learner_account_return(acting_user=people["branch_staff"], account=account, reason="x")
    with pytest.raises(NotAllowed):
        learner_account_resubmit(
            acting_user=people["branch_staff"],
            account=account,
            id_image=SimpleUploadedFile("id.png", PNG),
        )
    account.refresh_from_db()
    assert account.status == S.RETURNED and not account.id_image


def test_a_pdfs_first_page_is_rendered_to_png_and_a_broken_pdf_is_none():
    assert pdf_first_page_png(_pdf()).startswith(b"\x89PNG\r\n\x1a\n")
    assert pdf_first_page_png(b"%PDF-1.4 broken") is None


# --- The staff's pages ---------------------------------------------------------------------


def test_the_desk_shows_the_id_image_beside_the_data(client, people, my_branch):
    account = _with_image(open_account(branch=my_branch))
    page = signed_in(client, people["branch_staff"]).get(
        reverse("branches:desk_account", args=[account.pk])
    )
    html = page.content.decode()
    preview = reverse("branches:desk_account_id_preview", args=[account.pk])
    assert f'<img src="{preview}"' in html
    assert reverse("branches:desk_account_return", args=[account.pk]) in html
    image = client.get(preview)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png" and image.content == PNG
    assert image["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in image["Cache-Control"]


def test_a_pdf_id_is_shown_as_its_first_page(client, people, my_branch):
    account = _with_image(open_account(branch=my_branch), _pdf(), "id.pdf")
    signed_in(client, people["branch_staff"])
    html = client.get(reverse("branches:desk_account", args=[account.pk])).content.decode()
    assert "The first page of the uploaded PDF." in html
    image = client.get(reverse("branches:desk_account_id_preview", args=[account.pk]))
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_preview_of_no_image_or_of_another_branchs_account_is_404(client, people, my_branch):
    signed_in(client, people["branch_staff"])
    bare = open_account(branch=my_branch)
    assert (
        client.get(reverse("branches:desk_account_id_preview", args=[bare.pk])).status_code == 404
    )
    assert (
        "No ID image was uploaded"
        in client.get(reverse("branches:desk_account", args=[bare.pk])).content.decode()
    )


def test_asking_for_a_new_photo_needs_a_reason_and_goes_on_to_the_next_account(
    client, people, my_branch
):
    first = open_account(branch=my_branch)
    second = open_account(branch=my_branch)
    signed_in(client, people["branch_staff"])
    url = reverse("branches:desk_account_return", args=[first.pk])
    response = client.post(url, {"return-reason": "  "})
    assert response.status_code == 200
    assert response.context["return_form"].errors["reason"]
    assert 'id="id_return-reason_error"' in response.content.decode()
    first.refresh_from_db()
    assert first.status == S.PENDING_VERIFICATION

    response = client.post(url, {"return-reason": "Cut off at the edge."}, follow=True)
    first.refresh_from_db()
    assert first.status == S.RETURNED
    assert response.redirect_chain[0][0] == reverse("branches:desk_account", args=[second.pk])
    html = response.content.decode()
    assert "asked for a new photo" in html and "next account waiting" in html


def test_after_the_last_waiting_account_staff_are_back_at_the_queue(client, people, my_branch):
    account = open_account(branch=my_branch)
    signed_in(client, people["branch_staff"])
    response = client.post(
        reverse("branches:desk_account_verify", args=[account.pk]),
        {"method": "in_person"},
        follow=True,
    )
    assert response.redirect_chain[0][0] == (
        reverse("branches:desk_accounts") + "?status=pending_verification"
    )
    assert "No other account waits for verification" in response.content.decode()
    account.refresh_from_db()
    assert account.status == S.ACTIVE


def test_verifying_goes_on_to_the_longest_waiting_account(client, people, my_branch):
    accounts = [open_account(branch=my_branch) for _ in range(3)]
    signed_in(client, people["branch_staff"])
    response = client.post(
        reverse("branches:desk_account_verify", args=[accounts[1].pk]), {"method": "in_person"}
    )
    assert response.url == reverse("branches:desk_account", args=[accounts[0].pk])


def test_freezing_an_active_account_stays_on_it(client, people, my_branch):
    account = open_account(branch=my_branch)
    open_account(branch=my_branch)  # waiting, but freezing is not a verification step
    LearnerAccount.objects.filter(pk=account.pk).update(status=S.ACTIVE)
    signed_in(client, people["branch_staff"])
    response = client.post(
        reverse("branches:desk_account_freeze", args=[account.pk]), {"reason": "涉嫌冒用"}
    )
    assert response.url == reverse("branches:desk_account", args=[account.pk])


# --- The learner's page ----------------------------------------------------------------------


def test_the_learner_reads_the_reason_and_uploads_a_new_photo(client, people, my_branch):
    account = _with_image(open_account(branch=my_branch))
    learner_account_return(
        acting_user=people["branch_staff"], account=account, reason="Too dark to read."
    )
    signed_in(client, account.user)
    html = client.get(reverse("accounts:my_account")).content.decode()
    assert "Too dark to read." in html
    assert reverse("accounts:my_account_id_image") in html

    url = reverse("accounts:my_account_id_image")
    fake = SimpleUploadedFile("id.png", b"<html>not an image</html>", "image/png")
    response = client.post(url, {"id_image": fake})
    assert response.status_code == 200
    assert response.context["id_image_form"].errors["id_image"]
    account.refresh_from_db()
    assert account.status == S.RETURNED

    response = client.post(url, {"id_image": SimpleUploadedFile("mine.pdf", _pdf())}, follow=True)
    account.refresh_from_db()
    assert account.status == S.PENDING_VERIFICATION
    assert account.id_image.name.endswith(".pdf") and "mine" not in account.id_image.name
    assert "new ID photo was sent" in response.content.decode()
    assert reverse("accounts:my_account_id_image") not in response.content.decode()


def test_the_learners_desk_names_the_new_photo_as_the_next_step(client, people, my_branch):
    account = open_account(branch=my_branch)
    learner_account_return(
        acting_user=people["branch_staff"], account=account, reason="Too dark to read."
    )
    html = signed_in(client, account.user).get(reverse("accounts:desk")).content.decode()
    assert "Too dark to read." in html
    assert "Send a new photo of your ID" in html
    assert f'href="{reverse("accounts:my_account")}"' in html


def test_an_upload_when_no_photo_was_asked_for_changes_nothing(client, my_branch):
    account = open_account(branch=my_branch)
    signed_in(client, account.user)
    response = client.post(
        reverse("accounts:my_account_id_image"),
        {"id_image": SimpleUploadedFile("id.png", PNG)},
        follow=True,
    )
    account.refresh_from_db()
    assert account.status == S.PENDING_VERIFICATION and not account.id_image
    assert "cannot be sent for verification again" in response.content.decode()
