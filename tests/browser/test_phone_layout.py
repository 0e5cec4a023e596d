"""The pages people found broken on a phone, visited as the demo people who use them, at 375 px
and at 1280 px: nothing is wider than the window, the wide tables turn into stacked rows on the
phone (each cell with its column's name beside it) and the language switch stays on one line.

The demo data (``seed_demo``) is what people meet under ``make run``: long names, account and ID
numbers, e-mail addresses, statements with several entries.
"""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from accounts.models import LearnerAccount
from accounts.roles import BRANCH_STAFF, CENTRE_ADMIN, EXPERT, LEARNER
from achievements.demo import DEMO_SHARE_TOKEN, DEMO_TRANSCRIPT_CODE
from achievements.models import ProofDocument
from conversion.models import (
    ApplicationLine,
    Certificate,
    ConversionApplication,
    Course,
    RuleVersion,
)
from tests.browser.conftest import check_a11y, check_page, layout_problem
from tests.browser.journey_helpers import in_a_worker_thread, t

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(reference_data, transactional_db):
    # In a thread of its own: the demo transcript is signed with asyncio (pyHanko), which
    # cannot run in the test thread, where Playwright's event loop runs.
    in_a_worker_thread(call_command, "seed_demo", stdout=StringIO())


def signed_in_as(page, live_server, username):
    """The browser carries a session of ``username`` (the log-in pages are the sign-in
    journeys' business), in a fresh context's cookie jar."""
    page.context.clear_cookies()
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def visit(page, path):
    """Go to ``path``; fail if it is wider than the window, shows English or fails axe."""
    page.goto(path)
    check_a11y(page)


def expect_stacked_rows(table, is_phone):
    """On a phone a wide table's rows are stacked blocks whose cells name their column; on a
    desktop it stays a table."""
    cell = table.locator("tbody td").first
    display = cell.evaluate("td => getComputedStyle(td).display")
    if is_phone:
        assert display == "block", "the table still has columns on a phone"
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        header = table.locator("thead th").first.inner_text()
        assert label.strip('"') == header
    else:
        assert display == "table-cell"


def expect_cards_padded(page):
    """A list of cards (service points, members, notices): each card keeps its padding."""
    card = page.locator("main li.card").first
    expect(card).to_be_visible()
    assert card.evaluate("c => parseFloat(getComputedStyle(c).paddingLeft)") >= 12


def expect_one_line(element):
    box = element.bounding_box()
    line_height = element.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert box["height"] < 1.5 * line_height, f"{element.inner_text()!r} wraps"


@pytest.fixture
def is_phone(page):
    return page.viewport_size["width"] < 400


def test_the_pages_found_too_wide_fit_a_phone_as_their_demo_people_use_them(
    page, live_server, demo, is_phone
):
    account = LearnerAccount.objects.get(user__username=LEARNER)

    # The public: service points and member institutions, cards with their padding.
    visit(page, "/service-points/")
    expect_cards_padded(page)
    visit(page, "/members/")
    expect_cards_padded(page)

    # The learner: the account, the notices, the archive and its statement.
    signed_in_as(page, live_server, LEARNER)
    visit(page, "/my/account/")
    expect(page.get_by_role("main")).to_contain_text(account.account_number)
    visit(page, "/my/notices/")
    expect_cards_padded(page)
    visit(page, "/my/archive/")
    statement = page.get_by_role(
        "region", name=t("Every movement of credits on your ledger, newest first.")
    )
    expect_stacked_rows(statement.locator("table"), is_phone)

    # Branch staff: the account list and one account; the first-check queue.
    signed_in_as(page, live_server, BRANCH_STAFF)
    visit(page, "/desk/accounts/")
    expect_stacked_rows(page.locator("main table"), is_phone)
    visit(page, f"/desk/accounts/{account.pk}/")
    expect(page.get_by_role("main")).to_contain_text(account.real_name)
    visit(page, "/review/check/")
    expect_stacked_rows(page.locator("main table"), is_phone)

    # The centre administrator: the re-review queue and the unit standards to manage.
    signed_in_as(page, live_server, CENTRE_ADMIN)
    visit(page, "/review/confirm/")
    expect_stacked_rows(page.locator("main table"), is_phone)
    visit(page, "/standards/manage/")
    expect_stacked_rows(page.locator("main table"), is_phone)

    # The language switch stays on one line, also in English beside the longer staff menu,
    # where it offers "简体中文" (Chinese text may break between any two characters).
    switch = page.get_by_role("banner").locator("form.language button")
    expect_one_line(switch)
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert layout_problem(page) is None, layout_problem(page)
    expect_one_line(page.get_by_role("banner").locator("form.language button"))


def demo_usernames():
    """Every demo person's username, as ``seed_demo --list`` prints them."""
    from creditbank.management.commands.seed_demo import demo_modules

    return [
        username for module in demo_modules() for _, username in getattr(module, "DEMO_PEOPLE", [])
    ]


# Links the walk does not follow: files, not pages; and Django's admin (the system
# administrator's tool, with its own layout, which lists the English names of levels and
# categories as data).
NOT_PAGES = ("/download/", "/id-image/", "/preview/", "/admin/")


def test_every_page_the_demo_people_reach_fits_the_window_and_speaks_chinese(
    page, live_server, demo
):
    """A walk: the public pages, then each demo person's desk; from there every link of the
    header and the footer, the section links on those pages (paths without a number: lists,
    forms, account settings) and the first entry of every list met (an object's page). Each
    page is checked by ``check_page`` (nothing wider than the window, no English) and walked
    once, whoever reaches it first; the desk once per person."""
    visited = set()

    def links(selector):
        hrefs = page.locator(selector).evaluate_all(
            "links => links.filter(a => a.origin === location.origin"
            "  && !a.hasAttribute('download'))"
            "  .map(a => a.pathname + a.search)"
        )
        return [h for h in hrefs if h.startswith("/") and not any(p in h for p in NOT_PAGES)]

    def walk(path, sections):
        if path in visited:
            return
        visited.add(path)
        page.goto(path)
        check_page(page)
        first_entries = links("main tbody tr:first-child a, main li:first-child :is(h2, h3) a")
        more = [h for h in links("main a") if not re.search(r"\d", h)] if sections else []
        for link in dict.fromkeys([*first_entries, *more]):
            walk(link, sections=False)

    for username in [None, *demo_usernames()]:
        if username is None:
            page.goto("/")
        else:
            signed_in_as(page, live_server, username)
            page.goto("/desk/")
            check_page(page)
        for path in links("header a, footer a"):
            walk(path, sections=True)
    assert len(visited) > 40, sorted(visited)


def test_the_conversion_pages_fit_a_phone_as_the_demo_people_use_them(
    page, live_server, demo, is_phone
):
    """The public lookup with results, the course catalogue, a course and a rule (two versions:
    what changed); an institution clerk's rule list and a rule's page; the centre
    administrator's and an expert's review queues and a rule in expert review."""
    certificate = Certificate.objects.get(name="全国计算机等级考试二级", grade="")
    replaced = RuleVersion.objects.filter(
        status=RuleVersion.Status.PUBLISHED, previous_version__isnull=False
    ).first()
    in_review = RuleVersion.objects.filter(status=RuleVersion.Status.IN_REVIEW).first()
    converted_into = Course.objects.filter(rule_targets__version__status="published").first()
    assert replaced is not None and in_review is not None and converted_into is not None

    # The public: what accepts a certificate, the catalogue, a course, a rule.
    visit(page, f"/conversion/?kind=certificate&item={certificate.pk}")
    expect_stacked_rows(page.locator("#lookup-results table"), is_phone)
    visit(page, "/conversion/courses/")
    expect_stacked_rows(page.locator("#course-results table"), is_phone)
    visit(page, f"/conversion/courses/{converted_into.pk}/")
    expect(page.get_by_role("main")).to_contain_text(converted_into.name)
    visit(page, f"/conversion/rules/{replaced.pk}/")
    expect(page.get_by_role("main")).to_contain_text(replaced.rule.title)

    # An institution clerk: the rules of their institution and one rule's page.
    signed_in_as(page, live_server, "inst_clerk")
    visit(page, "/conversion/manage/rules/")
    expect_stacked_rows(page.locator("main table"), is_phone)
    ours = RuleVersion.objects.filter(rule__institution__staff__user__username="inst_clerk")
    visit(page, f"/conversion/manage/rules/{ours.order_by('pk').first().pk}/")
    # The institution's general conversion caps (linked from the programme list).
    institution = ours.order_by("pk").first().rule.institution
    visit(page, f"/conversion/manage/institutions/{institution.pk}/caps/")
    expect(page.get_by_role("main")).to_contain_text(institution.name)

    # The centre administrator: the review queue and a rule in expert review (its panel).
    signed_in_as(page, live_server, CENTRE_ADMIN)
    visit(page, "/conversion/review/")
    expect_stacked_rows(page.locator("main table"), is_phone)
    visit(page, f"/conversion/manage/rules/{in_review.pk}/")
    expect(page.get_by_role("main")).to_contain_text(in_review.rule.title)

    # An expert: the rules waiting for their opinion.
    signed_in_as(page, live_server, EXPERT)
    visit(page, "/conversion/review/")


def test_the_conversion_application_pages_fit_a_phone_as_the_demo_people_use_them(
    page, live_server, demo, is_phone
):
    """The what-if simulator (the learner's and the public's, with results), the learner's
    applications, a partly approved one and its appeal page; branch staff's queue of
    applications to accept and one of them; the decision queue of the reviewer who decides the
    demo's appeal and the appealed application."""
    partly = ConversionApplication.objects.get(
        account__user__username=LEARNER, status=ConversionApplication.Status.PARTLY_APPROVED
    )
    waiting = ConversionApplication.objects.filter(
        account__user__username=LEARNER, status=ConversionApplication.Status.SUBMITTED
    ).first()
    appealed = ApplicationLine.objects.filter(status=ApplicationLine.Status.APPEALED).first()
    assert waiting is not None and appealed is not None

    # The public: the simulator with two certificates held, at a programme their rules name.
    held = "&".join(
        f"hold=certificate:{pk}"
        for pk in Certificate.objects.filter(rule_atoms__version__programme=partly.programme)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:2]
    )
    visit(page, f"/conversion/simulate/?programme={partly.programme_id}&{held}")
    expect(page.get_by_role("main").locator("article.outcome-line").first).to_be_visible()

    # The learner: the simulator, the applications, a partly approved one and its appeal.
    signed_in_as(page, live_server, LEARNER)
    visit(page, f"/my/conversion/simulate/?programme={partly.programme_id}")
    expect(page.get_by_role("main").locator("article.outcome-line").first).to_be_visible()
    visit(page, "/my/conversion/applications/")
    expect_stacked_rows(page.locator("main table"), is_phone)
    visit(page, f"/my/conversion/applications/{partly.pk}/")
    expect(page.get_by_role("main")).to_contain_text(partly.number)
    visit(page, f"/my/conversion/applications/{partly.pk}/appeal/")

    # Branch staff: the applications to accept and the one waiting.
    signed_in_as(page, live_server, BRANCH_STAFF)
    visit(page, "/conversion/applications/queue/accept/")
    expect_stacked_rows(page.locator("main table"), is_phone)
    visit(page, f"/conversion/applications/{waiting.pk}/")
    expect(page.get_by_role("main")).to_contain_text(waiting.number)

    # The reviewer who took no part: the decisions queue and the appealed application.
    reviewer = "inst_reviewer2"
    signed_in_as(page, live_server, reviewer)
    visit(page, "/conversion/applications/queue/decide/")
    expect_stacked_rows(page.locator("main table"), is_phone)
    visit(page, f"/conversion/applications/{appealed.application_id}/")
    expect(page.get_by_role("main")).to_contain_text(appealed.application.number)


def test_the_proof_pages_fit_a_phone_as_the_demo_people_use_them(page, live_server, demo, is_phone):
    """The learner's transcripts and proofs, the request form (a proof: the achievements to
    choose), the demo transcript's page (QR code, share links, view log) and the consent codes;
    the public's verification form, the demo transcript's verification page (its lines), its
    share link's PIN form and the learning credit inquiry; the centre administrator's list of
    documents and the transcript's page there."""
    document = ProofDocument.objects.get(code=DEMO_TRANSCRIPT_CODE)
    assert document.status == ProofDocument.Status.READY, document.failure
    main = page.get_by_role("main")

    # The public: the code box, the demo transcript verified, its share link, the inquiry.
    visit(page, "/verify/")
    visit(page, f"/verify/{document.code_display.lower()}/")
    expect(main).to_contain_text(document.account.real_name)
    expect_stacked_rows(main.locator("table").first, is_phone)
    visit(page, f"/verify/s/{DEMO_SHARE_TOKEN}/")
    expect(main.locator("input[type=password]")).to_be_visible()
    visit(page, "/verify/inquiry/")

    # The learner: the documents, a proof's request form, the transcript, the consent codes.
    signed_in_as(page, live_server, LEARNER)
    visit(page, "/my/documents/")
    expect_stacked_rows(main.locator("table"), is_phone)
    visit(page, "/my/documents/new/?kind=proof")
    expect(main.get_by_role("checkbox").first).to_be_visible()
    visit(page, f"/my/documents/{document.pk}/")
    expect(main).to_contain_text(document.code_display)
    expect(main.locator(".qr-code svg")).to_be_visible()
    expect_stacked_rows(main.locator("table").first, is_phone)
    visit(page, "/my/inquiries/")

    # The centre administrator: every document, and the transcript's page.
    signed_in_as(page, live_server, CENTRE_ADMIN)
    visit(page, "/proof/manage/")
    expect_stacked_rows(main.locator("table"), is_phone)
    visit(page, f"/proof/manage/{document.pk}/")
    expect(main).to_contain_text(document.code_display)
