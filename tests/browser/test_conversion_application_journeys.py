"""Conversion applications (转换申请) in a real browser, at phone and desktop widths, axe-core on
every page visited.

A learner with three recognised achievements simulates at a programme (模拟转换): two courses
match (credits and the reasons), a third is a partial match (what is still missing), and the cap
headroom is shown. The learner ticks the two matching lines and applies; branch staff accept the
application from their queue; a reviewer of the institution approves one line and refuses the
other with a reason. The learner sees the converted credits on the application and in the
archive, and in the simulator the converted course (no longer to be applied for) and the
headroom left; then appeals the refused line, and a second reviewer of the institution, who took
no part, approves it on appeal (the first may not decide it). In the end both courses are
converted (7 credits in the archive, both lines "converted" in the simulator), every step is in
the audit log and the learner was told of each by e-mail.

And the public simulator: a visitor who holds a certificate and a unit standard sees what they
would become at the programme, without signing in.

The world is built with the factories and the recognition services (not the demo command);
staff sign in with password and TOTP, once each.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import InstitutionStaff, Notice, Role
from achievements import services as achievement_services
from achievements.models import AchievementCategory
from branches.models import StaffAssignment
from conversion.access import appeal_deadline, expected_decision_date, line_actions
from conversion.models import (
    ApplicationLine,
    ConversionApplication,
    ConversionEntry,
    EducationLevel,
)
from creditbank.models import AuditEvent
from tests.accounts.factories import (
    InstitutionFactory,
    InstitutionStaffFactory,
    RoleGrantFactory,
    UserFactory,
)
from tests.achievements.factories import (
    QualificationLevelFactory,
    UnitStandardFactory,
    active_account,
    deposit,
)
from tests.branches.factories import (
    AllianceMembershipFactory,
    BranchCentreFactory,
    StaffAssignmentFactory,
)
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    label,
    main_nav,
    path_pattern,
    sign_in,
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

BRANCH = "渝中区分中心"
INSTITUTION = "重庆城市职业学院"
PROGRAMME = "计算机应用技术（专科）"
CERTIFICATE = "全国计算机等级考试二级"
HIGHER_CERTIFICATE = "全国计算机等级考试三级"
OFFICE_STANDARD = ("CQ-IT-0101", "办公软件应用")
DATABASE_STANDARD = ("CQ-IT-0201", "数据库基础")
REFUSAL = "培训课时不足课程要求的一半，不能替代本课程。"
APPEAL = "培训共64学时，附上课时证明，请重新审核。"


def staff_member(username):
    """A user with TOTP switched on; returns the user and the base32 secret."""
    user = UserFactory(username=username)
    return user, with_totp(user)


def recognised(account, *, people, title, category, standard=None, **facts):
    """An achievement of ``account`` deposited, checked and recognised through the services:
    against ``standard`` or, without one, at two credits of level 3 in 信息技术."""
    achievement = deposit(
        account=account,
        category=category,
        title=title,
        issuer_name="重庆市职业技能鉴定中心",
        obtained_on=datetime.date(2024, 6, 1),
        result_kind="pass",
        result_value="pass",
        **facts,
    )
    achievement_services.achievement_submit(acting_user=account.user, achievement=achievement)
    achievement_services.achievement_forward(acting_user=people["desk"], achievement=achievement)
    if standard is not None:
        achievement_services.achievement_recognise(
            acting_user=people["expert"], achievement=achievement, unit_standard=standard
        )
    else:
        achievement_services.achievement_recognise(
            acting_user=people["expert"],
            achievement=achievement,
            credits=Decimal("2.00"),
            level=QualificationLevelFactory(number=3),
            field="信息技术",
        )
    achievement.refresh_from_db()
    return achievement


@pytest.fixture
def conversion_world(reference_data, transactional_db, settings, tmp_path):
    """A branch with a member of staff (TOTP), a member institution with two reviewers (TOTP),
    its programme 计算机应用技术 (120 graduation credits, half of them convertible) with three
    courses and a published rule into each; a learner at the branch with three recognised
    achievements: the certificate the first rule asks for, the unit standard of the second, and
    one of the two things the third asks for."""
    settings.MEDIA_ROOT = tmp_path
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("10")
    branch = BranchCentreFactory(name=BRANCH)
    desk, desk_secret = staff_member("desk_li")
    StaffAssignmentFactory(branch=branch, user=desk, role=StaffAssignment.Role.STAFF)
    institution = InstitutionFactory(name=INSTITUTION)
    AllianceMembershipFactory(institution=institution, branch=branch)
    reviewers = {}
    for username in ("reviewer_wang", "reviewer_zhou"):
        reviewer, secret = staff_member(username)
        InstitutionStaffFactory(
            institution=institution, user=reviewer, role=InstitutionStaff.Role.REVIEWER
        )
        reviewers[username] = (reviewer, secret)
    expert = RoleGrantFactory(user=UserFactory(username="expert_sun"), role=Role.EXPERT).user
    learner = UserFactory(username="zhang_wei")
    account = active_account(branch=branch, user=learner, real_name="张伟")

    programme = ProgrammeFactory(
        institution=institution,
        code="510201",
        name=PROGRAMME,
        level=EducationLevel.JUNIOR_COLLEGE,
        field="信息技术",
        graduation_credits=Decimal("120.00"),
        conversion_share=50,
    )
    courses = {
        code: CourseFactory(
            institution=institution,
            code=code,
            name=name,
            credits=credits,
            field="信息技术",
            programmes=[programme],
        )
        for code, name, credits in (
            ("JSJ101", "计算机应用基础", Decimal("4.00")),
            ("JSJ102", "办公软件高级应用", Decimal("3.00")),
            ("JSJ201", "数据库应用技术", Decimal("4.00")),
        )
    }
    certificate = CertificateFactory(name=CERTIFICATE, grade="", issuer="教育部教育考试院")
    higher = CertificateFactory(name=HIGHER_CERTIFICATE, grade="", issuer="教育部教育考试院")
    level = QualificationLevelFactory(number=3)
    standards = {
        code: UnitStandardFactory(
            approved=True,
            code=code,
            name=name,
            field="信息技术",
            level=level,
            credit_value=Decimal("3.00"),
            issuing_institution=institution,
        )
        for code, name in (OFFICE_STANDARD, DATABASE_STANDARD)
    }

    def atom_certificate(cert):
        return {"type": "atom", "kind": "certificate", "certificate": cert.pk}

    def atom_standard(code):
        return {"type": "atom", "kind": "standard", "code": code}

    valid_from = timezone.localdate() - datetime.timedelta(days=60)
    rules = {
        "JSJ101": published_rule_version(
            institution=institution,
            programme=programme,
            source={"type": "all", "items": [atom_certificate(certificate)]},
            targets=[(courses["JSJ101"], Decimal("4.00"))],
            valid_from=valid_from,
        ),
        "JSJ102": published_rule_version(
            institution=institution,
            programme=programme,
            source={"type": "all", "items": [atom_standard(OFFICE_STANDARD[0])]},
            targets=[(courses["JSJ102"], Decimal("3.00"))],
            valid_from=valid_from,
        ),
        "JSJ201": published_rule_version(
            institution=institution,
            programme=programme,
            source={
                "type": "all",
                "items": [atom_standard(DATABASE_STANDARD[0]), atom_certificate(higher)],
            },
            targets=[(courses["JSJ201"], Decimal("4.00"))],
            valid_from=valid_from,
        ),
    }

    people = {"desk": desk, "expert": expert}
    training = AchievementCategory.objects.get(code="training")
    achievements = {
        "certificate": recognised(
            account,
            people=people,
            title=f"{CERTIFICATE}证书",
            category=certificate.category,
            certificate_number="NCRE-2024-51-0078",
        ),
        "office": recognised(
            account,
            people=people,
            title="办公软件应用培训",
            category=training,
            standard=standards[OFFICE_STANDARD[0]],
        ),
        "database": recognised(
            account,
            people=people,
            title="数据库基础培训",
            category=training,
            standard=standards[DATABASE_STANDARD[0]],
        ),
    }
    return {
        "branch": branch,
        "desk": (desk, desk_secret),
        "institution": institution,
        "reviewers": reviewers,
        "learner": learner,
        "account": account,
        "programme": programme,
        "courses": courses,
        "certificate": certificate,
        "higher": higher,
        "standards": standards,
        "rules": rules,
        "achievements": achievements,
    }


# --- The pages' parts --------------------------------------------------------------------------


def status_word(status):
    """A line's status as the pages show it (Match 可转换 / Partial 部分满足 / …)."""
    from django.utils import translation

    from conversion.trace import status_label

    with translation.override("zh-hans"):
        return str(status_label(status))


def outcome_line(page, course):
    """The simulator's (or an application's) line for ``course``: the article headed by its
    code and name (``conversion/_outcome_line.html``)."""
    return page.get_by_role("main").get_by_role(
        "article", name=re.compile(re.escape(f"{course.code} {course.name}"))
    )


def headroom_text(left, limit="60.00"):
    return t("%(left)s of %(limit)s credits still open", left=left, limit=limit)


def choose_programme(page, institution, programme):
    """The simulator's pickers: the institution, then (re-rendered by htmx) its programme."""
    main = page.get_by_role("main")
    # The page is often reached by a click, which returns once the navigation commits: until
    # the load event htmx (a deferred script) may not yet listen, and the choice would go
    # unheard (seen once in CI: the programme picker never came).
    page.wait_for_load_state("load")
    main.get_by_label(label(t("Institution"))).select_option(label=institution)
    picker = main.get_by_label(label(t("Programme")))
    expect(picker).to_be_visible()
    picker.select_option(label=f"{programme.code} {programme.name}")
    expect(
        main.get_by_role("heading", name=t("What it would become at %(name)s", name=programme.name))
    ).to_be_visible()


def open_from_desk(page, live_server, todo, queue, title, number):
    """From the desk (where signing in lands) the to-do ``todo`` with one application waiting,
    to the queue ``queue`` (its heading ``title``), then the application ``number`` from its
    row."""
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    # The to-do (the desk also lists the queues among its links: the one with a count).
    one = tn("%(count)s waiting", "%(count)s waiting", 1, count=1)
    waiting = (
        page.get_by_role("main")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=todo, exact=True))
        .filter(has_text=one)
    )
    expect(waiting).to_have_count(1)
    check_a11y(page)
    waiting.get_by_role("link", name=todo, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/conversion/applications/queue/{queue}/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(title)
    row = main.get_by_role("row").filter(has_text=number)
    expect(row).to_have_count(1)
    check_a11y(page)
    row.get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(path_pattern(live_server, r"/conversion/applications/\d+/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(
        f"{t('Conversion application')} {number}"
    )


def application_line(page, line):
    """An application's line (its course, status, credits, reason and steps)."""
    return page.get_by_role("main").locator(f"#line-{line.pk}")


def decide(page, line, decision, reason=""):
    """A reviewer's decision on ``line`` from the application's page."""
    item = application_line(page, line)
    item.get_by_role("radio", name=t(decision), exact=True).check()
    if reason:
        item.get_by_label(label(t("Reason"))).fill(reason)
    item.get_by_role("button", name=t("Record the decision"), exact=True).click()


def test_a_learner_simulates_applies_and_appeals_and_the_institution_decides_each_line(
    page, live_server, conversion_world, mailoutbox
):
    world = conversion_world
    courses, programme = world["courses"], world["programme"]
    basics, office, database = courses["JSJ101"], courses["JSJ102"], courses["JSJ201"]

    # The learner simulates at the programme: two matches with their credits and reasons, a
    # partial match and what it still lacks, the room the caps leave.
    sign_in(page, "zhang_wei")
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    check_a11y(page)
    main_nav(page).get_by_role("link", name=t("My what-if conversion"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/conversion/simulate/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("What-if conversion"))
    check_a11y(page)
    choose_programme(page, INSTITUTION, programme)
    expect(page).to_have_url(re.compile(rf"/my/conversion/simulate/\?.*programme={programme.pk}"))
    matched = outcome_line(page, basics)
    expect(matched).to_contain_text(status_word("match"))
    expect(matched).to_contain_text(t("%(credits)s credits", credits="4.00"))
    expect(matched).to_contain_text(CERTIFICATE)
    expect(outcome_line(page, office)).to_contain_text(status_word("match"))
    expect(outcome_line(page, office)).to_contain_text(t("%(credits)s credits", credits="3.00"))
    expect(outcome_line(page, office)).to_contain_text(OFFICE_STANDARD[0])
    partial = outcome_line(page, database)
    expect(partial).to_contain_text(status_word("partial"))
    expect(partial).to_contain_text(t("Still missing:"))
    expect(partial).to_contain_text(HIGHER_CERTIFICATE)
    expect(partial.get_by_role("checkbox")).to_have_count(0)
    expect(main).to_contain_text(headroom_text("53.00"))
    # The achievement only the partial match names is left unused, linked to its page.
    unused = world["achievements"]["database"]
    expect(main.get_by_role("link", name=unused.title, exact=True)).to_have_attribute(
        "href", f"/my/achievements/{unused.pk}/"
    )
    check_a11y(page)

    # … ticks the two matching lines and applies.
    matched.get_by_role("checkbox").check()
    outcome_line(page, office).get_by_role("checkbox").check()
    main.get_by_role("button", name=t("Apply for the ticked courses"), exact=True).click()
    expect(page).to_have_url(path_pattern(live_server, r"/my/conversion/applications/\d+/"))
    application = ConversionApplication.objects.get(account=world["account"])
    number = application.number
    expect(status_message(page)).to_have_text(
        t("Your conversion application %(number)s was submitted.", number=number)
    )
    expect(main).to_contain_text(t("Submitted"))
    expected = expected_decision_date(application)
    expect(main).to_contain_text(expected.strftime("%Y-%m-%d"))
    check_a11y(page)
    sign_out(page, live_server)

    # Branch staff accept it from their queue.
    desk, desk_secret = world["desk"]
    sign_in_staff(page, live_server, desk.username, desk_secret)
    accept_todo = t("Conversion applications to accept")
    open_from_desk(page, live_server, accept_todo, "accept", accept_todo, number)
    # Who the learner is (the ID number masked) and the achievements the lines use.
    learner = main.get_by_role("region", name=t("The learner"), exact=True)
    expect(learner).to_contain_text("张伟")
    expect(learner).to_contain_text(world["account"].id_number_masked)
    expect(main).to_contain_text(world["achievements"]["certificate"].title)
    check_a11y(page)
    main.get_by_role("button", name=t("Accept"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/conversion/applications/{application.pk}/"))
    expect(status_message(page)).to_have_text(
        t("The application was accepted; it goes on to the institution.")
    )
    expect(main.get_by_role("button", name=t("Accept"), exact=True)).to_have_count(0)
    check_a11y(page)
    sign_out(page, live_server)

    # The institution's reviewer approves one line and refuses the other with a reason.
    wang, wang_secret = world["reviewers"]["reviewer_wang"]
    sign_in_staff(page, live_server, wang.username, wang_secret)
    open_from_desk(
        page,
        live_server,
        t("Conversion applications to decide"),
        "decide",
        t("Conversion decisions"),
        number,
    )
    first, second = (application.lines.get(course=course) for course in (basics, office))
    expect(application_line(page, first)).to_contain_text(t("Waiting for a decision"))
    check_a11y(page)
    decide(page, first, "Approve")
    expect(status_message(page)).to_have_text(t("The line was approved."))
    expect(application_line(page, first)).to_contain_text(t("Approved"))
    check_a11y(page)
    decide(page, second, "Refuse", REFUSAL)
    expect(status_message(page)).to_have_text(
        t("The line was refused. The learner will read your reason.")
    )
    expect(application_line(page, second)).to_contain_text(t("Refused"))
    expect(application_line(page, second)).to_contain_text(REFUSAL)
    expect(main).to_contain_text(t("Partly approved"))
    check_a11y(page)
    sign_out(page, live_server)

    # The learner sees the converted credits and the refusal with its reason …
    sign_in(page, "zhang_wei")
    main_nav(page).get_by_role("link", name=t("Conversion applications"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/conversion/applications/"))
    row = main.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text(t("Partly approved"))
    check_a11y(page)
    row.get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/my/conversion/applications/{application.pk}/"))
    expect(main).to_contain_text(t("Partly approved"))
    expect(application_line(page, first)).to_contain_text(t("Approved"))
    expect(application_line(page, first)).to_contain_text(t("%(credits)s credits", credits="4.00"))
    expect(application_line(page, second)).to_contain_text(t("Refused"))
    expect(application_line(page, second)).to_contain_text(REFUSAL)
    check_a11y(page)

    # … and in the archive, where the credits converted at the institution are listed.
    main_nav(page).get_by_role("link", name=t("My learning archive"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/archive/"))
    converted_at = main.get_by_role("region", name=t("Converted at institutions"), exact=True)
    expect(converted_at).to_contain_text(INSTITUTION)
    expect(converted_at).to_contain_text(t("%(credits)s credits converted", credits="4.00"))
    entry = converted_at.get_by_role("row").filter(has_text=basics.name)
    expect(entry).to_contain_text("4.00")
    expect(entry).to_contain_text(number)
    expect(converted_at).not_to_contain_text(office.name)
    check_a11y(page)

    # In the simulator: the converted course is not to be applied for again (its achievement
    # is used); the refused one may be; the room the caps leave.
    main_nav(page).get_by_role("link", name=t("My what-if conversion"), exact=True).click()
    choose_programme(page, INSTITUTION, programme)
    converted = outcome_line(page, basics)
    expect(converted).to_contain_text(status_word("converted"))
    expect(converted.get_by_role("checkbox")).to_have_count(0)
    expect(outcome_line(page, office)).to_contain_text(status_word("match"))
    expect(main).to_contain_text(headroom_text("53.00"))
    check_a11y(page)

    # The learner appeals the refused line, from the application's page.
    main_nav(page).get_by_role("link", name=t("Conversion applications"), exact=True).click()
    main.get_by_role("row").filter(has_text=number).get_by_role(
        "link", name=number, exact=True
    ).click()
    deadline = appeal_deadline(ConversionApplication.objects.get(pk=application.pk))
    expect(main).to_contain_text(
        t(
            "You may appeal the refused lines until %(date)s.",
            date=deadline.strftime("%Y-%m-%d"),
        )
    )
    main.get_by_role("link", name=t("Appeal the decision"), exact=True).click()
    expect(page).to_have_url(
        exactly(live_server, f"/my/conversion/applications/{application.pk}/appeal/")
    )
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Appeal the decision"))
    refused = main.get_by_role("region", name=t("Refused lines"), exact=True)
    expect(refused).to_contain_text(office.name)
    expect(refused).to_contain_text(REFUSAL)
    expect(refused).not_to_contain_text(basics.name)
    check_a11y(page)
    main.get_by_label(label(t("Grounds of appeal"))).fill(APPEAL)
    main.get_by_role("button", name=t("Send my appeal"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/my/conversion/applications/{application.pk}/"))
    expect(status_message(page)).to_have_text(
        t("Your appeal was sent; a reviewer who took no part in the decision decides it.")
    )
    expect(main).to_contain_text(t("Appealed"))
    expect(main).to_contain_text(APPEAL)
    check_a11y(page)
    sign_out(page, live_server)

    # The reviewer who decided may not decide the appeal; one who took no part does, and
    # approves the line on appeal.
    second.refresh_from_db()
    assert line_actions(wang, second) == set()
    zhou, zhou_secret = world["reviewers"]["reviewer_zhou"]
    assert line_actions(zhou, second) == {"decide"}
    sign_in_staff(page, live_server, zhou.username, zhou_secret)
    open_from_desk(
        page,
        live_server,
        t("Conversion applications to decide"),
        "decide",
        t("Conversion decisions"),
        number,
    )
    expect(main).to_contain_text(APPEAL)
    expect(application_line(page, second)).to_contain_text(REFUSAL)
    expect(application_line(page, first).get_by_role("button")).to_have_count(0)
    check_a11y(page)
    decide(page, second, "Approve")
    expect(status_message(page)).to_have_text(t("The line was approved."))
    expect(main).to_contain_text(t("Approved"))
    expect(application_line(page, second)).to_contain_text(t("Decision on appeal"))
    check_a11y(page)
    sign_out(page, live_server)

    # The learner sees both courses converted: 7 credits at the institution.
    sign_in(page, "zhang_wei")
    main_nav(page).get_by_role("link", name=t("My learning archive"), exact=True).click()
    expect(converted_at).to_contain_text(t("%(credits)s credits converted", credits="7.00"))
    expect(converted_at.get_by_role("row").filter(has_text=office.name)).to_contain_text("3.00")
    check_a11y(page)
    # … on the application's page, with its steps; staff are not named by their user names.
    converted_at.get_by_role("link", name=number).first.click()
    expect(page).to_have_url(exactly(live_server, f"/my/conversion/applications/{application.pk}/"))
    expect(main).to_contain_text(t("Approved"))
    expect(application_line(page, second)).to_contain_text(t("Decision on appeal"))
    steps = main.get_by_role("region", name=t("Steps"), exact=True)
    for step in ("Application submitted", "Accepted (受理)", "Appealed"):
        expect(steps).to_contain_text(t(step))
    expect(steps).to_contain_text(APPEAL)
    for username in ("desk_li", "reviewer_wang", "reviewer_zhou"):
        expect(steps).not_to_contain_text(username)
    check_a11y(page)
    # … and in the simulator both courses are converted: nothing left to apply for there.
    main_nav(page).get_by_role("link", name=t("My what-if conversion"), exact=True).click()
    choose_programme(page, INSTITUTION, programme)
    for course in (basics, office):
        expect(outcome_line(page, course)).to_contain_text(status_word("converted"))
    expect(main.get_by_role("checkbox")).to_have_count(0)
    expect(main).to_contain_text(headroom_text("53.00"))
    check_a11y(page)

    application.refresh_from_db()
    assert application.status == ConversionApplication.Status.APPROVED
    assert sorted(
        application.lines.values_list("course__code", "status", "stage", "decided_by__username")
    ) == [
        ("JSJ101", ApplicationLine.Status.APPROVED, "first", "reviewer_wang"),
        ("JSJ102", ApplicationLine.Status.APPROVED, "appeal", "reviewer_zhou"),
    ]
    assert sorted(
        ConversionEntry.objects.filter(account=world["account"]).values_list(
            "course__code", "credits"
        )
    ) == [("JSJ101", Decimal("4.00")), ("JSJ102", Decimal("3.00"))]
    assert list(
        AuditEvent.objects.filter(action__startswith="conversion_application.")
        .order_by("pk")
        .values_list("action", "actor__username")
    ) == [
        ("conversion_application.submit", "zhang_wei"),
        ("conversion_application.accept", "desk_li"),
        # Deciding a line of an accepted application takes it for the institution.
        ("conversion_application.take", "reviewer_wang"),
        ("conversion_application.decide", "reviewer_wang"),
        ("conversion_application.decide", "reviewer_wang"),
        ("conversion_application.appeal", "zhang_wei"),
        ("conversion_application.decide", "reviewer_zhou"),
    ]
    # Every step told the learner by e-mail (and in the portal), in Chinese: the refusal with
    # its reason, the application's page linked.
    mails = [m for m in mailoutbox if m.to == [world["learner"].email] and number in m.subject]
    decision = t("Conversion application %(number)s: a decision", number=number)
    assert [m.subject for m in mails] == [
        t("Your conversion application %(number)s was received", number=number),
        t("Your conversion application %(number)s was accepted", number=number),
        t("Your conversion application %(number)s is with the institution", number=number),
        decision,
        decision,
        t("Your appeal on conversion application %(number)s was received", number=number),
        decision,
    ]
    assert REFUSAL in mails[4].body
    assert f"/my/conversion/applications/{application.pk}/" in mails[4].body
    assert Notice.objects.filter(user=world["learner"], title__contains=number).count() == 7


def test_a_visitor_simulates_with_two_things_held_without_signing_in(
    page, live_server, conversion_world
):
    world = conversion_world
    courses, programme = world["courses"], world["programme"]
    page.goto("/")
    main_nav(page).get_by_role("link", name=t("Credit conversion"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/"))
    main = page.get_by_role("main")
    check_a11y(page)
    main.get_by_role(
        "link",
        name=t("What-if conversion: what would several things I hold become in a programme?"),
        exact=True,
    ).click()
    expect(page).to_have_url(exactly(live_server, "/conversion/simulate/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("What-if conversion"))
    check_a11y(page)
    main.get_by_label(label(t("Institution"))).select_option(label=INSTITUTION)
    main.get_by_label(label(t("Programme"))).select_option(
        label=f"{programme.code} {programme.name}"
    )
    expect(main).to_contain_text(t("Add what you hold to see what it would become."))
    check_a11y(page)

    # The certificate, found by its name and added.
    main.get_by_label(label(t("What else do you hold?"))).select_option(label=t("A certificate"))
    main.get_by_label(label(t("Name or code"))).fill(CERTIFICATE)
    main.get_by_role("button", name=t("Search and simulate"), exact=True).click()
    main.get_by_role("link", name=f"{t('Add')} {CERTIFICATE}", exact=True).click()
    held = main.get_by_role("region", name=t("What you hold"), exact=True)
    expect(held).to_contain_text(CERTIFICATE)
    expect(outcome_line(page, courses["JSJ101"])).to_contain_text(status_word("match"))
    check_a11y(page)

    # … and the unit standard, by its code: what they would become together.
    code, name = OFFICE_STANDARD
    main.get_by_label(label(t("What else do you hold?"))).select_option(label=t("A unit standard"))
    main.get_by_label(label(t("Name or code"))).fill(code)
    main.get_by_role("button", name=t("Search and simulate"), exact=True).click()
    main.get_by_role("link", name=f"{t('Add')} {code} {name}", exact=True).click()
    expect(held.get_by_role("listitem")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"hold=certificate.*hold=standard"))
    expect(outcome_line(page, courses["JSJ101"])).to_contain_text(status_word("match"))
    expect(outcome_line(page, courses["JSJ101"])).to_contain_text(
        t("%(credits)s credits", credits="4.00")
    )
    expect(outcome_line(page, courses["JSJ102"])).to_contain_text(status_word("match"))
    expect(outcome_line(page, courses["JSJ102"])).to_contain_text(
        t("%(credits)s credits", credits="3.00")
    )
    expect(main.get_by_role("checkbox")).to_have_count(0)
    # The course nothing converts into is listed in short; "why?" shows its reasons.
    database = courses["JSJ201"]
    misses = main.get_by_role("group").filter(
        has_text=tn(
            "%(counter)s course nothing converts into yet",
            "%(counter)s courses nothing converts into yet",
            1,
            counter=1,
        )
    )
    expect(misses).to_have_count(1)
    misses.locator("summary").click()
    miss = misses.get_by_role("listitem").filter(has_text=database.name)
    expect(miss).to_be_visible()
    check_a11y(page)
    miss.get_by_role("link", name=re.compile(re.escape(t("Why?")))).click()
    expect(page).to_have_url(re.compile(rf"course={database.pk}"))
    expect(outcome_line(page, database)).to_contain_text(status_word("miss"))
    expect(outcome_line(page, database)).to_contain_text(DATABASE_STANDARD[0])
    expect(main).to_contain_text(
        t(
            "Results and dates of what you hold are assumed to meet what the rules ask; an "
            "application checks them against your recognised achievements."
        )
    )
    check_a11y(page)

    # A shared link shows the same; nothing was saved.
    page.goto(page.url)
    expect(held.get_by_role("listitem")).to_have_count(2)
    expect(outcome_line(page, courses["JSJ102"])).to_contain_text(status_word("match"))
    check_a11y(page)
    assert not ConversionApplication.objects.exists()
