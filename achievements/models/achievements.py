"""Achievements (学习成果) deposited in a learning account and their evidence (存储)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution

from ..credits import CREDIT_DIGITS, CREDIT_PLACES
from .standards import AchievementCategory


class AchievementQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(account=account)

    def deposited(self):
        return self.filter(status=Achievement.Status.DEPOSITED)

    def waiting(self, *statuses):
        """Achievements in one of ``statuses``, the longest-waiting first (a review queue)."""
        return self.filter(status__in=statuses).order_by("status_changed_at", "pk")

    def due_to_expire(self, today):
        """Recognised achievements whose validity ended before ``today``."""
        return self.filter(status=Achievement.Status.RECOGNISED, valid_until__lt=today)


class Achievement(models.Model):
    """A learning achievement (学习成果) deposited in a learning account, with its evidence.

    The transitions are written once, in ``ACHIEVEMENT_TRANSITIONS`` below, and taken only
    through ``achievements.services.workflow``. The same certificate number from the same issuer
    is deposited at most once: the database enforces it for a known institution and, ignoring
    case, for a free-text issuer.
    """

    class Status(models.TextChoices):
        DEPOSITED = "deposited", _("Deposited")
        UNDER_REVIEW = "under_review", _("Under review")
        RETURNED = "returned", _("Returned for more information")
        FORWARDED = "forwarded", _("Forwarded for a decision")
        CONFIRMING = "confirming", _("Awaiting centre re-review")
        RECOGNISED = "recognised", _("Recognised")
        REJECTED = "rejected", _("Rejected")
        APPEALED = "appealed", _("Appealed")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    class ResultKind(models.TextChoices):
        SCORE = "score", _("Score (0–100)")
        GRADE = "grade", _("Grade")
        PASS = "pass", _("Pass or fail")

    class Grade(models.TextChoices):
        EXCELLENT = "优秀", _("Excellent")
        GOOD = "良好", _("Good")
        FAIR = "中等", _("Fair")
        PASS = "合格", _("Pass")
        FAIL = "不合格", _("Fail")

    class PassResult(models.TextChoices):
        PASS = "pass", _("Passed")
        FAIL = "fail", _("Failed")

    # No index of its own on account_id, deposited_by_id and first_check_branch_id: the
    # composite indexes in Meta lead with them (a second index on the column only slowed
    # every write: make bench-batch).
    account = models.ForeignKey(
        "accounts.LearnerAccount",
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="achievements",
        db_index=False,
    )
    category = models.ForeignKey(
        AchievementCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="achievements",
    )
    title = models.CharField(_("title"), max_length=200)
    issuer_institution = models.ForeignKey(
        Institution,
        verbose_name=_("issuing institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_achievements",
    )
    issuer_name = models.CharField(_("issuer"), max_length=120, blank=True)
    obtained_on = models.DateField(_("date obtained"))
    result_kind = models.CharField(_("result type"), max_length=8, choices=ResultKind.choices)
    result_value = models.CharField(_("result"), max_length=12)
    hours = models.DecimalField(
        _("learning hours"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    original_credits = models.DecimalField(
        _("original credits"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DEPOSITED
    )
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deposited by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("deposited at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When it entered its current status: a review queue's age and order.
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    # The branch centre of its first check (the account's home branch when it was submitted).
    first_check_branch = models.ForeignKey(
        "branches.BranchCentre",
        verbose_name=_("checking branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # The decision in force once recognised (kept after a revocation or expiry, for history).
    recognition = models.ForeignKey(
        "Recognition",
        verbose_name=_("recognition"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Sent by its issuing institution in a batch (批量认定): the batch, and the institution's
    # own identifier of the result, which it never uses twice (a row sent again changes
    # nothing).
    batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="achievements",
    )
    # (A default in the database too: bulk writers that COPY achievements leave it out.)
    external_id = models.CharField(
        _("external identifier"), max_length=64, blank=True, default="", db_default=""
    )

    objects = AchievementQuerySet.as_manager()

    class Meta:
        verbose_name = _("learning achievement (学习成果)")
        verbose_name_plural = _("learning achievements")
        ordering = ["-obtained_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(issuer_institution__isnull=False) & Q(issuer_name=""))
                | (Q(issuer_institution__isnull=True) & ~Q(issuer_name="")),
                name="achievement_one_issuer",
            ),
            models.CheckConstraint(
                condition=Q(original_credits__isnull=True) | Q(original_credits__gte=0),
                name="achievement_credits_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0),
                name="achievement_hours_not_negative",
            ),
            models.UniqueConstraint(
                fields=["issuer_institution", "certificate_number"],
                condition=Q(issuer_institution__isnull=False) & ~Q(certificate_number=""),
                name="achievement_certificate_once_per_institution",
            ),
            models.UniqueConstraint(
                Lower("issuer_name"),
                "certificate_number",
                condition=Q(issuer_institution__isnull=True) & ~Q(certificate_number=""),
                name="achievement_certificate_once_per_named_issuer",
            ),
            models.UniqueConstraint(
                fields=["issuer_institution", "external_id"],
                condition=~Q(external_id=""),
                name="achievement_external_id_once_per_institution",
            ),
            models.CheckConstraint(
                condition=Q(external_id="") | Q(issuer_institution__isnull=False),
                name="achievement_external_id_has_institution",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status"], name="achievement_account_status_idx"),
            models.Index(fields=["deposited_by", "-created_at"], name="achievement_depositor_idx"),
            # The review queues: by status, oldest first; the first check also by branch. The
            # account is included so that a queue is counted from the index alone (nobody
            # reviews their own achievement: the queues leave out the reader's account).
            models.Index(
                fields=["status", "status_changed_at"],
                name="achievement_queue_idx",
                include=["account", "issuer_institution"],
            ),
            models.Index(
                fields=["first_check_branch", "status", "status_changed_at"],
                name="achievement_branch_queue_idx",
                include=["account", "issuer_institution"],
            ),
            models.Index(
                fields=["valid_until"],
                name="achievement_expiry_idx",
                condition=Q(status="recognised", valid_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def issuer(self) -> str:
        if self.issuer_institution_id is not None:
            return self.issuer_institution.name
        return self.issuer_name

    @property
    def result_display(self) -> str:
        if self.result_kind == self.ResultKind.GRADE:
            return str(self.Grade(self.result_value).label) if self.result_value else ""
        if self.result_kind == self.ResultKind.PASS:
            return str(self.PassResult(self.result_value).label) if self.result_value else ""
        return self.result_value


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    """A server-made name: the sender's file name is never used for storage, and the extension
    comes from the type detected from the content (``instance.kind``)."""
    extension = {"jpeg": "jpg"}.get(instance.kind, instance.kind)
    return f"evidence/{instance.achievement.account_id}/{uuid.uuid4().hex}.{extension}"


# action → (statuses it may start from, status it leads to). ``None``: the row goes away.
# ``recognise`` leads to ``confirming`` instead when the credits need a centre re-review, and
# ``send_back`` to ``appealed`` when the decision sent back was made on appeal. The state machine
# (``services.workflow``) records the steps; the table is here, beside the statuses, because
# which steps are open now (``access.allowed_actions``) needs it too.
_S = Achievement.Status
ACHIEVEMENT_TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "deposit": (frozenset(), _S.DEPOSITED),
    "update": (frozenset({_S.DEPOSITED}), _S.DEPOSITED),
    "delete": (frozenset({_S.DEPOSITED}), None),
    "submit": (frozenset({_S.DEPOSITED}), _S.UNDER_REVIEW),
    "return": (frozenset({_S.UNDER_REVIEW}), _S.RETURNED),
    "resubmit": (frozenset({_S.RETURNED}), _S.UNDER_REVIEW),
    "forward": (frozenset({_S.UNDER_REVIEW}), _S.FORWARDED),
    "recognise": (frozenset({_S.FORWARDED, _S.APPEALED}), _S.RECOGNISED),
    "reject": (frozenset({_S.FORWARDED, _S.APPEALED}), _S.REJECTED),
    "confirm": (frozenset({_S.CONFIRMING}), _S.RECOGNISED),
    "send_back": (frozenset({_S.CONFIRMING}), _S.FORWARDED),
    "appeal": (frozenset({_S.REJECTED}), _S.APPEALED),
    "revoke": (frozenset({_S.RECOGNISED}), _S.REVOKED),
    "expire": (frozenset({_S.RECOGNISED}), _S.EXPIRED),
    # A member institution's batch (services.batch): recognised directly under the centre's
    # mandate, else sent straight to the first check.
    "import": (frozenset(), _S.UNDER_REVIEW),
    "import_recognise": (frozenset(), _S.RECOGNISED),
}
del _S


class Evidence(models.Model):
    """One evidence file (证明材料) of an achievement: PDF, JPEG or PNG, checked by content."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("achievement"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    kind = models.CharField(_("type"), max_length=4, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    original_name = models.CharField(_("original file name"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence (证明材料)")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_size_positive"),
        ]

    def __str__(self) -> str:
        return self.original_name or f"{self.kind} #{self.pk}"
