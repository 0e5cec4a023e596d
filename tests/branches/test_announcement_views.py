"""Announcement pages: the centre drafts, previews, publishes; the public reads."""

import pytest
from django.urls import reverse

from branches.models import Announcement
from tests.branches.factories import AnnouncementFactory
from tests.branches.network_helpers import OUTSIDE_ROLES, audit_count

pytestmark = pytest.mark.django_db

Status = Announcement.Status


def test_the_centre_drafts_previews_and_publishes(client, client_for, people):
    client_for("centre_admin")
    response = client.post(
        reverse("branches:announcement_create"),
        {
            "kind": "notice",
            "title": " 关于开户建档的通知 ",
            "body": "第一段 <script>alert(1)</script>\r\n第二行\r\n\r\n\r\n\r\n第二段",
        },
    )
    draft = Announcement.objects.get()
    assert response.status_code == 302
    assert (draft.title, draft.status) == ("关于开户建档的通知", Status.DRAFT)
    assert draft.body == "第一段 <script>alert(1)</script>\n第二行\n\n第二段"
    page = client.get(reverse("branches:announcement_detail", args=[draft.pk])).content.decode()
    assert "This is a preview" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>第二行</p>\n\n<p>第二段</p>" in page
    assert "<script>alert" not in page
    client.logout()
    assert client.get(reverse("branches:announcement_detail", args=[draft.pk])).status_code == 404
    client_for("centre_admin")
    response = client.post(reverse("branches:announcement_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.published_at is not None
    client.logout()
    assert (
        "关于开户建档的通知" in client.get(reverse("branches:announcement_list")).content.decode()
    )
    assert client.get(reverse("branches:announcement_detail", args=[draft.pk])).status_code == 200


def test_unpublishing_takes_it_off_the_public_pages(client, client_for, people):
    announcement = AnnouncementFactory(published=True, title="旧通知")
    client_for("centre_admin")
    response = client.post(reverse("branches:announcement_unpublish", args=[announcement.pk]))
    assert response.status_code == 302
    client.logout()
    assert "旧通知" not in client.get(reverse("branches:announcement_list")).content.decode()
    assert (
        client.get(reverse("branches:announcement_detail", args=[announcement.pk])).status_code
        == 404
    )


def test_a_published_announcement_is_not_edited_through_the_page(client, client_for, people):
    announcement = AnnouncementFactory(published=True, title="已发布")
    client_for("centre_admin")
    url = reverse("branches:announcement_edit", args=[announcement.pk])
    assert "Unpublish it before changing it" in client.get(url).content.decode()
    response = client.post(url, {"kind": "notice", "title": "改标题", "body": "改正文"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A published announcement cannot be edited; unpublish it first."
    ]
    announcement.refresh_from_db()
    assert announcement.title == "已发布"
    assert audit_count("announcement.") == 0


def test_publishing_twice_shows_the_refusal_and_changes_nothing(client, client_for, people):
    announcement = AnnouncementFactory(published=True)
    published_at = announcement.published_at
    client_for("centre_admin")
    response = client.post(reverse("branches:announcement_publish", args=[announcement.pk]))
    assert response.status_code == 200
    assert "cannot be changed this way" in response.content.decode()
    announcement.refresh_from_db()
    assert announcement.published_at == published_at


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", " \u3000 "),
        ("title", "<script>alert(1)</script>"),
        ("title", "题" * 121),
        ("body", "   \n\n  "),
        ("body", "文" * 20001),
        ("kind", "memo"),
    ],
)
def test_bad_announcement_input_is_refused_beside_the_field(
    client, client_for, people, field, value
):
    data = {"kind": "notice", "title": "标题", "body": "正文", field: value}
    client_for("centre_admin")
    response = client.post(reverse("branches:announcement_create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("title", ["买买提·艾力的学习故事", "𠮷祥社区学习周"])
def test_titles_in_any_script_are_kept(client, client_for, people, title):
    client_for("centre_admin")
    client.post(
        reverse("branches:announcement_create"), {"kind": "notice", "title": title, "body": "𠮷"}
    )
    assert Announcement.objects.get().title == title


@pytest.mark.parametrize("role", [*OUTSIDE_ROLES, "branch_manager", "branch_staff"])
def test_only_the_centre_manages_announcements(client, client_for, people, role):
    published = AnnouncementFactory(published=True)
    draft = AnnouncementFactory()
    client_for(role)
    assert client.get(reverse("branches:announcement_manage")).status_code == 403
    assert client.get(reverse("branches:announcement_create")).status_code == 403
    assert client.get(reverse("branches:announcement_edit", args=[published.pk])).status_code == 403
    assert (
        client.post(reverse("branches:announcement_unpublish", args=[published.pk])).status_code
        == 403
    )
    assert client.get(reverse("branches:announcement_edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("branches:announcement_publish", args=[draft.pk])).status_code == 404
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == (Status.PUBLISHED, Status.DRAFT)


def test_the_management_list_shows_every_status(client, client_for, people):
    for status in Status.values:
        AnnouncementFactory(status=status, title=f"状态{status}")
    client_for("centre_admin")
    page = client.get(reverse("branches:announcement_manage")).content.decode()
    assert all(f"状态{status}" in page for status in Status.values)


@pytest.mark.django_db
def test_a_web_address_in_an_announcement_is_a_link_and_markup_stays_text(client):
    announcement = AnnouncementFactory(
        published=True,
        body="详见 https://creditbank.example/conversion/rules/7/ 。\n<b>不是标记</b>",
    )
    page = client.get(reverse("branches:announcement_detail", args=[announcement.pk]))
    html = page.content.decode()
    assert 'href="https://creditbank.example/conversion/rules/7/"' in html
    assert "&lt;b&gt;不是标记&lt;/b&gt;" in html
