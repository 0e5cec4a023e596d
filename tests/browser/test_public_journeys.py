"""A member of the public finds a service point: by district, by name, by host institution, on a
phone and on a desktop, with axe-core on every page and nothing wider than the window."""

import re

import pytest
from playwright.sync_api import expect

from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory
from tests.branches.factories import BranchCentreFactory, DistrictFactory, ServicePointFactory
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    fits_the_viewport,
    label,
    main_nav,
    t,
    tn,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def network(db):
    yuzhong = BranchCentreFactory(name="渝中区分中心")  # district 500103 渝中区
    jiangbei = BranchCentreFactory(
        name="江北区分中心",
        district=DistrictFactory(code="500105", name_zh="江北区", name_en="Jiangbei District"),
    )
    shapingba = BranchCentreFactory(
        name="沙坪坝区分中心",
        district=DistrictFactory(code="500106", name_zh="沙坪坝区", name_en="Shapingba District"),
    )
    ServicePointFactory(
        branch=yuzhong, name="解放碑社区学院受理点", address="重庆市渝中区民族路1号"
    )
    ServicePointFactory(branch=yuzhong, name="大坪街道受理点", address="重庆市渝中区大坪正街8号")
    ServicePointFactory(
        branch=jiangbei,
        name="观音桥受理点",
        address="重庆市江北区建新北路66号",
        phone="023-67000001",
        host_institution=InstitutionFactory(name="重庆开放大学"),
    )
    # Closed: not listed, and its district (with no open service point) is not offered.
    ServicePointFactory(branch=shapingba, name="磁器口受理点", is_open=False)


def results(page):
    """The names of the service points listed, one level-2 heading per card."""
    return page.get_by_role("main").get_by_role("heading", level=2)


def count_text(total):
    return tn("%(total)s service point", "%(total)s service points", total, total=total)


def test_a_visitor_finds_a_service_point_by_district_and_by_name(page, live_server, network):
    page.goto("/")
    check_a11y(page)
    main_nav(page).get_by_role("link", name=t("Service points"), exact=True).click()

    expect(page).to_have_url(exactly(live_server, "/service-points/"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Find a service point"))
    expect(main.get_by_text(count_text(3), exact=True)).to_be_visible()
    expect(results(page)).to_have_count(3)
    expect(main).not_to_contain_text("磁器口受理点")
    assert fits_the_viewport(page)
    check_a11y(page)

    search = main.get_by_role("search", name=t("Search service points"))
    district = search.get_by_label(label(t("District")))
    query = search.get_by_label(label(t("Name, address or host institution")))
    # Only districts with an open service point are offered, after "all districts".
    expect(district.locator("option")).to_have_text([t("All districts"), "渝中区", "江北区"])

    # By district.
    district.select_option(label="江北区")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/service-points/\?district=500105&q=$"))
    expect(results(page)).to_have_text(["观音桥受理点"])
    card = main.get_by_role("listitem").filter(has=page.get_by_role("heading", name="观音桥受理点"))
    expect(card).to_contain_text("江北区")
    expect(card).to_contain_text("重庆市江北区建新北路66号")
    expect(card).to_contain_text("重庆开放大学")
    expect(card.get_by_role("link", name="023-67000001")).to_have_attribute(
        "href", "tel:023-67000001"
    )
    expect(main.get_by_text(count_text(1), exact=True)).to_be_visible()
    expect(district).to_have_value("500105")  # the choice is kept
    assert fits_the_viewport(page)
    check_a11y(page)

    # By name, in all districts.
    district.select_option(label=t("All districts"))
    query.fill("解放碑")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(
        re.compile(r"/service-points/\?district=&q=%E8%A7%A3%E6%94%BE%E7%A2%91$")
    )
    expect(results(page)).to_have_text(["解放碑社区学院受理点"])
    expect(main).to_contain_text("重庆市渝中区民族路1号")
    expect(query).to_have_value("解放碑")
    assert fits_the_viewport(page)
    check_a11y(page)

    # By the host institution's name, with stray spaces.
    query.fill("  开放大学 ")
    query.press("Enter")
    expect(results(page)).to_have_text(["观音桥受理点"])
    check_a11y(page)

    # District and name together, matching nothing.
    district.select_option(label="渝中区")
    query.fill("观音桥")
    search.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"\?district=500103&q="))
    expect(results(page)).to_have_count(0)
    expect(main).to_contain_text(t("No service point matches your search."))
    assert fits_the_viewport(page)
    check_a11y(page)

    # Reading the public finder writes nothing.
    assert not AuditEvent.objects.exists()
