"""An organisation applies for an institution account and a centre administrator (password +
TOTP) approves it; the applicant becomes the institution's first administrator. At phone and
desktop widths, with axe-core on every page."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from accounts.models import Institution, InstitutionStaff, Role
from creditbank.models import AuditEvent
from tests.accounts.factories import (
    PASSWORD,
    InstitutionFactory,
    RoleGrantFactory,
    UserFactory,
    valid_credit_code,
)
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    PASSWORD_LABEL,
    exactly,
    label,
    main_nav,
    path_pattern,
    sign_in,
    sign_in_staff,
    sign_out,
    status_message,
    t,
    totp_code,
)
from tests.conftest import with_totp

pytestmark = pytest.mark.browser

NAME = "重庆市渝中区职业技能培训学校"
CREDIT_CODE = valid_credit_code("52500103MJP123456")


def test_an_organisation_applies_and_a_centre_administrator_approves_it(page, live_server):
    applicant = UserFactory(username="liu_min", email="liu.min@example.com")
    admin = RoleGrantFactory(user=UserFactory(username="centre_chen"), role=Role.CENTRE_ADMIN).user
    secret = with_totp(admin)
    earlier = InstitutionFactory(name="重庆开放大学", status=Institution.Status.APPLIED)
    InstitutionFactory(name="重庆工商职业学院", status=Institution.Status.APPROVED)

    # The applicant, signed in, fills in the application.
    sign_in(page, "liu_min")
    expect(page).to_have_url(exactly(live_server, "/desk/"))
    main_nav(page).get_by_role("link", name=t("My institutions"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institutions/mine/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("My institutions"))
    check_a11y(page)
    main.get_by_role("link", name=t("Apply for an institution account"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institutions/apply/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Apply for an institution account"))
    check_a11y(page)
    main.get_by_label(label(t("Name of the organisation"))).fill(NAME)
    # Lower case and a space: the form normalises the code.
    main.get_by_label(label(t("Unified social credit code"))).fill(
        CREDIT_CODE[:8] + " " + CREDIT_CODE[8:].lower()
    )
    main.get_by_label(label(t("Type"))).select_option(label=t("Training body"))
    main.get_by_label(label(t("Address"))).fill("重庆市渝中区民族路188号")
    main.get_by_label(label(t("Contact person"))).fill("刘敏")
    main.get_by_label(label(t("Contact phone"))).fill("023-63001234")
    main.get_by_label(label(t("Contact e-mail"))).fill("Office@Peixun.example.cn")
    main.get_by_role("button", name=t("Submit the application"), exact=True).click()

    expect(page).to_have_url(path_pattern(live_server, r"/institutions/\d+/"))
    expect(status_message(page)).to_have_text(
        t("Your application has been received. The centre will review it.")
    )
    expect(main.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(main.get_by_role("region", name=t("Status"), exact=True)).to_contain_text(t("Applied"))
    expect(main.get_by_role("region", name=t("Details"), exact=True)).to_contain_text(CREDIT_CODE)
    # The applicant cannot decide on their own application.
    expect(main.get_by_role("region", name=t("Decision"), exact=True)).to_have_count(0)
    check_a11y(page)

    institution = Institution.objects.get(credit_code=CREDIT_CODE)
    assert page.url == f"{live_server.url}/institutions/{institution.pk}/"
    assert institution.name == NAME
    assert institution.status == Institution.Status.APPLIED
    assert institution.kind == Institution.Kind.TRAINING_BODY
    assert institution.applied_by == applicant
    assert institution.contact_email == "office@peixun.example.cn"
    assert not institution.staff.exists()
    applied = AuditEvent.objects.filter(action="institution.apply")
    assert [(e.actor, e.object_id) for e in applied] == [(applicant, str(institution.pk))]
    sign_out(page, live_server)

    # The centre administrator finds it among the pending applications, oldest first.
    sign_in_staff(page, live_server, "centre_chen", secret)
    main_nav(page).get_by_role("link", name=t("Institution applications"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institutions/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Institution applications"))
    table = main.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(3)  # the header row and two applications
    expect(table.get_by_role("row").nth(1)).to_contain_text(earlier.name)
    expect(table.get_by_role("row").nth(2)).to_contain_text(NAME)
    expect(table.get_by_role("row").nth(2)).to_contain_text("liu_min")
    expect(table).not_to_contain_text("重庆工商职业学院")
    check_a11y(page)
    table.get_by_role("link", name=NAME, exact=True).click()

    expect(page).to_have_url(exactly(live_server, f"/institutions/{institution.pk}/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(NAME)
    decision = main.get_by_role("region", name=t("Decision"), exact=True)
    check_a11y(page)
    decision.get_by_role("radio", name=t("Approve"), exact=True).check()
    decision.get_by_role("button", name=t("Record the decision"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, f"/institutions/{institution.pk}/"))
    expect(status_message(page)).to_have_text(t("The institution has been approved."))
    expect(main.get_by_role("region", name=t("Status"), exact=True)).to_contain_text(t("Approved"))
    staff = main.get_by_role("region", name=t("Staff"), exact=True)
    expect(staff).to_contain_text("liu_min")
    expect(staff).to_contain_text(t("Institution administrator"))
    check_a11y(page)

    institution.refresh_from_db()
    assert institution.status == Institution.Status.APPROVED
    assert institution.decided_by == admin
    assert institution.decided_at is not None
    assert list(institution.staff.values_list("user__username", "role")) == [
        ("liu_min", InstitutionStaff.Role.ADMIN)
    ]
    approved = AuditEvent.objects.filter(action="institution.approve")
    assert [(e.actor, e.object_id) for e in approved] == [(admin, str(institution.pk))]
    assert approved[0].summary["before"]["status"] == "applied"
    assert approved[0].summary["after"]["status"] == "approved"
    earlier.refresh_from_db()
    assert earlier.status == Institution.Status.APPLIED
    sign_out(page, live_server)

    # Approval made the applicant a member of staff, and staff must use two-factor
    # authentication: the next sign-in leads to setting it up, after the password once more
    # (allauth asks for it before any change to two-factor authentication).
    sign_in(page, "liu_min")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=.*2fa.*totp.*activate"))
    expect(main).to_contain_text(
        t("Staff accounts must use two-factor authentication. Please set it up first.")
    )
    check_a11y(page)
    main.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    main.get_by_role("button", name=t("Confirm"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/accounts/2fa/totp/activate/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Activate Authenticator App"))
    check_a11y(page)
    new_secret = main.get_by_label(label(t("Authenticator secret"))).input_value()
    main.get_by_label(label(t("Authenticator code"))).fill(totp_code(new_secret))
    main.get_by_role("button", name=t("Activate"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/accounts/2fa/recovery-codes/"))
    check_a11y(page)
    assert Authenticator.objects.filter(user=applicant, type=Authenticator.Type.TOTP).exists()

    # The applicant now administers the institution.
    main_nav(page).get_by_role("link", name=t("My institutions"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institutions/mine/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("My institutions"))
    row = main.get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text(t("Approved"))
    expect(row).to_contain_text(t("Institution administrator"))
    check_a11y(page)
    row.get_by_role("link", name=NAME, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/institutions/{institution.pk}/"))
    expect(main.get_by_role("link", name=t("Invite a member of staff"))).to_be_visible()
    check_a11y(page)
