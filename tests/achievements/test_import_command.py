"""``manage.py import_results``: an operator's file goes through the batch service as the
institution's clerk, is worked in the command's own process, and the counts are printed; a
failed batch and bad arguments exit non-zero with a message that says what is wrong."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import InstitutionStaff
from achievements.models import (
    Achievement,
    AchievementCategory,
    CreditEntry,
    ImportBatch,
    QualificationLevel,
    RecognitionMandate,
)
from achievements.services.ledger import ledger_problems
from creditbank import pii
from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["外部编号", "身份证号码", "学习账户编号", "姓名", "成果名称", "取得日期", "成绩", "学分"]


@pytest.fixture
def world(review):
    return {
        "review": review,
        "clerk": review["institution_clerk"],
        "institution": review.institution,
        "category": AchievementCategory.objects.active().first(),
        "learner": review.account,
        "id": pii.decrypt(review.account.id_number_encrypted),
    }


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def good_rows(world):
    learner = world["learner"]
    return [
        ["C-1", world["id"], "", learner.real_name, "高等数学", "2024-06-30", "优秀", "4"],
        ["C-2", "", learner.account_number, learner.real_name, "大学英语", "2024/6/30", "85", "3"],
        ["C-3", world["id"], "", learner.real_name, "程序设计", "20240630", "不及格", "2"],
    ]


def bad_row(world):
    return ["C-9", world["id"], "", "王五", "线性代数", "2024-06-30", "良好", "2"]


def run(world, path, *args):
    out = StringIO()
    call_command(
        "import_results",
        "--institution",
        world["institution"].credit_code,
        "--category",
        world["category"].code,
        str(path),
        *args,
        stdout=out,
    )
    return out.getvalue()


def test_it_sends_the_file_as_the_only_clerk_and_prints_the_counts(world, tmp_path):
    RecognitionMandate.objects.create(
        institution=world["institution"],
        category=world["category"],
        level=QualificationLevel.objects.get(number=4),
        field="信息技术",
        granted_by=world["review"]["centre_admin"],
    )
    out = run(world, write_csv(tmp_path / "成绩.csv", good_rows(world)))
    batch = ImportBatch.objects.get()
    assert batch.source == ImportBatch.Source.COMMAND
    assert batch.mode == ImportBatch.Mode.ALL_OR_NOTHING
    assert batch.created_by == world["clerk"]
    assert batch.status == ImportBatch.Status.DONE
    assert batch.file_name == "成绩.csv"
    assert (batch.rows_read, batch.rows_committed, batch.recognised, batch.deposited) == (
        3,
        3,
        2,
        1,
    )
    assert Achievement.objects.filter(batch=batch).count() == 3
    assert CreditEntry.objects.filter(achievement__batch=batch).count() == 2
    assert f"Batch {batch.reference}: 成绩.csv (CSV" in out
    assert world["clerk"].username in out
    assert (
        f"Batch {batch.reference} done: rows read 3, rows valid 3, rows refused 0, "
        "rows committed 3, recognised 2, deposited 1, unchanged 0"
    ) in out
    assert list(ledger_problems()) == []
    assert AuditEvent.objects.filter(action="batch.finish", object_id=str(batch.pk)).exists()


def test_valid_rows_only_records_the_good_rows_and_lists_the_refused(world, tmp_path):
    path = write_csv(tmp_path / "results.csv", [*good_rows(world), bad_row(world)])
    out = run(world, path, "--valid-rows-only")
    batch = ImportBatch.objects.get()
    assert batch.mode == ImportBatch.Mode.VALID_ROWS
    assert (batch.status, batch.rows_refused, batch.rows_committed) == ("done", 1, 3)
    assert "Refused rows (1), what to fix:" in out
    assert "  row 5, 姓名: 姓名与学习账户的姓名不一致，请核对。\n" in out


def test_a_failed_batch_exits_non_zero_with_its_reason(world, tmp_path):
    path = write_csv(tmp_path / "results.csv", [*good_rows(world), bad_row(world)])
    with pytest.raises(CommandError) as failed:
        run(world, path)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert str(failed.value) == f"Batch {batch.reference} failed: {batch.failure}"
    assert batch.failure
    assert not Achievement.objects.filter(batch=batch).exists()


def test_the_same_file_again_is_refused_by_the_service(world, tmp_path):
    path = write_csv(tmp_path / "results.csv", good_rows(world))
    run(world, path)
    with pytest.raises(CommandError, match="The file was not accepted: "):
        run(world, path)
    assert ImportBatch.objects.count() == 1


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--institution", "91500000MA5U000000", "No institution has the unified social credit"),
        ("--category", "no-such-category", "No achievement category has the code"),
    ],
)
def test_unknown_institution_or_category_is_named(world, tmp_path, option, value, message):
    path = write_csv(tmp_path / "results.csv", good_rows(world))
    args = {
        "--institution": world["institution"].credit_code,
        "--category": world["category"].code,
    }
    args[option] = value
    with pytest.raises(CommandError, match=message):
        call_command("import_results", *[x for pair in args.items() for x in pair], str(path))
    assert not ImportBatch.objects.exists()


def test_a_missing_file_is_named(world, tmp_path):
    with pytest.raises(CommandError, match="No such file: .*missing.csv"):
        run(world, tmp_path / "missing.csv")
    assert not ImportBatch.objects.exists()


def test_with_several_clerks_it_asks_which_and_takes_user(world, tmp_path):
    second = UserFactory(username="second-clerk")
    InstitutionStaff.objects.create(
        institution=world["institution"], user=second, role=InstitutionStaff.Role.CLERK
    )
    path = write_csv(tmp_path / "results.csv", good_rows(world))
    with pytest.raises(CommandError, match=r"has 2 clerks \(.*second-clerk.*\).*--user"):
        run(world, path)
    assert not ImportBatch.objects.exists()
    run(world, path, "--user", "second-clerk")
    assert ImportBatch.objects.get().created_by == second


def test_without_a_clerk_or_with_someone_else_it_refuses(world, tmp_path):
    path = write_csv(tmp_path / "results.csv", good_rows(world))
    with pytest.raises(CommandError, match="No user has the username 'nobody'"):
        run(world, path, "--user", "nobody")
    outsider = world["review"]["branch_staff"]
    with pytest.raises(CommandError, match="The file was not accepted: "):
        run(world, path, "--user", outsider.username)
    InstitutionStaff.objects.filter(
        institution=world["institution"], role=InstitutionStaff.Role.CLERK
    ).delete()
    with pytest.raises(CommandError, match="has no clerk"):
        run(world, path)
    assert not ImportBatch.objects.exists()
