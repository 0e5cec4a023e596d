"""The documentation page in Chromium: Swagger UI draws every endpoint from the schema, under
the portal's Content-Security-Policy (a violation is a console error) and without fetching
anything from another origin."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_draws_the_api_under_the_csp(live_server, browser):
    problems, requests = [], []
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on(
            "console",
            lambda msg: problems.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto("/api/v1/docs/")
        for summary in ("Send results", "Published conversion rules", "Unit standards"):
            expect(page.get_by_text(summary, exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    finally:
        context.close()
    assert problems == []
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests)
