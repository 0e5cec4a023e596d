"""Inviting institution staff by e-mail: the token made by the task that mails it, single use,
the invited address, the log-in in between, and withdrawing an invitation."""

import hashlib
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.urls import reverse

from accounts.models import Institution, InstitutionInvitation, InstitutionStaff
from accounts.roles import roles_of
from accounts.services import (
    institution_invitation_accept,
    institution_invitation_cancel,
    institution_invite,
    institution_suspend,
)
from accounts.tasks import invitation_email
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import PASSWORD, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = InstitutionStaff.Role


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def own_institution(people) -> Institution:
    return people["institution_admin"].institution_roles.get().institution


def invite(people, email="newclerk@example.com", role=Role.CLERK):
    """Invite through the service and commit, so that the task mails the invitation; returns
    the invitation and the token, read from the e-mail's link as the invitee would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = institution_invite(
            acting_user=people["institution_admin"],
            institution=own_institution(people),
            email=email,
            role=role,
        )
    return invitation, _token(mail.outbox[-1])


def _link(message) -> str:
    """The path of the first link in ``message`` (under the site or the test server)."""
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def _token(message) -> str:
    return re.search(r"/invitations/([^/\s]+)/", message.body).group(1)


# --- the service ------------------------------------------------------------------------------


def _invite_uncommitted(people, email="NewClerk@Example.com "):
    return institution_invite(
        acting_user=people["institution_admin"],
        institution=own_institution(people),
        email=email,
        role=Role.CLERK,
    )


def test_the_task_mails_the_invitation_after_commit_and_stores_only_the_hash(
    people, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CREDITBANK_SITE_URL = "https://bank.example"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = _invite_uncommitted(people)
    assert mailoutbox == []  # nothing is sent before the transaction commits
    invitation.refresh_from_db()
    assert invitation.email == "newclerk@example.com"
    assert invitation.token_hash is None  # no token exists until the task makes one
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task is queued (and runs eagerly here)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["newclerk@example.com"]
    assert own_institution(people).name in message.subject
    assert "邀请" in message.subject  # in the site's language, whatever the inviter's
    token = _token(message)
    assert (
        f"https://bank.example{reverse('accounts:institution_invitation', args=[token])}"
        in message.body
    )
    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(InstitutionInvitation.objects.values())
    event = AuditEvent.objects.get(action="institution.invite")
    assert event.actor == people["institution_admin"]
    assert event.summary["after"]["role"] == "clerk"
    assert token not in str(event.summary)


def test_the_task_takes_only_the_invitation_id_and_sends_once(
    people, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(invitation_email, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite_uncommitted(people)
    assert queued == [(invitation.pk,)]
    assert invitation_email(invitation.pk) is True
    first = InstitutionInvitation.objects.get().token_hash
    assert invitation_email(invitation.pk) is False  # a second run sends nothing, keeps the token
    assert len(mailoutbox) == 1
    assert InstitutionInvitation.objects.get().token_hash == first


def test_nothing_is_mailed_when_the_transaction_rolls_back(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _invite_uncommitted(people)
        transaction.set_rollback(True)
    assert callbacks == []
    assert mailoutbox == []
    assert not InstitutionInvitation.objects.exists()


def test_a_withdrawn_invitation_is_not_mailed(people, mailoutbox, monkeypatch):
    monkeypatch.setattr(invitation_email, "delay", lambda *args: None)
    invitation = _invite_uncommitted(people)
    institution_invitation_cancel(acting_user=people["institution_admin"], invitation=invitation)
    assert invitation_email(invitation.pk) is False
    assert mailoutbox == []


def test_a_failed_send_stores_no_token_and_a_retry_sends_a_working_link(
    people, mailoutbox, monkeypatch
):
    monkeypatch.setattr(invitation_email, "delay", lambda *args: None)
    invitation = _invite_uncommitted(people)

    def refused(*args, **kwargs):
        raise OSError("the mail server is down")

    monkeypatch.setattr("accounts.services.institutions.send_mail", refused)
    with pytest.raises(OSError):
        invitation_email(invitation.pk)
    assert InstitutionInvitation.objects.get().token_hash is None
    monkeypatch.undo()
    assert invitation_email(invitation.pk) is True
    token = _token(mailoutbox[-1])
    invitee = UserFactory(email="newclerk@example.com")
    assert institution_invitation_accept(acting_user=invitee, token=token).role == Role.CLERK


@pytest.mark.parametrize("role", ["institution_clerk", "institution_reviewer", "centre_admin"])
def test_only_the_institution_administrator_invites(people, role):
    with pytest.raises(ServiceError) as refused:
        institution_invite(
            acting_user=people[role],
            institution=own_institution(people),
            email="x@example.com",
            role=Role.CLERK,
        )
    assert refused.value.code == "not_allowed"
    assert not InstitutionInvitation.objects.exists()


def test_a_suspended_institution_invites_nobody(people):
    institution_suspend(
        acting_user=people["centre_admin"], institution=own_institution(people), reason="整改"
    )
    with pytest.raises(ServiceError) as refused:
        invite(people)
    assert refused.value.code == "institution_not_approved"


def test_a_second_pending_invitation_for_one_address_is_refused(people):
    invite(people)
    with pytest.raises(ServiceError) as refused:
        invite(people, email="newclerk@example.com", role=Role.REVIEWER)
    assert (refused.value.field, refused.value.code) == ("email", "already_invited")
    assert InstitutionInvitation.objects.count() == 1


def test_inviting_someone_to_a_role_they_hold_is_refused(people):
    with pytest.raises(ServiceError) as refused:
        invite(people, email=people["institution_clerk"].email, role=Role.CLERK)
    assert refused.value.code == "already_staff"


def test_the_invitee_accepts_once(people):
    _invitation, token = invite(people)
    invitee = UserFactory(email="newclerk@example.com")
    staff = institution_invitation_accept(acting_user=invitee, token=token)
    assert (staff.institution, staff.user, staff.role) == (
        own_institution(people),
        invitee,
        Role.CLERK,
    )
    assert roles_of(invitee) == {"institution_clerk"}
    invitation = InstitutionInvitation.objects.get()
    assert invitation.accepted_by == invitee and invitation.accepted_at is not None
    event = AuditEvent.objects.get(action="institution.invitation_accept")
    assert event.actor == invitee
    with pytest.raises(ServiceError) as refused:
        institution_invitation_accept(acting_user=invitee, token=token)
    assert refused.value.code == "used"
    assert InstitutionStaff.objects.filter(user=invitee).count() == 1
    assert AuditEvent.objects.filter(action="institution.invitation_accept").count() == 1


def test_a_person_with_another_address_is_refused(people):
    _invitation, token = invite(people)
    with pytest.raises(ServiceError) as refused:
        institution_invitation_accept(acting_user=people["learner"], token=token)
    assert refused.value.code == "wrong_email"
    assert not InstitutionStaff.objects.filter(user=people["learner"]).exists()
    assert InstitutionInvitation.objects.get().accepted_at is None


def test_an_unverified_address_is_not_enough(people):
    _invitation, token = invite(people)
    invitee = UserFactory(email="newclerk@example.com", verified_email=False)
    EmailAddress.objects.create(user=invitee, email="newclerk@example.com", verified=False)
    with pytest.raises(ServiceError) as refused:
        institution_invitation_accept(acting_user=invitee, token=token)
    assert refused.value.code == "wrong_email"


def test_an_expired_invitation_is_refused(people):
    invitation, token = invite(people)
    InstitutionInvitation.objects.filter(pk=invitation.pk).update(
        created_at=invitation.created_at - timedelta(days=15)
    )
    with pytest.raises(ServiceError) as refused:
        institution_invitation_accept(
            acting_user=UserFactory(email="newclerk@example.com"), token=token
        )
    assert refused.value.code == "expired"


def test_a_wrong_token_is_refused(people):
    invite(people)
    with pytest.raises(ServiceError) as refused:
        institution_invitation_accept(
            acting_user=UserFactory(email="newclerk@example.com"), token="guessed"
        )
    assert refused.value.code == "invalid_token"
    assert not InstitutionInvitation.objects.filter(accepted_at__isnull=False).exists()


def test_a_withdrawn_invitation_no_longer_works(people):
    invitation, token = invite(people)
    institution_invitation_cancel(acting_user=people["institution_admin"], invitation=invitation)
    assert not InstitutionInvitation.objects.exists()
    assert AuditEvent.objects.filter(action="institution.invitation_cancel").exists()
    with pytest.raises(ServiceError) as refused:
        institution_invitation_accept(
            acting_user=UserFactory(email="newclerk@example.com"), token=token
        )
    assert refused.value.code == "invalid_token"


# --- through the pages ------------------------------------------------------------------------


def test_the_administrator_invites_through_the_page(
    english, people, mailoutbox, django_capture_on_commit_callbacks
):
    client = english
    institution = own_institution(people)
    client.force_login(people["institution_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:institution_invite", args=[institution.pk]),
            {"email": "reviewer@example.com", "role": "reviewer"},
            follow=True,
        )
    page = response.content.decode()
    assert "An invitation has been sent to reviewer@example.com." in page
    assert "reviewer@example.com" in page.split("Pending invitations</h2>")[1]
    assert len(mailoutbox) == 1
    assert InstitutionInvitation.objects.get().role == "reviewer"


def test_a_duplicate_invitation_is_refused_beside_the_field(english, people):
    client = english
    invite(people, email="reviewer@example.com")
    client.force_login(people["institution_admin"])
    response = client.post(
        reverse("accounts:institution_invite", args=[own_institution(people).pk]),
        {"email": "Reviewer@example.com", "role": "reviewer"},
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("email", "already_invited")
    assert 'aria-invalid="true"' in response.content.decode()
    assert InstitutionInvitation.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "", "role": "clerk"}, "email"),
        ({"email": "   ", "role": "clerk"}, "email"),
        ({"email": "not-an-address", "role": "clerk"}, "email"),
        ({"email": "a@example.com", "role": "owner"}, "role"),
    ],
)
def test_bad_invitation_input_is_refused_beside_the_field(client, people, data, field):
    client.force_login(people["institution_admin"])
    response = client.post(
        reverse("accounts:institution_invite", args=[own_institution(people).pk]), data
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not InstitutionInvitation.objects.exists()


def test_the_link_survives_the_log_in(client, people):
    _invitation, token = invite(people)
    invitee = UserFactory(username="newclerk", email="newclerk@example.com")
    url = reverse("accounts:institution_invitation", args=[token])
    response = client.get(url)
    login = reverse("account_login")
    assert response.status_code == 302 and response.url == f"{login}?next={url}"
    response = client.post(response.url, {"login": invitee.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == url
    assert client.get(url).status_code == 200
    response = client.post(url)
    institution = own_institution(people)
    assert response.status_code == 302
    assert response.url == reverse("accounts:institution_detail", args=[institution.pk])
    assert InstitutionStaff.objects.filter(user=invitee, institution=institution).exists()


def test_the_link_survives_signing_up(
    client, people, mailoutbox, django_capture_on_commit_callbacks
):
    _invitation, token = invite(people)
    url = reverse("accounts:institution_invitation", args=[token])
    with django_capture_on_commit_callbacks(execute=True):  # the confirmation goes by a task
        response = client.post(
            f"{reverse('account_signup')}?next={url}",
            {
                "username": "newclerk",
                "email": "newclerk@example.com",
                "password1": "Quiet-River-2026",
                "password2": "Quiet-River-2026",
                "next": url,
            },
        )
    assert response.status_code == 302
    confirm = _link(mailoutbox[-1])
    response = client.post(confirm)
    assert response.status_code == 302 and response.url == url
    client.post(url)
    user = get_user_model().objects.get(username="newclerk")
    assert InstitutionStaff.objects.filter(user=user, role=Role.CLERK).exists()


def test_the_page_says_why_a_person_with_another_address_cannot_accept(english, people):
    client = english
    _invitation, token = invite(people)
    client.force_login(people["learner"])
    url = reverse("accounts:institution_invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "This invitation was sent to newclerk@example.com" in page.content.decode()
    assert "Accept the invitation" not in page.content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert "This invitation was sent to newclerk@example.com" in response.content.decode()
    assert not InstitutionStaff.objects.filter(user=people["learner"]).exists()


def test_a_used_link_says_so(english, people):
    client = english
    _invitation, token = invite(people)
    invitee = UserFactory(email="newclerk@example.com")
    institution_invitation_accept(acting_user=invitee, token=token)
    client.force_login(people["learner"])
    page = client.get(reverse("accounts:institution_invitation", args=[token])).content.decode()
    assert "This invitation has already been used." in page


def test_an_unknown_token_is_404(client, people):
    client.force_login(people["learner"])
    assert client.get(reverse("accounts:institution_invitation", args=["nope"])).status_code == 404


def test_the_administrator_withdraws_an_invitation_through_the_page(client, people):
    invitation, _token = invite(people)
    institution = own_institution(people)
    url = reverse("accounts:institution_invitation_cancel", args=[institution.pk, invitation.pk])
    client.force_login(people["institution_clerk"])
    assert client.post(url).status_code == 403
    client.force_login(people["institution_admin"])
    assert client.post(url).status_code == 302
    assert not InstitutionInvitation.objects.exists()
    other = InstitutionFactory()
    assert (
        client.post(
            reverse("accounts:institution_invitation_cancel", args=[other.pk, invitation.pk])
        ).status_code
        == 404
    )
