"""The public search (creditbank.search): Chinese substrings of any length over what the public
pages show, grouped by kind, page by page; odd input gets a message, never a 500."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Institution
from branches.models import HelpPage
from tests.accounts.factories import InstitutionFactory
from tests.achievements.factories import UnitStandardFactory
from tests.branches.factories import (
    AllianceMembershipFactory,
    AnnouncementFactory,
    BranchCentreFactory,
    HelpPageFactory,
    ServicePointFactory,
)
from tests.conversion.factories import (
    ConversionRuleFactory,
    CourseFactory,
    published_rule_version,
)

pytestmark = pytest.mark.django_db

URL = reverse("search")


def search(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def found(response) -> dict[str, list[str]]:
    """``{kind: [titles]}`` of the results page."""
    return {
        group["kind"].key: [hit.title for hit in group["hits"]]
        for group in response.context["groups"]
    }


@pytest.fixture
def world(db):
    branch = BranchCentreFactory(name="江北区分中心")
    ServicePointFactory(
        branch=branch, district=branch.district, name="观音桥受理点", address="江北区建新北路 9 号"
    )
    ServicePointFactory(
        branch=branch, district=branch.district, name="已关闭的江北受理点", is_open=False
    )
    AllianceMembershipFactory(
        institution=InstitutionFactory(name="重庆江北职业学院", status=Institution.Status.APPROVED),
        branch=branch,
    )
    AnnouncementFactory(published=True, title="关于江北区开户建档的通知", body="请携带身份证。")
    AnnouncementFactory(title="江北草稿公告", body="未发布。")
    UnitStandardFactory(approved=True, name="江北茶艺基础", field="生活服务")
    UnitStandardFactory(name="江北草稿单元")
    HelpPageFactory(title="江北草稿指南")


def test_a_two_character_chinese_substring_finds_every_kind(client, world):
    results = found(search(client, q="江北"))
    assert results["service_points"] == ["观音桥受理点"]
    assert results["members"] == ["重庆江北职业学院"]
    assert results["announcements"] == ["关于江北区开户建档的通知"]
    assert results["standards"] == ["江北茶艺基础"]
    assert results["help"] == []


def test_one_character_and_the_middle_of_a_word_are_found(client, world):
    assert "观音桥受理点" in found(search(client, q="桥"))["service_points"]
    assert found(search(client, q="茶艺基"))["standards"] == ["江北茶艺基础"]
    # The address, the body text and the seeded help pages are searched too.
    assert found(search(client, q="建新北路"))["service_points"] == ["观音桥受理点"]
    assert found(search(client, q="携带身份"))["announcements"] == ["关于江北区开户建档的通知"]
    assert "存储学习成果需要哪些证明材料" in found(search(client, q="志愿"))["help"]


def test_what_the_public_cannot_read_is_not_found(client, world):
    for text in ("草稿", "已关闭"):
        assert all(titles == [] for titles in found(search(client, q=text)).values()), text


def test_the_results_link_to_their_pages_and_show_an_excerpt(client, world):
    html = search(client, q="工作日").content.decode()
    assert f'href="{reverse("branches:help_detail", args=["timeline"])}"' in html
    assert "…" in html  # an excerpt around the match in the help page's text
    html = search(client, q="茶艺").content.decode()
    assert "江北茶艺基础" in html and "生活服务" in html


def test_a_kind_is_shown_page_by_page(client):
    for n in range(25):
        HelpPageFactory(published=True, slug=f"many-{n}", title=f"批量指南{n:02d}", order=200 + n)
    everything = search(client, q="批量指南")
    group = next(g for g in everything.context["groups"] if g["kind"].key == "help")
    assert (group["count"], len(group["hits"])) == (25, 5)
    assert "kind=help" in group["all_url"]
    first = search(client, q="批量指南", kind="help")
    assert [g["kind"].key for g in first.context["groups"]] == ["help"]
    assert len(first.context["groups"][0]["hits"]) == 20
    second = search(client, q="批量指南", kind="help", page="2")
    assert found(second)["help"] == [f"批量指南{n}" for n in range(20, 25)]
    assert "?q=%E6%89%B9%E9%87%8F%E6%8C%87%E5%8D%97&amp;kind=help&amp;page=1" in (
        second.content.decode()
    )


def test_an_unknown_kind_searches_everything(client, world):
    response = search(client, q="江北", kind="nonsense")
    assert len(response.context["groups"]) == 7  # help, standards, points, members, …, rules


@pytest.mark.parametrize("text", ["", "   ", "\u200b"])
def test_no_text_asks_for_text_and_searches_nothing(client, text, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = search(client, q=text)
    assert response.context["groups"] == []
    assert "输入一个词或词的一部分" in response.content.decode()
    assert search(client).context["groups"] == []


def test_too_long_text_is_refused_beside_the_box(client, world):
    response = search(client, q="江" * 61)
    assert response.context["groups"] == []
    assert response.context["form"].errors["q"]
    assert 'aria-invalid="true"' in response.content.decode()


@pytest.mark.parametrize("text", ["%", "_", "\\", "'", '"', "%江_", "<script>", "江北 区"])
def test_odd_text_is_searched_for_literally(client, world, text):
    response = search(client, q=text)
    assert all(titles == [] for titles in found(response).values()), text
    assert "<script>" not in response.content.decode().split("<main")[1]


def test_a_control_character_gets_the_bad_request_page(client):
    assert client.get(URL, {"q": "江\x00北"}).status_code == 400


def test_the_number_of_queries_does_not_grow_with_the_results(
    client, world, django_assert_max_num_queries
):
    # At most two queries per kind (a count and the first results): seven kinds.
    with django_assert_max_num_queries(14):
        search(client, q="江北")
    for n in range(10):
        ServicePointFactory(name=f"江北第{n}受理点")
        AnnouncementFactory(published=True, title=f"江北通知{n}")
        UnitStandardFactory(approved=True, name=f"江北单元{n}")
        CourseFactory(name=f"江北课程{n}")
        published_rule_version(rule=ConversionRuleFactory(title=f"江北转换规则{n}"))
    with django_assert_max_num_queries(14):
        search(client, q="江北")


TRIGRAM_INDEXES = {
    "help_page_title_trgm": ("branches_helppage", "title"),
    "help_page_summary_trgm": ("branches_helppage", "summary"),
    "announcement_title_trgm": ("branches_announcement", "title"),
    "announcement_body_trgm": ("branches_announcement", "body"),
    "service_point_name_trgm": ("branches_servicepoint", "name"),
    "service_point_address_trgm": ("branches_servicepoint", "address"),
    "unit_standard_code_trgm": ("achievements_unitstandard", "code"),
    "unit_standard_name_trgm": ("achievements_unitstandard", "name"),
    "unit_standard_field_trgm": ("achievements_unitstandard", "field"),
    "programme_name_trgm": ("conversion_programme", "name"),
    "course_name_trgm": ("conversion_course", "name"),
    "course_code_trgm": ("conversion_course", "code"),
    "certificate_name_trgm": ("conversion_certificate", "name"),
    "selfstudy_name_trgm": ("conversion_selfstudysubject", "name"),
    "rule_title_trgm": ("conversion_conversionrule", "title"),
}


def test_the_trigram_indexes_hold_what_icontains_compares():
    """Each index is a GIN trigram index on ``UPPER(column)``, the expression Django writes
    for ``column__icontains`` (``UPPER("column"::text) LIKE UPPER(%s)``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE indexname LIKE %s",
            ["%_trgm"],
        )
        found = {name: (table, definition) for name, table, definition in cursor.fetchall()}
    assert set(found) == set(TRIGRAM_INDEXES)
    for name, (table, column) in TRIGRAM_INDEXES.items():
        assert found[name][0] == table
        cast = "" if column == "body" else "::text"
        assert found[name][1].endswith(f"USING gin (upper(({column}){cast}) gin_trgm_ops)") or (
            found[name][1].endswith(f"USING gin (upper({column}) gin_trgm_ops)")
        ), found[name][1]


def test_the_planner_may_answer_the_search_from_a_trigram_index():
    """The search's own SQL (``title__icontains``), with sequential scans off: the planner
    matches it to the index's expression. (Whether it prefers the index is a matter of cost:
    on a table of a few rows, or one whose GIN pending list is not yet merged, reading the
    table is cheaper.)"""
    sql, params = (
        HelpPage.objects.filter(title__icontains="开户建").values("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond: (upper((title)::text) ~~ '%开户建%'::text)" in plan, plan
    assert "help_page_title_trgm" in plan, plan


def test_pg_trgm_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)


def test_the_help_pages_seeded_by_the_migration_are_searchable(client):
    assert HelpPage.objects.published().count() == 5
    assert found(search(client, q="申诉"))["help"][0] == "各环节办理时限"


def test_help_pages_are_searched_as_shown_with_the_settings_filled_in(client, settings):
    settings.CREDITBANK_APPEAL_DAYS = 21
    assert "各环节办理时限" in found(search(client, q="起 21 日内"))["help"]
    assert found(search(client, q="appeal_days"))["help"] == []
    assert found(search(client, q="{"))["help"] == []
