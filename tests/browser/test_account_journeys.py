"""Personal learning accounts in a real browser, at phone and desktop widths, with axe-core on
every page: a learner opens an account online; branch staff (password + TOTP) verify it; branch
staff open an account in person and the person chooses a password from the e-mailed link.

The portal's own words come from ``t()`` (``zh()`` once translated, the English msgid until then);
allauth's words through the same lookup, which finds allauth's own Chinese catalogue.
"""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accounts.models import LearnerAccount
from branches.models import StaffAssignment
from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.accounts.learner_factories import open_account, resident_id
from tests.branches.factories import (
    BranchCentreFactory,
    DistrictFactory,
    ServicePointFactory,
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
)
from tests.conftest import with_totp

pytestmark = pytest.mark.browser

NEW_PASSWORD_LABEL = re.compile(r"^新密码\s*[:：]?$")
NEW_PASSWORD_AGAIN_LABEL = re.compile(r"^新密码（重复）\s*[:：]?$")
LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/password/reset/key/[^\s\"'<>]+")


def two_branches():
    """The staff member's branch (Yuzhong) and another one (Jiangbei)."""
    home = BranchCentreFactory(name="渝中区分中心")
    other = BranchCentreFactory(
        name="江北区分中心",
        district=DistrictFactory(code="500105", name_zh="江北区", name_en="Jiangbei District"),
    )
    return home, other


def branch_staff(branch, username="desk_li"):
    """A member of branch staff with TOTP; returns the user and the base32 secret."""
    user = StaffAssignmentFactory(
        branch=branch, user=UserFactory(username=username), role=StaffAssignment.Role.STAFF
    ).user
    return user, with_totp(user)


def audit_text(events) -> str:
    return json.dumps([event.summary for event in events], ensure_ascii=False)


def test_a_learner_opens_a_learning_account_online_and_sees_it_pending(page, live_server):
    home, _other = two_branches()
    learner = UserFactory(username="maimaiti", email="maimaiti@example.com")
    id_number = resident_id()

    sign_in(page, "maimaiti")
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    check_a11y(page)

    # "My learning account" leads to the form while there is no account yet.
    main_nav(page).get_by_role("link", name=t("My learning account"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/account/open/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Open my learning account"))
    check_a11y(page)

    main.get_by_label(label(t("Real name"))).fill("买买提·艾力")
    main.get_by_label(label(t("ID type"))).select_option(label=t("Mainland resident ID card"))
    main.get_by_label(label(t("ID number"))).fill(id_number)
    main.get_by_label(label(t("Mobile number"))).fill("138 0013 8000")
    main.get_by_label(label(t("Highest education"))).select_option(label=t("Bachelor's degree"))
    main.get_by_label(label(t("Work unit (optional)"))).fill("重庆市渝中区图书馆")
    main.get_by_label(label(t("Branch centre for verification"))).select_option(label=home.name)
    main.get_by_role("button", name=t("Open my account"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, "/my/account/"))
    expect(status_message(page)).to_have_text(
        t("Your learning account is open and waits for real-name verification.")
    )
    account = LearnerAccount.objects.select_related("home__branch").get(user=learner)
    expect(main.get_by_role("heading", level=1)).to_have_text(t("My learning account"))
    expect(main.get_by_role("region", name=t("Status"), exact=True)).to_contain_text(
        t("Pending verification")
    )
    profile = main.get_by_role("region", name=t("Profile"), exact=True)
    expect(profile).to_contain_text(account.account_number)
    expect(profile).to_contain_text("买买提·艾力")
    expect(profile).to_contain_text(account.id_number_masked)
    expect(profile).to_contain_text(home.name)
    # The account number is on every page of the learner: the header's strip shows it.
    expect(page.get_by_role("banner")).to_contain_text(account.account_number)
    expect(page.get_by_role("banner")).to_contain_text(t("Pending verification"))
    check_a11y(page)

    assert account.status == LearnerAccount.Status.PENDING_VERIFICATION
    assert account.channel == LearnerAccount.Channel.ONLINE
    assert account.real_name == "买买提·艾力"
    assert account.mobile == "13800138000"
    assert account.education == "bachelor"
    assert account.work_unit == "重庆市渝中区图书馆"
    assert account.id_number_masked != id_number and account.id_number_masked.endswith(
        id_number[-4:]
    )
    assert account.home.branch == home
    assert account.verified_by is None
    opened = AuditEvent.objects.filter(action="learner_account.open", actor=learner)
    assert [(e.object_type, e.object_id) for e in opened] == [
        ("accounts.learneraccount", str(account.pk))
    ]
    assert id_number not in audit_text(AuditEvent.objects.all())

    # Another visit to the form goes back to the account: one account per person.
    page.goto("/my/account/open/")
    expect(page).to_have_url(exactly(live_server, "/my/account/"))
    assert LearnerAccount.objects.filter(user=learner).count() == 1


def test_branch_staff_sign_in_with_totp_verify_a_pending_account_and_the_learner_sees_it_active(
    page, live_server, mailoutbox
):
    home, other = two_branches()
    staff, secret = branch_staff(home)
    learner = UserFactory(username="zhangsan")
    id_number = resident_id()
    account = open_account(branch=home, user=learner, real_name="张三", id_number=id_number)
    elsewhere = open_account(branch=other, real_name="李四")
    active_one = open_account(branch=home, real_name="王五")
    LearnerAccount.objects.filter(pk=active_one.pk).update(status=LearnerAccount.Status.ACTIVE)

    sign_in_staff(page, live_server, "desk_li", secret)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("My desk"))
    check_a11y(page)

    main_nav(page).get_by_role("link", name=t("Learning accounts"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/desk/accounts/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Learning accounts of my branch"))
    table = main.get_by_role("table")
    # My branch only, the one waiting for verification first.
    expect(table.get_by_role("row")).to_have_count(3)  # the header row and two accounts
    expect(table.get_by_role("row").nth(1)).to_contain_text("张三")
    expect(table.get_by_role("row").nth(1)).to_contain_text(t("Pending verification"))
    expect(table.get_by_role("row").nth(1)).to_contain_text(account.id_number_masked)
    expect(table).not_to_contain_text(id_number)
    expect(table).not_to_contain_text(elsewhere.account_number)
    check_a11y(page)

    # Narrow it down: pending ones, by name.
    search = main.get_by_role("search", name=t("Find accounts"))
    search.get_by_label(label(t("Status"))).select_option(label=t("Pending verification"))
    search.get_by_label(label(t("Account number or name"))).fill("张三")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/desk/accounts/\?status=pending_verification&q="))
    expect(table.get_by_role("row")).to_have_count(2)
    check_a11y(page)
    table.get_by_role("link", name=account.account_number, exact=True).click()

    expect(page).to_have_url(exactly(live_server, f"/desk/accounts/{account.pk}/"))
    expect(main.get_by_role("heading", level=1)).to_contain_text("张三")
    facts = main.get_by_role("region", name=t("Account"), exact=True)
    expect(facts).to_contain_text(t("Pending verification"))
    expect(facts).to_contain_text(account.id_number_masked)
    expect(facts).not_to_contain_text(id_number)
    check_a11y(page)

    # The full ID number only on an explicit click, which is recorded.
    facts.get_by_role("button", name=t("Show the full number (recorded)")).click()
    expect(facts).to_contain_text(id_number)
    check_a11y(page)
    reveals = AuditEvent.objects.filter(action="learner_account.reveal_id", actor=staff)
    assert [e.object_id for e in reveals] == [str(account.pk)]

    verification = main.get_by_role("region", name=t("Real-name verification"), exact=True)
    verification.get_by_role("radio", name=t("In person, with the original ID"), exact=True).check()
    verification.get_by_label(label(t("Note (optional)"))).fill("核对了身份证原件")
    verification.get_by_role("button", name=t("Verify and activate")).click()

    # On to the next account waiting at the branch: none, so back to the waiting list.
    expect(page).to_have_url(exactly(live_server, "/desk/accounts/?status=pending_verification"))
    expect(status_message(page)).to_contain_text(t("The account is verified and active."))
    expect(status_message(page)).to_contain_text(
        t("No other account waits for verification at your branches.")
    )
    check_a11y(page)
    page.goto(f"{live_server.url}/desk/accounts/{account.pk}/")
    expect(facts).to_contain_text(t("Active"))
    expect(main.get_by_role("region", name=t("Real-name verification"), exact=True)).to_have_count(
        0
    )
    expect(page.locator("body")).not_to_contain_text(id_number)
    check_a11y(page)

    account.refresh_from_db()
    assert account.status == LearnerAccount.Status.ACTIVE
    assert account.verified_by == staff
    assert account.verified_at is not None
    assert "核对了身份证原件" in account.status_reason
    verified = AuditEvent.objects.filter(action="learner_account.verify")
    assert [(e.actor, e.object_id) for e in verified] == [(staff, str(account.pk))]
    assert verified[0].summary["after"]["status"] == "active"
    assert id_number not in audit_text(AuditEvent.objects.all())
    elsewhere.refresh_from_db()
    assert elsewhere.status == LearnerAccount.Status.PENDING_VERIFICATION

    # The learner signs in and sees the account active, with the reason.
    sign_out(page, live_server)
    sign_in(page, "zhangsan")
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    main_nav(page).get_by_role("link", name=t("My learning account"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/account/"))
    status = main.get_by_role("region", name=t("Status"), exact=True)
    expect(status).to_contain_text(t("Active"))
    expect(status).to_contain_text(t("Verified in person"))
    expect(status).not_to_contain_text(t("Pending verification"))
    expect(page.get_by_role("banner")).to_contain_text(account.account_number)
    check_a11y(page)

    # They were told: a notice, opened from the header, that leads to the account and is then
    # read; and an e-mail whose link leads there too.
    title = t("Your learning account is verified")
    notices = page.get_by_role("banner").get_by_role("link", name=re.compile(t("Notices")))
    expect(notices).to_contain_text("1")
    notices.click()
    expect(page).to_have_url(exactly(live_server, "/my/notices/"))
    check_a11y(page)
    main.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/account/"))
    expect(notices).not_to_contain_text("1")
    assert not learner.notices.filter(read_at__isnull=True).exists()
    [mail] = [m for m in mailoutbox if m.to == [learner.email]]
    assert mail.subject == title
    page.goto(re.search(re.escape(live_server.url) + r"/\S*", mail.body).group(0))
    expect(page).to_have_url(exactly(live_server, "/my/account/"))


def test_branch_staff_open_an_account_in_person_and_the_person_sets_a_password_from_the_email(
    page, live_server, mailoutbox
):
    home, other = two_branches()
    point = ServicePointFactory(branch=home, name="解放碑社区教育学校受理点")
    ServicePointFactory(branch=other, name="观音桥受理点")  # another branch: not offered
    staff, secret = branch_staff(home, username="desk_zhao")
    id_number = resident_id()

    sign_in_staff(page, live_server, "desk_zhao", secret)
    main = page.get_by_role("main")
    main_nav(page).get_by_role("link", name=t("Learning accounts"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/desk/accounts/"))
    check_a11y(page)
    main.get_by_role("link", name=t("Open an account in person"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, "/desk/accounts/new/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Open an account in person"))
    check_a11y(page)
    service_point = main.get_by_label(label(t("Service point")))
    # Only the service points of the staff member's branch; the only one is chosen already.
    expect(service_point.locator("option", has_text="观音桥受理点")).to_have_count(0)
    expect(service_point).to_have_value(str(point.pk))
    main.get_by_label(label(t("Real name"))).fill("张三")
    main.get_by_label(label(t("ID type"))).select_option(label=t("Mainland resident ID card"))
    main.get_by_label(label(t("ID number"))).fill(id_number.lower())
    main.get_by_label(label(t("Mobile number"))).fill("13912345678")
    main.get_by_label(label(t("Highest education"))).select_option(
        label=t("Junior college (associate degree)")
    )
    main.get_by_label(label(t("E-mail address"))).fill("Zhang.San@Example.com")
    main.get_by_role(
        "checkbox", name=label(t("I have seen the original ID document and it matches the person."))
    ).check()
    main.get_by_role("button", name=t("Open the account"), exact=True).click()

    expect(page).to_have_url(path_pattern(live_server, r"/desk/accounts/\d+/"))
    account = LearnerAccount.objects.select_related("user", "home").get(real_name="张三")
    expect(status_message(page)).to_have_text(
        t(
            "Account %(number)s is open; the person has been e-mailed a link.",
            number=account.account_number,
        )
    )
    facts = main.get_by_role("region", name=t("Account"), exact=True)
    expect(facts).to_contain_text(t("Active"))
    expect(facts).to_contain_text(point.name)
    check_a11y(page)

    assert account.status == LearnerAccount.Status.ACTIVE
    assert account.channel == LearnerAccount.Channel.IN_PERSON
    assert account.verified_by == staff
    assert account.home.branch == home
    assert account.home.service_point == point
    assert account.home.opened_by == staff
    person = account.user
    assert person.username == account.account_number
    assert person.email == "zhang.san@example.com"
    assert not person.has_usable_password()
    opened = AuditEvent.objects.filter(action="learner_account.open")
    assert [(e.actor, e.object_id) for e in opened] == [(staff, str(account.pk))]
    assert opened[0].summary["after"]["channel"] == "in_person"
    assert id_number not in audit_text(AuditEvent.objects.all())

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["zhang.san@example.com"]
    assert account.account_number in mail.subject
    assert point.name in mail.body
    link = LINK.search(mail.body)
    assert link, f"no set-password link in the e-mail:\n{mail.body}"
    assert link.group(0).startswith(live_server.url + "/")

    # The person follows the link (staff have signed out), chooses a password, signs in with
    # the account number.
    sign_out(page, live_server)
    page.goto(link.group(0))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Change Password"))
    check_a11y(page)
    main.get_by_label(NEW_PASSWORD_LABEL).fill("Yangtze-Ferry-2026")
    main.get_by_label(NEW_PASSWORD_AGAIN_LABEL).fill("Yangtze-Ferry-2026")
    main.get_by_role("button", name=t("Change Password"), exact=True).click()
    expect(main).to_contain_text(t("Your password is now changed."))
    check_a11y(page)

    person.refresh_from_db()
    assert person.check_password("Yangtze-Ferry-2026")
    assert EmailAddress.objects.get(user=person).verified
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=person).count() == 1

    sign_in(page, account.account_number, "Yangtze-Ferry-2026")
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    expect(page.get_by_role("banner")).to_contain_text(
        t("Signed in as %(name)s", name=account.account_number)
    )
    main_nav(page).get_by_role("link", name=t("My learning account"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/account/"))
    expect(main.get_by_role("region", name=t("Status"), exact=True)).to_contain_text(t("Active"))
    profile = main.get_by_role("region", name=t("Profile"), exact=True)
    expect(profile).to_contain_text(account.account_number)
    expect(profile).to_contain_text(t("Opened at a service point"))
    expect(profile).to_contain_text("zhang.san@example.com")
    check_a11y(page)
    assert AuditEvent.objects.filter(action="auth.login", actor=person).count() == 1

    # The link is used up.
    sign_out(page, live_server)
    page.goto(link.group(0))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Bad Token"))
    check_a11y(page)
