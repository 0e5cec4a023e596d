"""The clerk's batch pages (批量认定): sending a file, watching it, reading the outcome and the
refused rows, downloading them to correct and send again; the template; bad input refused
beside the field with nothing written; who may open what."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from accounts.models import InstitutionStaff
from achievements.batch import reader
from achievements.batch.errors import ERRORS_HEADING, ROW_HEADING
from achievements.batch.normalise import stored_errors
from achievements.models import (
    Achievement,
    AchievementCategory,
    ImportBatch,
    ImportRow,
    QualificationLevel,
    RecognitionMandate,
)
from achievements.services import batch as service
from creditbank import pii
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory
from tests.achievements.factories import active_account
from tests.conftest import new_people, signed_in
from tests.creditbank.test_chinese_pages import assert_chinese

pytestmark = pytest.mark.django_db

HEADER = ["外部编号", "身份证号码", "学习账户编号", "姓名", "成果名称", "取得日期", "成绩", "学分"]
LIST = reverse("achievements:batch_list")
NEW = reverse("achievements:batch_new")
TEMPLATE = reverse("achievements:batch_template")


def csv_file(rows, name="成绩.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def world(review):
    learner = review.account
    other = active_account(branch=review.branch)
    return {
        "review": review,
        "clerk": review["institution_clerk"],
        "institution": review.institution,
        "category": AchievementCategory.objects.active().first(),
        "learner": learner,
        "other": other,
        "id": pii.decrypt(learner.id_number_encrypted),
        "other_id": pii.decrypt(other.id_number_encrypted),
    }


def good_rows(world):
    learner, other = world["learner"], world["other"]
    return [
        ["R-1", world["id"], "", learner.real_name, "高等数学", "2024-06-30", "优秀", "4"],
        ["R-2", "", learner.account_number, learner.real_name, "大学英语", "2024/6/30", "85", "3"],
        ["R-3", world["other_id"], "", other.real_name, "程序设计", "20240630", "良好", "2"],
    ]


def bad_rows(world):
    learner = world["learner"]
    return [
        ["R-9", "5.00102E+17", "", learner.real_name, "线性代数", "2024-06-30", "良好", "2"],
        ["R-10", world["id"], "", "王五", "概率论", "2024-06-30", "良好", "2"],
    ]


@pytest.fixture
def send(client, world, django_capture_on_commit_callbacks):
    """``send(rows, mode=, name=)``: the clerk's upload through the page, the batch worked as
    the worker would (Celery is eager: the task runs when the upload commits)."""

    def upload(rows, *, mode=ImportBatch.Mode.VALID_ROWS, name="成绩.csv"):
        data = {"category": world["category"].pk, "mode": mode, "file": csv_file(rows, name)}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(NEW, data)

    return upload


def detail_of(batch):
    return reverse("achievements:batch_detail", args=[batch.pk])


def nothing_written():
    return (
        not ImportBatch.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="batch.").exists()
    )


# --- Sending and reading the outcome ----------------------------------------------------------


def test_the_clerk_sends_good_and_bad_rows_and_reads_the_counts_and_what_to_fix(
    client, world, send
):
    signed_in(client, world["clerk"])
    response = send(good_rows(world) + bad_rows(world))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == detail_of(batch)
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_read, batch.rows_refused, batch.deposited) == (5, 2, 3)
    assert Achievement.objects.filter(batch=batch).count() == 3
    assert AuditEvent.objects.filter(action="batch.upload", actor=world["clerk"]).count() == 1

    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert batch.reference in html
    assert f"The file was received as batch {batch.reference}." in html
    outcomes = page.context["batch"]
    assert (outcomes.recognised, outcomes.deposited, outcomes.unchanged) == (0, 3, 0)
    assert 'id="batch-outcomes"' in html and "hx-trigger" not in html
    refused = page.context["refused"]
    assert [line["number"] for line in refused.lines] == [5, 6]
    assert [line["external_id"] for line in refused.lines] == ["R-9", "R-10"]
    for row in ImportRow.objects.filter(batch=batch, outcome=ImportRow.Outcome.REFUSED):
        for _column, _code, message in stored_errors(row.errors):
            assert escape(message) in html
    assert "身份证号码" in html and "姓名" in html  # the headings of the columns to fix
    # The page never shows an ID number, the rounded one included.
    for number in (world["id"], world["other_id"], "5.00102E+17"):
        assert number not in html
    assert reverse("achievements:batch_refused", args=[batch.pk]) in html


def test_under_a_mandate_the_page_says_what_is_recognised_directly(client, world, send):
    RecognitionMandate.objects.create(
        institution=world["institution"],
        category=world["category"],
        level=QualificationLevel.objects.get(number=4),
        field="信息技术",
        granted_by=world["review"]["centre_admin"],
    )
    signed_in(client, world["clerk"])
    form = client.get(NEW).content.decode()
    assert "directly" in form and world["category"].name in form and "信息技术" in form
    send(good_rows(world))
    batch = ImportBatch.objects.get()
    assert (batch.recognised, batch.deposited) == (3, 0)
    html = client.get(detail_of(batch)).content.decode()
    assert "Recognised directly under the centre" in html and "No row was refused." in html


def unworked(world, rows):
    """A batch sent through the service and not worked: the test's transaction never commits,
    so its task waits, as if no worker had come."""
    return service.batch_upload(
        acting_user=world["clerk"],
        institution=world["institution"],
        category=world["category"],
        mode=ImportBatch.Mode.VALID_ROWS,
        upload=csv_file(rows),
    )


def test_the_progress_part_polls_while_the_batch_is_worked_and_stops_once_it_is_done(client, world):
    batch = unworked(world, good_rows(world) + bad_rows(world))
    signed_in(client, world["clerk"])
    progress_url = reverse("achievements:batch_progress", args=[batch.pk])
    page = client.get(detail_of(batch)).content.decode()
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "htmx" in page and 'id="batch-progress"' in page
    waiting = client.get(progress_url, headers={"HX-Request": "true"})
    part = waiting.content.decode()
    assert waiting.status_code == 200
    assert 'hx-trigger="every 2s"' in part and "<html" not in part
    assert "The file is waiting its turn to be read." in part
    assert 'id="batch-outcomes"' not in part

    assert service.batch_run(batch.pk) is True
    done = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "hx-get" not in done
    assert 'id="batch-outcomes"' in done and 'value="100"' in done
    assert "The batch is done." in done
    assert reverse("achievements:batch_refused", args=[batch.pk]) in done


def test_a_failed_batch_says_why_and_wrote_nothing(client, world, send):
    signed_in(client, world["clerk"])
    send(good_rows(world) + bad_rows(world), mode=ImportBatch.Mode.ALL_OR_NOTHING)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    html = client.get(detail_of(batch)).content.decode()
    assert 'id="batch-failed"' in html and "Nothing in this batch was recorded" in html
    assert "2 of 5 rows were refused, so nothing was recorded" in html
    # The worker wrote the reason in Chinese too; each reader sees it in their language.
    assert batch.failure.startswith("5 行中有 2 行被拒收")
    client.cookies["creditbank_language"] = "zh-hans"
    assert "5 行中有 2 行被拒收" in client.get(detail_of(batch)).content.decode()
    assert not Achievement.objects.filter(batch=batch).exists()


# --- The refused rows, to correct and send again ----------------------------------------------


def test_the_refused_rows_file_holds_exactly_them_with_their_errors_and_reads_again(
    client, world, send, django_capture_on_commit_callbacks
):
    signed_in(client, world["clerk"])
    rows = good_rows(world) + bad_rows(world)
    send(rows)
    batch = ImportBatch.objects.get()
    response = client.get(reverse("achievements:batch_refused", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{batch.reference}-refused.xlsx"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)

    sheet = load_workbook(io.BytesIO(content))[reader.DATA_SHEET]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    headings = [reader.HEADINGS[key] for key in reader.COLUMNS]
    assert table[0] == [*headings, ROW_HEADING, ERRORS_HEADING]
    assert [row[len(headings)] for row in table[1:]] == [5, 6]
    refused = {r.row_number: r for r in ImportRow.objects.filter(batch=batch, outcome="refused")}
    for row in table[1:]:
        errors = stored_errors(refused[row[len(headings)]].errors)
        assert row[-1] == "\n".join(f"{reader.HEADINGS[c]}：{m}" for c, _code, m in errors)
    assert [row[0] for row in table[1:]] == ["R-9", "R-10"]
    assert table[1][1] == "5.00102E+17" and table[2][1] == world["id"]  # as they were sent

    # It reads again as a result file: the header row found, the two extra columns ignored.
    read = list(reader.read_file(io.BytesIO(content), name="refused.xlsx"))
    assert [number for number, _cells in read] == [2, 3]
    assert read[1][1]["name"] == "王五" and set(read[1][1]) == set(reader.COLUMNS)

    # Corrected and sent again: done, nothing refused, the achievements recorded.
    sheet = load_workbook(io.BytesIO(content))
    data = sheet[reader.DATA_SHEET]
    data["B2"] = world["other_id"]
    data["D2"] = world["other"].real_name
    data["D3"] = world["learner"].real_name
    fixed = io.BytesIO()
    sheet.save(fixed)
    upload = SimpleUploadedFile(f"{batch.reference}-refused.xlsx", fixed.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            NEW, {"category": world["category"].pk, "mode": "valid", "file": upload}
        )
    second = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert again.url == detail_of(second)
    assert (second.status, second.rows_read, second.rows_refused) == ("done", 2, 0)
    assert set(Achievement.objects.filter(batch=second).values_list("external_id", flat=True)) == {
        "R-9",
        "R-10",
    }


def test_only_a_clerk_of_its_institution_downloads_the_refused_rows(client, world, send):
    signed_in(client, world["clerk"])
    send(good_rows(world) + bad_rows(world))
    batch = ImportBatch.objects.get()
    url = reverse("achievements:batch_refused", args=[batch.pk])
    for role, status in (
        ("institution_admin", 403),
        ("centre_admin", 403),
        ("quality_auditor", 403),
        ("institution_reviewer", 404),
        ("branch_staff", 404),
        ("learner", 404),
    ):
        client.force_login(world["review"][role])
        assert client.get(url).status_code == status, role
        if status == 403:
            page = client.get(detail_of(batch))
            assert page.status_code == 200 and url not in page.content.decode(), role
    # A clerk of another member institution: no such batch.
    stranger = new_people("stranger")["stranger"]
    InstitutionStaff.objects.create(
        institution=InstitutionFactory(), user=stranger, role=InstitutionStaff.Role.CLERK
    )
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(detail_of(batch)).status_code == 404


def test_a_batch_without_refused_rows_has_no_error_file(client, world, send):
    signed_in(client, world["clerk"])
    send(good_rows(world))
    batch = ImportBatch.objects.get()
    assert client.get(reverse("achievements:batch_refused", args=[batch.pk])).status_code == 404


# --- The template ----------------------------------------------------------------------------


def test_the_template_is_the_readers_workbook_in_the_pages_language(client, world):
    client.force_login(world["clerk"])
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == reader.DATA_SHEET
    header = next(workbook[reader.DATA_SHEET].iter_rows(values_only=True))
    assert list(header) == list(reader.HEADINGS.values())
    assert workbook.sheetnames[1] == "填写说明" or "说明" in workbook.sheetnames[1]
    signed_in(client, world["clerk"])
    english = load_workbook(io.BytesIO(client.get(TEMPLATE).content))
    assert english.sheetnames[1] == "Instructions"


# --- Bad input: a message beside the field, nothing written -----------------------------------


def test_a_form_without_a_file_is_told_so_beside_the_field(client, world):
    signed_in(client, world["clerk"])
    response = client.post(NEW, {"category": world["category"].pk, "mode": "valid"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert nothing_written()


def test_an_empty_file_is_refused_beside_the_field(client, world):
    signed_in(client, world["clerk"])
    empty = SimpleUploadedFile("成绩.csv", b"", content_type="text/csv")
    response = client.post(NEW, {"category": world["category"].pk, "mode": "valid", "file": empty})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert nothing_written()


def test_the_same_file_twice_is_refused_naming_the_first_batch(client, world, send):
    signed_in(client, world["clerk"])
    send(good_rows(world))
    first = ImportBatch.objects.get()
    events = AuditEvent.objects.count()
    response = send(good_rows(world))
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert first.reference in errors[0]
    assert ImportBatch.objects.count() == 1 and AuditEvent.objects.count() == events


def test_a_category_that_is_not_in_use_is_refused(client, world):
    retired = AchievementCategory.objects.create(
        code="retired", name_zh="停用", name_en="Retired", evidence_zh="-", evidence_en="-"
    )
    AchievementCategory.objects.filter(pk=retired.pk).update(is_active=False)
    signed_in(client, world["clerk"])
    data = {"category": retired.pk, "mode": "valid", "file": csv_file(good_rows(world))}
    response = client.post(NEW, data)
    assert response.status_code == 200 and response.context["form"].errors["category"]
    assert nothing_written()


@pytest.mark.parametrize("role", ["branch_staff", "institution_admin", "learner", "centre_admin"])
def test_only_a_clerk_sends_a_file(client, world, role):
    client.force_login(world["review"][role])
    data = {"category": world["category"].pk, "mode": "valid", "file": csv_file(good_rows(world))}
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, data).status_code == 403
    assert nothing_written()


def test_a_clerk_of_an_institution_outside_the_alliance_may_not_send(client, world):
    clerk = new_people("far_clerk")["far_clerk"]
    InstitutionStaff.objects.create(
        institution=InstitutionFactory(), user=clerk, role=InstitutionStaff.Role.CLERK
    )
    client.force_login(clerk)
    assert client.get(NEW).status_code == 403
    data = {"category": world["category"].pk, "mode": "valid", "file": csv_file(good_rows(world))}
    assert client.post(NEW, data).status_code == 403
    assert nothing_written()
    assert client.get(LIST).status_code == 200  # the list says who sends


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_the_institutions_batches_to_its_staff_and_all_to_the_centre(
    client, world, send
):
    signed_in(client, world["clerk"])
    send(good_rows(world) + bad_rows(world))
    batch = ImportBatch.objects.get()
    html = client.get(LIST).content.decode()
    assert (
        batch.reference in html and "成绩.csv" in html and "5 read, 2 refused, 3 recorded" in html
    )
    assert NEW in html
    for role in ("institution_admin", "centre_admin", "quality_auditor"):
        client.force_login(world["review"][role])
        assert batch.reference in client.get(LIST).content.decode(), role
    other_clerk = new_people("other_clerk")["other_clerk"]
    InstitutionStaff.objects.create(
        institution=InstitutionFactory(), user=other_clerk, role=InstitutionStaff.Role.CLERK
    )
    client.force_login(other_clerk)
    assert batch.reference not in client.get(LIST).content.decode()
    for role in ("learner", "branch_staff", "institution_reviewer"):
        client.force_login(world["review"][role])
        assert client.get(LIST).status_code == 403, role


def test_the_list_reads_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    def batch(n):
        return ImportBatch.objects.create(
            institution=world["institution"],
            category=world["category"],
            source=ImportBatch.Source.UPLOAD,
            mode=ImportBatch.Mode.VALID_ROWS,
            file_format="csv",
            file_name=f"成绩{n}.csv",
            sha256=f"{n:064d}",
            created_by=world["clerk"],
        )

    batch(0)
    client.force_login(world["clerk"])
    client.get(LIST)  # the session and the cached navigation state, once
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    for n in range(1, 8):
        batch(n)
    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST)
    assert len(response.context["page"]) == 8


def test_the_pages_are_chinese(client, world, send):
    client.force_login(world["clerk"])
    assert_chinese(client.get(LIST))
    assert_chinese(client.get(NEW))
    send(good_rows(world) + bad_rows(world))
    batch = ImportBatch.objects.get()
    assert_chinese(client.get(LIST))
    assert_chinese(client.get(detail_of(batch)))


def test_the_clerks_navigation_and_deposit_pages_lead_to_the_batches(client, world):
    signed_in(client, world["clerk"])
    for page in ("accounts:desk", "achievements:achievement_clerk_list"):
        assert f'href="{LIST}"' in client.get(reverse(page)).content.decode(), page
    signed_in(client, world["review"]["learner"])
    assert f'href="{LIST}"' not in client.get(reverse("accounts:desk")).content.decode()


def test_what_to_fix_is_shown_in_the_readers_language_whatever_the_workers(client, world, send):
    # The worker stages in the default language (Chinese); each reader sees their own.
    signed_in(client, world["clerk"])
    send(good_rows(world) + bad_rows(world) + [good_rows(world)[0]])  # R-1 (row 2) again
    batch = ImportBatch.objects.get()
    english = client.get(detail_of(batch)).content.decode()
    assert "The name does not match the learning account" in english
    assert "Row 2 has the same external identifier" in english
    assert "姓名与学习账户" not in english
    client.cookies["creditbank_language"] = "zh-hans"
    chinese = client.get(detail_of(batch)).content.decode()
    assert "姓名与学习账户" in chinese and "第 2 行的外部编号与此相同" in chinese
    assert "Row 2 has the same" not in chinese
    refused = client.get(reverse("achievements:batch_refused", args=[batch.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(refused.streaming_content)))[reader.DATA_SHEET]
    messages = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any("姓名与学习账户" in message for message in messages)


def test_the_bar_shows_the_share_of_the_file_read_then_of_the_rows_recorded(client, world):
    batch = unworked(world, good_rows(world))
    signed_in(client, world["clerk"])
    url = reverse("achievements:batch_progress", args=[batch.pk])

    def bar(**state):
        ImportBatch.objects.filter(pk=batch.pk).update(**state)
        part = client.get(url, headers={"HX-Request": "true"}).content.decode()
        found = re.search(r'<progress id="batch-progress"[^>]*?(?: value="(\d+)")?>', part)
        return None if found.group(1) is None else int(found.group(1))

    assert bar() is None  # waiting for a worker: no figure yet
    assert bar(status="validating", read_permille=0) == 0
    assert bar(read_permille=500) == 15  # half the file read: half of the reading's 30 %
    assert bar(status="processing", rows_read=100, rows_valid=100, rows_committed=0) == 30
    assert bar(rows_committed=50) == 65
    assert bar(rows_committed=100) == 99  # recorded, not yet done
    assert bar(status="done") == 100
