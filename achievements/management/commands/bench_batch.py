"""``python manage.py bench_batch`` (``make bench-batch``, and in ``make bench``): batch
recognition (issue 15) end to end beside its floors, and the worker's memory on a large file.

The world: a member institution (approved, an active alliance membership) with a clerk and the
centre's mandate to recognise its academic courses directly, and ``--learners`` learners
(default 20 000) with real ID numbers (their keyed hashes as the accounts store them) and a
home branch — made once in SQL and kept for the next run.

The files: ``--rows`` results (default 100 000) as a CSV (UTF-8 with a byte-order mark, as
Excel saves "CSV UTF-8") and the same rows as an XLSX (identifiers as text, dates as date cells,
credits, hours and scores as numbers), written with openpyxl. The rows are what an institution
sends: one learner in ten named by the learning account number, the others by ID number; dates
in four spellings; grades, letters, scores and pass/fail; a certificate number on one row in
four; one row in a hundred refused (the name does not match the account). Four in five are
recognised under the mandate (a passed result with credits), the others deposited for review.

Measured in one run, so that the ratios compare like with like on a shared, noisy machine:

(a) the floor: psycopg COPY of the same rows — the CSV read with the ``csv`` module, each row
    written with ``copy.write_row`` — into a plain table of text columns, committed;
(b) the CSV end to end: ``batch_upload`` (the file checked, hashed and stored) and the batch
    task run in this process (Celery eager) until the batch is done: rows read, normalised,
    their learners found, staged, checked across rows, the achievements, recognitions, ledger
    deposits, history steps, audit events and one notice per learner committed;
(c) calamine parsing the XLSX alone: the workbook opened and every row of its sheet made into
    Python values (``iter_rows``), nothing else;
(d) the XLSX end to end, as (b);
(f) the ceiling the data model sets: the rows (b) committed, written again (new external ids)
    into the achievement table alone by one ``INSERT … SELECT`` from their staged rows, the
    foreign keys checked in the statement, rolled back; no Python, no decision, deposit,
    history or notice — (b) writes these rows and more, so it cannot be faster;
(g) the same into the table bare: its foreign keys and every index but the primary key dropped
    first (in the rolled-back transaction) — what the table's keys and indexes cost;
(e) memory: a fresh process (this command with ``--memory-child``) works a ``--memory-rows``
    CSV (default 1 000 000) end to end as (b), sampling its own resident set (``VmRSS`` in
    ``/proc/self/status``) from a thread; its peak (``VmHWM``) must stay under 300 MB and the
    resident set flat over the run.

(a), (c), (f) and (g) are the median of ``--runs`` runs; (b) and (d) one run each (a run is many
seconds long). The targets: the CSV at least 0.35× the COPY rate, the XLSX at least 0.6×
calamine's.

Each run's external identifiers and certificate numbers carry a tag of their own, so the rows
are new to the institution (not "already recorded") and the files are not duplicates. The
stored files go to a temporary folder. Only on a bench database (its name contains ``bench``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from stdnum import luhn
from stdnum.cn import ric

from accounts.identity import IdType
from accounts.models import Institution, InstitutionStaff, LearnerAccount, RoleGrant, User
from accounts.roles import CENTRE_ADMIN
from accounts.services.learners import identity_hash
from achievements.batch.normalise import COLUMNS
from achievements.batch.reader import DATA_SHEET, HEADINGS
from achievements.models import (
    Achievement,
    AchievementCategory,
    ImportBatch,
    ImportRow,
    QualificationLevel,
    RecognitionMandate,
)
from achievements.services import batch as batch_service
from achievements.services.batch import ROW_MESSAGES, batch_upload
from branches.models import AllianceMembership, BranchCentre, Centre, District
from branches.services import districts_load
from creditbank import pii
from creditbank.celery import app as celery_app
from creditbank.redaction import mask_id_number

from .bench import cpu_model, postgres_version
from .bench_data import GIVEN_NAMES, SURNAMES, TOPICS, require_bench_database

# The targets (issue 15).
CSV_TARGET = 0.35
XLSX_TARGET = 0.6
MEMORY_TARGET_MB = 300

LEARNER_PREFIX = "bench-batch-learner-"
CLERK = "bench-batch-clerk"
CENTRE_ADMIN_USER = "bench-batch-centre-admin"
INSTITUTION_CODE = "BENCHB000000000001"
INSTITUTION_NAME = "基准测试开放大学 (batch bench)"
BRANCH_NAME = "基准批量分中心"
CATEGORY = "academic_course"
FIELD = "信息技术"
# Birth dates of the learners: a thousand a day from this one (the ID numbers' sequence).
BIRTH_START = dt.date(1975, 1, 1)
FLOOR_TABLE = "bench_batch_floor"

GRADES = ["优秀", "良好", "中等", "及格", "A", "B+", "合格", "通过"]
FAILED = "不及格"
SCORES = ["85", "92.5", "76", "60", "99"]
CREDITS = ["2", "3", "4", "1.5", "2.5", "0.5"]
HOURS = ["32", "48", "64", "16"]


# --- The learners ------------------------------------------------------------------------------


def learner_id_number(index: int) -> str:
    """The ``index``-th bench learner's resident ID number (Chongqing's 500103, a real birth
    date, a valid check digit)."""
    birth = BIRTH_START + dt.timedelta(days=index // 1000)
    seventeen = f"500103{birth:%Y%m%d}{index % 1000:03d}"
    return seventeen + ric.calc_check_digit(seventeen + "0")


def learner_account_number(index: int) -> str:
    digits = f"9{index:09d}"
    return f"{settings.CREDITBANK_ACCOUNT_PREFIX}{digits}{luhn.calc_check_digit(digits)}"


def learner_name(index: int) -> str:
    return (
        SURNAMES[index % len(SURNAMES)] + GIVEN_NAMES[(index // len(SURNAMES)) % len(GIVEN_NAMES)]
    )


def bench_learners() -> int:
    return User.objects.filter(username__startswith=LEARNER_PREFIX).count()


# --- The rows ----------------------------------------------------------------------------------


def bench_row(number: int, tag: str, learners: int, *, workbook: bool = False) -> list:
    """Result ``number`` (from 1) of a file tagged ``tag``: the cells in ``COLUMNS`` order, as
    text for a CSV, as typed cells for a workbook."""
    index = (number * 7919) % learners
    by_account = number % 10 == 0
    refused = number % 100 == 37
    day = timezone.localdate() - dt.timedelta(days=1 + number % 300)
    spelling = number % 4
    if workbook:
        obtained = day
    elif spelling == 0:
        obtained = day.isoformat()
    elif spelling == 1:
        obtained = f"{day.year}/{day.month}/{day.day}"
    elif spelling == 2:
        obtained = f"{day.year}年{day.month}月{day.day}日"
    else:
        obtained = f"{day:%Y%m%d}"
    kind = number % 10
    if kind < 6:
        result = GRADES[number % len(GRADES)]
    elif kind < 8:
        result = SCORES[number % len(SCORES)]
        result = float(result) if workbook else result
    else:
        result = FAILED if kind == 8 else "不合格"
    credits_ = CREDITS[number % len(CREDITS)]
    hours = HOURS[number % len(HOURS)]
    row = {
        "external_id": f"{tag}-{number:07d}",
        "id_number": "" if by_account else learner_id_number(index),
        "account_number": learner_account_number(index) if by_account else "",
        "name": "王某某" if refused else learner_name(index),
        "title": f"{TOPICS[number % len(TOPICS)]}（{1 + number % 4}）",
        "obtained_on": obtained,
        "result": result,
        "credits": float(credits_) if workbook else credits_,
        "hours": float(hours) if workbook else hours,
        "certificate_number": f"{tag}-C{number:07d}" if number % 4 == 0 else "",
    }
    if workbook:
        row = {key: None if value == "" else value for key, value in row.items()}
    return [row[key] for key in COLUMNS]


def expected(rows: int) -> dict:
    """What a file of ``rows`` bench rows comes to: (refused, recognised, deposited)."""
    refused = sum(1 for n in range(1, rows + 1) if n % 100 == 37)
    failed = sum(1 for n in range(1, rows + 1) if n % 10 >= 8 and n % 100 != 37)
    return {"refused": refused, "recognised": rows - refused - failed, "deposited": failed}


def write_csv(path: Path, rows: int, tag: str, learners: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([HEADINGS[key] for key in COLUMNS])
        for number in range(1, rows + 1):
            writer.writerow(bench_row(number, tag, learners))


def write_xlsx(path: Path, rows: int, tag: str, learners: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append([HEADINGS[key] for key in COLUMNS])
    for number in range(1, rows + 1):
        sheet.append(bench_row(number, tag, learners, workbook=True))
    workbook.save(path)


# --- Measuring ---------------------------------------------------------------------------------


@dataclass
class Measure:
    label: str
    rows: int
    seconds: list[float] = field(default_factory=list)
    # End to end: seconds in each phase of the service (``phase_timer``).
    phases: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.rows / self.median


# The service's steps timed end to end: reading, normalising, looking up and staging the rows;
# the checks across rows; committing the chunks (their transactions' deferred foreign-key
# checks included); the notices and the counts.
PHASES = {
    "_validate_file": "validation",
    "_after_validation": "checks across rows",
    "_commit_chunk": "commit",
    "_finish": "notices",
}


@contextlib.contextmanager
def phase_timer():
    """Time the steps of ``PHASES`` while the block runs (wrapping the service's functions;
    those not there are left out)."""
    spent: dict[str, float] = {}
    originals = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[PHASES[name]] = spent.get(PHASES[name], 0.0) + time.perf_counter() - began

        return wrapper

    for name in PHASES:
        if hasattr(batch_service, name):
            originals[name] = getattr(batch_service, name)
            setattr(batch_service, name, timed(name, originals[name]))
    try:
        yield spent
    finally:
        for name, function in originals.items():
            setattr(batch_service, name, function)


def memory_kb() -> dict[str, int]:
    """This process's resident set now and its high-water mark, in kB."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                found[name] = int(value.split()[0])
    return {"rss": found["VmRSS"], "hwm": found["VmHWM"]}


class Command(BaseCommand):
    help = (
        "Benchmark batch recognition: a CSV and an XLSX end to end beside psycopg COPY of the "
        "same rows and calamine parsing alone, and the worker's memory on a large CSV; print a "
        "Markdown table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rows", type=int, default=100_000, help="rows of the CSV and XLSX (default 100000)"
        )
        parser.add_argument(
            "--learners", type=int, default=20_000, help="learners the rows name (default 20000)"
        )
        parser.add_argument(
            "--memory-rows",
            type=int,
            default=1_000_000,
            help="rows of the CSV the memory is measured on (default 1000000; 0: skip)",
        )
        parser.add_argument(
            "--runs", type=int, default=3, help="runs of the COPY and calamine floors (median)"
        )
        parser.add_argument("--memory-child", help="internal: the CSV to work, in a child")
        parser.add_argument("--memory-expect", type=int, default=0, help="internal")

    def handle(self, *args, **options):
        # The eager task's "succeeded" line is not the bench's output.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        if options["memory_child"]:
            return self._memory_child(Path(options["memory_child"]), options["memory_expect"])
        started = time.monotonic()
        require_bench_database()
        rows, learners = options["rows"], options["learners"]
        if rows < 1 or learners < 1 or options["runs"] < 1 or options["memory_rows"] < 0:
            raise CommandError("--rows, --learners and --runs must be positive.")
        self.world = self._world(learners)
        self._warm_up()
        tag = f"{int(time.time() * 1000):x}"
        with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
            folder = Path(folder)
            media = folder / "media"
            with override_settings(MEDIA_ROOT=media):
                report = self._measure(folder, media, rows, learners, tag, options)
        self.stdout.write("")
        self.stdout.write(self._report(report, time.monotonic() - started, options))

    def _say(self, message: str) -> None:
        self.stdout.write(f"bench_batch: {message}")
        self.stdout.flush()

    # --- The world ---------------------------------------------------------------------------

    def _world(self, learners: int) -> dict:
        """The institution, its clerk and mandate, the learners (made once, kept)."""
        if not District.objects.exists():
            districts_load(acting_user=None)
        district = District.objects.order_by("code").first()
        centre = Centre.objects.order_by("pk").first() or Centre.objects.create(
            name="学分银行基准测试中心 (bench)"
        )
        branch, _created = BranchCentre.objects.get_or_create(
            name=BRANCH_NAME, defaults={"centre": centre, "district": district}
        )
        institution, _created = Institution.objects.get_or_create(
            credit_code=INSTITUTION_CODE,
            defaults={
                "name": INSTITUTION_NAME,
                "kind": Institution.Kind.OPEN_UNIVERSITY,
                "status": Institution.Status.APPROVED,
            },
        )
        AllianceMembership.objects.get_or_create(
            institution=institution,
            defaults={"branch": branch, "joined_on": timezone.localdate()},
        )
        clerk, _created = User.objects.get_or_create(
            username=CLERK, defaults={"password": "!bench-no-password"}
        )
        InstitutionStaff.objects.get_or_create(
            institution=institution, user=clerk, role=InstitutionStaff.Role.CLERK
        )
        admin, _created = User.objects.get_or_create(
            username=CENTRE_ADMIN_USER, defaults={"password": "!bench-no-password"}
        )
        RoleGrant.objects.get_or_create(user=admin, role=CENTRE_ADMIN)
        category = (
            AchievementCategory.objects.filter(code=CATEGORY, is_active=True).first()
            or AchievementCategory.objects.active().filter(validity_years__isnull=True).first()
        )
        level = QualificationLevel.objects.filter(number=4).first()
        if category is None or level is None:
            raise CommandError("The seeded categories and levels are missing: run migrate.")
        if not RecognitionMandate.objects.filter(
            institution=institution, category=category, ended_at__isnull=True
        ).exists():
            RecognitionMandate.objects.create(
                institution=institution, category=category, level=level, field=FIELD,
                granted_by=admin,
            )  # fmt: skip
        existing = bench_learners()
        if existing < learners:
            self._say(f"making learners {existing:,} → {learners:,}")
            began = time.monotonic()
            for lo in range(existing, learners, 10_000):
                with transaction.atomic():
                    self._make_learners(lo, min(lo + 10_000, learners), branch)
            with connection.cursor() as cursor:
                for table in ("accounts_user", "accounts_learneraccount", "branches_accounthome"):
                    cursor.execute(f"ANALYZE {table}")
            self._say(f"learners made in {time.monotonic() - began:.1f} s")
        return {
            "institution": institution,
            "clerk": clerk,
            "category": category,
            "learners": learners,
        }

    @staticmethod
    def _make_learners(lo: int, hi: int, branch: BranchCentre) -> None:
        """Learners ``lo``..``hi - 1``: users, active verified accounts, homes."""
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO accounts_user (password, is_superuser, username, first_name,
                    last_name, email, is_staff, is_active, date_joined)
                SELECT '!bench-no-password', false, %(prefix)s || lpad(i::text, 7, '0'), '',
                    '', '', false, true, %(now)s
                FROM generate_series(%(lo)s::int, %(hi)s::int - 1) AS i
                RETURNING id, username
                """,
                {"prefix": LEARNER_PREFIX, "lo": lo, "hi": hi, "now": now},
            )
            users = {int(name[len(LEARNER_PREFIX) :]): pk for pk, name in cursor.fetchall()}
            columns = (
                "user_id, account_number, real_name, id_type, id_number_encrypted, "
                "id_number_hash, id_number_masked, birth_date, mobile, education, work_unit, "
                "status, status_reason, status_changed_at, channel, id_image, verified_at, "
                "created_at"
            )
            table = LearnerAccount._meta.db_table
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for index in range(lo, hi):
                    number = learner_id_number(index)
                    copy.write_row(
                        (
                            users[index],
                            learner_account_number(index),
                            learner_name(index),
                            IdType.RESIDENT_ID,
                            pii.encrypt(number),
                            identity_hash(IdType.RESIDENT_ID, number),
                            mask_id_number(number),
                            ric.get_birth_date(number),
                            f"139{index:08d}",
                            LearnerAccount.Education.BACHELOR,
                            "",
                            LearnerAccount.Status.ACTIVE,
                            "",
                            now,
                            LearnerAccount.Channel.IN_PERSON,
                            "",
                            now,
                            now,
                        )
                    )
            cursor.execute(
                """
                INSERT INTO branches_accounthome (account_id, branch_id)
                SELECT la.id, %(branch)s FROM accounts_learneraccount la
                WHERE la.user_id = ANY(%(users)s)
                """,
                {"branch": branch.pk, "users": list(users.values())},
            )

    @staticmethod
    def _warm_up() -> None:
        """What a worker process has done once before its first batch: the URL patterns
        loaded (the notices link to the archive), the translations read."""
        with translation.override(settings.LANGUAGE_CODE):
            reverse("achievements:archive")
            str(ROW_MESSAGES["learner_unknown"])

    # --- The measures ------------------------------------------------------------------------

    def _measure(self, folder, media, rows, learners, tag, options) -> dict:
        csv_path, xlsx_path = folder / "results.csv", folder / "results.xlsx"
        began = time.monotonic()
        write_csv(csv_path, rows, f"C{tag}", learners)
        write_xlsx(xlsx_path, rows, f"X{tag}", learners)
        self._say(
            f"{rows:,} rows written as CSV ({csv_path.stat().st_size / 1e6:.1f} MB) and XLSX "
            f"({xlsx_path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - began:.1f} s"
        )
        floor = Measure("psycopg COPY of the same rows (floor)", rows)
        parse = Measure("calamine parsing the XLSX alone (floor)", rows)
        for _ in range(options["runs"]):
            floor.seconds.append(self._copy_floor(csv_path))
            parse.seconds.append(self._calamine_floor(xlsx_path))
        self._say(f"COPY {floor.rate:,.0f} rows/s; calamine {parse.rate:,.0f} rows/s")
        csv_run = Measure("CSV end to end", rows)
        csv_batch = self._end_to_end(csv_path, csv_run)
        self._say(f"CSV end to end {csv_run.rate:,.0f} rows/s ({csv_batch.reference})")
        xlsx_run = Measure("XLSX end to end", rows)
        xlsx_batch = self._end_to_end(xlsx_path, xlsx_run)
        self._say(f"XLSX end to end {xlsx_run.rate:,.0f} rows/s ({xlsx_batch.reference})")
        written = Measure("the rows (b) committed, written again as achievements alone", 0)
        bare = Measure("the same, the table bare (its primary key only)", 0)
        for _ in range(options["runs"]):
            seconds, written.rows = self._model_floor(csv_batch, bare=False)
            written.seconds.append(seconds)
            seconds, bare.rows = self._model_floor(csv_batch, bare=True)
            bare.seconds.append(seconds)
        self._say(f"achievements alone {written.rate:,.0f} rows/s; bare {bare.rate:,.0f} rows/s")
        problems = [
            problem
            for batch in (csv_batch, xlsx_batch)
            if (problem := self._check(batch, rows)) is not None
        ]
        memory = None
        if options["memory_rows"]:
            memory = self._memory(folder, media, options["memory_rows"], learners, tag)
            if memory.get("problem"):
                problems.append(memory["problem"])
        return {
            "floor": floor,
            "parse": parse,
            "csv": csv_run,
            "xlsx": xlsx_run,
            "written": written,
            "bare": bare,
            "memory": memory,
            "problems": problems,
            "csv_mb": csv_path.stat().st_size / 1e6,
            "xlsx_mb": xlsx_path.stat().st_size / 1e6,
        }

    @staticmethod
    def _copy_floor(path: Path) -> float:
        """psycopg COPY of the CSV's rows into a plain table, committed; seconds."""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
            cursor.execute(
                f"CREATE TABLE {FLOOR_TABLE} ({', '.join(f'{key} text' for key in COLUMNS)})"
            )
        began = time.perf_counter()
        sql = f"COPY {FLOOR_TABLE} ({', '.join(COLUMNS)}) FROM STDIN"
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            open(path, encoding="utf-8-sig", newline="") as file,
        ):
            reader = csv.reader(file)
            next(reader)
            with cursor.copy(sql) as copy:
                for row in reader:
                    copy.write_row(row)
        seconds = time.perf_counter() - began
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
        return seconds

    @staticmethod
    def _model_floor(batch: ImportBatch, *, bare: bool) -> tuple[float, int]:
        """The ceiling the data model sets: the rows ``batch`` committed, written again (new
        external ids and certificate numbers) into the achievement table alone by one
        ``INSERT … SELECT`` from their staged rows — no Python, no decision, deposit, history
        or notice — the foreign keys checked in the statement (``SET CONSTRAINTS ALL
        IMMEDIATE``), then rolled back. ``bare``: the table's foreign keys and every index but
        the primary key dropped first, in the same rolled-back transaction. Seconds, rows."""
        table = Achievement._meta.db_table
        staged = ImportRow._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if bare:
                cursor.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype IN ('f', 'u')",
                    [table],
                )
                for (name,) in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                    [table],
                )
                for (name,) in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {name}")
            began = time.perf_counter()
            cursor.execute(
                f"""
                INSERT INTO {table} (
                    account_id, category_id, title, issuer_institution_id, issuer_name,
                    obtained_on, result_kind, result_value, hours, original_credits,
                    certificate_number, status, deposited_by_id, created_at, updated_at,
                    status_changed_at, batch_id, external_id
                )
                SELECT r.account_id, %(category)s, r.title, %(institution)s, '',
                    r.obtained_on, r.result_kind, r.result_value, r.hours, r.credits,
                    CASE WHEN r.certificate_number <> '' THEN r.certificate_number || '~f'
                        ELSE '' END,
                    'under_review', %(user)s, now(), now(), now(), %(batch)s,
                    r.external_id || '~f'
                FROM {staged} r
                WHERE r.batch_id = %(batch)s AND r.achievement_id IS NOT NULL
                ORDER BY r.row_number
                """,  # noqa: S608 (the models' table names)
                {
                    "category": batch.category_id,
                    "institution": batch.institution_id,
                    "user": batch.created_by_id,
                    "batch": batch.pk,
                },
            )
            seconds, rows = time.perf_counter() - began, cursor.rowcount
            transaction.set_rollback(True)
        return seconds, rows

    @staticmethod
    def _calamine_floor(path: Path) -> float:
        began = time.perf_counter()
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_name(DATA_SHEET)
        for _row in sheet.iter_rows():
            pass
        workbook.close()
        return time.perf_counter() - began

    def _upload(self, path: Path) -> ImportBatch:
        """The file sent as the clerk's upload, its task run here (Celery eager) to the end."""
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            with open(path, "rb") as file:
                batch = batch_upload(
                    acting_user=self.world["clerk"],
                    institution=self.world["institution"],
                    category=self.world["category"],
                    mode=ImportBatch.Mode.VALID_ROWS,
                    upload=UploadedFile(file, name=path.name),
                )
        finally:
            celery_app.conf.task_always_eager = eager
        batch.refresh_from_db()
        return batch

    def _end_to_end(self, path: Path, measure: Measure) -> ImportBatch:
        with phase_timer() as phases:
            began = time.perf_counter()
            batch = self._upload(path)
            measure.seconds.append(time.perf_counter() - began)
        measure.phases = phases
        return batch

    @staticmethod
    def _check(batch: ImportBatch, rows: int) -> str | None:
        """Why the batch did not come out as its rows say, or ``None``."""
        want = expected(rows)
        got = {
            "status": batch.status,
            "rows": batch.rows_read,
            "refused": batch.rows_refused,
            "recognised": batch.recognised,
            "deposited": batch.deposited,
        }
        if got != {"status": "done", "rows": rows, **want}:
            return f"{batch.reference}: {got} (expected {want}) {batch.failure}"
        return None

    # --- Memory ------------------------------------------------------------------------------

    def _memory(self, folder: Path, media: Path, rows: int, learners: int, tag: str) -> dict:
        path = folder / "memory.csv"
        write_csv(path, rows, f"M{tag}", learners)
        size = path.stat().st_size
        self._say(
            f"{rows:,} rows written as CSV ({path.stat().st_size / 1e6:.0f} MB); working it in "
            "a fresh process…"
        )
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_batch"]
        command += ["--memory-child", str(path), "--memory-expect", str(rows)]
        env = {
            **os.environ,
            "MEDIA_ROOT": str(media),
            # A million rows of this width come close to the upload limit (100 MiB): raised if
            # need be, the memory is what is measured here.
            "CREDITBANK_BATCH_MAX_FILE": str(max(settings.CREDITBANK_BATCH_MAX_FILE, size + 1)),
        }
        result = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603
        path.unlink()
        try:
            found = json.loads(result.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            message = f"the memory child failed: {result.stderr[-800:]}"
            self._say(message)
            return {"problem": message}
        self._say(f"{rows:,} rows in {found['seconds']:.0f} s, peak {found['hwm'] / 1024:.0f} MB")
        return found

    def _memory_child(self, path: Path, rows: int) -> None:
        """Work ``path`` end to end here, sampling this process's resident set; print JSON."""
        self.world = self._world(0)
        self._warm_up()
        samples: list[tuple[float, int]] = []
        stop = threading.Event()
        began = time.monotonic()

        def sample():
            while not stop.wait(0.25):
                samples.append((time.monotonic() - began, memory_kb()["rss"]))

        before = memory_kb()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            batch = self._upload(path)
        finally:
            stop.set()
            sampler.join()
        seconds = time.monotonic() - began
        after = memory_kb()
        # The resident set over the run, by tenths of its time: flat if the last tenths hold
        # no more than the first.
        tenths = []
        for tenth in range(10):
            inside = [
                rss
                for at, rss in samples
                if tenth * seconds / 10 <= at < (tenth + 1) * seconds / 10
            ]
            tenths.append(max(inside) if inside else None)
        self.stdout.write(
            json.dumps(
                {
                    "rows": rows,
                    "seconds": seconds,
                    "before": before["rss"],
                    "hwm": after["hwm"],
                    "tenths": tenths,
                    "samples": len(samples),
                    "problem": self._check(batch, rows),
                }
            )
        )

    # --- The report --------------------------------------------------------------------------

    def _report(self, report: dict, total: float, options: dict) -> str:
        floor, parse, csv_run, xlsx_run = (report[k] for k in ("floor", "parse", "csv", "xlsx"))
        csv_ratio = csv_run.rate / floor.rate
        xlsx_ratio = xlsx_run.rate / parse.rate
        rows = options["rows"]
        lines = [
            "| Measure | rows | seconds | rows/s | against its floor | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            f"| (a) {floor.label}, median of {len(floor.seconds)} | {rows:,} | "
            f"{floor.median:.2f} | {floor.rate:,.0f} | — | — |",
            f"| (b) CSV end to end ({report['csv_mb']:.1f} MB) | {rows:,} | {csv_run.median:.1f} "
            f"| {csv_run.rate:,.0f} | ×{csv_ratio:.3f} of (a) | ≥ ×{CSV_TARGET} "
            f"{'met' if csv_ratio >= CSV_TARGET else 'MISSED'} |",
            f"| (c) {parse.label}, median of {len(parse.seconds)} | {rows:,} | "
            f"{parse.median:.2f} | {parse.rate:,.0f} | — | — |",
            f"| (d) XLSX end to end ({report['xlsx_mb']:.1f} MB) | {rows:,} | "
            f"{xlsx_run.median:.1f} | {xlsx_run.rate:,.0f} | ×{xlsx_ratio:.3f} of (c) | "
            f"≥ ×{XLSX_TARGET} {'met' if xlsx_ratio >= XLSX_TARGET else 'MISSED'} |",
        ]
        for letter, key in (("f", "written"), ("g", "bare")):
            run = report[key]
            lines.append(
                f"| ({letter}) {run.label}, median of {len(run.seconds)} | {run.rows:,} | "
                f"{run.median:.2f} | {run.rate:,.0f} | ×{run.rate / floor.rate:.3f} of (a) | — |"
            )
        notes = [""]
        memory = report["memory"]
        if memory and not memory.get("problem"):
            peak = memory["hwm"] / 1024
            tenths = [t for t in memory["tenths"] if t is not None]
            lines.append(
                f"| (e) CSV end to end in a fresh process, memory | {memory['rows']:,} | "
                f"{memory['seconds']:.0f} | {memory['rows'] / memory['seconds']:,.0f} | peak "
                f"RSS {peak:.0f} MB | < {MEMORY_TARGET_MB} MB "
                f"{'met' if peak < MEMORY_TARGET_MB else 'MISSED'} |"
            )
            notes.append(
                f"- Memory (e): resident set {memory['before'] / 1024:.0f} MB before the batch "
                "(Django and every app loaded); the highest in each tenth of the run: "
                + ", ".join(f"{t / 1024:.0f}" for t in tenths)
                + f" MB ({memory['samples']} samples)."
            )
        notes.append(
            "- (f) and (g), the ceiling the data model sets: the rows (b) committed, written "
            "again into the achievement table alone by one INSERT … SELECT from their staged "
            "rows, the foreign keys checked in the statement, rolled back — no Python, no "
            "decision, deposit, history or notice; (g) with the table's foreign keys and every "
            "index but the primary key dropped first. (b) writes these rows and three more "
            f"per recognised result: it cannot reach ×{CSV_TARGET} of (a) while (f) is below it."
        )
        for run in (csv_run, xlsx_run):
            if run.phases:
                notes.append(
                    f"- {run.label}, where the time goes: "
                    + ", ".join(
                        f"{name} {seconds:.1f} s ({seconds / run.median:.0%})"
                        for name, seconds in run.phases.items()
                    )
                    + "."
                )
        notes += [
            "- Rows: one in ten names the learner by account number, the others by ID number; "
            "four date spellings; grades, letters, scores, pass/fail; a certificate number on "
            "one in four; one in a hundred refused (name mismatch); four in five recognised "
            f"under the mandate (recognition, ledger deposit), the others deposited for review; "
            f"{self.world['learners']:,} learners. Mode: valid rows only. End to end: from "
            "batch_upload (hash, store) to the batch done (normalise, look up, stage with COPY, "
            "check across rows, commit achievements, recognitions, deposits, history, audit "
            "events, notices), the task run in-process; chunks of "
            f"{settings.CREDITBANK_BATCH_CHUNK:,} rows.",
            f"- Machine: {cpu_model()}, {os.cpu_count()} cores; PostgreSQL "
            f"{postgres_version()}; Python {platform.python_version()}; Django "
            f"{django.get_version()}.",
        ]
        if report["problems"]:
            notes.append("- PROBLEMS: " + "; ".join(report["problems"]))
        notes.append(
            f"- Total run time {total / 60:,.1f} min "
            f"({dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC)."
        )
        return "\n".join(lines + notes)
