"""The public pages of the network, visited anonymously: the service-point finder, the member
directory and the announcements."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Institution
from tests.accounts.factories import InstitutionFactory
from tests.branches.factories import (
    AllianceMembershipFactory,
    AnnouncementFactory,
    BranchCentreFactory,
    OtherDistrictFactory,
    ServicePointFactory,
)

pytestmark = pytest.mark.django_db


# --- the service-point finder ------------------------------------------------------------------


def test_the_finder_filters_by_district_and_searches(client):
    yuzhong = ServicePointFactory(name="解放碑服务大厅", address="重庆市渝中区民族路 1 号")
    other = BranchCentreFactory(district=OtherDistrictFactory())
    shapingba = ServicePointFactory(
        branch=other,
        name="沙坪坝受理点",
        address="重庆市沙坪坝区小龙坎正街 8 号",
        host_institution=InstitutionFactory(name="沙坪坝区社区学院"),
    )
    ServicePointFactory(name="已关闭受理点", is_open=False)

    def names(**params):
        response = client.get(reverse("branches:service_points"), params)
        assert response.status_code == 200
        return {p.name for p in response.context["page"]}

    assert names() == {yuzhong.name, shapingba.name}
    assert names(district="500106") == {shapingba.name}
    assert names(q="民族路") == {yuzhong.name}
    assert names(q="社区学院") == {shapingba.name}  # by host institution
    assert names(q=" 小龙坎\u3000正街 ".replace("\u3000", "")) == {shapingba.name}
    assert names(q="<script>") == set()


def test_the_finder_offers_only_districts_with_an_open_point(client):
    ServicePointFactory()
    ServicePointFactory(branch=BranchCentreFactory(district=OtherDistrictFactory()), is_open=False)
    form = client.get(reverse("branches:service_points")).context["form"]
    assert [d.code for d in form.fields["district"].queryset] == ["500103"]


def test_the_finder_works_on_a_phone(client):
    ServicePointFactory(phone="023 6300 0001")
    page = client.get(reverse("branches:service_points")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'type="search"' in page and 'enterkeyhint="search"' in page
    assert 'href="tel:02363000001"' in page
    assert "<table" not in page  # cards, not a wide table
    assert "style=" not in page


def test_the_finder_pages_keep_the_filter_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    branch = BranchCentreFactory()
    for i in range(5):
        ServicePointFactory(branch=branch, host_institution=InstitutionFactory(), name=f"点{i}")
    url = reverse("branches:service_points")
    with django_assert_max_num_queries(6) as few:
        client.get(url, {"district": "500103"})
    for i in range(5, 45):
        ServicePointFactory(branch=branch, host_institution=InstitutionFactory(), name=f"点{i}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"district": "500103"})
    assert len(response.context["page"]) == 20
    assert "district=500103&amp;page=2" in response.content.decode()


# --- the member directory ----------------------------------------------------------------------


def test_the_directory_lists_active_members_of_approved_institutions_only(client):
    active = AllianceMembershipFactory(
        institution=InstitutionFactory(name="重庆开放大学", kind="open_university"),
        pilot_batch="第一批试点单位",
    )
    AllianceMembershipFactory(status="suspended", institution=InstitutionFactory(name="暂停单位"))
    AllianceMembershipFactory(status="ended", institution=InstitutionFactory(name="退出单位"))
    AllianceMembershipFactory(
        institution=InstitutionFactory(name="被暂停机构", status=Institution.Status.SUSPENDED)
    )
    response = client.get(reverse("branches:membership_directory"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [active]
    page = response.content.decode()
    assert "重庆开放大学" in page and "第一批试点单位" in page and "2019-03-01" in page
    assert "<table" not in page  # cards: readable on a phone


def test_the_directory_filters_by_district_branch_type_and_name(client):
    west = BranchCentreFactory(district=OtherDistrictFactory())
    a = AllianceMembershipFactory(institution=InstitutionFactory(name="甲大学"))
    b = AllianceMembershipFactory(
        branch=west, institution=InstitutionFactory(name="乙培训中心", kind="training_body")
    )

    def members(**params):
        response = client.get(reverse("branches:membership_directory"), params)
        assert response.status_code == 200
        return set(response.context["page"])

    assert members() == {a, b}
    assert members(district="500106") == {b}
    assert members(branch=a.branch_id) == {a}
    assert members(kind="training_body") == {b}
    assert members(q="甲") == {a}
    assert members(kind="no-such-kind") == {a, b}  # an invalid filter shows everything


def test_the_directory_pages_in_a_constant_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(3):
        AllianceMembershipFactory()
    url = reverse("branches:membership_directory")
    with django_assert_max_num_queries(8) as few:
        client.get(url, {"kind": "university"})
    for _ in range(30):
        AllianceMembershipFactory(joined_on=datetime.date(2020, 1, 1))
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"kind": "university"})
    assert len(response.context["page"]) == 20
    assert "kind=university&amp;page=2" in response.content.decode()


# --- announcements -----------------------------------------------------------------------------


def test_the_public_reads_published_announcements_newest_first_ten_a_page(client):
    AnnouncementFactory(title="草稿")
    AnnouncementFactory(status="unpublished", title="已撤回")
    published = [AnnouncementFactory(published=True, title=f"公告{i:02d}") for i in range(12)]
    response = client.get(reverse("branches:announcement_list"))
    assert response.status_code == 200
    assert list(response.context["page"]) == published[::-1][:10]
    page = response.content.decode()
    assert "草稿" not in page and "已撤回" not in page
    second = client.get(reverse("branches:announcement_list"), {"page": 2})
    assert list(second.context["page"]) == published[1::-1]


def test_the_public_filters_by_kind_and_the_pages_keep_it(client, django_assert_max_num_queries):
    for i in range(11):
        AnnouncementFactory(published=True, kind="policy", title=f"政策{i}")
    notice = AnnouncementFactory(published=True, kind="notice", title="通知")
    with django_assert_max_num_queries(4):
        response = client.get(reverse("branches:announcement_list"), {"kind": "policy"})
    assert notice not in response.context["page"]
    assert "kind=policy&amp;page=2" in response.content.decode()


def test_the_detail_of_a_draft_is_not_found_for_the_public(client, people):
    draft = AnnouncementFactory()
    for role in ("learner", "branch_manager", "institution_admin"):
        client.force_login(people[role])
        assert (
            client.get(reverse("branches:announcement_detail", args=[draft.pk])).status_code == 404
        )
    client.logout()
    assert client.get(reverse("branches:announcement_detail", args=[draft.pk])).status_code == 404


def test_the_body_is_escaped_and_keeps_its_paragraphs(client):
    announcement = AnnouncementFactory(
        published=True, body='第一段<img src=x onerror="alert(1)">\n\n第二段'
    )
    page = client.get(
        reverse("branches:announcement_detail", args=[announcement.pk])
    ).content.decode()
    assert "<p>第一段&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>" in page
    assert "<p>第二段</p>" in page
