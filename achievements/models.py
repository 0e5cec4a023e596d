"""Standards (标准): the qualification framework levels, the categories of learning achievement
and the unit standards (认证单元) that recognition matches achievements against."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution


def _english() -> bool:
    return (get_language() or "").startswith("en")


class QualificationLevelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class QualificationLevel(models.Model):
    """One level of the qualification framework (资历框架等级) that credits are stated at."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    number = models.PositiveSmallIntegerField(_("level number"), unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    descriptor_zh = models.TextField(_("Chinese descriptor"), max_length=2000)
    descriptor_en = models.TextField(_("English descriptor"), max_length=2000)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = QualificationLevelQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification framework level (资历框架等级)")
        verbose_name_plural = _("qualification framework levels")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="level_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_zh

    @property
    def descriptor(self) -> str:
        return self.descriptor_en if _english() else self.descriptor_zh


class AchievementCategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class AchievementCategory(models.Model):
    """A kind of learning achievement (学习成果类别), the evidence it needs and how long a
    recognition of it stays valid (``validity_years`` empty: it never expires)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    evidence_zh = models.TextField(_("evidence required (Chinese)"), max_length=2000)
    evidence_en = models.TextField(_("evidence required (English)"), max_length=2000)
    validity_years = models.PositiveSmallIntegerField(_("valid for (years)"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    ordering = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = AchievementCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("achievement category (学习成果类别)")
        verbose_name_plural = _("achievement categories")
        ordering = ["ordering", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_years__isnull=True) | Q(validity_years__gte=1),
                name="category_validity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_zh

    @property
    def evidence(self) -> str:
        return self.evidence_en if _english() else self.evidence_zh


class UnitStandardQuerySet(models.QuerySet):
    def published(self):
        """What the public standards guidance lists: approved standards, by code."""
        return (
            self.filter(status=UnitStandard.Status.APPROVED)
            .select_related("level", "issuing_institution")
            .order_by("code", "pk")
        )

    def for_management(self):
        """Submitted ones (waiting for a decision) first, oldest submission first; then the
        rest, most recently changed first."""
        waiting = models.Case(
            models.When(status=UnitStandard.Status.SUBMITTED, then=0),
            default=1,
            output_field=models.IntegerField(),
        )
        return self.select_related("level", "issuing_institution", "created_by").order_by(
            waiting, "submitted_at", "-updated_at", "-pk"
        )


class UnitStandard(models.Model):
    """A unit standard (认证单元): one learning outcome with a code, field, level and credit value.

    Each version is a row; versions of one standard share its ``code``. At most one version of
    a code is approved at a time, and at most one is open (draft or submitted): the database
    enforces both. Transitions are written once, in ``achievements.services.standards``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    field = models.CharField(_("field"), max_length=60)
    level = models.ForeignKey(
        QualificationLevel,
        verbose_name=_("level"),
        on_delete=models.PROTECT,
        related_name="unit_standards",
    )
    credit_value = models.DecimalField(_("credit value"), max_digits=6, decimal_places=2)
    outcomes = models.TextField(_("learning outcomes"), max_length=4000, blank=True)
    issuing_institution = models.ForeignKey(
        Institution,
        verbose_name=_("issuing institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit_standards",
        help_text=_("Empty: issued by the centre."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    previous_version = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Everyone who wrote this version: none of them may decide on it (maker-checker).
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="+", blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = UnitStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit standard (认证单元)")
        verbose_name_plural = _("unit standards")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unit_standard_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="approved"),
                name="unit_standard_one_approved_version",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status__in=["draft", "submitted"]),
                name="unit_standard_one_open_version",
            ),
            models.CheckConstraint(
                condition=Q(credit_value__gt=0), name="unit_standard_credit_positive"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="unit_standard_version_1"),
        ]
        indexes = [
            models.Index(fields=["status", "code"], name="unit_standard_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} (v{self.version})"

    @property
    def issuer_name(self) -> str:
        if self.issuing_institution_id is None:
            return str(_("The centre"))
        return self.issuing_institution.name


# --- Achievements and their evidence (存储) ----------------------------------------------------


class AchievementQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(account=account)

    def deposited(self):
        return self.filter(status=Achievement.Status.DEPOSITED)


class Achievement(models.Model):
    """A learning achievement (学习成果) deposited in a learning account, with its evidence.

    The transitions are written once, in ``achievements.services.deposits``. The same
    certificate number from the same issuer is deposited at most once: the database enforces
    it for a known institution and, ignoring case, for a free-text issuer.
    """

    class Status(models.TextChoices):
        DEPOSITED = "deposited", _("Deposited")
        UNDER_REVIEW = "under_review", _("Under review")
        RETURNED = "returned", _("Returned for more information")
        FORWARDED = "forwarded", _("Forwarded for a decision")
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

    account = models.ForeignKey(
        "accounts.LearnerAccount",
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="achievements",
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
        _("original credits"), max_digits=6, decimal_places=2, null=True, blank=True
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
    )
    created_at = models.DateTimeField(_("deposited at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
        ]
        indexes = [
            models.Index(fields=["account", "status"], name="achievement_account_status_idx"),
            models.Index(fields=["deposited_by", "-created_at"], name="achievement_depositor_idx"),
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
