"""In-site notices, also e-mailed once."""

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import Notice
from accounts.services.notices import notice_send
from accounts.tasks import notice_email
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_notice_is_kept_and_emailed_once(mailoutbox, django_capture_on_commit_callbacks):
    person = UserFactory(email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notice = notice_send(
            user=person, title="您的学习成果已认定", body="获得 2 学分。", link="/my/"
        )
    assert Notice.objects.filter(user=person, read_at__isnull=True).count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["li@example.com"]
    assert "http://127.0.0.1:8000/my/" in mailoutbox[0].body
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
