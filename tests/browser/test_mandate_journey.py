"""The centre's direct recognition mandates (直接认定授权) in a real browser, at phone and desktop
widths, axe-core on every page visited: the centre administrator finds the list in the
navigation, grants a mandate (a field of spaces is told beside it first), and ends it with a
reason after the page asks."""

import pytest
from django.utils import translation
from django.utils.translation import pgettext
from playwright.sync_api import expect

from accounts.models import Role
from achievements.models import AchievementCategory, QualificationLevel, RecognitionMandate
from tests.accounts.factories import InstitutionFactory, RoleGrantFactory, UserFactory
from tests.branches.factories import AllianceMembershipFactory
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    label,
    main_nav,
    sign_in_staff,
    status_message,
    t,
    tn,
)
from tests.conftest import with_totp

MEMBER = "重庆开放大学（测试）"
FIELD = "信息技术"
REASON = "试点期满，转入常规审核。"


@pytest.fixture
def mandate_world(reference_data, transactional_db):
    """A member institution of the alliance and a centre administrator with TOTP."""
    member = InstitutionFactory(name=MEMBER)
    AllianceMembershipFactory(institution=member)
    admin = UserFactory(username="admin_zhou")
    secret = with_totp(admin)
    RoleGrantFactory(user=admin, role=Role.CENTRE_ADMIN)
    return {"admin": admin, "secret": secret, "member": member}


def test_the_centre_grants_a_mandate_and_ends_it(page, live_server, mandate_world):
    world = mandate_world
    category = AchievementCategory.objects.get(code="academic_course")
    level = QualificationLevel.objects.get(number=4)
    sign_in_staff(page, live_server, world["admin"].username, world["secret"])
    main = page.get_by_role("main")

    # The list, from the navigation: nothing granted yet.
    main_nav(page).get_by_role("link", name=t("Direct recognition mandates"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/standards/manage/mandates/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Direct recognition mandates"))
    expect(main).to_contain_text(t("No mandates yet: every batch is deposited for review."))
    check_a11y(page)

    # The grant form: a field of spaces is told beside it, nothing is granted.
    main.get_by_role("link", name=t("Grant a mandate"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/standards/manage/mandates/new/"))
    check_a11y(page)
    main.get_by_label(label(t("Member institution"))).select_option(label=MEMBER)
    main.get_by_label(label(t("Achievement category"))).select_option(label=str(category))
    main.get_by_label(label(t("Qualification framework level"))).select_option(label=str(level))
    field = main.get_by_label(label(t("Field")))
    field.fill("   ")  # passes the browser's check of a required field, not the portal's
    main.get_by_role("button", name=t("Grant the mandate"), exact=True).click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(main).to_contain_text(t("This field is required."))
    check_a11y(page)
    assert not RecognitionMandate.objects.exists()
    field.fill(FIELD)
    main.get_by_role("button", name=t("Grant the mandate"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/standards/manage/mandates/"))
    expect(status_message(page)).to_contain_text(MEMBER)
    table = main.get_by_role("table")
    expect(table).to_contain_text(FIELD)
    with translation.override("zh-hans"):
        expect(table).to_contain_text(pgettext("mandate", "Active"))
    expect(main).to_contain_text(
        tn(
            "%(total)s mandate, the active ones first",
            "%(total)s mandates, the active ones first",
            1,
            total=1,
        )
    )
    check_a11y(page)
    mandate = RecognitionMandate.objects.get()
    assert (mandate.institution, mandate.category, mandate.level, mandate.field) == (
        world["member"],
        category,
        level,
        FIELD,
    )

    # Ending: the page asks, with the mandate's facts; the reason goes to the audit log.
    table.get_by_role("link", name=f"{MEMBER} · {category}").click()
    expect(page).to_have_url(exactly(live_server, f"/standards/manage/mandates/{mandate.pk}/end/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("End a direct recognition mandate"))
    expect(main).to_contain_text(FIELD)
    check_a11y(page)
    main.get_by_label(label(t("Reason (optional)"))).fill(REASON)
    main.get_by_role("button", name=t("End the mandate"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/standards/manage/mandates/"))
    end_link = main.get_by_role("table").get_by_role("link", name=f"{MEMBER} · {category}")
    expect(end_link).to_have_count(0)
    expect(main.get_by_role("table")).to_contain_text(t("Ended"))
    check_a11y(page)
    mandate.refresh_from_db()
    assert (mandate.is_active, mandate.ended_by) == (False, world["admin"])
