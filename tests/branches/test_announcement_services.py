"""Announcements: drafting, editing, and publish/unpublish (legal and illegal)."""

import pytest

from branches.models import Announcement
from branches.services import (
    ANNOUNCEMENT_TRANSITIONS,
    announcement_actions,
    announcement_create,
    announcement_publish,
    announcement_unpublish,
    announcement_update,
)
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.branches.factories import AnnouncementFactory
from tests.branches.network_helpers import audit_count

pytestmark = pytest.mark.django_db

Status = Announcement.Status
SERVICES = {"publish": announcement_publish, "unpublish": announcement_unpublish}


@pytest.fixture
def admin():
    return UserFactory(username="admin")


def test_a_draft_is_written_and_not_public(admin):
    draft = announcement_create(
        acting_user=admin, kind="policy", title="政策文件", body="第一段。\n\n第二段。"
    )
    assert (draft.status, draft.published_at, draft.created_by) == (Status.DRAFT, None, admin)
    assert not Announcement.objects.published().exists()
    event = AuditEvent.objects.get(action="announcement.create")
    assert event.summary["after"] == {
        "kind": "policy",
        "title": "政策文件",
        "body_chars": 10,
        "status": "draft",
    }


@pytest.mark.parametrize(
    ("kind", "title", "body", "field"),
    [("memo", "t", "b", "kind"), ("notice", " ", "b", "title"), ("notice", "t", "\n", "body")],
)
def test_bad_content_is_refused(admin, kind, title, body, field):
    with pytest.raises(ServiceError) as refused:
        announcement_create(acting_user=admin, kind=kind, title=title, body=body)
    assert refused.value.field == field
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.UNPUBLISHED])
def test_a_draft_or_unpublished_announcement_is_edited(admin, status):
    announcement = AnnouncementFactory(status=status, title="旧标题")
    announcement_update(
        acting_user=admin, announcement=announcement, kind="notice", title="新标题", body="新正文"
    )
    announcement.refresh_from_db()
    assert (announcement.title, announcement.body) == ("新标题", "新正文")
    event = AuditEvent.objects.get(action="announcement.update")
    assert event.summary["before"]["title"] == "旧标题"
    assert event.summary["after"]["title"] == "新标题"


def test_a_published_announcement_is_not_edited(admin):
    announcement = AnnouncementFactory(published=True, title="已发布")
    with pytest.raises(ServiceError) as refused:
        announcement_update(
            acting_user=admin, announcement=announcement, kind="notice", title="改", body="改"
        )
    assert refused.value.code == "not_editable"
    announcement.refresh_from_db()
    assert announcement.title == "已发布"
    assert audit_count("announcement.") == 0


EXPECTED = {
    (Status.DRAFT, "publish"): Status.PUBLISHED,
    (Status.DRAFT, "unpublish"): None,
    (Status.PUBLISHED, "publish"): None,
    (Status.PUBLISHED, "unpublish"): Status.UNPUBLISHED,
    (Status.UNPUBLISHED, "publish"): Status.PUBLISHED,
    (Status.UNPUBLISHED, "unpublish"): None,
}


def test_the_expectations_cover_every_pair():
    assert {a for _s, a in EXPECTED} == set(ANNOUNCEMENT_TRANSITIONS)
    assert {s for s, _a in EXPECTED} == set(Status.values)


@pytest.mark.parametrize(("start", "action"), list(EXPECTED), ids=lambda v: str(v))
def test_each_transition_is_allowed_or_refused_as_expected(admin, start, action):
    announcement = AnnouncementFactory(status=start)
    published_at = announcement.published_at
    target = EXPECTED[(start, action)]
    assert (action in announcement_actions(announcement)) == (target is not None)
    if target is None:
        with pytest.raises(ServiceError) as refused:
            SERVICES[action](acting_user=admin, announcement=announcement)
        assert refused.value.code == "illegal_transition"
        announcement.refresh_from_db()
        assert (announcement.status, announcement.published_at) == (start, published_at)
        assert audit_count("announcement.") == 0
    else:
        SERVICES[action](acting_user=admin, announcement=announcement)
        announcement.refresh_from_db()
        assert announcement.status == target
        event = AuditEvent.objects.get(action=f"announcement.{action}")
        assert event.summary["before"] == {"status": start}
        assert event.summary["after"]["status"] == target


def test_publishing_again_dates_it_anew_and_the_newest_comes_first(admin):
    first = announcement_publish(acting_user=admin, announcement=AnnouncementFactory())
    second = announcement_publish(acting_user=admin, announcement=AnnouncementFactory())
    assert list(Announcement.objects.published()) == [second, first]
    announcement_unpublish(acting_user=admin, announcement=first)
    assert list(Announcement.objects.published()) == [second]
    again = announcement_publish(acting_user=admin, announcement=first)
    assert again.published_at > second.published_at
    assert list(Announcement.objects.published()) == [first, second]
