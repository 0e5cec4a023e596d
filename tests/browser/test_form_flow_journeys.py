"""Forms and the staff's flow in a real browser: the deposit form shows only the result input
of the chosen type (static/js/deposit-form.js, allowed by the CSP); branch staff ask for a new
ID photo beside the image, the learner sends one, and it comes back for verification; an
expert finds the unit standard to recognise against by typing part of its name (htmx)."""

import base64

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from accounts.models import LearnerAccount, Role
from achievements import services
from branches.models import StaffAssignment
from tests.accounts.factories import RoleGrantFactory, UserFactory
from tests.accounts.learner_factories import open_account
from tests.achievements.factories import (
    AchievementCategoryFactory,
    UnitStandardFactory,
    active_account,
    deposit,
)
from tests.branches.factories import BranchCentreFactory, StaffAssignmentFactory
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    label,
    sign_in,
    sign_in_staff,
    sign_out,
    status_message,
    t,
)
from tests.conftest import with_totp

pytestmark = pytest.mark.browser

# A real 1×1 PNG: the desk shows the image, so the browser must be able to draw it.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_the_deposit_form_shows_only_the_chosen_result_input(page, live_server):
    active_account(branch=BranchCentreFactory(), user=UserFactory(username="zhang_wei"))
    sign_in(page, "zhang_wei")
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    page.goto("/my/achievements/new/")
    main = page.get_by_role("main")
    # By id: in Chinese the result type "Pass or fail" and the input "Passed or failed" read
    # alike (通过与否), as do the type "Grade" and its input.
    score, grade, passed = (
        main.locator(f"#id_{name}") for name in ("score", "grade", "pass_result")
    )
    for result in (score, grade, passed):
        expect(result).to_be_hidden()
    main.get_by_role("radio", name=t("Score (0–100)"), exact=True).check()
    expect(score).to_be_visible()
    expect(score).to_have_attribute("required", "")
    expect(grade).to_be_hidden()
    expect(passed).to_be_hidden()
    main.get_by_role("radio", name=t("Pass or fail"), exact=True).check()
    expect(passed).to_be_visible()
    expect(score).to_be_hidden()
    expect(score).not_to_have_attribute("required", "")
    check_a11y(page)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_staff_ask_for_a_new_id_photo_and_the_learner_sends_one(page, live_server, tmp_path):
    branch = BranchCentreFactory()
    staff = StaffAssignmentFactory(branch=branch).user
    staff.username = "desk_li"
    staff.save(update_fields=["username"])
    secret = with_totp(staff)
    learner = UserFactory(username="zhang_wei")
    account = open_account(branch=branch, user=learner, real_name="张伟")
    account.id_image.save("id.png", ContentFile(PNG), save=False)
    LearnerAccount.objects.filter(pk=account.pk).update(id_image=account.id_image.name)
    (tmp_path / "id.png").write_bytes(PNG)

    sign_in_staff(page, live_server, "desk_li", secret)
    page.goto(f"/desk/accounts/{account.pk}/")
    main = page.get_by_role("main")
    image = main.get_by_role("region", name=t("ID image"), exact=True)
    expect(image.get_by_role("img")).to_be_visible()
    check_a11y(page)
    ask = main.get_by_role("region", name=t("Ask for a new photo"), exact=True)
    ask.get_by_label(label(t("Reason"))).fill("照片反光，号码看不清。")
    ask.get_by_role("button", name=t("Ask for a new photo"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/desk/accounts/?status=pending_verification"))
    expect(status_message(page)).to_contain_text(
        t("The learner has been asked for a new photo of the ID and told why.")
    )
    check_a11y(page)
    sign_out(page, live_server)

    sign_in(page, "zhang_wei")
    page.goto("/my/account/")
    status = main.get_by_role("region", name=t("Status"), exact=True)
    expect(status).to_contain_text(t("New ID photo needed"))
    expect(status).to_contain_text("照片反光，号码看不清。")
    check_a11y(page)
    status.get_by_label(label(t("New photo or scan of your ID"))).set_input_files(
        str(tmp_path / "id.png")
    )
    status.get_by_role("button", name=t("Send the new photo"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/account/"))
    expect(status_message(page)).to_contain_text(
        t("Thank you. Your new ID photo was sent; the branch centre verifies it again.")
    )
    expect(status).to_contain_text(t("Pending verification"))
    check_a11y(page)
    account.refresh_from_db()
    assert account.status == LearnerAccount.Status.PENDING_VERIFICATION


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_an_expert_finds_the_unit_standard_by_part_of_its_name(page, live_server):
    branch = BranchCentreFactory()
    desk_user = StaffAssignmentFactory(branch=branch, role=StaffAssignment.Role.STAFF).user
    expert = UserFactory(username="expert_zhao")
    RoleGrantFactory(user=expert, role=Role.EXPERT)
    secret = with_totp(expert)
    learner = UserFactory(username="zhang_wei")
    account = active_account(branch=branch, user=learner)
    UnitStandardFactory(approved=True, code="CQ-EC-0101", name="老年照护基础")
    UnitStandardFactory(approved=True, code="CQ-IT-0001", name="办公软件应用")
    achievement = deposit(account=account, category=AchievementCategoryFactory())
    services.achievement_submit(acting_user=learner, achievement=achievement)
    services.achievement_forward(acting_user=desk_user, achievement=achievement)

    sign_in_staff(page, live_server, "expert_zhao", secret)
    page.goto(f"/review/{achievement.pk}/")
    recognise = page.get_by_role("main").get_by_role("region", name=t("Recognise"), exact=True)
    recognise.get_by_label(label(t("Unit standard code"))).press_sequentially("照护")
    options = page.locator("#recognise-standards option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "CQ-EC-0101")
    check_a11y(page)
