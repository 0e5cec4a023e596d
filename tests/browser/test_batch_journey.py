"""Batch recognition (批量认定) in a real browser, at phone and desktop widths, axe-core on every
page visited.

A member institution's clerk, whose institution the centre has authorised to recognise its
academic course results directly, signs in, downloads the template, fills it (in the test,
with openpyxl) with good rows and bad ones, and sends it. The batch waits for a worker: the
clerk watches its page poll (htmx) while the test works the batch as the worker would, until it
shows done, with the counts and the refused rows and what to fix in each. The clerk downloads
the refused rows, corrects them in the file (openpyxl again) and sends it back: this time the
batch runs in the upload's request (Celery is eager in tests) and its page shows it done with no
refused row. The learners' achievements exist, recognised with their credits.
"""

import re
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import InstitutionStaff, Role
from achievements.batch.errors import ERRORS_HEADING
from achievements.batch.reader import DATA_SHEET, HEADINGS
from achievements.models import (
    Achievement,
    AchievementCategory,
    CreditEntry,
    ImportBatch,
    QualificationLevel,
    RecognitionMandate,
)
from achievements.services.batch import batch_run
from creditbank import pii
from creditbank.celery import app as celery_app
from creditbank.models import AuditEvent
from tests.accounts.factories import (
    InstitutionFactory,
    InstitutionStaffFactory,
    RoleGrantFactory,
    UserFactory,
)
from tests.achievements.factories import active_account
from tests.branches.factories import AllianceMembershipFactory, BranchCentreFactory
from tests.browser.conftest import check_a11y
from tests.browser.journey_helpers import (
    exactly,
    in_a_worker_thread,
    label,
    main_nav,
    path_pattern,
    sign_in_staff,
    status_message,
    t,
)
from tests.conftest import with_totp

pytestmark = pytest.mark.browser

BRANCH = "沙坪坝区分中心"
INSTITUTION = "重庆城市职业学院"
FIELD = "信息技术"
LEARNERS = (("zhang_wei", "张伟"), ("li_na", "李娜"), ("wang_fang", "王芳"))


@pytest.fixture
def batch_world(reference_data, transactional_db, settings):
    """An approved member institution with a clerk (TOTP), the centre's mandate to recognise
    its academic course results directly (level 3, 信息技术), and three learners with active
    learning accounts."""
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("10")
    branch = BranchCentreFactory(name=BRANCH)
    institution = InstitutionFactory(name=INSTITUTION)
    AllianceMembershipFactory(institution=institution, branch=branch)
    clerk = UserFactory(username="clerk_zhou")
    secret = with_totp(clerk)
    InstitutionStaffFactory(institution=institution, user=clerk, role=InstitutionStaff.Role.CLERK)
    admin = RoleGrantFactory(user=UserFactory(username="centre_chen"), role=Role.CENTRE_ADMIN).user
    category = AchievementCategory.objects.get(code="academic_course")
    RecognitionMandate.objects.create(
        institution=institution,
        category=category,
        level=QualificationLevel.objects.get(number=3),
        field=FIELD,
        granted_by=admin,
    )
    learners = {
        name: active_account(branch=branch, user=UserFactory(username=username), real_name=name)
        for username, name in LEARNERS
    }
    return {
        "institution": institution,
        "clerk": (clerk, secret),
        "category": category,
        "learners": learners,
        "ids": {name: pii.decrypt(a.id_number_encrypted) for name, a in learners.items()},
    }


@contextmanager
def batches_left_to_the_worker():
    """Batches sent inside the block are queued for a worker — on a queue of the test's own,
    which no worker reads — instead of worked in the upload's request (Celery is eager in
    tests), so that their page shows them waiting until the test works them itself. The queue,
    its message and its bindings are deleted afterwards."""
    conf = celery_app.conf
    name = f"test-batch-{uuid.uuid4().hex[:12]}"
    default_queue = conf.task_default_queue
    conf.task_default_queue, conf.task_always_eager = name, False
    try:
        yield
    finally:
        conf.task_default_queue, conf.task_always_eager = default_queue, True
        queue = celery_app.amqp.queues.pop(name, None)
        if queue is not None:
            with celery_app.connection_for_write() as connection:
                bound = queue(connection.default_channel)
                bound.declare()  # known to this channel, so that delete drops the bindings
                bound.delete()


def fill_template(template, saved, world):
    """The downloaded template, its example row deleted and four results entered: two good
    (one by ID number, one by learning account number), one whose name is not the learning
    account's, one whose grade is not one."""
    workbook = load_workbook(template)
    sheet = workbook[DATA_SHEET]
    assert [cell.value for cell in sheet[1]] == list(HEADINGS.values())
    sheet.delete_rows(2)
    ids, account = world["ids"], world["learners"]["李娜"].account_number
    course = "计算机应用基础"
    for row in (
        ["2024-JSJ-001", ids["张伟"], None, "张伟", course, "2024-06-30", "优秀", 4],
        ["2024-JSJ-002", None, account, "李娜", "数据库技术", "2024/6/30", 85, 3],
        ["2024-JSJ-003", ids["王芳"], None, "王方", course, "20240630", "良好", 4],
        ["2024-JSJ-004", ids["李娜"], None, "李娜", course, "2024-06-30", "很好", 4],
    ):
        sheet.append(row)
    workbook.save(saved)


def send_file(page, live_server, world, path):
    """From the batch list, the upload form filled in and sent."""
    main = page.get_by_role("main")
    main.get_by_role("link", name=t("Send a result file"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institution/batches/new/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Send a result file"))
    main.get_by_label(label(t("Achievement category"))).select_option(
        label=world["category"].name_zh
    )
    expect(main.get_by_role("radio", name=re.compile("^" + t("Valid rows only")))).to_be_checked()
    main.get_by_label(label(t("Result file (XLSX or CSV)"))).set_input_files(path)
    main.get_by_role("button", name=t("Send the file"), exact=True).click()


def tp(context, message):
    """``t`` for a message with a context (``pgettext``)."""
    with translation.override("zh-hans"):
        return translation.pgettext(context, message)


def state(page):
    return page.get_by_role("main").get_by_role("region", name=re.compile("^" + t("Status")))


def test_a_clerk_sends_a_file_watches_it_downloads_the_refused_rows_and_sends_them_corrected(
    page, live_server, batch_world, tmp_path
):
    world = batch_world
    clerk, secret = world["clerk"]
    main = page.get_by_role("main")
    sign_in_staff(page, live_server, clerk.username, secret)
    main_nav(page).get_by_role("link", name=t("Batch recognition"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institution/batches/"))
    expect(main.get_by_role("heading", level=1)).to_have_text(t("Batch recognition"))
    expect(main).to_contain_text(t("No batches yet."))
    check_a11y(page)

    # The form says what the mandate recognises directly; the template comes from it.
    main.get_by_role("link", name=t("Send a result file"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institution/batches/new/"))
    direct = main.get_by_role("region", name=t("Recognised directly or reviewed"), exact=True)
    expect(direct).to_contain_text(world["category"].name_zh)
    expect(direct).to_contain_text(FIELD)
    check_a11y(page)
    with page.expect_download() as download:
        main.get_by_role("link", name=t("Download the template (XLSX)"), exact=True).click()
    assert download.value.suggested_filename == t("result-batch-template.xlsx")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    results = tmp_path / "2024春季成绩.xlsx"
    fill_template(template, results, world)
    page.get_by_role("link", name=t("Batch recognition"), exact=True).first.click()
    expect(page).to_have_url(exactly(live_server, "/institution/batches/"))

    # Sent, the batch waits for a worker; its page shows it waiting, with the progress bar.
    with batches_left_to_the_worker():
        send_file(page, live_server, world, results)
        expect(page).to_have_url(path_pattern(live_server, r"/institution/batches/\d+/"))
    batch = ImportBatch.objects.get()
    expect(status_message(page)).to_have_text(
        t(
            "The file was received as batch %(batch)s. This page shows its progress.",
            batch=batch.reference,
        )
    )
    expect(main.get_by_role("heading", level=1)).to_contain_text(batch.reference)
    expect(state(page)).to_contain_text(t("The file is waiting its turn to be read."))
    expect(main.get_by_role("progressbar", name=t("Progress"))).to_be_visible()
    page.wait_for_load_state("load")  # htmx (a deferred script) polls from here
    check_a11y(page)

    # The test is the worker: the page, polling, shows the batch done with its counts.
    assert in_a_worker_thread(batch_run, batch.pk) is True
    expect(state(page)).to_contain_text(t("The batch is done."))
    expect(main.get_by_role("progressbar", name=t("Progress"))).to_have_attribute("value", "100")
    counts = main.get_by_role("region", name=tp("batch", "Outcome"), exact=True)
    expect(counts.locator("dd").nth(0)).to_have_text("2")  # recognised
    expect(counts.locator("dd").nth(3)).to_have_text("2")  # refused
    refused = main.get_by_role("region", name=t("Refused rows"), exact=True)
    rows = refused.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("2024-JSJ-003")
    expect(rows.nth(0)).to_contain_text(
        t("The name does not match the learning account's name: please check both.")
    )
    expect(rows.nth(1)).to_contain_text("2024-JSJ-004")
    expect(rows.nth(1)).to_contain_text(HEADINGS["result"])
    for number in world["ids"].values():
        expect(main).not_to_contain_text(number)
    check_a11y(page)

    # The refused rows, downloaded, corrected in the file and sent again.
    with page.expect_download() as download:
        refused.get_by_role("link", name=t("Download the refused rows (XLSX)")).click()
    assert download.value.suggested_filename == f"{batch.reference}-refused.xlsx"
    fixed = tmp_path / f"{batch.reference}-refused.xlsx"
    download.value.save_as(fixed)
    workbook = load_workbook(fixed)
    sheet = workbook[DATA_SHEET]
    header = [cell.value for cell in sheet[1]]
    assert header[-1] == ERRORS_HEADING
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "2024-JSJ-003",
        "2024-JSJ-004",
    ]
    sheet.cell(row=2, column=header.index(HEADINGS["name"]) + 1, value="王芳")
    sheet.cell(row=3, column=header.index(HEADINGS["result"]) + 1, value="良好")
    workbook.save(fixed)

    main.get_by_role("link", name=t("Batch recognition"), exact=True).click()
    expect(page).to_have_url(exactly(live_server, "/institution/batches/"))
    expect(main.get_by_role("row").filter(has_text=batch.reference)).to_contain_text(
        tp("batch status", "Done")
    )
    check_a11y(page)
    send_file(page, live_server, world, fixed)  # worked in the request: done at once
    expect(page).to_have_url(path_pattern(live_server, r"/institution/batches/\d+/"))
    second = ImportBatch.objects.exclude(pk=batch.pk).get()
    expect(main.get_by_role("heading", level=1)).to_contain_text(second.reference)
    expect(state(page)).to_contain_text(t("The batch is done."))
    expect(main.get_by_role("progressbar", name=t("Progress"))).to_have_attribute("value", "100")
    expect(main.get_by_role("region", name=tp("batch", "Outcome"), exact=True)).to_contain_text(
        t("No row was refused.")
    )
    expect(main.get_by_role("region", name=t("Refused rows"), exact=True)).to_have_count(0)
    check_a11y(page)

    # The four results are recorded, recognised under the mandate, credited once each.
    second.refresh_from_db()
    assert (second.status, second.rows_read, second.rows_refused, second.recognised) == (
        ImportBatch.Status.DONE,
        2,
        0,
        2,
    )
    recorded = Achievement.objects.filter(issuer_institution=world["institution"])
    assert sorted(recorded.values_list("external_id", "status", "account__real_name")) == [
        ("2024-JSJ-001", "recognised", "张伟"),
        ("2024-JSJ-002", "recognised", "李娜"),
        ("2024-JSJ-003", "recognised", "王芳"),
        ("2024-JSJ-004", "recognised", "李娜"),
    ]
    assert sorted(
        CreditEntry.objects.filter(achievement__in=recorded).values_list("amount", flat=True)
    ) == [Decimal("3.00"), Decimal("4.00"), Decimal("4.00"), Decimal("4.00")]
    assert (
        list(
            AuditEvent.objects.filter(action__startswith="batch.")
            .order_by("pk")
            .values_list("action", flat=True)
        )
        == ["batch.upload", "batch.commit", "batch.finish"] * 2
    )
