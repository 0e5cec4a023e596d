"""Batch recognition (批量认定): a member institution's results, many at once.

A clerk uploads a file (``batch_upload``), an operator runs ``manage.py import_results``
(``batch_from_path``) or the institution's system pushes rows through the API
(``batch_push``). The batch is then worked by ``batch_run`` — a Celery task for a file, at once
for the API — in two phases, each made of chunks that commit one by one:

1. *validating*: the rows are read streaming (``achievements.batch.reader``), normalised
   (``achievements.batch.normalise``), their learners found by the keyed hash of the ID number
   or by the account number, and staged with COPY as ``ImportRow`` rows — the clean values of a
   valid row, the sealed raw cells and the errors of a refused one. Then, set-based over the
   whole batch, a row whose external identifier came earlier in the file is refused, a row the
   institution already sent (same external identifier) is marked *unchanged*, and a row whose
   certificate number is already deposited is refused. In all-or-nothing mode a batch with a
   refused row fails here, having written nothing.
2. *processing*: the valid rows are committed set-based, ``CREDITBANK_BATCH_CHUNK`` rows a
   transaction: the achievements (``batch`` and ``external_id`` set), and under the centre's mandate
   (``RecognitionMandate``, while it is in force: ending it mid-batch sends the later chunks'
   rows to the first check) for the rows it can recognise — a passed result with credits up to
   the re-review threshold — the recognition in force, the credit deposit and ``valid_until``;
   the others go straight to the first check (``under_review``). Each achievement's history
   names the batch; each chunk writes one audit event citing the range of what it made, which
   ``check_ledger`` reads as the step that wrote those entries.

Last, each learner gets one notice for the batch, and the audit log the batch's counts. When a
batch ends, done or failed, its stored file (ID numbers in it) is deleted after the commit.

Every chunk commits with the batch's progress (the last row read, the counters), so a worker
killed mid-batch leaves it where the last commit did; ``batch_run`` holds a PostgreSQL
advisory lock while it works (one worker per batch; the lock goes with a dead worker's
connection), and ``batches_resume`` hands an unfinished batch whose lock is free to a worker
again. ``(institution, external_id)`` is unique on achievements: nothing is written twice.
"""

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.cache import users_changed
from accounts.identity import IdType
from accounts.models import Institution, LearnerAccount, Notice
from accounts.roles import INSTITUTION_CLERK
from accounts.services.learners import identity_hash
from branches.models import AccountHome
from branches.selectors import is_alliance_member
from creditbank import pii
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.languages import formatted, in_each_language

from ..access import batch_sender_institutions
from ..batch.normalise import COLUMNS, RowError, normalise_row
from ..batch.reader import Extent, FileError, read_file
from ..models import (
    BATCH_TRANSITIONS,
    Achievement,
    AchievementCategory,
    AchievementEvent,
    CreditEntry,
    ImportBatch,
    ImportRow,
    Recognition,
    RecognitionMandate,
)
from .deposits import display_name
from .review import add_years

logger = logging.getLogger(__name__)

Status = ImportBatch.Status
Outcome = ImportRow.Outcome

# A score at or above this passes (a result the institution graded below it is not recognised).
PASS_MARK = Decimal(60)
# pg_advisory_lock's first key: the batch being worked (the second key is its id).
LOCK_CLASS = 15_0001
FILE_NAME_MAX = ImportBatch._meta.get_field("file_name").max_length

ROW_MESSAGES = {
    "learner_unknown": gettext_lazy(
        "No learning account has this ID number: the learner must open one first."
    ),
    "account_unknown": gettext_lazy("No learning account has this number."),
    "learner_mismatch": gettext_lazy(
        "The ID number and the learning account number belong to different learners."
    ),
    "name_mismatch": gettext_lazy(
        "The name does not match the learning account's name: please check both."
    ),
    "account_inactive": gettext_lazy(
        "This learner's learning account is not active (not yet verified, frozen or closed)."
    ),
    "before_birth": gettext_lazy("The date obtained is before the learner's date of birth."),
    "validity_ended": gettext_lazy(
        "A result of this category is valid for %(years)d years; this one's validity has "
        "ended, so it cannot be recorded."
    ),
    "external_id_repeated": gettext_lazy(
        "Row %(row)d has the same external identifier; each result has its own."
    ),
    "certificate_taken": gettext_lazy(
        "An achievement with this certificate number from your institution is already deposited."
    ),
    "certificate_repeated": gettext_lazy("Row %(row)d has the same certificate number."),
}


def row_error(field: str, code: str, **params) -> RowError:
    return RowError.of(field, code, ROW_MESSAGES[code], **params)


def _texts_json(code: str, **params) -> str:
    """``ROW_MESSAGES[code]`` in each language, as the JSON a staged error keeps."""
    return json.dumps(in_each_language(formatted(ROW_MESSAGES[code], params)))


# --- Who may send a batch ----------------------------------------------------------------------


def mandate_for(institution: Institution, category: AchievementCategory):
    """The centre's mandate in force for ``institution`` to recognise ``category`` directly."""
    return (
        RecognitionMandate.objects.filter(
            institution=institution, category=category, ended_at__isnull=True
        )
        .select_related("level")
        .first()
    )


def _require_sender(acting_user, institution: Institution, category) -> None:
    if not any(i.pk == institution.pk for i in batch_sender_institutions(acting_user)):
        raise NotAllowed(
            _("Only a clerk of an approved member institution may send its results."),
            field="institution",
            code="not_allowed",
        )
    if not isinstance(category, AchievementCategory) or not category.is_active:
        raise InvalidInput(_("Choose a category that is in use."), field="category")


def _require_mode(mode: str) -> None:
    if mode not in ImportBatch.Mode.values:
        raise InvalidInput(_("Choose how refused rows are handled."), field="mode")


def _summary(batch: ImportBatch) -> dict:
    return {
        "batch": batch.reference,
        "institution": batch.institution_id,
        "category": batch.category.code,
        "source": batch.source,
        "mode": batch.mode,
        "file_format": batch.file_format,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
        "file_size": batch.file_size,
        "mandate": batch.mandate_id,
        "status": batch.status,
    }


COUNTERS = (
    "rows_read",
    "rows_valid",
    "rows_refused",
    "rows_committed",
    "recognised",
    "deposited",
    "unchanged",
)


def counts(batch: ImportBatch) -> dict:
    """The batch's counters, as the audit log and the command show them."""
    return {name: getattr(batch, name) for name in COUNTERS}


# --- Making a batch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _CheckedFile:
    file_format: str
    size: int
    sha256: str
    name: str


def _check_file(file, name: str) -> _CheckedFile:
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise InvalidInput(_("The file is empty."), field="file", code="empty")
    limit = settings.CREDITBANK_BATCH_MAX_FILE
    if size > limit:
        raise InvalidInput(
            _("The file is larger than %(limit)s; split it into several files.")
            % {"limit": filesizeformat(limit)},
            field="file",
            code="too_large",
        )
    head = file.read(8)
    file.seek(0)
    workbook = head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
    digest = hashlib.sha256()
    for block in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(block)
    file.seek(0)
    return _CheckedFile(
        ImportBatch.Format.XLSX if workbook else ImportBatch.Format.CSV,
        size,
        digest.hexdigest(),
        display_name(name, max_length=FILE_NAME_MAX),
    )


def _same_file(institution: Institution, sha256: str):
    """Batches of the same file that did not fail (the constraint's rows)."""
    return (
        ImportBatch.objects.filter(institution=institution, sha256=sha256)
        .exclude(source=ImportBatch.Source.API)
        .exclude(status=Status.FAILED)
    )


def _duplicate_file(institution: Institution, sha256: str) -> InvalidInput:
    earlier = _same_file(institution, sha256).first()
    return InvalidInput(
        _("This file was already sent as batch %(batch)s on %(date)s; it is not read twice.")
        % {
            "batch": earlier.reference if earlier else "",
            "date": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")
            if earlier
            else "",
        },
        field="file",
        code="duplicate_file",
    )


@transaction.atomic
def batch_upload(
    *,
    acting_user,
    institution: Institution,
    category: AchievementCategory,
    mode: str,
    upload,
    source: str = ImportBatch.Source.UPLOAD,
    enqueue: bool = True,
) -> ImportBatch:
    """Store a clerk's file as a new batch and hand it to a worker (after commit; not with
    ``enqueue=False``, for a caller that works it itself). The same file (by SHA-256) sent
    again by the institution is refused, naming the earlier batch."""
    _require_sender(acting_user, institution, category)
    _require_mode(mode)
    checked = _check_file(upload, str(getattr(upload, "name", "") or ""))
    if _same_file(institution, checked.sha256).exists():
        raise _duplicate_file(institution, checked.sha256)
    batch = ImportBatch(
        institution=institution,
        category=category,
        source=source,
        mode=mode,
        mandate=mandate_for(institution, category),
        file_format=checked.file_format,
        file_name=checked.name,
        file_size=checked.size,
        sha256=checked.sha256,
        created_by=acting_user,
    )
    if not isinstance(upload, UploadedFile):
        upload = UploadedFile(upload, name=checked.name)
    try:
        with transaction.atomic():
            batch.file.save("upload", upload, save=False)
            batch.save(force_insert=True)
    except IntegrityError as exc:  # the same file, sent at the same moment
        batch.file.storage.delete(batch.file.name)
        raise _duplicate_file(institution, checked.sha256) from exc
    audit_record(actor=acting_user, action="batch.upload", target=batch, after=_summary(batch))
    if enqueue:
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def batch_from_path(
    *, acting_user, institution: Institution, category: AchievementCategory, mode: str, path
) -> ImportBatch:
    """``batch_upload`` for an operator's file on disk (``manage.py import_results``, which
    works the batch in its own process: no task is queued, so it needs no broker)."""
    with open(path, "rb") as file:
        upload = UploadedFile(file, name=os.path.basename(path))
        return batch_upload(
            acting_user=acting_user,
            institution=institution,
            category=category,
            mode=mode,
            upload=upload,
            source=ImportBatch.Source.COMMAND,
            enqueue=False,
        )


def _enqueue(batch_id: int) -> None:
    from ..tasks import batch_run_task

    batch_run_task.delay(batch_id)


# --- Working a batch ---------------------------------------------------------------------------


def _move(batch: ImportBatch, action: str, **fields) -> None:
    sources, target = BATCH_TRANSITIONS[action]
    if batch.status not in sources:
        raise IllegalTransition(
            _("A batch that is “%(status)s” cannot be changed this way.")
            % {"status": batch.get_status_display()},
            code="illegal_transition",
        )
    batch.status = target
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save(update_fields=["status", *fields])


def _try_lock(batch_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, batch_id])
        return cursor.fetchone()[0]


def _unlock(batch_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, batch_id])


def batch_run(batch_id: int, *, seconds: float | None = None) -> bool | None:
    """Work batch ``batch_id`` on from where its last commit left it, for about ``seconds``
    (default ``CREDITBANK_BATCH_TASK_SECONDS``); ``True`` when it is finished, ``False`` when
    there is more to do (the task enqueues itself again), ``None`` when another worker holds
    it. Safe to run twice and after a crash."""
    if not _try_lock(batch_id):
        return None
    try:
        deadline = time.monotonic() + (seconds or settings.CREDITBANK_BATCH_TASK_SECONDS)
        batch = ImportBatch.objects.select_related("institution", "category", "mandate").get(
            pk=batch_id
        )
        with translation.override(settings.LANGUAGE_CODE):
            return _work(batch, deadline)
    finally:
        _unlock(batch_id)


def _work(batch: ImportBatch, deadline: float) -> bool:
    if batch.is_finished:
        return True
    if batch.status in (Status.UPLOADED, Status.VALIDATING):
        if batch.status == Status.UPLOADED:
            with transaction.atomic():
                _move(batch, "validate", started_at=timezone.now())
        try:
            done = _validate_file(batch, deadline)
        except FileError as error:
            batch_fail(batch, error.render)
            return True
        if not done:
            return False
        if not _after_validation(batch):
            return True
    while batch.status == Status.PROCESSING:
        if not _commit_chunk(batch):
            _finish(batch)
            return True
        if time.monotonic() > deadline:
            return False
    return True


def _validate_file(batch: ImportBatch, deadline: float) -> bool:
    """Stage the file's rows after ``last_row_read``, a chunk a transaction; ``False`` when
    the time is up first."""
    # The reader closed before the file, when the time is up mid-file: its generators let go of
    # the file (a CSV's text wrapper is detached) while it is still open.
    extent = Extent()
    with (
        batch.file.open("rb") as file,
        contextlib.closing(read_file(file, name=batch.file.name, extent=extent)) as rows,
    ):
        for chunk in _chunks(rows, batch.last_row_read):
            _stage(batch, chunk, extent.fraction(chunk[-1][0]))
            if time.monotonic() > deadline:
                return False
    return True


def _chunks(rows: Iterator[tuple[int, dict]], after: int) -> Iterator[list]:
    size = settings.CREDITBANK_BATCH_CHUNK
    chunk = []
    for number, raw in rows:
        if number <= after:
            continue
        chunk.append((number, raw))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def batch_fail(batch: ImportBatch, reason: Callable[[], object]) -> None:
    """The batch ends as failed for ``reason`` (the clerk reads it: ``reason()`` renders it in
    the active language, and it is kept in each); nothing it staged is committed."""
    texts = {language: text[:500] for language, text in in_each_language(reason).items()}
    failure = texts[settings.LANGUAGE_CODE]
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.is_finished:
            return
        before = batch.status
        _move(batch, "fail", failure=failure, failure_texts=texts, finished_at=timezone.now())
        _file_forget_on_commit(batch)
        audit_record(
            actor=batch.created_by,
            action="batch.fail",
            target=batch,
            before={"status": before},
            after={"status": batch.status, **counts(batch)},
            note=failure,
        )


# --- Validating: rows staged -------------------------------------------------------------------


def _learners(cleaned: list[tuple]) -> tuple[dict, dict]:
    """The learning accounts the chunk's rows name: by ID number hash and by account number."""
    hashes, numbers = set(), set()
    for _number, _raw, clean, _errors, id_hash in cleaned:
        if id_hash:
            hashes.add(id_hash)
        if clean["account_number"]:
            numbers.add(clean["account_number"])
    by_hash, by_number = {}, {}
    if hashes or numbers:
        # Two arrays as parameters, not thousands of "IN" placeholders for the ORM to build.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT id, id_number_hash, account_number, real_name, status, birth_date
                FROM {LearnerAccount._meta.db_table}
                WHERE id_number_hash = ANY(%s) OR account_number = ANY(%s)
                """,  # noqa: S608 (the model's table name)
                [sorted(hashes), sorted(numbers)],
            )
            found = cursor.fetchall()
        for account in found:
            by_hash[account[1]] = account
            by_number[account[2]] = account
    return by_hash, by_number


def check_rows(batch: ImportBatch, chunk: list[tuple[int, dict]]) -> list[tuple]:
    """The chunk's rows checked: ``(row number, raw, clean, errors, account id)``."""
    cleaned = []
    for number, raw in chunk:
        clean, errors = normalise_row(raw)
        # The keyed hash once a row (an HMAC): the lookup and the match both need it.
        id_hash = (
            identity_hash(IdType.RESIDENT_ID, clean["id_number"]) if clean["id_number"] else None
        )
        cleaned.append((number, raw, clean, errors, id_hash))
    by_hash, by_number = _learners(cleaned)
    years = batch.category.validity_years
    today = timezone.localdate()
    checked = []
    for number, raw, clean, errors, id_hash in cleaned:
        account = None
        if clean["id_number"]:
            account = by_hash.get(id_hash)
            if account is None:
                errors.append(row_error("id_number", "learner_unknown"))
        if clean["account_number"]:
            by_account = by_number.get(clean["account_number"])
            if by_account is None:
                errors.append(row_error("account_number", "account_unknown"))
            elif account is not None and account[0] != by_account[0]:
                errors.append(row_error("account_number", "learner_mismatch"))
            elif not clean["id_number"]:
                account = by_account
        if account is not None:
            _pk, _hash, _number, real_name, status, birth_date = account
            if clean["name"] and clean["name"] != real_name:
                errors.append(row_error("name", "name_mismatch"))
            if status != LearnerAccount.Status.ACTIVE:
                errors.append(row_error("id_number", "account_inactive"))
            obtained = clean["obtained_on"]
            if obtained and birth_date and obtained < birth_date:
                errors.append(row_error("obtained_on", "before_birth"))
        obtained = clean["obtained_on"]
        if years and obtained and add_years(obtained, years) <= today:
            errors.append(row_error("obtained_on", "validity_ended", years=years))
        checked.append((number, raw, clean, errors, account[0] if account else None))
    return checked


STAGED_COLUMNS = (
    "batch_id",
    "row_number",
    "outcome",
    "external_id",
    "account_id",
    "title",
    "obtained_on",
    "result_kind",
    "result_value",
    "credits",
    "hours",
    "certificate_number",
    "raw_sealed",
    "errors",
)


def seal_raw(raw: dict) -> str:
    """A refused row's cells, encrypted (they may hold an ID number) for the error file."""
    return pii.encrypt(json.dumps({k: _jsonable(v) for k, v in raw.items()}, ensure_ascii=False))


def unseal_raw(sealed: str) -> dict:
    return json.loads(pii.decrypt(sealed)) if sealed else {}


def _jsonable(value):
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _staged(batch_id: int, number: int, raw, clean, errors, account_id) -> tuple:
    if errors:
        return (
            batch_id,
            number,
            Outcome.REFUSED,
            (clean.get("external_id") or "")[:64],
            account_id,
            "",
            None,
            "",
            "",
            None,
            None,
            "",
            seal_raw(raw),
            json.dumps([[e.field, e.code, e.texts()] for e in errors], ensure_ascii=False),
        )
    return (
        batch_id,
        number,
        Outcome.VALID,
        clean["external_id"],
        account_id,
        clean["title"],
        clean["obtained_on"],
        clean["result_kind"],
        clean["result_value"],
        clean["credits"],
        clean["hours"],
        clean["certificate_number"] or "",
        "",
        None,
    )


def _copy_rows(rows: Iterable[tuple]) -> None:
    table = ImportRow._meta.db_table
    sql = f"COPY {table} ({', '.join(STAGED_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _stage(batch: ImportBatch, chunk: list[tuple[int, dict]], read: float | None = None) -> None:
    """Check and stage one chunk of rows, with the batch's progress (``read``: the share of the
    file read, 0 to 1, if known), in one transaction."""
    checked = check_rows(batch, chunk)
    refused = sum(1 for row in checked if row[3])
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.last_row_read >= chunk[0][0]:  # another run staged it (cannot happen locked)
            return
        _copy_rows(_staged(batch.pk, *row) for row in checked)
        batch.last_row_read = chunk[-1][0]
        batch.rows_read = locked.rows_read + len(checked)
        batch.rows_refused = locked.rows_refused + refused
        batch.rows_valid = locked.rows_valid + len(checked) - refused
        batch.read_permille = round(read * 1000) if read is not None else 0
        batch.save(
            update_fields=[
                "last_row_read",
                "rows_read",
                "rows_refused",
                "rows_valid",
                "read_permille",
            ]
        )


def _set_checks(batch: ImportBatch) -> None:
    """The checks across rows, set-based over the staged batch: repeated external identifiers
    and certificate numbers in the file, results already sent, certificates already deposited."""
    rows = ImportRow._meta.db_table
    achievements = Achievement._meta.db_table
    # "<> ''" on the achievement's side lets the lookups use the partial unique indexes
    # (external id, certificate number per institution), whatever the planner's statistics.
    # The messages in each language (JSON), the row's place marked "{row}" in them.
    refuse = "outcome = 'refused', errors = COALESCE(r.errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_array(%s, %s, replace(%s, '{row}', first::text)::jsonb))"  # noqa: E501
    with connection.cursor() as cursor:
        for column, code in (
            ("external_id", "external_id_repeated"),
            ("certificate_number", "certificate_repeated"),
        ):
            message = _texts_json(code, row=999_999_999)
            cursor.execute(
                f"""
                WITH firsts AS (
                    SELECT row_number, min(row_number) OVER (PARTITION BY {column}) AS first
                    FROM {rows} WHERE batch_id = %s AND outcome = 'valid' AND {column} <> ''
                )
                UPDATE {rows} r SET {refuse}
                FROM firsts f
                WHERE r.batch_id = %s AND r.row_number = f.row_number AND f.first < f.row_number
                """,  # noqa: S608 (table names of the models, and constants)
                [batch.pk, column, code, message.replace("999999999", "{row}"), batch.pk],
            )
        cursor.execute(
            f"""
            UPDATE {rows} r SET outcome = 'unchanged', achievement_id = a.id
            FROM {achievements} a
            WHERE r.batch_id = %s AND r.outcome = 'valid'
              AND a.issuer_institution_id = %s AND a.external_id = r.external_id
              AND a.external_id <> ''
            """,  # noqa: S608 (table names of the models, and constants)
            [batch.pk, batch.institution_id],
        )
        cursor.execute(
            f"""
            UPDATE {rows} r SET {refuse.replace("first::text", "''")}
            FROM {achievements} a
            WHERE r.batch_id = %s AND r.outcome = 'valid' AND r.certificate_number <> ''
              AND a.issuer_institution_id = %s AND a.certificate_number = r.certificate_number
              AND a.certificate_number <> ''
            """,  # noqa: S608 (table names of the models, and constants)
            [
                "certificate_number",
                "certificate_taken",
                _texts_json("certificate_taken"),
                batch.pk,
                batch.institution_id,
            ],
        )


def _recount(batch: ImportBatch) -> None:
    found = dict(
        ImportRow.objects.filter(batch=batch)
        .order_by()
        .values("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    batch.rows_refused = found.get(Outcome.REFUSED, 0)
    batch.rows_valid = batch.rows_read - batch.rows_refused
    batch.unchanged = found.get(Outcome.UNCHANGED, 0)
    batch.recognised = found.get(Outcome.RECOGNISED, 0)
    batch.deposited = found.get(Outcome.DEPOSITED, 0)


def _after_validation(batch: ImportBatch) -> bool:
    """The checks across rows, then all-or-nothing's verdict; ``True`` when the batch goes on
    to processing."""
    with transaction.atomic():
        batch = _relock(batch)
        _set_checks(batch)
        _recount(batch)
        batch.save(update_fields=["rows_refused", "rows_valid", "unchanged"])
        # Lazy reasons: batch_fail keeps them in each language.
        if batch.rows_read == 0:
            reason = formatted(gettext_lazy("The file has no rows of results below the headings."))
        elif batch.mode == ImportBatch.Mode.ALL_OR_NOTHING and batch.rows_refused:
            reason = formatted(
                gettext_lazy(
                    "%(refused)d of %(rows)d rows were refused, so nothing was recorded (all or "
                    "nothing). Download the refused rows, correct them and send the whole file "
                    "again."
                ),
                {"refused": batch.rows_refused, "rows": batch.rows_read},
            )
        else:
            _move(batch, "process")
            return True
    batch_fail(batch, reason)
    return False


def _relock(batch: ImportBatch) -> ImportBatch:
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    for field in ImportBatch._meta.concrete_fields:
        setattr(batch, field.attname, getattr(locked, field.attname))
    return batch


# --- Processing: rows committed ----------------------------------------------------------------


def _recognisable() -> str:
    """SQL: the staged row ``r`` can be recognised under the mandate."""
    threshold = settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD
    # CASE, not AND: only a score's value is read as a number.
    return f"""(
        r.credits > 0 AND r.credits <= {Decimal(threshold):f}
        AND CASE r.result_kind
            WHEN 'score' THEN r.result_value::numeric >= {PASS_MARK:f}
            WHEN 'grade' THEN r.result_value <> '{Achievement.Grade.FAIL.value}'
            WHEN 'pass' THEN r.result_value = '{Achievement.PassResult.PASS.value}'
            ELSE false END
    )"""


def _mandate_in_force(batch: ImportBatch) -> RecognitionMandate | None:
    """The batch's mandate while the centre has not ended it. Read ``FOR SHARE``: ending it
    (``mandate_end`` locks it for update) waits for the chunk being committed, and the chunks
    after see it ended — their rows go to the first check instead."""
    if batch.mandate_id is None:
        return None
    with connection.cursor() as cursor:
        table = RecognitionMandate._meta.db_table
        cursor.execute(
            f"SELECT ended_at FROM {table} WHERE id = %s FOR SHARE",  # noqa: S608 (its table)
            [batch.mandate_id],
        )
        (ended_at,) = cursor.fetchone()
    return batch.mandate if ended_at is None else None


def _commit_chunk(batch: ImportBatch) -> bool:
    """Commit the next ``CREDITBANK_BATCH_CHUNK`` valid rows; ``False`` when none is left."""
    with transaction.atomic():
        batch = _relock(batch)
        if batch.status != Status.PROCESSING:
            return False
        bounds = (
            ImportRow.objects.filter(batch=batch, outcome=Outcome.VALID)
            .order_by("row_number")
            .values_list("row_number", flat=True)[: settings.CREDITBANK_BATCH_CHUNK]
        )
        numbers = list(bounds)
        if not numbers:
            return False
        made = _commit_rows(batch, numbers[0], numbers[-1])
        batch.rows_committed += len(numbers)
        batch.recognised += made["recognised"]
        batch.deposited += made["deposited"]
        batch.unchanged += made["unchanged"]
        batch.rows_refused += made["refused"]
        batch.rows_valid -= made["refused"]
        batch.save(
            update_fields=[
                "rows_committed",
                "recognised",
                "deposited",
                "unchanged",
                "rows_refused",
                "rows_valid",
            ]
        )
        audit_record(
            actor=batch.created_by,
            action="batch.commit",
            target=batch,
            after={
                "rows": [numbers[0], numbers[-1]],
                "recognised": made["recognised"],
                "deposited": made["deposited"],
                "unchanged": made["unchanged"],
                "rows_refused": made["refused"],
                "mandate": made["mandate"],
                "achievements": made["achievements"],
                "recognitions": made["recognitions"],
            },
        )
    return True


def _commit_rows(batch: ImportBatch, first: int, last: int) -> dict:
    """The set-based commit of the valid rows ``first``..``last`` (see the module)."""
    rows = ImportRow._meta.db_table
    achievements = Achievement._meta.db_table
    recognitions = Recognition._meta.db_table
    entries = CreditEntry._meta.db_table
    events = AchievementEvent._meta.db_table
    homes = AccountHome._meta.db_table
    mandate = _mandate_in_force(batch)
    direct = _recognisable() if mandate is not None else "false"
    years = batch.category.validity_years
    valid_until = "NULL::date"
    if years:
        valid_until = f"(r.obtained_on + interval '{int(years)} years')::date"
    now = timezone.now()
    user = batch.created_by_id
    chunk = "r.batch_id = %(batch)s AND r.row_number BETWEEN %(first)s AND %(last)s"
    params = {
        "batch": batch.pk,
        "first": first,
        "last": last,
        "now": now,
        "user": user,
        "category": batch.category_id,
        "institution": batch.institution_id,
        "unit": batch.institution.name[:120],
        "reference": batch.reference,
        "level": mandate.level_id if mandate else None,
        "field": mandate.field if mandate else "",
        "role": INSTITUTION_CLERK,
    }
    result = {
        "recognised": 0,
        "deposited": 0,
        "unchanged": 0,
        "refused": 0,
        "mandate": mandate.pk if mandate else None,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [recognitions])
        params["recognition_ids"] = cursor.fetchone()[0]
        # The achievements, a row another batch or request has just written left out; with the
        # directly recognised ones, in the same statement, their decision (its id drawn before,
        # so that the achievement names it as it is inserted rather than by an update) and
        # their deposit on the ledger.
        cursor.execute(
            f"""
            WITH made AS (
                INSERT INTO {achievements} (
                    account_id, category_id, title, issuer_institution_id, issuer_name,
                    obtained_on, result_kind, result_value, hours, original_credits,
                    certificate_number, status, deposited_by_id, created_at, updated_at,
                    status_changed_at, first_check_branch_id, valid_until, batch_id,
                    external_id, recognition_id
                )
                SELECT r.account_id, %(category)s, r.title, %(institution)s, '',
                    r.obtained_on, r.result_kind, r.result_value, r.hours, r.credits,
                    r.certificate_number,
                    CASE WHEN {direct} THEN 'recognised' ELSE 'under_review' END,
                    %(user)s, %(now)s, %(now)s, %(now)s,
                    CASE WHEN {direct} THEN NULL ELSE h.branch_id END,
                    CASE WHEN {direct} THEN {valid_until} END,
                    %(batch)s, r.external_id,
                    CASE WHEN {direct} THEN nextval(%(recognition_ids)s::regclass) END
                FROM {rows} r LEFT JOIN {homes} h ON h.account_id = r.account_id
                WHERE {chunk} AND r.outcome = 'valid'
                ORDER BY r.row_number
                ON CONFLICT DO NOTHING
                RETURNING id, account_id, recognition_id, original_credits
            ),
            decided AS (
                INSERT INTO {recognitions} (
                    id, achievement_id, stage, outcome, status, credits, level_id, field,
                    reason, decided_by_id, decided_as, decided_at, re_review_note
                )
                SELECT recognition_id, id, 'first', 'recognised', 'in_force', original_credits,
                    %(level)s, %(field)s, '', %(user)s, %(role)s, %(now)s, ''
                FROM made WHERE recognition_id IS NOT NULL
                ORDER BY id
                RETURNING id
            ),
            credited AS (
                INSERT INTO {entries} (
                    account_id, achievement_id, recognition_id, kind, amount, level_id, field,
                    note, created_by_id, created_at
                )
                SELECT account_id, id, recognition_id, 'deposit', original_credits,
                    %(level)s, %(field)s, '', %(user)s, %(now)s
                FROM made WHERE recognition_id IS NOT NULL
                ORDER BY id
            )
            SELECT count(*), min(id), max(id) FROM decided
            """,  # noqa: S608 (table names of the models, and constants)
            params,
        )
        recognised, rec_min, rec_max = cursor.fetchone()
        result["recognised"] = recognised
        result["recognitions"] = [rec_min, rec_max] if recognised else None
        # Each row made one: found through the unique index of (institution, external id), not
        # by joining the rows to what the insert returned (no index: quadratic in the chunk).
        # External ids are unique among a batch's valid rows, so the batch's achievement with
        # the row's external id is the one just made.
        cursor.execute(
            f"""
            UPDATE {rows} r SET achievement_id = a.id,
                outcome = CASE a.status WHEN 'recognised' THEN 'recognised' ELSE 'deposited' END
            FROM {achievements} a
            WHERE {chunk} AND r.outcome = 'valid'
              AND a.issuer_institution_id = %(institution)s AND a.external_id = r.external_id
              AND a.external_id <> '' AND a.batch_id = %(batch)s
            """,  # noqa: S608 (table names of the models, and constants)
            params,
        )
        # Rows left out: sent meanwhile (unchanged), or their certificate was (refused).
        cursor.execute(
            f"""
            UPDATE {rows} r SET outcome = 'unchanged', achievement_id = a.id
            FROM {achievements} a
            WHERE {chunk} AND r.outcome = 'valid'
              AND a.issuer_institution_id = %(institution)s AND a.external_id = r.external_id
              AND a.external_id <> ''
            """,  # noqa: S608 (table names of the models, and constants)
            params,
        )
        result["unchanged"] = cursor.rowcount
        cursor.execute(
            f"""
            UPDATE {rows} r SET outcome = 'refused',
                errors = jsonb_build_array(jsonb_build_array(
                    'certificate_number', 'certificate_taken', %(message)s::jsonb))
            WHERE {chunk} AND r.outcome = 'valid'
            """,  # noqa: S608 (table names of the models, and constants)
            {**params, "message": _texts_json("certificate_taken")},
        )
        result["refused"] = cursor.rowcount
        # The history: one step each, naming the batch.
        cursor.execute(
            f"""
            INSERT INTO {events} (
                achievement_id, action, status, actor_id, actor_role, actor_unit, note, created_at
            )
            SELECT r.achievement_id,
                CASE r.outcome WHEN 'recognised' THEN 'import_recognise' ELSE 'import' END,
                CASE r.outcome WHEN 'recognised' THEN 'recognised' ELSE 'under_review' END,
                %(user)s, %(role)s, %(unit)s, %(reference)s, %(now)s
            FROM {rows} r WHERE {chunk} AND r.outcome IN ('recognised', 'deposited')
            ORDER BY r.row_number
            """,  # noqa: S608 (table names of the models, and constants)
            params,
        )
        result["deposited"] = cursor.rowcount - recognised
        cursor.execute(
            f"""
            SELECT min(achievement_id), max(achievement_id) FROM {rows} r
            WHERE {chunk} AND r.outcome IN ('recognised', 'deposited')
            """,  # noqa: S608 (table names of the models, and constants)
            params,
        )
        low, high = cursor.fetchone()
        result["achievements"] = [low, high] if low is not None else None
    return result


# --- Finishing ---------------------------------------------------------------------------------


def _finish(batch: ImportBatch) -> None:
    """Done: one notice per learner, the counts in the audit log."""
    with transaction.atomic():
        batch = _relock(batch)
        if batch.status != Status.PROCESSING:
            return
        _recount(batch)
        users = _notify(batch)
        _move(
            batch,
            "finish",
            finished_at=timezone.now(),
            rows_refused=batch.rows_refused,
            rows_valid=batch.rows_valid,
            recognised=batch.recognised,
            deposited=batch.deposited,
            unchanged=batch.unchanged,
        )
        _file_forget_on_commit(batch)
        audit_record(
            actor=batch.created_by,
            action="batch.finish",
            target=batch,
            before={"status": Status.PROCESSING},
            after={"status": batch.status, "sha256": batch.sha256, **counts(batch)},
        )
        users_changed(users)


def _notify(batch: ImportBatch) -> list[int]:
    """One notice to each learner with a result recorded by the batch; the e-mails go after
    commit. Returns the learners' user ids."""
    rows = ImportRow._meta.db_table
    accounts = LearnerAccount._meta.db_table
    notices = Notice._meta.db_table
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(institution)s sent your results") % {"institution": batch.institution.name}
        body = _(
            "%(institution)s sent {total} results to your learning account in batch "
            "%(batch)s: {recognised} recognised, {deposited} waiting for review."
        ) % {"institution": batch.institution.name, "batch": batch.reference}
    link = reverse("achievements:archive")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH per_learner AS (
                SELECT la.user_id, count(*) AS total,
                    count(*) FILTER (WHERE r.outcome = 'recognised') AS recognised
                FROM {rows} r JOIN {accounts} la ON la.id = r.account_id
                WHERE r.batch_id = %(batch)s AND r.outcome IN ('recognised', 'deposited')
                GROUP BY la.user_id
            )
            INSERT INTO {notices} (user_id, title, body, link, created_at)
            SELECT user_id, %(title)s,
                replace(replace(replace(%(body)s, '{{total}}', total::text),
                    '{{recognised}}', recognised::text),
                    '{{deposited}}', (total - recognised)::text),
                %(link)s, %(now)s
            FROM per_learner ORDER BY user_id
            RETURNING id, user_id
            """,  # noqa: S608 (table names of the models, and constants)
            {
                "batch": batch.pk,
                "title": title[:120],
                "body": body,
                "link": link,
                "now": timezone.now(),
            },
        )
        made = cursor.fetchall()
    ids = [pk for pk, _user in made]
    if ids:
        transaction.on_commit(lambda: _email_notices(ids))
    return [user for _pk, user in made]


def _email_notices(ids: list[int]) -> None:
    from accounts.tasks import notice_email

    emailed = Notice.objects.filter(pk__in=ids).exclude(user__email="")
    for pk in emailed.values_list("pk", flat=True).iterator(chunk_size=2000):
        notice_email.delay(pk)


# --- The stored file --------------------------------------------------------------------------


def _file_forget_on_commit(batch: ImportBatch) -> None:
    """Once the batch's end is committed, its stored file goes: it holds the learners' ID
    numbers, and nothing reads it again (the refused rows keep their own cells, sealed, for
    the error file; the hash, name and size stay for the duplicate check and the pages)."""
    if batch.file:
        transaction.on_commit(lambda: batch_file_forget(batch.pk))


def batch_file_forget(batch_id: int) -> None:
    """Delete a finished batch's stored file, then clear its field: a worker stopped between
    the two leaves the field set, for ``batches_resume`` to finish the work."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or not batch.is_finished or not batch.file:
        return
    batch.file.storage.delete(batch.file.name)
    ImportBatch.objects.filter(pk=batch_id).update(file="")


# --- Resuming ----------------------------------------------------------------------------------


def batches_resume() -> int:
    """Hand to a worker every unfinished batch that no worker holds (its worker died); safe to
    run at any time, since a batch is worked by one worker at a time. Returns how many. The
    files of finished batches still stored (their worker stopped before deleting them) are
    deleted."""
    finished = ImportBatch.objects.filter(status__in=[Status.DONE, Status.FAILED])
    for pk in finished.exclude(file="").values_list("pk", flat=True):
        batch_file_forget(pk)
    handed = 0
    unfinished = ImportBatch.objects.filter(
        status__in=[Status.UPLOADED, Status.VALIDATING, Status.PROCESSING]
    ).exclude(source=ImportBatch.Source.API)
    for pk in unfinished.values_list("pk", flat=True):
        if _try_lock(pk):
            _unlock(pk)
            _enqueue(pk)
            handed += 1
    return handed


# --- The API: rows pushed as JSON --------------------------------------------------------------


def batch_push(
    *,
    acting_user,
    institution: Institution,
    category: AchievementCategory,
    mode: str,
    rows: list[dict],
    client: str = "",
) -> ImportBatch:
    """The API's batch: ``rows`` (dicts keyed by ``normalise.COLUMNS``, numbered from 1 in
    their order) validated and committed at once, in one transaction, the same way as a file's.
    The batch is returned finished, done or failed; its rows say each one's outcome."""
    if institution.status != Institution.Status.APPROVED or not is_alliance_member(institution):
        raise NotAllowed(
            _("Only an approved member institution may send its results."), code="not_allowed"
        )
    if not isinstance(category, AchievementCategory) or not category.is_active:
        raise InvalidInput(_("Choose a category that is in use."), field="category")
    _require_mode(mode)
    body = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode()
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            institution=institution,
            category=category,
            source=ImportBatch.Source.API,
            mode=mode,
            mandate=mandate_for(institution, category),
            file_format=ImportBatch.Format.JSON,
            file_size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            created_by=acting_user,
            client=client[:60],
            status=Status.VALIDATING,
            started_at=timezone.now(),
        )
        batch = ImportBatch.objects.select_related("institution", "category", "mandate").get(
            pk=batch.pk
        )
        audit_record(actor=acting_user, action="batch.upload", target=batch, after=_summary(batch))
        numbered = [(n, {k: row.get(k) for k in COLUMNS}) for n, row in enumerate(rows, 1)]
        for chunk in _chunks(iter(numbered), 0):
            _stage(batch, chunk)
        if _after_validation(batch):
            while _commit_chunk(batch):
                pass
            _finish(batch)
    batch.refresh_from_db()
    return batch
