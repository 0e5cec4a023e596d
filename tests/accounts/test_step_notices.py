"""A notice for every step that concerns someone: learning accounts verified, frozen, unfrozen
or closed; institution applications approved or rejected; invitations accepted. Each leaves the
right person a notice in the site's language (whatever the acting person's page was in) and an
e-mail, sent by the real Celery task after commit, whose link opens the page concerned."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import InstitutionStaff, Notice
from accounts.services import (
    institution_apply,
    institution_approve,
    institution_invitation_accept,
    institution_invite,
    institution_reject,
    learner_account_close,
    learner_account_freeze,
    learner_account_unfreeze,
    learner_account_verify,
)
from tests.accounts.factories import UserFactory
from tests.accounts.learner_factories import open_account
from tests.accounts.test_institutions import application
from tests.branches.factories import BranchCentreFactory
from tests.conftest import with_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def step(django_capture_on_commit_callbacks, mailoutbox):
    """``step(service, **kwargs)``: run a service as staff whose pages are in English, commit
    (so that the notice e-mails go out) and return the notices it left."""

    def run(service, **kwargs):
        before = set(Notice.objects.values_list("pk", flat=True))
        translation.activate("en")
        with django_capture_on_commit_callbacks(execute=True):
            service(**kwargs)
        return list(Notice.objects.exclude(pk__in=before).select_related("user").order_by("pk"))

    return run


def mailed_path(message, settings) -> str:
    """The path of the link in ``message``, which must be under ``CREDITBANK_SITE_URL``."""
    found = re.search(re.escape(settings.CREDITBANK_SITE_URL) + r"(/\S*)", message.body)
    assert found, message.body
    return found.group(1)


def assert_told(notice, user, mailoutbox, client, settings, *, title: str, text: str, link: str):
    """``notice`` is ``user``'s, reads ``title`` and ``text`` (Chinese), links to ``link``; its
    e-mail went to ``user`` with the same words and a link that opens the page for them."""
    assert notice.user == user
    assert notice.title == title
    assert text in notice.body
    assert notice.link == link
    message = next(m for m in mailoutbox if m.to == [user.email])
    assert message.subject == title and text in message.body
    assert mailed_path(message, settings) == link
    client.force_login(user)
    assert client.get(link).status_code == 200


# --- Learning accounts ------------------------------------------------------------------------


@pytest.fixture
def account():
    return open_account(branch=BranchCentreFactory(), user=UserFactory(email="li@example.com"))


def test_the_learner_is_told_that_the_account_is_verified(
    account, step, mailoutbox, client, settings
):
    [notice] = step(
        learner_account_verify, acting_user=UserFactory(), account=account, method="in_person"
    )
    assert_told(
        notice,
        account.user,
        mailoutbox,
        client,
        settings,
        title="您的学习账户已通过实名核验",
        text=f"您的学习账户 {account.account_number} 已通过实名核验并已启用",
        link=reverse("accounts:my_account"),
    )
    assert "原因" not in notice.body  # the staff's note on how they verified is not the learner's


@pytest.mark.parametrize(
    ("steps", "title", "text"),
    [
        (["freeze"], "您的学习账户已被冻结", "已被冻结"),
        (["freeze", "unfreeze"], "您的学习账户已恢复使用", "已解除冻结"),
        ([], "您的学习账户已注销", "已注销"),
    ],
)
def test_the_learner_is_told_why_the_account_was_frozen_unfrozen_or_closed(
    account, step, mailoutbox, client, settings, steps, title, text
):
    staff = UserFactory()
    learner_account_verify(acting_user=staff, account=account, method="in_person")
    services = {"freeze": learner_account_freeze, "unfreeze": learner_account_unfreeze}
    for name in steps[:-1]:
        services[name](acting_user=staff, account=account, reason="先前的步骤")
    last = services[steps[-1]] if steps else learner_account_close
    mailoutbox.clear()
    [notice] = step(last, acting_user=staff, account=account, reason="本人申请，已核对身份证原件。")
    assert_told(
        notice,
        account.user,
        mailoutbox,
        client,
        settings,
        title=title,
        text=text,
        link=reverse("accounts:my_account"),
    )
    assert "原因：本人申请，已核对身份证原件。" in notice.body
    assert len(mailoutbox) == 1


# --- Institutions -----------------------------------------------------------------------------


@pytest.fixture
def applied(people):
    applicant = UserFactory()
    with_totp(applicant)  # once approved they are staff, and staff pages need two factors
    return institution_apply(acting_user=applicant, **application())


def test_the_applicant_is_told_that_the_institution_is_approved(
    applied, people, step, mailoutbox, client, settings
):
    [notice] = step(institution_approve, acting_user=people["centre_admin"], institution=applied)
    assert_told(
        notice,
        applied.applied_by,
        mailoutbox,
        client,
        settings,
        title="您的机构账户申请已获批准",
        text=f"{applied.name} 已成为学分银行的机构，您是该机构的管理员。",
        link=reverse("accounts:institution_detail", args=[applied.pk]),
    )


def test_the_applicant_is_told_why_the_application_was_rejected(
    applied, people, step, mailoutbox, client, settings
):
    [notice] = step(
        institution_reject,
        acting_user=people["centre_admin"],
        institution=applied,
        reason="营业执照已过期。",
    )
    assert_told(
        notice,
        applied.applied_by,
        mailoutbox,
        client,
        settings,
        title="您的机构账户申请未获批准",
        text=f"中心已驳回 {applied.name} 的机构账户申请。\n原因：营业执照已过期。",
        link=reverse("accounts:institution_detail", args=[applied.pk]),
    )


def test_the_inviter_and_the_administrators_are_told_that_an_invitation_was_accepted(
    people, step, mailoutbox, client, settings
):
    admin = people["institution_admin"]
    institution = admin.institution_roles.get().institution
    second_admin = UserFactory(first_name="芳", last_name="王")
    with_totp(second_admin)
    InstitutionStaff.objects.create(
        institution=institution, user=second_admin, role=InstitutionStaff.Role.ADMIN
    )
    step(
        institution_invite,
        acting_user=admin,
        institution=institution,
        email="newclerk@example.com",
        role=InstitutionStaff.Role.CLERK,
    )
    token = re.search(r"/invitations/([^/\s]+)/", mailoutbox[-1].body).group(1)
    newcomer = UserFactory(username="zhaolei", email="newclerk@example.com")
    mailoutbox.clear()
    notices = step(institution_invitation_accept, acting_user=newcomer, token=token)
    assert {n.user for n in notices} == {admin, second_admin}  # not the newcomer, no clerk
    link = reverse("accounts:institution_detail", args=[institution.pk])
    for notice in notices:
        assert_told(
            notice,
            notice.user,
            mailoutbox,
            client,
            settings,
            title=f"zhaolei 已加入 {institution.name}",
            text="zhaolei 已接受发往 newclerk@example.com 的邀请",
            link=link,
        )
    assert len(mailoutbox) == 2
