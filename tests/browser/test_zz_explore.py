import re
from tests.browser.conftest import check_a11y
from axe_playwright_python.sync_playwright import Axe
from tests.accounts.factories import UserFactory, PASSWORD


def dump(page, name):
    r = Axe().run(page)
    print("==", name, page.url)
    for v in r.response["violations"]:
        print("  ", v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
    open(f"/tmp/explore/{name}.html", "w").write(page.content())
    page.screenshot(path=f"/tmp/explore/{name}.png", full_page=True)


def test_explore(page, mailoutbox):
    page.goto("/accounts/signup/")
    page.fill("#id_email", "wang@example.com")
    page.fill("#id_username", "wangfang")
    page.fill("#id_password1", "Secret-Plum-2024")
    page.fill("#id_password2", "Secret-Plum-2024")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    dump(page, "verify")
    print(mailoutbox[0].subject)
    print(mailoutbox[0].body)
    url = re.search(r"https?://\S+/confirm-email/\S+", mailoutbox[0].body).group(0)
    page.goto(url)
    dump(page, "confirm")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    dump(page, "after_confirm")
    page.goto("/accounts/logout/")
    dump(page, "logout")
    UserFactory(username="li")
    page.goto("/accounts/login/")
    page.fill("#id_login", "li")
    page.fill("#id_password", "wrong-password-1")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    dump(page, "login_failed")
    page.goto("/")
    page.click("button[value=en]")
    page.wait_for_load_state()
    dump(page, "home_en")
