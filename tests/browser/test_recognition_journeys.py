"""Recognition (认定) in a real browser, with axe-core on every page.

A learner deposits an achievement with a PDF and applies; branch staff forward it; a member
institution's reviewer recognises it below the re-review threshold; the learner sees the
credits in the balance and the statement, and the timeline (phone and desktop widths).
Then a rejection by one expert and an appeal decided by another who took no part, while the
first is refused (phone width only, to keep the file quick; its deposit, application and first
check are made through the services, as the first journey walks them in the browser).

Staff sign in with password and TOTP. The learner's account is active and homed at the branch
whose staff check the application.
"""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import InstitutionStaff, Role
from achievements import services
from achievements.access import appeal_deadline
from achievements.models import Achievement, CreditEntry, Recognition
from branches.models import StaffAssignment
from tests.accounts.factories import (
    InstitutionFactory,
    InstitutionStaffFactory,
    RoleGrantFactory,
    UserFactory,
)
from tests.achievements.factories import (
    PDF_BYTES,
    AchievementCategoryFactory,
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
from tests.browser import journey_helpers
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

pytestmark = pytest.mark.browser

BRANCH = "渝中区分中心"
INSTITUTION = "重庆开放大学"
TITLE = "老年照护基础培训"
STANDARD_CODE = "CQ-EC-0101"


def staff_member(username):
    """A user with TOTP switched on; returns the user and the base32 secret."""
    user = UserFactory(username=username)
    return user, with_totp(user)


def learner_at(branch, username="zhang_wei", real_name="张伟"):
    """A learner whose learning account is verified (active) and homed at ``branch``."""
    user = UserFactory(username=username)
    return user, active_account(branch=branch, user=user, real_name=real_name)


def facts(page):
    """The achievement's facts (status, credits …) on the learner's or the staff's page."""
    return page.get_by_role("main").get_by_role("region", name=t("The achievement"), exact=True)


def history(page):
    return page.get_by_role("main").get_by_role("region", name=t("History"), exact=True)


def expect_timeline(timeline, steps):
    """The timeline lists ``steps`` — (label, who) pairs — in this order, and nothing more."""
    entries = timeline.get_by_role("listitem")
    expect(entries).to_have_count(len(steps))
    for n, (step, who) in enumerate(steps):
        expect(entries.nth(n)).to_contain_text(step)
        expect(entries.nth(n)).to_contain_text(who)


def open_from_queue(page, live_server, queue_link, path, achievement):
    """Open a review queue from the main navigation and the achievement from its table."""
    main_nav(page).get_by_role("link", name=queue_link, exact=True).click()
    expect(page).to_have_url(exactly(live_server, path))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(queue_link)
    table = main.get_by_role("table")
    row = table.get_by_role("row").filter(has_text=achievement.title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(achievement.account.account_number)
    check_a11y(page)
    row.get_by_role("link", name=achievement.title, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/review/{achievement.pk}/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(achievement.title)


def expect_step_taken(page, live_server, achievement, message, status, *, queue):
    """After a step on the review page: on to the queue ``(title, path)`` it was taken from
    (nothing else waits there), told ``message`` and that; the achievement's page, opened
    again, shows it now in ``status``."""
    title, path = queue
    expect(page).to_have_url(exactly(live_server, path))
    expect(status_message(page)).to_contain_text(message)
    expect(status_message(page)).to_contain_text(
        t("Nothing else waits for you in “%(queue)s”.", queue=title)
    )
    check_a11y(page)
    page.goto(f"{live_server.url}/review/{achievement.pk}/")
    expect(facts(page)).to_contain_text(status)


def test_a_deposit_is_checked_forwarded_recognised_and_its_credits_reach_the_archive(
    page, live_server, tmp_path, settings
):
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("10")
    branch = BranchCentreFactory(name=BRANCH)
    desk_user, desk_secret = staff_member("desk_li")
    StaffAssignmentFactory(branch=branch, user=desk_user, role=StaffAssignment.Role.STAFF)
    institution = InstitutionFactory(name=INSTITUTION)
    AllianceMembershipFactory(institution=institution, branch=branch)
    reviewer, reviewer_secret = staff_member("reviewer_wang")
    InstitutionStaffFactory(
        institution=institution, user=reviewer, role=InstitutionStaff.Role.REVIEWER
    )
    learner, account = learner_at(branch)
    category = AchievementCategoryFactory()
    level = QualificationLevelFactory(number=3)
    standard = UnitStandardFactory(
        approved=True,
        code=STANDARD_CODE,
        name="老年照护基础",
        field="养老服务",
        level=level,
        credit_value=Decimal("4.00"),
        issuing_institution=institution,
    )
    evidence = tmp_path / "结业证书.pdf"
    evidence.write_bytes(PDF_BYTES)

    # The learner deposits the achievement with its PDF from the archive.
    sign_in(page, "zhang_wei")
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    check_a11y(page)
    main_nav(page).get_by_role("link", name=t("My learning archive"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/archive/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("My learning archive"))
    expect(main).to_contain_text(t("No achievements yet."))
    check_a11y(page)
    main.get_by_role("link", name=t("Deposit an achievement"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, "/my/achievements/new/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Deposit an achievement"))
    check_a11y(page)
    main.get_by_label(label(t("Category"))).select_option(label=category.name_zh)
    main.get_by_label(label(t("Title"))).fill(TITLE)
    main.get_by_label(label(t("Issuing institution"))).select_option(label=INSTITUTION)
    main.get_by_label(label(t("Date obtained"))).fill("2024-06-01")
    main.get_by_role("radio", name=t("Grade"), exact=True).check()
    main.get_by_role("combobox", name=label(t("Grade"))).select_option(label=t("Good"))
    main.get_by_label(label(t("Learning hours"))).fill("40")
    main.get_by_label(label(t("Certificate number"))).fill("ZJ2024-0601-017")
    main.get_by_label(label(t("Evidence files"))).set_input_files(evidence)
    main.get_by_role("button", name=t("Deposit"), exact=True).click()

    expect(page).to_have_url(path_pattern(live_server, r"/my/achievements/\d+/"))
    expect(status_message(page)).to_have_text(
        t("The achievement was deposited in your learning account.")
    )
    achievement = Achievement.objects.get(account=account)
    assert page.url == f"{live_server.url}/my/achievements/{achievement.pk}/"
    expect(main.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(facts(page)).to_contain_text(t("Deposited"))
    expect(facts(page)).to_contain_text(INSTITUTION)
    expect(main.get_by_role("table").filter(has_text="结业证书.pdf")).to_have_count(1)
    check_a11y(page)

    # … and applies for recognition from its page.
    apply = main.get_by_role("region", name=t("Apply for recognition"), exact=True)
    apply.get_by_role("button", name=t("Apply for recognition"), exact=True).click()
    expect(status_message(page)).to_have_text(
        t("Your application for recognition was sent to the branch centre.")
    )
    expect(facts(page)).to_contain_text(t("Under review"))
    expect(facts(page)).to_contain_text(BRANCH)
    expect(apply).to_have_count(0)
    expect_timeline(
        history(page),
        [(t("Deposited"), t("Learner")), (t("Applied for recognition"), t("Learner"))],
    )
    check_a11y(page)
    sign_out(page, live_server)

    # Branch staff find it in their first-check queue and forward it.
    sign_in_staff(page, live_server, "desk_li", desk_secret)
    open_from_queue(page, live_server, t("First check"), "/review/check/", achievement)
    expect(facts(page)).to_contain_text(t("Under review"))
    expect(main.get_by_role("table").filter(has_text="结业证书.pdf")).to_have_count(1)
    check_a11y(page)
    forward = main.get_by_role("region", name=t("Forward for a decision"), exact=True)
    forward.get_by_label(label(t("Note for the decision (optional)"))).fill("证书原件已核对")
    forward.get_by_role("button", name=t("Forward for a decision"), exact=True).click()

    expect_step_taken(
        page,
        live_server,
        achievement,
        t("Forwarded for a decision. The learner has been told."),
        t("Forwarded for a decision"),
        queue=(t("First check"), "/review/check/"),
    )
    expect(forward).to_have_count(0)
    expect(history(page)).to_contain_text("证书原件已核对")
    check_a11y(page)
    sign_out(page, live_server)

    # The issuing member institution's reviewer recognises it against a unit standard
    # (4 credits: below the re-review threshold, so no centre re-review).
    sign_in_staff(page, live_server, "reviewer_wang", reviewer_secret)
    open_from_queue(page, live_server, t("Recognition decisions"), "/review/decide/", achievement)
    check_a11y(page)
    recognise = main.get_by_role("region", name=t("Recognise"), exact=True)
    # Lower case: the form normalises the code.
    recognise.get_by_label(label(t("Unit standard code"))).fill(STANDARD_CODE.lower())
    recognise.get_by_role("button", name=t("Recognise"), exact=True).click()

    expect_step_taken(
        page,
        live_server,
        achievement,
        t("The recognition decision was recorded. The learner has been told."),
        t("Recognised"),
        queue=(t("Recognition decisions"), "/review/decide/"),
    )
    decisions = main.get_by_role("region", name=t("Decisions"), exact=True)
    expect(decisions).to_contain_text(STANDARD_CODE)
    expect(decisions).to_contain_text("4.00")
    expect(main.get_by_role("region", name=t("Recognise"), exact=True)).to_have_count(0)
    check_a11y(page)
    sign_out(page, live_server)

    # The learner sees the credits in the balance and the statement, and the timeline.
    sign_in(page, "zhang_wei")
    main_nav(page).get_by_role("link", name=t("My learning archive"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/archive/"))
    balance = main.get_by_role("region", name=t("Credit balance"), exact=True)
    expect(balance).to_contain_text("4.00")
    expect(balance.get_by_role("table", name=t("By field"))).to_contain_text("养老服务")
    card = main.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=TITLE, exact=True)
    )
    expect(card).to_contain_text(t("Recognised"))
    expect(card).to_contain_text(t("%(credits)s credits", credits="4.00"))
    statement = main.get_by_role("region", name=t("Statement of credits"), exact=True)
    entry = statement.get_by_role("row").filter(has_text=TITLE)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(t("Deposit on recognition"))
    expect(entry).to_contain_text("+4.00")
    card.get_by_text(
        tn("History (%(steps)s step)", "History (%(steps)s steps)", 4, steps=4), exact=True
    ).click()
    expect(card.get_by_role("listitem")).to_have_count(4)
    expect(card).to_contain_text(t("Passed the first check; forwarded for a decision"))
    check_a11y(page)

    card.get_by_role("link", name=TITLE, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/my/achievements/{achievement.pk}/"))
    expect(facts(page)).to_contain_text(t("Recognised"))
    expect(facts(page)).to_contain_text(f"{STANDARD_CODE} 老年照护基础")
    expect_timeline(
        history(page),
        [
            (t("Deposited"), t("Learner")),
            (t("Applied for recognition"), t("Learner")),
            (
                t("Passed the first check; forwarded for a decision"),
                f"{t('Branch staff')} · {BRANCH}",
            ),
            (t("Recognised"), f"{t('Reviewer')} · {INSTITUTION}"),
        ],
    )
    # Staff are named by their capacity on the learner's page, not by their user names.
    expect(history(page)).not_to_contain_text("desk_li")
    expect(history(page)).not_to_contain_text("reviewer_wang")
    check_a11y(page)

    achievement.refresh_from_db()
    assert achievement.status == Achievement.Status.RECOGNISED
    assert achievement.certificate_number == "ZJ2024-0601-017"
    assert achievement.issuer_institution == institution
    assert achievement.deposited_by == learner
    assert [e.original_name for e in achievement.evidence.all()] == ["结业证书.pdf"]
    assert achievement.recognition.unit_standard == standard
    assert achievement.recognition.decided_by == reviewer
    assert achievement.valid_until == date(2024 + category.validity_years, 6, 1)
    assert list(
        achievement.events.values_list("action", "actor__username").order_by("created_at", "pk")
    ) == [
        ("deposit", "zhang_wei"),
        ("submit", "zhang_wei"),
        ("forward", "desk_li"),
        ("recognise", "reviewer_wang"),
    ]
    entries = CreditEntry.objects.filter(account=account)
    assert list(entries.values_list("kind", "amount", "field", "level__number")) == [
        (CreditEntry.Kind.DEPOSIT, Decimal("4.00"), "养老服务", 3)
    ]
    assert services.balance_of(account).total == Decimal("4.00")


# A second person's browser (tests/browser/journey_helpers.py).
second_page = journey_helpers.second_page


# At the phone width only, to keep the file quick (the first journey walks both widths).
@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_rejection_is_appealed_and_an_expert_who_took_no_part_recognises_it(
    page, second_page, live_server, settings
):
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("10")  # 2.5 credits are below
    branch = BranchCentreFactory(name=BRANCH)
    desk_user = StaffAssignmentFactory(branch=branch, role=StaffAssignment.Role.STAFF).user
    first_expert, first_secret = staff_member("expert_zhao")
    RoleGrantFactory(user=first_expert, role=Role.EXPERT)
    appeal_expert, appeal_secret = staff_member("expert_qian")
    RoleGrantFactory(user=appeal_expert, role=Role.EXPERT)
    learner, account = learner_at(branch)
    level = QualificationLevelFactory(number=3)
    # The fields a recognition is stated in are those of the approved unit standards.
    UnitStandardFactory(approved=True, field="社会服务", level=level)
    # Deposited, applied for and forwarded through the services.
    achievement = deposit(
        account=account,
        category=AchievementCategoryFactory(),
        title="社区养老志愿服务",
        issuer_name="渝中区志愿者协会",
        certificate_number="ZY-2024-0088",
    )
    services.achievement_submit(acting_user=learner, achievement=achievement)
    services.achievement_forward(acting_user=desk_user, achievement=achievement)
    reason = "志愿服务证明缺少服务时长记录，无法核验。"
    statement = "协会已出具时长记录（共120小时），请重新审核。"

    # Expert A rejects it with a reason, and stays signed in in their own browser.
    expert_page = second_page
    sign_in_staff(expert_page, live_server, "expert_zhao", first_secret)
    open_from_queue(
        expert_page, live_server, t("Recognition decisions"), "/review/decide/", achievement
    )
    check_a11y(expert_page)
    expert_main = expert_page.get_by_role("main")
    reject = expert_main.get_by_role("region", name=t("Reject"), exact=True)
    reject.get_by_label(label(t("Reason"))).fill(reason)
    reject.get_by_role("button", name=t("Reject"), exact=True).click()
    expect_step_taken(
        expert_page,
        live_server,
        achievement,
        t("The rejection was recorded. The learner has been told."),
        t("Rejected"),
        queue=(t("Recognition decisions"), "/review/decide/"),
    )
    expect(expert_main.get_by_role("region", name=t("Decisions"), exact=True)).to_contain_text(
        reason
    )
    check_a11y(expert_page)

    # The learner reads the reason and appeals with a statement.
    sign_in(page, "zhang_wei")
    main_nav(page).get_by_role("link", name=t("My learning archive"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/archive/"))
    main = page.get_by_role("main")
    card = main.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=achievement.title, exact=True)
    )
    expect(card).to_contain_text(t("Rejected"))
    check_a11y(page)
    card.get_by_role("link", name=achievement.title, exact=True).click()

    expect(page).to_have_url(exactly(live_server, f"/my/achievements/{achievement.pk}/"))
    expect(facts(page)).to_contain_text(t("Rejected"))
    expect(main).to_contain_text(reason)
    deadline = appeal_deadline(Achievement.objects.get(pk=achievement.pk))
    expect(main).to_contain_text(
        t("You may appeal until %(date)s.", date=deadline.strftime("%Y-%m-%d"))
    )
    check_a11y(page)
    appeal = main.get_by_role("region", name=t("Appeal the decision"), exact=True)
    appeal.get_by_label(label(t("Your statement"))).fill(statement)
    appeal.get_by_role("button", name=t("Send my appeal"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, f"/my/achievements/{achievement.pk}/"))
    expect(status_message(page)).to_have_text(t("Your appeal was sent; an expert will decide."))
    expect(facts(page)).to_contain_text(t("Appealed"))
    expect(appeal).to_have_count(0)
    expect(history(page)).to_contain_text(statement)
    check_a11y(page)
    sign_out(page, live_server)

    # Expert A took part in the first decision: no step for them on the appeal, and a step
    # sent anyway is refused (403) without a change. It is not in their appeals queue either.
    main_nav(expert_page).get_by_role("link", name=t("Appeals"), exact=True).click()
    expect(expert_page).to_have_url(exactly(live_server, "/review/appeals/"))
    expect(expert_main.get_by_role("heading", level=1)).to_have_text(t("Appeals"))
    expect(expert_main).not_to_contain_text(achievement.title)
    check_a11y(expert_page)
    expert_page.goto(f"/review/{achievement.pk}/")
    expect(facts(expert_page)).to_contain_text(t("Appealed"))
    expect(expert_main).to_contain_text(
        t(
            "It is “%(status)s”: there is no step for you to take on it now.",
            status=t("Appealed"),
        )
    )
    expect(expert_main.get_by_role("button", name=t("Recognise"))).to_have_count(0)
    expect(expert_main.get_by_role("button", name=t("Reject"))).to_have_count(0)
    check_a11y(expert_page)
    token = expert_page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    refused = expert_page.request.post(
        f"{live_server.url}/review/{achievement.pk}/reject/",
        form={"csrfmiddlewaretoken": token, "reject-reason": "维持原决定。"},
        max_redirects=0,
    )
    assert refused.status == 403
    assert Achievement.objects.get(pk=achievement.pk).status == Achievement.Status.APPEALED

    # Expert B, who took no part, finds it among the appeals and recognises it at a stated
    # credit value, level and field.
    sign_in_staff(page, live_server, "expert_qian", appeal_secret)
    open_from_queue(page, live_server, t("Appeals"), "/review/appeals/", achievement)
    decisions = main.get_by_role("region", name=t("Decisions"), exact=True)
    expect(decisions).to_contain_text(reason)
    expect(decisions).to_contain_text("expert_zhao")
    expect(history(page)).to_contain_text(statement)
    check_a11y(page)
    recognise = main.get_by_role("region", name=t("Recognise"), exact=True)
    recognise.get_by_label(label(t("Credits"))).fill("2.5")
    recognise.get_by_label(label(t("Level"))).select_option(
        label=f"{level.number} · {level.name_zh}"
    )
    recognise.get_by_label(label(t("Field"))).select_option("社会服务")
    recognise.get_by_label(label(t("Reasons (optional)"))).fill("补充的时长记录可以核验。")
    recognise.get_by_role("button", name=t("Recognise"), exact=True).click()

    expect_step_taken(
        page,
        live_server,
        achievement,
        t("The recognition decision was recorded. The learner has been told."),
        t("Recognised"),
        queue=(t("Appeals"), "/review/appeals/"),
    )
    expect(decisions).to_contain_text(t("Decision on appeal"))
    expect(decisions).to_contain_text("2.50")
    check_a11y(page)
    sign_out(page, live_server)

    # The learner sees the outcome: the credits, and the whole story in the timeline.
    sign_in(page, "zhang_wei")
    main_nav(page).get_by_role("link", name=t("My learning archive"), exact=True).click()
    expect(main.get_by_role("region", name=t("Credit balance"), exact=True)).to_contain_text("2.50")
    expect(card).to_contain_text(t("Recognised"))
    expect(card).to_contain_text(t("%(credits)s credits", credits="2.50"))
    statement_table = main.get_by_role("region", name=t("Statement of credits"), exact=True)
    expect(statement_table.get_by_role("row").filter(has_text=achievement.title)).to_contain_text(
        "+2.50"
    )
    check_a11y(page)
    card.get_by_role("link", name=achievement.title, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/my/achievements/{achievement.pk}/"))
    expect(facts(page)).to_contain_text(t("Recognised"))
    expect(facts(page)).to_contain_text("社会服务")
    expect(main.get_by_role("region", name=t("Appeal the decision"))).to_have_count(0)
    expect(main).not_to_contain_text(t("Reason for the rejection"))  # the notice is gone
    expect_timeline(
        history(page),
        [
            (t("Deposited"), t("Learner")),
            (t("Applied for recognition"), t("Learner")),
            (
                t("Passed the first check; forwarded for a decision"),
                f"{t('Branch staff')} · {BRANCH}",
            ),
            (t("Rejected"), t("Expert")),
            (t("Appealed"), t("Learner")),
            (t("Recognised"), t("Expert")),
        ],
    )
    # The reason and the statement stay in the history.
    expect(history(page).get_by_role("listitem").nth(3)).to_contain_text(reason)
    expect(history(page).get_by_role("listitem").nth(4)).to_contain_text(statement)
    check_a11y(page)

    achievement.refresh_from_db()
    assert achievement.status == Achievement.Status.RECOGNISED
    decided = achievement.decisions.order_by("decided_at", "pk")
    assert list(decided.values_list("stage", "outcome", "status", "decided_by__username")) == [
        (
            Recognition.Stage.FIRST,
            Recognition.Outcome.REJECTED,
            Recognition.Status.IN_FORCE,
            "expert_zhao",
        ),
        (
            Recognition.Stage.APPEAL,
            Recognition.Outcome.RECOGNISED,
            Recognition.Status.IN_FORCE,
            "expert_qian",
        ),
    ]
    assert achievement.recognition == decided.last()
    assert achievement.recognition.credits == Decimal("2.50")
    assert list(
        achievement.events.filter(action="appeal").values_list("actor__username", "note")
    ) == [("zhang_wei", statement)]
    entries = CreditEntry.objects.filter(account=account)
    assert list(entries.values_list("kind", "amount", "field", "recognition__stage")) == [
        (CreditEntry.Kind.DEPOSIT, Decimal("2.50"), "社会服务", Recognition.Stage.APPEAL)
    ]
