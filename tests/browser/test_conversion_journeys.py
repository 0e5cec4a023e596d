"""Conversion (转换) in a real browser, at phone and desktop widths, axe-core on every page.

An institution clerk drafts a conversion rule in the editor (title, programme, validity, a
certificate as the source, a course of the programme with credits as the target), saves it and
submits it; a centre administrator assigns two experts; each expert finds it on their desk and
queue and agrees (one with a comment); the centre administrator approves and publishes it (the
announcement appears on the announcements page); a member of the public who holds the
certificate finds the institution, the course and the credits at /conversion/ and opens the
rule's page.

Then the public course catalogue (课程超市) searched and filtered, a course's page with what
converts into it; and a clerk's bulk course import from a CSV file (a row error, the fix, the
count created).

Staff sign in with password and TOTP, once each: the centre administrator keeps a browser of
their own (``second_page``) while the clerk and the experts take turns in ``page``.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import InstitutionStaff, Role
from conversion.models import Course, EducationLevel, RuleVersion
from creditbank.models import AuditEvent
from tests.accounts.factories import (
    InstitutionFactory,
    InstitutionStaffFactory,
    RoleGrantFactory,
    UserFactory,
)
from tests.browser import journey_helpers
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    label,
    main_nav,
    path_pattern,
    sign_in_staff,
    sign_out,
    status_message,
    t,
    tn,
)
from tests.conftest import with_totp
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    published_rule_version,
)

pytestmark = pytest.mark.browser

INSTITUTION = "重庆城市职业学院"
PROGRAMME = "计算机应用技术（专科）"
CERTIFICATE = "全国计算机等级考试二级"
RULE_TITLE = "全国计算机等级考试二级转换计算机应用基础"

# A second person's browser (tests/browser/journey_helpers.py).
second_page = journey_helpers.second_page


def staff_member(username):
    """A user with TOTP switched on; returns the user and the base32 secret."""
    user = UserFactory(username=username)
    return user, with_totp(user)


@pytest.fixture
def conversion_people(db):
    """An approved institution with a clerk, a programme with two courses, the certificate
    全国计算机等级考试二级, a centre administrator and two experts (each with TOTP)."""
    institution = InstitutionFactory(name=INSTITUTION)
    clerk, clerk_secret = staff_member("clerk_zhou")
    InstitutionStaffFactory(institution=institution, user=clerk, role=InstitutionStaff.Role.CLERK)
    programme = ProgrammeFactory(
        institution=institution,
        code="510201",
        name=PROGRAMME,
        level=EducationLevel.JUNIOR_COLLEGE,
        field="信息技术",
        graduation_credits=Decimal("120.00"),
        created_by=clerk,
    )
    basics = CourseFactory(
        institution=institution,
        code="JSJ101",
        name="计算机应用基础",
        credits=Decimal("4.00"),
        hours=64,
        field="信息技术",
        programmes=[programme],
        created_by=clerk,
    )
    english = CourseFactory(
        institution=institution,
        code="GG102",
        name="大学英语（一）",
        credits=Decimal("4.00"),
        hours=64,
        field="公共基础",
        programmes=[programme],
        created_by=clerk,
    )
    certificate = CertificateFactory(name=CERTIFICATE, grade="", issuer="教育部教育考试院")
    admin, admin_secret = staff_member("centre_chen")
    RoleGrantFactory(user=admin, role=Role.CENTRE_ADMIN)
    experts = {}
    for username in ("expert_li", "expert_zhao"):
        expert, secret = staff_member(username)
        RoleGrantFactory(user=expert, role=Role.EXPERT)
        experts[username] = (expert, secret)
    return {
        "institution": institution,
        "clerk": (clerk, clerk_secret),
        "programme": programme,
        "basics": basics,
        "english": english,
        "certificate": certificate,
        "admin": (admin, admin_secret),
        "experts": experts,
    }


def sign_in_clerk(page, live_server, people):
    clerk, secret = people["clerk"]
    sign_in_staff(page, live_server, clerk.username, secret)


def review_panel(page):
    """The lifecycle part of a rule version's manage page."""
    return page.get_by_role("main").get_by_role(
        "region", name=t("Review and publication"), exact=True
    )


def open_from_desk(page, live_server, todo, queue, queue_title, rule_title):
    """From the desk (where signing in lands) the to-do ``todo`` with one rule waiting, to its
    list ``queue`` of the review queue, then the version from its table."""
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    waiting = (
        page.get_by_role("main")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=todo, exact=True))
    )
    expect(waiting).to_contain_text(tn("%(count)s waiting", "%(count)s waiting", 1, count=1))
    check_a11y(page)
    waiting.get_by_role("link", name=todo, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/conversion/review/?show={queue}"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(queue_title)
    row = main.get_by_role("row").filter(has_text=rule_title)
    expect(row).to_have_count(1)
    check_a11y(page)
    row.get_by_role("link").first.click()
    expect(page).to_have_url(path_pattern(live_server, r"/conversion/manage/rules/\d+/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(rule_title)


def give_opinion(page, live_server, username, secret, comment=""):
    """An expert signs in, finds the version waiting for their opinion and agrees."""
    sign_in_staff(page, live_server, username, secret)
    open_from_desk(
        page,
        live_server,
        t("Conversion rules waiting for my opinion"),
        "waiting",
        t("Waiting for my opinion"),
        RULE_TITLE,
    )
    panel = review_panel(page)
    expect(panel).to_contain_text(t("In expert review"))
    check_a11y(page)
    opinion = panel.get_by_role("form", name=t("Your opinion"))
    opinion.get_by_role("radio", name=t("Agree"), exact=True).check()
    if comment:
        opinion.get_by_label(label(t("Comments"))).fill(comment)
    opinion.get_by_role("button", name=t("Give my opinion"), exact=True).click()
    expect(status_message(page)).to_have_text(t("Your opinion was recorded. Thank you."))
    expect(panel.get_by_role("form", name=t("Your opinion"))).to_have_count(0)
    check_a11y(page)
    sign_out(page, live_server)


def test_a_rule_is_drafted_reviewed_approved_published_and_found_by_a_member_of_the_public(
    page, second_page, live_server, conversion_people
):
    people = conversion_people
    basics, certificate = people["basics"], people["certificate"]
    CertificateFactory(name="全国计算机等级考试一级", grade="", issuer="教育部教育考试院")
    today = timezone.localdate()
    comment = "证书与课程的教学目标基本一致，建议在说明中注明证书科目。"

    # The clerk drafts the rule in the editor.
    sign_in_clerk(page, live_server, people)
    main_nav(page).get_by_role("link", name=t("Conversion rules"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/manage/rules/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Conversion rules"))
    check_a11y(page)
    main.get_by_role("link", name=t("New conversion rule"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/manage/rules/new/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("New conversion rule"))
    check_a11y(page)
    facts = main.get_by_role("region", name=t("The rule"), exact=True)
    facts.get_by_label(label(t("Title"))).fill(RULE_TITLE)
    facts.get_by_label(label(t("Target programme"))).select_option(
        label=f"{INSTITUTION} · 510201 {PROGRAMME}"
    )
    facts.get_by_label(label(t("Valid from"))).fill(today.isoformat())
    facts.get_by_label(label(t("Notes (Chinese)"))).fill("凭证书原件及复印件申请。")
    targets = main.get_by_role("region", name=t("Target courses"), exact=True)
    targets.get_by_label(label(t("Course"))).select_option(
        label=f"{basics.code} {basics.name}（4.00）"
    )
    targets.get_by_label(label(t("Credits granted"))).fill("4")
    source = main.get_by_role("region", name=t("Source: what a learner must hold"), exact=True)
    source.get_by_label(label(t("Certificate"))).select_option(label=CERTIFICATE)
    source.get_by_label(label(t("Obtained within (years, empty: any time)"))).fill("5")
    # The editor works without script: a requirement added, then removed again, re-renders
    # the form unsaved with everything typed kept.
    source.get_by_role("button", name=t("Add a requirement"), exact=True).click()
    requirements = source.locator("fieldset.source-atom-edit")
    expect(requirements).to_have_count(2)
    expect(facts.get_by_label(label(t("Title")))).to_have_value(RULE_TITLE)
    check_a11y(page)
    requirements.nth(1).get_by_role("button", name=t("Remove this requirement")).click()
    expect(requirements).to_have_count(1)
    expect(source.get_by_label(label(t("Certificate")))).to_have_value(str(certificate.pk))
    expect(targets.get_by_label(label(t("Credits granted")))).to_have_value("4")
    check_a11y(page)
    assert not RuleVersion.objects.exists()
    main.get_by_role("button", name=t("Save draft"), exact=True).click()

    expect(page).to_have_url(path_pattern(live_server, r"/conversion/manage/rules/\d+/"))
    expect(status_message(page)).to_have_text(
        t("The draft was saved. Submit it when it is ready for the centre.")
    )
    version = RuleVersion.objects.get()
    number = version.rule.number
    expect(main.get_by_role("heading", level=1)).to_have_text(RULE_TITLE)
    expect(main).to_contain_text(CERTIFICATE)
    expect(review_panel(page)).to_contain_text(t("Draft"))
    check_a11y(page)
    review_panel(page).get_by_role("button", name=t("Submit for review"), exact=True).click()
    expect(status_message(page)).to_have_text(
        t("The rule version was submitted to the centre for expert review.")
    )
    expect(review_panel(page)).to_contain_text(t("Submitted"))
    check_a11y(page)
    sign_out(page, live_server)

    # The centre administrator, in a browser of their own, puts two experts on the panel.
    admin, admin_secret = people["admin"]
    sign_in_staff(second_page, live_server, admin.username, admin_secret)
    open_from_desk(
        second_page,
        live_server,
        t("Conversion rules waiting for a panel"),
        "panel",
        t("Waiting for a panel"),
        RULE_TITLE,
    )
    admin_panel = review_panel(second_page)
    check_a11y(second_page)
    assign = admin_panel.get_by_role("form", name=t("Assign an expert panel"))
    assign.get_by_role("checkbox", name="expert_li", exact=True).check()
    assign.get_by_role("checkbox", name="expert_zhao", exact=True).check()
    assign.get_by_role("button", name=t("Assign"), exact=True).click()
    expect(status_message(second_page)).to_have_text(
        t("The experts were put on the panel and told.")
    )
    expect(admin_panel).to_contain_text(t("In expert review"))
    expect(admin_panel).to_contain_text("expert_li")
    expect(admin_panel).to_contain_text("expert_zhao")
    check_a11y(second_page)

    # Each expert finds it waiting for their opinion and agrees, the second with a comment.
    li, li_secret = people["experts"]["expert_li"]
    give_opinion(page, live_server, li.username, li_secret)
    zhao, zhao_secret = people["experts"]["expert_zhao"]
    give_opinion(page, live_server, zhao.username, zhao_secret, comment=comment)

    # The centre administrator approves and publishes it.
    second_page.reload()
    opinions = admin_panel.get_by_role("region", name=t("Expert opinions"))
    expect(opinions.locator("tbody tr")).to_have_count(2)
    expect(opinions).to_contain_text(comment)
    check_a11y(second_page)
    approve = admin_panel.get_by_role("form", name=t("Approve"))
    approve.get_by_role("button", name=t("Approve"), exact=True).click()
    expect(status_message(second_page)).to_have_text(
        t("The rule version was approved. Publish it when it should be announced.")
    )
    expect(admin_panel).to_contain_text(t("Approved"))
    check_a11y(second_page)
    publish = admin_panel.get_by_role("form", name=t("Publish"))
    publish.get_by_role("button", name=t("Publish"), exact=True).click()
    expect(status_message(second_page)).to_have_text(
        t("The rule version was published and announced.")
    )
    expect(admin_panel).to_contain_text(t("Published"))
    check_a11y(second_page)

    # The announcement is on the announcements page.
    main_nav(second_page).get_by_role("link", name=t("Announcements"), exact=True).click()
    expect(second_page).to_have_url(exactly(live_server, "/announcements/"))
    announcement = second_page.get_by_role("main").get_by_role(
        "link", name=re.compile(re.escape(number))
    )
    expect(announcement).to_have_count(1)
    check_a11y(second_page)
    announcement.click()
    expect(second_page.get_by_role("main")).to_contain_text(RULE_TITLE)
    expect(second_page.get_by_role("main")).to_contain_text(INSTITUTION)
    check_a11y(second_page)

    version.refresh_from_db()
    assert version.status == RuleVersion.Status.PUBLISHED
    assert version.approved_by == admin
    assert version.announcement is not None
    assert sorted(version.opinions.values_list("reviewer__username", "verdict")) == [
        ("expert_li", "agree"),
        ("expert_zhao", "agree"),
    ]
    assert list(
        AuditEvent.objects.filter(action__startswith="conversion_rule.")
        .order_by("pk")
        .values_list("action", "actor__username")
    ) == [
        ("conversion_rule.create", "clerk_zhou"),
        ("conversion_rule.submit", "clerk_zhou"),
        ("conversion_rule.panel_assign", "centre_chen"),
        ("conversion_rule.opinion", "expert_li"),
        ("conversion_rule.opinion", "expert_zhao"),
        ("conversion_rule.approve", "centre_chen"),
        ("conversion_rule.publish", "centre_chen"),
    ]

    # A member of the public who holds the certificate finds what accepts it.
    page.goto("/")
    main_nav(page).get_by_role("link", name=t("Credit conversion"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Conversion lookup"))
    check_a11y(page)
    held = main.get_by_role("form", name=t("From what I hold"))
    held.get_by_label(label(t("What do you hold?"))).select_option(label=t("A certificate"))
    held.get_by_label(label(t("Name or code"))).fill("全国计算机等级考试")
    held.get_by_role("button", name=t("Search"), exact=True).click()
    results = lookup_results(page)
    expect(results.get_by_role("link", name="全国计算机等级考试一级", exact=True)).to_be_visible()
    check_a11y(page)
    results.get_by_role("link", name=CERTIFICATE, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/conversion/\?.*item={certificate.pk}"))
    row = results.locator("tbody tr").filter(has_text=basics.name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(INSTITUTION)
    expect(row).to_contain_text(PROGRAMME)
    expect(row).to_contain_text(t("%(credits)s credits", credits="4.00"))
    expect(row).to_contain_text(number)
    check_a11y(page)
    row.get_by_role("link", name=re.compile(re.escape(number))).click()

    expect(page).to_have_url(exactly(live_server, f"/conversion/rules/{version.pk}/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(RULE_TITLE)
    expect(main).to_contain_text(number)
    expect(main).to_contain_text(INSTITUTION)
    expect(main).to_contain_text(CERTIFICATE)
    expect(main).to_contain_text(basics.name)
    expect(main).to_contain_text("凭证书原件及复印件申请。")
    check_a11y(page)


def lookup_results(page):
    """The lookup's results region ("From what I hold")."""
    return page.get_by_role("main").locator("#lookup-results")


def course_rows(page):
    """The catalogue's result rows (the header row left out)."""
    return page.get_by_role("main").locator("#course-results tbody tr")


@pytest.fixture
def catalogue(conversion_people):
    """Besides the journey's institution: another with a public online course and a course it
    keeps to itself, and a published rule converting the certificate into 计算机应用基础."""
    people = conversion_people
    other = InstitutionFactory(name="重庆开放大学")
    CourseFactory(
        institution=other,
        code="KF201",
        name="计算机网络技术",
        credits=Decimal("3.00"),
        field="信息技术",
        level=EducationLevel.BACHELOR,
        mode=Course.Mode.ONLINE,
    )
    CourseFactory(
        institution=other,
        code="KF202",
        name="计算机组成原理",
        credits=Decimal("4.00"),
        field="信息技术",
        level=EducationLevel.BACHELOR,
        is_public=False,
    )
    CourseFactory(
        institution=other,
        code="KF301",
        name="学前教育学",
        credits=Decimal("3.00"),
        field="教育",
        level=EducationLevel.BACHELOR,
        mode=Course.Mode.ONLINE,
    )
    version = published_rule_version(
        institution=people["institution"],
        programme=people["programme"],
        source={
            "type": "all",
            "items": [
                {"type": "atom", "kind": "certificate", "certificate": people["certificate"].pk}
            ],
        },
        targets=[(people["basics"], Decimal("4.00"))],
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
        author=people["clerk"][0],
    )
    return {**people, "other": other, "version": version}


def test_a_visitor_searches_the_course_catalogue_and_sees_what_converts_into_a_course(
    page, live_server, catalogue
):
    basics, version = catalogue["basics"], catalogue["version"]
    page.goto("/")
    main_nav(page).get_by_role("link", name=t("Credit conversion"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Conversion lookup"))
    check_a11y(page)
    main.get_by_role("link", name=t("Browse the course catalogue"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, "/conversion/courses/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Course catalogue"))
    # Every public course; the one the institution keeps to itself is not listed.
    expect(course_rows(page)).to_have_count(4)
    expect(main).not_to_contain_text("计算机组成原理")
    check_a11y(page)

    # By name: "计算机" finds the three public computing courses.
    search = main.get_by_role("form", name=t("Search the course catalogue"))
    search.get_by_label(label(t("Course name or code"))).fill("计算机")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/conversion/courses/\?.*q=%E8%AE%A1%E7%AE%97%E6%9C%BA"))
    expect(course_rows(page)).to_have_count(2)
    expect(course_rows(page).filter(has_text="计算机应用基础")).to_have_count(1)
    expect(course_rows(page).filter(has_text="计算机网络技术")).to_have_count(1)
    check_a11y(page)

    # … filtered by mode and institution: online courses of 重庆开放大学.
    search.get_by_label(label(t("Mode"))).select_option(label=t("Online (线上)"))
    search.get_by_label(label(t("Institution"))).select_option(label="重庆开放大学")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"mode=online"))
    expect(course_rows(page)).to_have_count(1)
    expect(course_rows(page).first).to_contain_text("计算机网络技术")
    expect(course_rows(page).first).to_contain_text("重庆开放大学")
    check_a11y(page)

    # A shared link shows the same results without script's help.
    shared = page.url
    page.goto(shared)
    expect(course_rows(page)).to_have_count(1)
    expect(search.get_by_label(label(t("Course name or code")))).to_have_value("计算机")
    check_a11y(page)

    # By field, every institution: the course that converts into it has one rule.
    search.get_by_label(label(t("Course name or code"))).fill("")
    search.get_by_label(label(t("Mode"))).select_option(label=t("All modes"))
    search.get_by_label(label(t("Institution"))).select_option(label=t("All institutions"))
    search.get_by_label(label(t("Field"))).select_option(label="信息技术")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"field=%E4%BF%A1%E6%81%AF%E6%8A%80%E6%9C%AF"))
    expect(course_rows(page)).to_have_count(2)
    row = course_rows(page).filter(has_text=basics.name)
    expect(row).to_contain_text(INSTITUTION)
    expect(row).to_contain_text("4.00")
    check_a11y(page)
    row.get_by_role("link", name=basics.name, exact=True).click()

    # The course's page: its facts and what converts into it.
    expect(page).to_have_url(exactly(live_server, f"/conversion/courses/{basics.pk}/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(basics.name)
    expect(main).to_contain_text(basics.code)
    expect(main).to_contain_text(INSTITUTION)
    expect(main).to_contain_text(PROGRAMME)
    converting = main.get_by_role("region", name=t("What converts into it"), exact=True)
    expect(converting).to_contain_text(version.rule.number)
    expect(converting).to_contain_text(CERTIFICATE)
    expect(converting).to_contain_text(t("%(credits)s credits", credits="4.00"))
    check_a11y(page)
    converting.get_by_role("link", name=re.compile(re.escape(version.rule.number))).click()
    expect(page).to_have_url(exactly(live_server, f"/conversion/rules/{version.pk}/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(version.rule.title)
    expect(main).to_contain_text(CERTIFICATE)
    check_a11y(page)


IMPORT_HEADINGS = "课程代码,课程名称,学分,学时,层次,学科领域,课程性质,授课方式,向社会开放,所属专业"


def test_a_clerk_imports_courses_from_a_csv_file_fixing_a_row_the_page_pointed_at(
    page, live_server, conversion_people, tmp_path
):
    people = conversion_people
    institution = people["institution"]
    wrong = tmp_path / "课程清单.csv"
    # Row 3 (the headings are row 1) grants no credits.
    wrong.write_text(
        "\ufeff"
        + IMPORT_HEADINGS
        + "\nJSJ201,数据库应用技术,4,64,专科,信息技术,必修,面授,是,510201"
        + "\nJSJ202,程序设计基础,0,48,专科,信息技术,选修,线上,是,510201\n",
        encoding="utf-8",
    )

    sign_in_clerk(page, live_server, people)
    main_nav(page).get_by_role("link", name=t("Programmes and courses"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/manage/courses/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Courses"))
    check_a11y(page)
    main.get_by_role("link", name=t("Import courses"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, "/conversion/manage/courses/import/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Import courses"))
    check_a11y(page)
    main.get_by_label(label(t("Course list (XLSX or CSV)"))).set_input_files(wrong)
    main.get_by_role("button", name=t("Import"), exact=True).click()

    # Nothing imported; the row and the column of the problem are named.
    problems = main.get_by_role("region", name=t("Problems by row (the heading row is row 1)"))
    expect(main.get_by_role("heading", name=t("Nothing was imported"))).to_be_visible()
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr").first).to_contain_text("3")
    expect(problems.locator("tbody tr").first).to_contain_text(t("Credits"))
    check_a11y(page)
    assert not Course.objects.filter(code__in=["JSJ201", "JSJ202"]).exists()

    # The clerk fixes the credits and uploads the file again.
    fixed = tmp_path / "课程清单_修正.csv"
    fixed.write_text(wrong.read_text(encoding="utf-8").replace(",0,48,", ",3,48,"), "utf-8")
    main.get_by_label(label(t("Course list (XLSX or CSV)"))).set_input_files(fixed)
    main.get_by_role("button", name=t("Import"), exact=True).click()

    result = main.get_by_role("region", name=t("The courses were imported"))
    expect(result).to_contain_text(
        t("%(created)s created, %(updated)s updated.", created=2, updated=0)
    )
    check_a11y(page)
    result.get_by_role("link", name=t("See the courses"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/manage/courses/"))
    expect(main.get_by_role("row").filter(has_text="JSJ202")).to_contain_text("程序设计基础")
    check_a11y(page)

    imported = Course.objects.filter(institution=institution, code__in=["JSJ201", "JSJ202"])
    assert sorted(imported.values_list("code", "credits", "mode")) == [
        ("JSJ201", Decimal("4.00"), Course.Mode.FACE_TO_FACE),
        ("JSJ202", Decimal("3.00"), Course.Mode.ONLINE),
    ]
    assert all(list(course.programmes.all()) == [people["programme"]] for course in imported)
    events = AuditEvent.objects.filter(action="course.import")
    assert [(e.actor, e.summary["after"]["created_count"]) for e in events] == [
        (people["clerk"][0], 2)
    ]
