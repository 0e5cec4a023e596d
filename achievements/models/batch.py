"""Batch recognition (批量认定): a member institution's results arriving many at once, as an
uploaded file or through the API, and the centre's mandates that let an institution recognise
its own results directly.

A batch (``ImportBatch``) goes uploaded → validating → processing → done | failed
(``BATCH_TRANSITIONS``; only ``achievements.services.batch`` moves it). Its rows
(``ImportRow``) are staged as they are read — the clean values of a valid row, the raw cells
and the errors of a refused one — and committed in chunks, each chunk in one transaction with
the batch's counters, so that a worker killed mid-batch leaves it to be finished by another
with no row lost or written twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Institution
from creditbank.languages import in_active_language

from ..credits import CREDIT_DIGITS, CREDIT_PLACES
from .standards import AchievementCategory, QualificationLevel


class RecognitionMandate(models.Model):
    """The centre's authorisation (直接认定授权) of a member institution to recognise its own
    results of one category directly, when it sends them in a batch: at ``level``, in
    ``field``, at the credits each row states. Without an active mandate a batch's results are
    deposited for review, and so are those it cannot recognise (a failed result, no credits, or
    more credits than the centre re-reviews: those take the whole review, maker-checker
    included). One active mandate per institution and category."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="recognition_mandates",
    )
    category = models.ForeignKey(
        AchievementCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="mandates",
    )
    level = models.ForeignKey(
        QualificationLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field"), max_length=60)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("direct recognition mandate (直接认定授权)")
        verbose_name_plural = _("direct recognition mandates")
        ordering = ["institution", "category", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "category"],
                condition=Q(ended_at__isnull=True),
                name="mandate_one_active_per_category",
            ),
            models.CheckConstraint(
                condition=(Q(ended_at__isnull=True) & Q(ended_by__isnull=True))
                | (Q(ended_at__isnull=False) & Q(ended_by__isnull=False)),
                name="mandate_ended_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.category}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


def batch_upload_to(instance: "ImportBatch", filename: str) -> str:
    """A server-made name; the extension is the format read from the content."""
    return f"batches/{instance.institution_id}/{uuid.uuid4().hex}.{instance.file_format}"


class ImportBatch(models.Model):
    """One batch of an institution's results (批次): a file uploaded by a clerk, sent by a
    command, or one request of the API. The counters are the progress page's figures."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded file")
        COMMAND = "command", _("Operator's command")
        API = "api", _("API")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        VALID_ROWS = "valid", _("Valid rows only")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", pgettext_lazy("batch status", "Uploaded")
        VALIDATING = "validating", pgettext_lazy("batch status", "Validating")
        PROCESSING = "processing", pgettext_lazy("batch status", "Processing")
        DONE = "done", pgettext_lazy("batch status", "Done")
        FAILED = "failed", pgettext_lazy("batch status", "Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    category = models.ForeignKey(
        AchievementCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    # The mandate in force when the batch was made: its rows are recognised directly.
    mandate = models.ForeignKey(
        RecognitionMandate,
        verbose_name=_("direct recognition mandate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    file = models.FileField(_("file"), upload_to=batch_upload_to, max_length=200, blank=True)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    file_name = models.CharField(_("file name"), max_length=120, blank=True)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Who sent it: the clerk, the operator, or the administrator who made the API token.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    client = models.CharField(_("client"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    failure = models.CharField(_("reason"), max_length=500, blank=True)
    # The reason in each language (creditbank.languages), shown in the reader's.
    failure_texts = models.JSONField(_("reason in each language"), default=dict, blank=True)
    # Progress: the last row staged (resumption starts after it), how much of the file that is
    # (in thousandths: the bytes of a CSV, the rows of a workbook's sheet) and the counters.
    last_row_read = models.PositiveIntegerField(_("last row read"), default=0)
    read_permille = models.PositiveSmallIntegerField(_("share of the file read (‰)"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_refused = models.PositiveIntegerField(_("refused rows"), default=0)
    rows_committed = models.PositiveIntegerField(_("rows committed"), default=0)
    recognised = models.PositiveIntegerField(_("recognised"), default=0)
    deposited = models.PositiveIntegerField(_("deposited for review"), default=0)
    unchanged = models.PositiveIntegerField(_("already recorded"), default=0)

    class Meta:
        verbose_name = _("result batch (批次)")
        verbose_name_plural = _("result batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The same file twice is refused, unless the first failed (an API request is told
            # apart by its idempotency key).
            models.UniqueConstraint(
                fields=["institution", "sha256"],
                condition=~Q(source="api") & ~Q(status="failed"),
                name="batch_file_once_per_institution",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "-created_at"], name="batch_institution_idx"),
            models.Index(
                fields=["status"],
                name="batch_unfinished_idx",
                condition=Q(status__in=["uploaded", "validating", "processing"]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The batch's name on pages, in histories and in the error file: P000123."""
        return f"P{self.pk:06d}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def failure_shown(self) -> str:
        """Why the batch failed, in the active language."""
        return in_active_language(self.failure_texts) or self.failure


# action → (statuses it may start from, status it leads to).
_B = ImportBatch.Status
BATCH_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "validate": (frozenset({_B.UPLOADED, _B.VALIDATING}), _B.VALIDATING),
    "process": (frozenset({_B.VALIDATING, _B.PROCESSING}), _B.PROCESSING),
    "finish": (frozenset({_B.PROCESSING}), _B.DONE),
    "fail": (frozenset({_B.UPLOADED, _B.VALIDATING, _B.PROCESSING}), _B.FAILED),
}
del _B


class ImportRow(models.Model):
    """One row of a batch as staged (暂存行): the clean values of a valid row, or the raw cells
    and the errors of a refused one; once committed, the achievement it made or found.

    Written with COPY and updated set-based (``services.batch``), never one by one."""

    class Outcome(models.TextChoices):
        VALID = "valid", pgettext_lazy("batch outcome", "Valid, waiting")
        REFUSED = "refused", pgettext_lazy("batch outcome", "Refused")
        RECOGNISED = "recognised", pgettext_lazy("batch outcome", "Recognised")
        DEPOSITED = "deposited", pgettext_lazy("batch outcome", "Deposited for review")
        UNCHANGED = "unchanged", pgettext_lazy("batch outcome", "Already recorded")

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="rows"
    )
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    external_id = models.CharField(_("external identifier"), max_length=64, blank=True)
    account = models.ForeignKey(
        "accounts.LearnerAccount",
        verbose_name=_("learning account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    obtained_on = models.DateField(_("date obtained"), null=True, blank=True)
    result_kind = models.CharField(_("result type"), max_length=8, blank=True)
    result_value = models.CharField(_("result"), max_length=12, blank=True)
    credits = models.DecimalField(
        _("credits"), max_digits=CREDIT_DIGITS, decimal_places=CREDIT_PLACES, null=True, blank=True
    )
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1, null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    # A refused row: its cells as read, encrypted (``creditbank.pii``: they may hold an ID
    # number), for the error file; and what to fix, as ``[[column, code, {language: message}],
    # ...]`` (``batch.normalise.stored_errors`` reads it in the reader's language).
    raw_sealed = models.TextField(_("cells (encrypted)"), blank=True, editable=False)
    errors = models.JSONField(_("errors"), null=True, blank=True)
    achievement = models.ForeignKey(
        "Achievement",
        verbose_name=_("achievement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("batch row (批次行)")
        verbose_name_plural = _("batch rows")
        ordering = ["batch", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="import_row_once"),
        ]
        indexes = [
            models.Index(fields=["batch", "outcome", "row_number"], name="import_row_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"
