"""Help pages for learners (办事指南), the contact page and the footer: the centre drafts,
previews, publishes and edits; the public reads; settings fill in the numbers."""

import pytest
from django.urls import reverse

from branches import services
from branches.models import HelpPage
from creditbank.context_processors import site
from creditbank.errors import IllegalTransition, InvalidInput
from creditbank.models import AuditEvent
from tests.branches.factories import BranchCentreFactory, HelpPageFactory
from tests.branches.network_helpers import OUTSIDE_ROLES

pytestmark = pytest.mark.django_db

Status = HelpPage.Status
SEEDED = ["open-account", "deposit", "timeline", "appeal", "contact"]


def events(action: str, page) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(page.pk)).count()


# --- The pages a fresh portal ships with ------------------------------------------------------


def test_a_fresh_portal_publishes_the_help_pages_in_chinese_in_order(client):
    assert list(HelpPage.objects.published().values_list("slug", flat=True)) == SEEDED
    page = client.get(reverse("branches:help_list")).content.decode().split('"list-plain"')[1]
    titles = ["如何开立个人学习账户（开户）", "存储学习成果需要哪些证明材料", "各环节办理时限"]
    assert all(title in page for title in titles)
    assert page.index(titles[0]) < page.index(titles[1]) < page.index(titles[2])


def test_the_numbers_on_a_help_page_come_from_the_settings(client, settings):
    settings.CREDITBANK_APPEAL_DAYS = 21
    settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS = 12
    settings.CREDITBANK_VERIFICATION_DUE_WORKING_DAYS = 4
    settings.CREDITBANK_EVIDENCE_MAX_FILE = 8 * 1024 * 1024
    page = client.get(reverse("branches:help_detail", args=["timeline"])).content.decode()
    assert "作出决定之日起 21 日内申诉" in page
    assert "一般在 12 个工作日内完成" in page
    assert "4 个工作日内完成核验" in page
    assert "{" not in page.split("<article")[1].split("</article>")[0]
    deposit = client.get(reverse("branches:help_detail", args=["deposit"])).content.decode()
    assert "每个文件不超过 8 MB" in deposit and "志愿服务" in deposit


def test_an_unknown_placeholder_is_shown_as_typed(client):
    page = HelpPageFactory(published=True, slug="braces", body="热线 {hotline}，其他 {nothing}。")
    html = client.get(reverse("branches:help_detail", args=[page.slug])).content.decode()
    assert "热线 023-63000000，其他 {nothing}。" in html


# --- The centre writes them -------------------------------------------------------------------


def test_the_centre_drafts_previews_and_publishes(client, client_for, people):
    client_for("centre_admin")
    response = client.post(
        reverse("branches:help_page_create"),
        {
            "title": " 如何查询学分 ",
            "slug": "Credits-Balance",
            "summary": "在哪里看余额。",
            "body": "打开“我的学习档案”。<b>粗体</b>\r\n\r\n\r\n第二段",
            "order": "60",
        },
    )
    draft = HelpPage.objects.get(slug="credits-balance")
    assert response.status_code == 302
    assert response["Location"] == reverse("branches:help_detail", args=["credits-balance"])
    assert (draft.title, draft.status, draft.order) == ("如何查询学分", Status.DRAFT, 60)
    assert draft.created_by == people["centre_admin"]
    assert events("help_page.create", draft) == 1
    html = client.get(response["Location"]).content.decode()
    assert "This is a preview" in html and "&lt;b&gt;粗体&lt;/b&gt;" in html
    client.logout()
    assert client.get(response["Location"]).status_code == 404
    assert "如何查询学分" not in client.get(reverse("branches:help_list")).content.decode()
    client_for("centre_admin")
    assert client.post(reverse("branches:help_page_publish", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.published_at is not None
    assert events("help_page.publish", draft) == 1
    client.logout()
    assert "如何查询学分" in client.get(reverse("branches:help_list")).content.decode()
    assert client.get(reverse("branches:help_detail", args=[draft.slug])).status_code == 200


def test_a_published_page_is_unpublished_before_it_is_edited(client, client_for, people):
    page = HelpPage.objects.get(slug="appeal")
    client_for("centre_admin")
    url = reverse("branches:help_page_edit", args=[page.pk])
    data = {"title": "申诉", "slug": "appeal", "summary": "", "body": "新正文", "order": "40"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A published help page cannot be edited; unpublish it first."
    ]
    page.refresh_from_db()
    assert page.body != "新正文"
    client.post(reverse("branches:help_page_unpublish", args=[page.pk]))
    assert client.post(url, data).status_code == 302
    page.refresh_from_db()
    assert (page.title, page.body, page.status) == ("申诉", "新正文", Status.UNPUBLISHED)
    assert events("help_page.unpublish", page) == 1
    assert events("help_page.update", page) == 1
    client.logout()
    assert client.get(reverse("branches:help_detail", args=["appeal"])).status_code == 404


def test_a_taken_or_malformed_address_is_refused_beside_the_field(client, client_for, people):
    client_for("centre_admin")
    before = HelpPage.objects.count()
    for slug, message in (
        ("deposit", "Another help page already has this address."),
        ("两个字", "Use lower-case letters, digits and single hyphens"),
        ("a--b", "Use lower-case letters, digits and single hyphens"),
    ):
        response = client.post(
            reverse("branches:help_page_create"),
            {"title": "标题", "slug": slug, "body": "正文", "order": "1"},
        )
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors["slug"])
    assert HelpPage.objects.count() == before


def test_the_services_refuse_what_the_form_would(people):
    admin = people["centre_admin"]
    with pytest.raises(InvalidInput) as refused:
        services.help_page_create(acting_user=admin, slug="x", title=" ", body="正文")
    assert refused.value.field == "title"
    with pytest.raises(InvalidInput) as refused:
        services.help_page_create(acting_user=admin, slug="x", title="标题", body="b", order=1000)
    assert refused.value.field == "order"
    page = HelpPageFactory()
    with pytest.raises(IllegalTransition):
        services.help_page_unpublish(acting_user=admin, page=page)
    services.help_page_publish(acting_user=admin, page=page)
    with pytest.raises(IllegalTransition):
        services.help_page_publish(acting_user=admin, page=page)
    page.refresh_from_db()
    assert page.status == Status.PUBLISHED
    assert events("help_page.publish", page) == 1


@pytest.mark.parametrize("role", [*OUTSIDE_ROLES, "branch_manager", "branch_staff"])
def test_only_the_centre_manages_help_pages(client, client_for, people, role):
    draft = HelpPageFactory(slug="secret-draft")
    published = HelpPage.objects.get(slug="deposit")
    client_for(role)
    assert client.get(reverse("branches:help_page_manage")).status_code == 403
    assert client.get(reverse("branches:help_detail", args=["secret-draft"])).status_code == 404
    assert client.get(reverse("branches:help_page_edit", args=[draft.pk])).status_code == 404
    assert client.get(reverse("branches:help_page_edit", args=[published.pk])).status_code == 403
    response = client.post(reverse("branches:help_page_unpublish", args=[published.pk]))
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


# --- Contact page and footer ------------------------------------------------------------------


def test_the_contact_page_lists_the_centre_and_every_branch(client):
    BranchCentreFactory(name="渝北区分中心", address="渝北区某路 8 号", phone="023-67000008")
    html = client.get(reverse("branches:contact")).content.decode()
    assert "重庆市终身学习学分银行管理中心" in html
    assert "023-63000000" in html and "service@creditbank.example" in html
    assert "渝北区分中心" in html and "渝北区某路 8 号" in html and "023-67000008" in html


def test_without_a_contact_help_page_the_contact_page_shows_the_settings(client, settings):
    HelpPage.objects.filter(slug="contact").update(status=Status.UNPUBLISHED)
    settings.CREDITBANK_CENTRE_EMAIL = "hello@centre.example"
    html = client.get(reverse("branches:contact")).content.decode()
    assert 'href="mailto:hello@centre.example"' in html


def test_every_page_has_the_footer_from_the_settings(client, settings):
    settings.CREDITBANK_CITY_NAME = "北京市"
    settings.CREDITBANK_CENTRE_ADDRESS = "北京市西城区某街 1 号"
    settings.CREDITBANK_CENTRE_HOTLINE = "010 6600 0000"
    settings.CREDITBANK_CENTRE_EMAIL = "help@bj.example"
    for name in ("home", "branches:service_points", "branches:help_list"):
        html = client.get(reverse(name)).content.decode()
        footer = html.split('<footer class="site-footer">')[1]
        assert "北京市终身学习学分银行" in footer
        assert "北京市西城区某街 1 号" in footer
        assert 'href="tel:01066000000"' in footer and "help@bj.example" in footer
        for link in ("branches:help_list", "branches:contact", "branches:service_points"):
            assert f'href="{reverse(link)}"' in footer
        assert f'action="{reverse("search")}"' in footer


def test_the_footer_costs_no_query(rf, django_assert_num_queries, settings):
    with django_assert_num_queries(0):
        footer = site(rf.get("/"))["FOOTER"]
    assert footer["hotline"] == settings.CREDITBANK_CENTRE_HOTLINE


@pytest.mark.parametrize(
    ("name", "args"),
    [("branches:help_list", []), ("branches:help_detail", ["deposit"]), ("branches:contact", [])],
)
def test_the_help_pages_keep_a_constant_number_of_queries(
    client, django_assert_max_num_queries, name, args
):
    url = reverse(name, args=args)
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
    for n in range(15):
        HelpPageFactory(published=True, slug=f"more-{n}")
        BranchCentreFactory(name=f"第{n}分中心")
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
