"""A member of the public searches the portal from the home page, then finds help and the
contact details through the footer: on a phone and on a desktop, axe-core on every page."""

import pytest
from playwright.sync_api import expect

from tests.branches.factories import BranchCentreFactory, ServicePointFactory
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import exactly, fits_the_viewport, t

pytestmark = pytest.mark.browser


@pytest.fixture
def network(reference_data, transactional_db):
    branch = BranchCentreFactory(name="江北区分中心", phone="023-67000000")
    ServicePointFactory(
        branch=branch, district=branch.district, name="观音桥受理点", address="江北区建新北路 66 号"
    )


def test_a_visitor_searches_and_finds_help_and_contact(page, live_server, network):
    page.goto("/")
    check_a11y(page)
    box = page.get_by_role("main").get_by_role("search")
    box.get_by_role("searchbox").fill("观音")
    box.get_by_role("button", name=t("Search")).click()

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Search"))
    service_points = main.get_by_role("region", name=t("Service points"))
    expect(service_points.get_by_role("link", name="观音桥受理点")).to_be_visible()
    assert fits_the_viewport(page)
    check_a11y(page)

    # Two characters of a help page's text: the seeded help pages are found too.
    search = main.get_by_role("search", name=t("Search"))
    search.get_by_role("searchbox").fill("申诉")
    search.get_by_role("button", name=t("Search")).click()
    help_pages = page.get_by_role("main").get_by_role("region", name=t("Help pages"))
    help_pages.get_by_role("link", name="各环节办理时限").click()
    expect(page).to_have_url(exactly(live_server, "/help/timeline/"))
    expect(page.get_by_role("main")).to_contain_text("个工作日内")
    check_a11y(page)

    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text("023-63000000")
    footer.get_by_role("link", name=t("Contact us")).click()
    expect(page).to_have_url(exactly(live_server, "/contact/"))
    expect(page.get_by_role("main")).to_contain_text("江北区分中心")
    assert fits_the_viewport(page)
    check_a11y(page)

    page.get_by_role("contentinfo").get_by_role("link", name=t("Help for learners")).click()
    expect(page).to_have_url(exactly(live_server, "/help/"))
    page.get_by_role("main").get_by_role("link", name="存储学习成果需要哪些证明材料").click()
    expect(page.get_by_role("main")).to_contain_text("志愿服务")
    check_a11y(page)
