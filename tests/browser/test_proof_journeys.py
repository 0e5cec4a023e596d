"""Proof (证明) in a real browser, at phone and desktop widths, axe-core on every page visited.

The learner requests a transcript in Chinese and watches it being prepared (the progress bar
polled by htmx, then the download); downloads the PDF (signed: ``pdfsig`` says the signature is
valid) and the credential (a ``ClrCredential``); shares it with a PIN and reads the link, shown
once. The public opens the share (a wrong PIN is told so, the right one shows the document) and
the verification page by typing the code as people do (lower case, with dashes): valid, with
the lines. The learner's view log then shows these openings — when and through what, never
who. The centre's administrator revokes a document: its verification page turns red with the
reason and its share link shows it no more. An employer makes a learning credit inquiry
(学习信誉查询) with the consent code the learner made: the summary once, then the one generic
message; the learner sees who asked, as they named themselves.

The world is built with the factories and the services (not the demo command). Celery runs
eagerly in the tests, so a document renders inside the request that asks for it; the first
journey queues it instead (``renders_left_to_the_worker``) and renders it itself, as the worker
would, while the page polls. Rendering runs in a thread of its own (``in_a_worker_thread``):
the test thread runs Playwright's event loop, where pyHanko's signing cannot start its own.
"""

import datetime
import json
import re
import subprocess
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import Role
from achievements import services as achievement_services
from achievements.models import (
    AchievementCategory,
    CreditInquiry,
    DocumentView,
    InquiryConsent,
    ProofDocument,
)
from achievements.services import proof
from branches.models import StaffAssignment
from creditbank.celery import app as celery_app
from creditbank.models import AuditEvent
from tests.accounts.factories import RoleGrantFactory, UserFactory
from tests.achievements.factories import (
    QualificationLevelFactory,
    UnitStandardFactory,
    active_account,
    deposit,
)
from tests.branches.factories import BranchCentreFactory, StaffAssignmentFactory
from tests.browser import journey_helpers
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    in_a_worker_thread,
    label,
    main_nav,
    path_pattern,
    sign_in,
    sign_in_staff,
    status_message,
    t,
)
from tests.conftest import with_totp

pytestmark = pytest.mark.browser
# The public's (or the employer's) own browser beside the signed-in ``page``.
second_page = journey_helpers.second_page

BRANCH = "渝中区分中心"
LEARNER = "张伟"
OFFICE = ("CQ-IT-0101", "办公软件应用", "办公软件应用培训")
NURSING = "养老护理员职业技能等级证书"
PIN = "2580"
EMPLOYER = "重庆某科技有限公司人事部"
REVOCATION = "经核查，证书系伪造，撤销本成绩单。"


# --- The world ---------------------------------------------------------------------------------


def recognised(account, *, people, title, standard=None, **facts):
    """An achievement of ``account`` deposited, applied for, checked and recognised through the
    services: against ``standard``, or at two credits of level 3 in 信息技术 without one."""
    achievement = deposit(
        account=account,
        category=AchievementCategory.objects.get(code="training"),
        title=title,
        issuer_name="重庆市职业技能鉴定中心",
        obtained_on=datetime.date(2024, 6, 1),
        result_kind="pass",
        result_value="pass",
        **facts,
    )
    achievement_services.achievement_submit(acting_user=account.user, achievement=achievement)
    achievement_services.achievement_forward(acting_user=people["desk"], achievement=achievement)
    decision = (
        {"unit_standard": standard}
        if standard is not None
        else {
            "credits": Decimal("2.00"),
            "level": QualificationLevelFactory(number=3),
            "field": "信息技术",
        }
    )
    achievement_services.achievement_recognise(
        acting_user=people["expert"], achievement=achievement, **decision
    )
    achievement.refresh_from_db()
    return achievement


@pytest.fixture
def proof_world(reference_data, transactional_db, settings):
    """A learner (张伟, zhang_wei) at a branch with two recognised achievements (5 credits),
    and a centre administrator with TOTP (admin_chen)."""
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("10")
    branch = BranchCentreFactory(name=BRANCH)
    desk = StaffAssignmentFactory(branch=branch, role=StaffAssignment.Role.STAFF).user
    expert = RoleGrantFactory(user=UserFactory(username="expert_sun"), role=Role.EXPERT).user
    admin = UserFactory(username="admin_chen")
    admin_secret = with_totp(admin)
    RoleGrantFactory(user=admin, role=Role.CENTRE_ADMIN)
    learner = UserFactory(username="zhang_wei")
    account = active_account(branch=branch, user=learner, real_name=LEARNER)
    code, name, title = OFFICE
    standard = UnitStandardFactory(
        approved=True,
        code=code,
        name=name,
        field="信息技术",
        level=QualificationLevelFactory(number=3),
        credit_value=Decimal("3.00"),
    )
    people = {"desk": desk, "expert": expert}
    achievements = [
        recognised(account, people=people, title=title, standard=standard),
        recognised(account, people=people, title=NURSING),
    ]
    return {
        "learner": learner,
        "account": account,
        "admin": (admin, admin_secret),
        "achievements": achievements,
    }


def ready_transcript(world) -> ProofDocument:
    """A Chinese transcript of the learner, requested through the service (rendered at once:
    Celery runs eagerly; in a thread of its own, as the signing needs)."""
    document = in_a_worker_thread(
        proof.document_request,
        acting_user=world["learner"],
        kind="transcript",
        language="zh-hans",
        valid_days=90,
    )
    document.refresh_from_db()
    assert document.status == ProofDocument.Status.READY, document.failure
    return document


@contextmanager
def renders_left_to_the_worker():
    """Documents requested inside the block are queued for a worker — on a queue of the
    test's own, which no worker reads — instead of rendered in the request (Celery runs
    eagerly in tests), so that the page shows them waiting until the test renders them
    itself. The queue, its message and its bindings are deleted afterwards."""
    conf = celery_app.conf
    name = f"test-proof-{uuid.uuid4().hex[:12]}"
    default_queue = conf.task_default_queue
    conf.task_default_queue, conf.task_always_eager = name, False
    try:
        yield
    finally:
        conf.task_default_queue, conf.task_always_eager = default_queue, True
        # The router declared the queue as it published (task_create_missing_queues).
        queue = celery_app.amqp.queues.pop(name, None)
        if queue is not None:
            with celery_app.connection_for_write() as connection:
                bound = queue(connection.default_channel)
                bound.declare()  # known to this channel, so that delete drops the bindings
                bound.delete()


# --- The pages' parts --------------------------------------------------------------------------


def tp(context, message, **values):
    """``t`` for a message with a context (``pgettext``)."""
    with translation.override("zh-hans"):
        text = translation.pgettext(context, message)
    return text % values if values else text


def verdict(page):
    """The verification page's status panel: green (``success``) when valid, red (``error``)
    when revoked or withdrawn."""
    return (
        page.get_by_role("main")
        .locator("div.message[role=status]")
        .filter(has=page.locator("#state-title"))
    )


def hue(element) -> str:
    """``green`` or ``red``: which the element's background leans to (the panel's tint)."""
    rgb = element.evaluate("e => getComputedStyle(e).backgroundColor")
    red, green, blue = (int(part) for part in re.findall(r"\d+", rgb)[:3])
    if green > red and green > blue:
        return "green"
    return "red" if red > green and red > blue else rgb


def pdfsig(path) -> str:
    """What poppler's ``pdfsig`` says of the PDF at ``path``."""
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def to_the_documents(page, live_server):
    """The learner's way to their transcripts and proofs: the header's link."""
    main_nav(page).get_by_role("link", name=t("Transcripts and proofs"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/documents/"))


def to_verification(page, live_server):
    """Anyone's way to the verification page: the header's link."""
    main_nav(page).get_by_role("link", name=t("Verify a document"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/verify/"))


def posted(page):
    """Wait for the answer to the form posted inside the block: ``with posted(page) as
    answer: ...click()``; ``answer.value.status``."""
    return page.expect_response(lambda response: response.request.method == "POST")


# --- 1. The learner requests, watches, downloads and shares ------------------------------------


def test_the_learner_requests_a_transcript_watches_it_render_downloads_and_shares_it(
    page, live_server, proof_world, tmp_path
):
    world = proof_world
    main = page.get_by_role("main")
    sign_in(page, "zhang_wei")
    to_the_documents(page, live_server)
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Transcripts and proofs"))
    check_a11y(page)
    main.get_by_role("link", name=t("Request a transcript"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/documents/new/?kind=transcript"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Request a document"))
    expect(main.get_by_label(t("Transcript"), exact=True)).to_be_checked()
    check_a11y(page)
    main.get_by_label(t("Chinese"), exact=True).check()
    main.get_by_label(label(t("Verifiable for"))).select_option(label=t("90 days"))

    # The rendering is queued for a worker: the page shows the document being prepared.
    with renders_left_to_the_worker():
        main.get_by_role("button", name=t("Request the document"), exact=True).click()
        expect(page).to_have_url(path_pattern(live_server, r"/my/documents/\d+/"))
        progress = main.get_by_role("progressbar", name=t("Progress"))
        expect(progress).to_be_visible()
    expect(status_message(page)).to_have_text(
        t(
            "Your %(kind)s is being prepared; this page shows when it is ready.",
            kind=t("Transcript"),
        )
    )
    document = ProofDocument.objects.get(account=world["account"])
    assert document.status == ProofDocument.Status.REQUESTED
    expect(main.locator("#document-status")).to_contain_text(
        t("Your request is waiting its turn to be prepared.")
    )
    check_a11y(page)
    # The test is the worker: it renders the document while the page polls; the page then
    # shows the downloads, the code and the QR code.
    in_a_worker_thread(proof.document_render, document_id=document.pk)
    pdf_link = main.get_by_role("link", name=t("Download the signed PDF"), exact=True)
    expect(pdf_link).to_be_visible()
    expect(progress).to_have_count(0)
    document.refresh_from_db()
    assert document.status == ProofDocument.Status.READY
    expect(main.get_by_role("heading", level=1)).to_contain_text(document.code_display)
    expect(main.get_by_role("img", name=t("QR code of the verification address"))).to_be_visible()
    for achievement in world["achievements"]:
        expect(main).to_contain_text(achievement.title)
    check_a11y(page)

    # The PDF, signed by the bank: pdfsig says the signature is valid.
    with page.expect_download() as download:
        pdf_link.click()
    saved = tmp_path / "transcript.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert "Signature is Valid." in pdfsig(saved), pdfsig(saved)
    assert download.value.suggested_filename == f"成绩单-{document.code}.pdf"

    # The verifiable credential: a signed ClrCredential.
    with page.expect_download() as download:
        main.get_by_role("link", name=t("Download the verifiable credential"), exact=True).click()
    credential = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert "ClrCredential" in credential["type"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"

    # A share link with a PIN: its address is shown once.
    share_form = main.get_by_role("region", name=t("Share by link"), exact=True)
    share_form.get_by_label(label(t("Shared with (optional)"))).fill("用人单位")
    share_form.get_by_label(label(t("Access PIN (optional)"))).fill(PIN)
    share_form.get_by_role("button", name=t("Make a share link"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/my/documents/{document.pk}/"))
    expect(status_message(page)).to_have_text(t("The share link was made."))
    shown = main.get_by_role("region", name=t("Your new share link"), exact=True)
    expect(shown).to_contain_text(t("Give them the access PIN separately."))
    link = shown.locator(".mono").inner_text().strip()
    assert re.fullmatch(re.escape(live_server.url) + r"/verify/s/[\w-]{20,}/", link), link
    check_a11y(page)
    share = document.shares.get()
    assert share.label == "用人单位" and share.has_pin
    # Shown once: the page lists the share, no longer its address.
    page.reload()
    expect(main.get_by_role("region", name=t("Your new share link"))).to_have_count(0)
    expect(main.get_by_role("row").filter(has_text="用人单位")).to_contain_text(
        tp("link state", "Open")
    )
    expect(main).not_to_contain_text(link)
    check_a11y(page)
    assert list(
        AuditEvent.objects.filter(action__startswith="document.")
        .order_by("pk")
        .values_list("action", "actor__username")
    ) == [
        ("document.request", "zhang_wei"),
        ("document.render", None),
        ("document.ready", None),
        ("document.share", "zhang_wei"),
    ]


# --- 2. The public opens the share and the verification page -----------------------------------


def test_the_public_opens_the_share_with_its_pin_and_the_verification_page_the_learner_sees_when(
    page, live_server, proof_world
):
    world = proof_world
    document = ready_transcript(world)
    _share, token = proof.share_create(
        acting_user=world["learner"], document=document, label="用人单位", pin=PIN, valid_days=14
    )
    main = page.get_by_role("main")

    # The share link asks for the PIN; a wrong one is told so (on a page that answers 200).
    page.goto(f"/verify/s/{token}/")
    expect(main.get_by_role("heading", level=1)).to_have_text(t("A document was shared with you"))
    expect(main).not_to_contain_text(LEARNER)
    check_a11y(page)
    main.get_by_label(label(t("PIN"))).fill("0000")
    with posted(page) as answer:
        main.get_by_role("button", name=t("Show the document"), exact=True).click()
    assert answer.value.status == 200
    expect(main).to_contain_text(
        t(
            "This PIN is not right. After %(left)s more wrong tries the link stops working.",
            left=proof.PIN_TRIES - 1,
        )
    )
    expect(main).not_to_contain_text(LEARNER)
    check_a11y(page)
    # The right PIN shows the document: whose, what it certifies, its code.
    main.get_by_label(label(t("PIN"))).fill(PIN)
    main.get_by_role("button", name=t("Show the document"), exact=True).click()
    expect(main).to_contain_text(t("Shown through a share link the learner made."))
    expect(verdict(page)).to_contain_text(tp("verification", "Valid"))
    expect(main).to_contain_text(LEARNER)
    for achievement in world["achievements"]:
        expect(main).to_contain_text(achievement.title)
    expect(main).to_contain_text(document.code_display)
    check_a11y(page)

    # The verification page, by the code typed as people type it: lower case, with dashes.
    to_verification(page, live_server)
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Verify a document"))
    check_a11y(page)
    main.get_by_label(label(t("Verification code"))).fill(document.code_display.lower())
    main.get_by_role("button", name=t("Verify"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/verify/{document.code}/"))
    expect(verdict(page)).to_contain_text(tp("verification", "Valid"))
    expect(verdict(page)).to_have_class(re.compile(r"\bsuccess\b"))  # green
    assert hue(verdict(page)) == "green"
    expect(main).to_contain_text(LEARNER)
    expect(main).to_contain_text(world["account"].account_number)
    lines = main.get_by_role("region", name=t("What this document certifies"), exact=True)
    for achievement in world["achievements"]:
        expect(lines.get_by_role("row").filter(has_text=achievement.title)).to_have_count(1)
    expect(main).to_contain_text(document.expires_at.astimezone().date().isoformat())
    check_a11y(page)
    assert sorted(DocumentView.objects.filter(document=document).values_list("via", flat=True)) == [
        DocumentView.Via.CODE,
        DocumentView.Via.SHARE,
    ]

    # The learner's view log: when and through what (the share by its label), never who.
    sign_in(page, "zhang_wei")
    to_the_documents(page, live_server)
    main.get_by_role("row").filter(has_text=document.code_display).get_by_role("link").click()
    expect(page).to_have_url(exactly(live_server, f"/my/documents/{document.pk}/"))
    log = main.get_by_role("region", name=t("Who opened it — when and how"), exact=True)
    rows = log.locator("tbody tr")
    expect(rows).to_have_count(2)
    today = timezone.localdate().isoformat()
    by_share = rows.filter(has_text="用人单位")
    expect(by_share).to_contain_text(t("Share link"))
    expect(by_share).to_contain_text(today)
    by_code = rows.filter(has_text=t("Verification code"))
    expect(by_code).to_contain_text(today)
    expect(by_code).to_contain_text("—")
    expect(log).not_to_contain_text("127.0.0.1")
    check_a11y(page)


# --- 3. The centre revokes; the page turns red -------------------------------------------------


def test_the_centre_revokes_a_document_and_its_verification_page_turns_red(
    page, second_page, live_server, proof_world
):
    world = proof_world
    document = ready_transcript(world)
    _share, token = proof.share_create(
        acting_user=world["learner"], document=document, label="用人单位", valid_days=14
    )
    # The public's browser shows the document valid, through its code and its share link.
    public = second_page.get_by_role("main")
    second_page.goto(f"/verify/{document.code}/")
    expect(verdict(second_page)).to_contain_text(tp("verification", "Valid"))
    check_a11y(second_page)

    # The centre's administrator finds the document by its code and revokes it.
    admin, secret = world["admin"]
    sign_in_staff(page, live_server, admin.username, secret)
    main = page.get_by_role("main")
    main_nav(page).get_by_role("link", name=t("Manage transcripts and proofs"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/proof/manage/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Transcripts and proofs"))
    check_a11y(page)
    main.get_by_label(label(t("Verification code or account number"))).fill(document.code_display)
    main.get_by_role("button", name=t("Show"), exact=True).click()
    main.get_by_role("link", name=document.code_display, exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/proof/manage/{document.pk}/"))
    expect(main).to_contain_text(LEARNER)
    check_a11y(page)
    revoke = main.get_by_role("region", name=t("Revoke this document"), exact=True)
    revoke.get_by_label(label(t("Reason"))).fill(REVOCATION)
    revoke.get_by_role("button", name=t("Revoke"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, f"/proof/manage/{document.pk}/"))
    expect(status_message(page)).to_have_text(
        t("The document was revoked. Its verification page now says so.")
    )
    expect(verdict(page)).to_contain_text(tp("verification", "Revoked"))
    expect(main.get_by_role("region", name=t("Revoke this document"))).to_have_count(0)
    check_a11y(page)
    document.refresh_from_db()
    assert document.status == ProofDocument.Status.REVOKED
    assert (document.revoked_by, document.revoked_reason) == (admin, REVOCATION)

    # The verification page is red now, with the reason; the share link shows it no more.
    second_page.reload()
    expect(verdict(second_page)).to_contain_text(tp("verification", "Revoked"))
    expect(verdict(second_page)).to_contain_text(REVOCATION)
    expect(verdict(second_page)).to_have_class(re.compile(r"\berror\b"))  # red
    assert hue(verdict(second_page)) == "red"
    check_a11y(second_page)
    second_page.goto(f"/verify/s/{token}/")
    expect(public.get_by_role("heading", level=1)).to_have_text(t("This share link has ended"))
    expect(public).not_to_contain_text(LEARNER)
    for achievement in world["achievements"]:
        expect(public).not_to_contain_text(achievement.title)
    check_a11y(second_page)


# --- 4. A learning credit inquiry with a consent code ------------------------------------------


def test_an_employer_makes_a_credit_inquiry_with_the_learners_consent_code(
    page, second_page, live_server, proof_world
):
    world = proof_world
    account = world["account"]
    main = page.get_by_role("main")
    sign_in(page, "zhang_wei")
    main_nav(page).get_by_role("link", name=t("My learning archive"), exact=True).click()
    main.get_by_role("link", name=t("Learning credit inquiry consents"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/inquiries/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Learning credit inquiry consents"))
    check_a11y(page)
    make = main.get_by_role("region", name=t("Make a consent code"), exact=True)
    make.get_by_label(t("Credit totals and recognised achievements"), exact=True).check()
    make.get_by_label(label(t("For whom (optional)"))).fill("应聘")
    make.get_by_role("button", name=t("Make the code"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/my/inquiries/"))
    shown = main.get_by_role("region", name=t("Your new consent code"), exact=True)
    code = shown.locator(".code-shown").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    expect(shown).to_contain_text(account.account_number)
    check_a11y(page)
    assert InquiryConsent.objects.get(account=account).scope == "achievements"

    # The employer, in a browser of their own, sees the summary, once.
    public = second_page.get_by_role("main")

    def inquire():
        second_page.goto("/")
        to_verification(second_page, live_server)
        public.get_by_role("link", name=t("Make a learning credit inquiry"), exact=True).click()
        expect(second_page).to_have_url(exactly(live_server, "/verify/inquiry/"))
        check_a11y(second_page)
        public.get_by_label(label(t("Learning account number"))).fill(account.account_number)
        public.get_by_label(label(t("Consent code"))).fill(code)
        public.get_by_label(label(t("Your name or organisation"))).fill(EMPLOYER)
        public.get_by_label(label(t("Purpose"))).fill("入职背景核查")
        with posted(second_page) as answer:
            public.get_by_role("button", name=t("Make the inquiry"), exact=True).click()
        assert answer.value.status == 200

    inquire()
    credits = public.get_by_role("region", name=t("Learning credits"), exact=True)
    expect(credits).to_contain_text(LEARNER)
    expect(credits).to_contain_text("5.00")
    expect(credits).to_contain_text(EMPLOYER)
    for achievement in world["achievements"]:
        expect(public.get_by_role("row").filter(has_text=achievement.title)).to_have_count(1)
    check_a11y(second_page)
    # The same code again: the one message that says nothing of what was wrong.
    inquire()
    expect(public).to_contain_text(
        t("The account number and consent code do not match a valid consent.")
    )
    expect(public).not_to_contain_text(LEARNER)
    check_a11y(second_page)
    inquiry = CreditInquiry.objects.get()
    assert (inquiry.inquirer, inquiry.consent.account) == (EMPLOYER, account)

    # The learner sees the inquiry: who asked (as they named themselves) and when.
    page.reload()
    card = main.locator("ul.consents > li").filter(has_text=code[-4:])
    expect(card).to_contain_text(t("Used"))
    expect(card).to_contain_text(EMPLOYER)
    expect(card).to_contain_text(inquiry.at.astimezone().strftime("%Y-%m-%d %H:%M"))
    expect(card).to_contain_text("入职背景核查")
    check_a11y(page)
