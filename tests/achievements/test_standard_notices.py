"""The issuer hears of the centre's decision on a unit standard: in-site and by e-mail (sent by
the real Celery task after commit), in the site's language, with a link that opens the
standard's management page for them."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Notice
from accounts.roles import CENTRE_ADMIN
from achievements import services
from achievements.models import QualificationLevel
from tests.accounts.factories import RoleGrantFactory, UserFactory
from tests.achievements.test_standard_services import draft_of
from tests.conftest import with_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(people):
    standard = draft_of(people, code="CQ-IT-0042", name="计算机应用基础")
    services.unit_standard_submit(acting_user=people["institution_admin"], standard=standard)
    return standard


def decide(decision, standard, centre_admin, capture, **kwargs):
    translation.activate("en")  # the centre administrator's pages are in English
    with capture(execute=True):
        getattr(services, f"unit_standard_{decision}")(
            acting_user=centre_admin, standard=standard, **kwargs
        )
    return list(Notice.objects.select_related("user").order_by("user_id"))


@pytest.mark.parametrize(
    ("decision", "kwargs", "title", "text"),
    [
        (
            "approve",
            {},
            "认证单元 CQ-IT-0042 已获批准",
            "CQ-IT-0042 计算机应用基础 第 1 版已获批准并发布。",
        ),
        (
            "reject",
            {"reason": "学分值偏高，请核实学时。"},
            "认证单元 CQ-IT-0042 已被退回",
            "第 1 版已退回为草稿，请修改后重新提交。\n原因：学分值偏高，请核实学时。",
        ),
    ],
)
def test_the_author_and_the_institutions_writers_are_told_of_the_decision(
    people,
    submitted,
    client,
    mailoutbox,
    settings,
    django_capture_on_commit_callbacks,
    decision,
    kwargs,
    title,
    text,
):
    notices = decide(
        decision, submitted, people["centre_admin"], django_capture_on_commit_callbacks, **kwargs
    )
    # The clerk wrote it, the administrator may change and submit it; the reviewer does
    # neither, and the centre administrator decided.
    assert {n.user for n in notices} == {people["institution_clerk"], people["institution_admin"]}
    link = reverse("achievements:standard_manage_detail", args=[submitted.pk])
    for notice in notices:
        assert (notice.title, notice.link) == (title, link)
        assert text in notice.body
        [message] = [m for m in mailoutbox if m.to == [notice.user.email]]
        assert message.subject == title and text in message.body
        assert f"{settings.CREDITBANK_SITE_URL}{link}" in message.body
        client.force_login(notice.user)
        assert client.get(link).status_code == 200
    assert len(mailoutbox) == 2


def test_a_centre_standard_tells_its_author_who_still_is_a_centre_administrator(
    people, client, mailoutbox, django_capture_on_commit_callbacks
):
    author, former = UserFactory(), UserFactory()
    for person in (author, former):
        with_totp(person)
        RoleGrantFactory(user=person, role=CENTRE_ADMIN)
    standard = services.unit_standard_create(
        acting_user=author,
        institution=None,
        code="CQ-C-0001",
        name="终身学习导论",
        field="通识",
        level=QualificationLevel.objects.filter(is_active=True).order_by("number").first(),
        credit_value="2.00",
    )
    standard.authors.add(former)
    former.role_grants.all().delete()  # no longer at the centre: the page would be 404 for them
    services.unit_standard_submit(acting_user=author, standard=standard)
    [notice] = decide(
        "approve", standard, people["centre_admin"], django_capture_on_commit_callbacks
    )
    assert notice.user == author and [m.to for m in mailoutbox] == [[author.email]]
    client.force_login(author)
    assert client.get(notice.link).status_code == 200
