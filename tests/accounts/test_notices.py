"""In-site notices, also e-mailed once."""

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import Notice
from accounts.services.notices import notice_send
from accounts.tasks import notice_email
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_notice_is_kept_and_emailed_once(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notice = notice_send(
            user=person, title="您的学习成果已认定", body="获得 2 学分。", link="/my/"
        )
    assert Notice.objects.filter(user=person, read_at__isnull=True).count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["li@example.com"]
    assert f"{settings.CREDITBANK_SITE_URL}/my/" in mailoutbox[0].body
    assert notice_email(notice.pk) is False  # a second run sends nothing
    assert len(mailoutbox) == 1


def test_a_notice_mail_links_to_the_page_under_the_site_url(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CREDITBANK_SITE_URL = "https://bank.example"
    person = UserFactory(email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(
            user=person,
            title="您的学习成果已认定",
            link=reverse("achievements:achievement_detail", args=[7]),
        )
    assert "https://bank.example/my/achievements/7/" in mailoutbox[0].body


def test_nothing_is_mailed_when_the_notice_is_rolled_back(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notice_send(user=person, title="您的学习成果已认定", link="/my/")
        transaction.set_rollback(True)
    assert callbacks == [] and mailoutbox == []
    assert not Notice.objects.exists()


def test_the_notices_page_shows_only_my_notices_and_marks_them_read(client):
    me, other = UserFactory(), UserFactory()
    notice_send(user=me, title="给我的通知", email=False)
    notice_send(user=other, title="别人的通知", email=False)
    client.force_login(me)
    page = client.get(reverse("accounts:my_notices")).content.decode()
    assert "给我的通知" in page and "别人的通知" not in page
    assert "1 条新通知" in client.get("/").content.decode() or "1 new" in page
    client.post(reverse("accounts:my_notices_read"))
    assert not Notice.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notice.objects.filter(user=other, read_at__isnull=True).exists()


def test_the_header_counts_unread_notices(client):
    me = UserFactory()
    for i in range(3):
        notice_send(user=me, title=f"通知{i}", email=False)
    client.force_login(me)
    header = client.get("/").content.decode().split("</header>")[0]
    assert 'href="/my/notices/"' in header
    assert "3" in header.split('href="/my/notices/"')[1][:200]


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(client):
    me = UserFactory()
    notice = notice_send(
        user=me, title="您的学习账户已通过实名核验", link="/my/account/", email=False
    )
    other = notice_send(user=me, title="另一条通知", email=False)
    client.force_login(me)
    page = client.get(reverse("accounts:my_notices")).content.decode()
    listed = page.split("<h1>")[1].split("</main>")[0]
    opening = reverse("accounts:my_notice_open", args=[notice.pk])
    assert f'href="{opening}"' in listed  # the list opens a notice through the page that reads it
    assert 'href="/my/account/"' not in listed
    response = client.get(opening)
    assert response.status_code == 302 and response.url == "/my/account/"
    notice.refresh_from_db()
    first_read = notice.read_at
    assert first_read is not None
    assert Notice.objects.get(pk=other.pk).read_at is None  # only the one opened
    client.get(opening)
    notice.refresh_from_db()
    assert notice.read_at == first_read  # opened again: still read since the first time


def test_the_header_count_drops_when_a_notice_is_opened(client):
    me = UserFactory()
    first = notice_send(user=me, title="通知一", email=False)
    notice_send(user=me, title="通知二", email=False)
    client.force_login(me)

    def header_badge():
        link = client.get("/").content.decode().split('href="/my/notices/"')[1]
        return link.split("</a>")[0]

    assert "2 条新通知" in header_badge()  # read once, and now cached for the person
    client.get(reverse("accounts:my_notice_open", args=[first.pk]))
    assert "1 条新通知" in header_badge()


def test_a_notice_without_a_page_or_with_a_foreign_link_opens_the_list(client):
    me = UserFactory()
    plain = notice_send(user=me, title="无链接", email=False)
    foreign = notice_send(user=me, title="外部链接", link="https://evil.example/", email=False)
    client.force_login(me)
    for notice in (plain, foreign):
        response = client.get(reverse("accounts:my_notice_open", args=[notice.pk]))
        assert response.url == reverse("accounts:my_notices")
    assert not Notice.objects.filter(user=me, read_at__isnull=True).exists()


def test_only_the_recipient_may_open_a_notice(client):
    owner, other = UserFactory(), UserFactory()
    notice = notice_send(user=owner, title="给本人的通知", link="/my/account/", email=False)
    client.force_login(other)
    assert client.get(reverse("accounts:my_notice_open", args=[notice.pk])).status_code == 404
    assert Notice.objects.get(pk=notice.pk).read_at is None
