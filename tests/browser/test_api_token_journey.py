"""An institution's administrator (password + TOTP) makes an API token on the portal, copies it
from the page that shows it once, the institution's system sends results with it, and the
administrator revokes it; the system's next request is refused. At phone and desktop widths,
with axe-core, the layout and the language checked on every page (tests/browser/conftest.py)."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from accounts.models import InstitutionStaff
from api.models import ApiToken
from tests.accounts.factories import UserFactory
from tests.api import conftest as api_conftest
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    label,
    main_nav,
    sign_in_staff,
    status_message,
    t,
)
from tests.conftest import with_totp

pytestmark = pytest.mark.browser

# The API's world (tests/api/conftest.py): the institution, its people, tokens and rows.
world = api_conftest.world


def call(live_server, path, secret, body=None):
    """The institution's system: one request to the API; (status, JSON body)."""
    request = urllib.request.Request(
        live_server.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Idempotency-Key": '"journey-1"',
        },
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_an_administrator_makes_a_token_the_system_uses_it_and_it_is_revoked(
    reference_data, world, page, live_server
):
    admin = UserFactory(username="jiaowu_admin")
    InstitutionStaff.objects.create(
        institution=world.institution, user=admin, role=InstitutionStaff.Role.ADMIN
    )
    secret = with_totp(admin)
    sign_in_staff(page, live_server, "jiaowu_admin", secret)

    main_nav(page).get_by_role("link", name=t("My institutions"), exact=True).click()
    main = page.get_by_role("main")
    main.get_by_role("link", name=world.institution.name).click()
    main.get_by_role("link", name=t("Manage the API tokens"), exact=True).click()
    tokens_url = f"/institutions/{world.institution.pk}/api-tokens/"
    expect(page).to_have_url(exactly(live_server, tokens_url))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("API tokens"))
    expect(main).to_contain_text(t("No tokens yet."))
    check_a11y(page)

    # Making one: nothing chosen is refused beside the field.
    main.get_by_role("link", name=t("Make a token"), exact=True).click()
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Make an API token"))
    check_a11y(page)
    main.get_by_label(label(t("Name"))).fill("教务系统")
    main.get_by_role("button", name=t("Make the token"), exact=True).click()
    expect(main).to_contain_text(t("Choose what the token may do."))
    check_a11y(page)
    main.get_by_label(t("Push results"), exact=True).check()
    main.get_by_role("button", name=t("Make the token"), exact=True).click()

    # Shown once, on the list.
    expect(page).to_have_url(exactly(live_server, tokens_url))
    expect(status_message(page)).to_have_text(t("The token was made."))
    token = main.locator("#new-token").inner_text()
    assert token.startswith("cbk_") and token.startswith(ApiToken.objects.get().prefix)
    check_a11y(page)

    # The institution's system sends a result with it.
    status, answer = call(
        live_server,
        "/api/v1/results",
        token,
        {"category": world.category.code, "mode": "valid", "results": [world.row("R-1")]},
    )
    assert status == 201 and answer["counts"]["deposited"] == 1

    # The list no longer shows it, and says when it was last used.
    page.reload()
    expect(main.locator("#new-token")).to_have_count(0)
    expect(main.get_by_role("cell", name=t("Never"))).to_have_count(0)
    check_a11y(page)

    # Revoking asks first.
    main.get_by_role("link", name=t("Revoke")).click()
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Revoke an API token"))
    check_a11y(page)
    main.get_by_role("button", name=t("Revoke the token"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, tokens_url))
    expect(main).to_contain_text(t("Revoked"))
    check_a11y(page)
    status, problem = call(live_server, "/api/v1/categories", token)
    assert status == 401 and problem["code"] == "unauthenticated"
