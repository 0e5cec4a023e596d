"""Standards (标准): the qualification framework levels, the categories of learning achievement
and the unit standards (认证单元) that recognition matches achievements against."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from creditbank.indexes import trigram_index

from ..credits import CREDIT_DIGITS, CREDIT_PLACES


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
    credit_value = models.DecimalField(
        _("credit value"), max_digits=CREDIT_DIGITS, decimal_places=CREDIT_PLACES
    )
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
            # The public search's substring match (creditbank.search).
            *(trigram_index("unit_standard", field) for field in ("code", "name", "field")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} (v{self.version})"

    @property
    def issuer_name(self) -> str:
        if self.issuing_institution_id is None:
            return str(_("The centre"))
        return self.issuing_institution.name
