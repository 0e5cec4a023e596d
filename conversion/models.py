"""Conversion (转换): what it is made of.

- An institution's **programmes** (专业/培养方案) and **courses** (课程); the public course
  catalogue (课程超市) lists the open ones.
- Reference lists a rule's source may name: **certificates** (证书: 全国计算机等级考试二级, a 1+X
  certificate at 中级, …) and **self-study exam subjects** (自考课程, by their national code).
- **Conversion rules** (转换规则): a rule belongs to a target institution and has versions. A
  version says *source → target*: the source is a tree of AND / OR / "N of" groups over atoms
  (``RuleVersion.source``, the format is in ``conversion.source``), the targets are courses of
  one programme, each granting credits (学分转换) or an exemption (免考/免修). Every atom is also
  a ``RuleAtom`` row, so that the public lookup "I hold X → what accepts it" is one indexed join.

A version's lifecycle is written once, in ``conversion.services.review``::

    draft → submitted → in_review → approved → published → retired
      ↑         └───────────┴── returned (with a reason) ──┘

From ``approved`` on, a version's content never changes: the database refuses an UPDATE of its
content columns, and any INSERT, UPDATE or DELETE of its targets and atoms (migration
``0002_rule_versions_frozen``). An edit after approval makes version n+1 as a draft. Two
published versions of one rule never overlap in validity (an exclusion constraint); a published
version's end may be brought forward once (``ends_on``), when the next version takes over.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Coalesce, Least
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from achievements.credits import CREDIT_DIGITS, CREDIT_PLACES
from achievements.models import AchievementCategory
from creditbank.indexes import trigram_index


def _english() -> bool:
    return (get_language() or "").startswith("en")


class EducationLevel(models.TextChoices):
    """The level a programme or course is taught at (办学层次)."""

    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational (中职)")
    JUNIOR_COLLEGE = "junior_college", _("Junior college (专科)")
    BACHELOR = "bachelor", _("Bachelor (本科)")
    NON_DEGREE = "non_degree", _("Non-degree (非学历)")


# --- Programmes and courses ------------------------------------------------------------------


class ProgrammeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Programme(models.Model):
    """A programme (专业/培养方案) of an institution: what a learner graduates from, and the
    largest share of its graduation credits that conversion may supply (Beijing: 50%)."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    code = models.CharField(_("programme code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=24, choices=EducationLevel.choices)
    field = models.CharField(_("field"), max_length=60)
    graduation_credits = models.DecimalField(
        _("credits to graduate"), max_digits=CREDIT_DIGITS, decimal_places=CREDIT_PLACES
    )
    conversion_share = models.PositiveSmallIntegerField(
        _("largest share from conversion (%)"),
        default=50,
        help_text=_("At most 50%; an institution may set less."),
    )
    description = models.TextField(_("description"), max_length=4000, blank=True)
    is_active = models.BooleanField(_("open for conversion"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme (专业)")
        verbose_name_plural = _("programmes")
        ordering = ["institution_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="programme_code_unique"),
            models.CheckConstraint(
                condition=Q(graduation_credits__gt=0), name="programme_credits_positive"
            ),
            models.CheckConstraint(
                condition=Q(conversion_share__gte=0, conversion_share__lte=50),
                name="programme_conversion_share_0_50",
            ),
        ]
        indexes = [trigram_index("programme", "name")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}）"


class CourseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def public(self):
        """What the course catalogue (课程超市) lists: open, active courses of approved
        institutions."""
        return self.filter(
            is_active=True,
            is_public=True,
            institution__status=Institution.Status.APPROVED,
        )


class Course(models.Model):
    """A course (课程) of an institution, in one or more of its programmes."""

    class Kind(models.TextChoices):
        REQUIRED = "required", _("Required (必修)")
        ELECTIVE = "elective", _("Elective (选修)")

    class Mode(models.TextChoices):
        FACE_TO_FACE = "face_to_face", _("Face-to-face (面授)")
        ONLINE = "online", _("Online (线上)")
        BLENDED = "blended", _("Blended (混合式)")

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    code = models.CharField(_("course code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    credits = models.DecimalField(
        _("credits"), max_digits=CREDIT_DIGITS, decimal_places=CREDIT_PLACES
    )
    hours = models.PositiveIntegerField(_("hours"))
    level = models.CharField(_("level"), max_length=24, choices=EducationLevel.choices)
    field = models.CharField(_("field"), max_length=60)
    kind = models.CharField(_("required or elective"), max_length=16, choices=Kind.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    is_public = models.BooleanField(_("open to the public"), default=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    programmes = models.ManyToManyField(
        Programme, verbose_name=_("programmes"), related_name="courses", blank=True
    )
    is_active = models.BooleanField(_("offered"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course (课程)")
        verbose_name_plural = _("courses")
        ordering = ["institution_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="course_code_unique"),
            models.CheckConstraint(condition=Q(credits__gt=0), name="course_credits_positive"),
        ]
        indexes = [
            trigram_index("course", "name"),
            trigram_index("course", "code"),
            models.Index(
                fields=["field", "level", "mode"],
                name="course_public_facets_idx",
                condition=Q(is_public=True, is_active=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- What a source may name ------------------------------------------------------------------


class CertificateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Certificate(models.Model):
    """A named certificate (证书) a rule's source may ask for: a national exam such as
    全国计算机等级考试二级, a 1+X vocational skill level certificate at a level, a language test.
    Achievements of ``category`` whose title or certificate name matches ``name`` (and
    ``grade``, when the certificate has grades) hold it."""

    name = models.CharField(_("certificate name"), max_length=120)
    grade = models.CharField(
        _("grade"),
        max_length=20,
        blank=True,
        help_text=_("E.g. 初级, 中级, 高级 for a 1+X certificate; empty if it has none."),
    )
    issuer = models.CharField(_("issued by"), max_length=120)
    category = models.ForeignKey(
        AchievementCategory,
        verbose_name=_("achievement category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate (证书)")
        verbose_name_plural = _("certificates")
        ordering = ["name", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["name", "grade"], name="certificate_name_grade_unique"),
        ]
        indexes = [trigram_index("certificate", "name")]

    def __str__(self) -> str:
        return f"{self.name}（{self.grade}）" if self.grade else self.name


class SelfStudySubject(models.Model):
    """A subject of the higher education self-study examinations (自考课程), by its national
    five-digit code, e.g. 00015 英语（二）."""

    code = models.CharField(_("subject code"), max_length=8, unique=True)
    name = models.CharField(_("subject name"), max_length=120)
    credits = models.DecimalField(
        _("credits"), max_digits=CREDIT_DIGITS, decimal_places=CREDIT_PLACES
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("self-study exam subject (自考课程)")
        verbose_name_plural = _("self-study exam subjects")
        ordering = ["code"]
        indexes = [trigram_index("selfstudy", "name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- Conversion rules ------------------------------------------------------------------------


class ConversionRule(models.Model):
    """A conversion rule (转换规则) of a target institution: what its versions have in common
    (the number people cite, the title)."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("target institution"),
        on_delete=models.PROTECT,
        related_name="conversion_rules",
    )
    number = models.CharField(_("rule number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conversion rule (转换规则)")
        verbose_name_plural = _("conversion rules")
        ordering = ["number"]
        indexes = [trigram_index("rule", "title")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class RuleVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=RuleVersion.Status.PUBLISHED)

    def in_force_on(self, day):
        """Published versions whose validity covers ``day``."""
        return self.published().filter(
            Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        )

    def current_or_coming(self, day):
        """Published versions still valid on ``day`` or later (what the public lookup lists:
        rules published ahead of their start are a promise worth showing)."""
        return self.published().filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        )


class RuleVersion(models.Model):
    """One version of a conversion rule: source → targets, valid from … until …."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In expert review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    rule = models.ForeignKey(
        ConversionRule,
        verbose_name=_("conversion rule"),
        on_delete=models.PROTECT,
        related_name="versions",
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
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("target programme"),
        on_delete=models.PROTECT,
        related_name="rule_versions",
    )
    # The source tree; its format, checks and sentences are in ``conversion.source``.
    source = models.JSONField(_("source"), default=dict)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes_zh = models.TextField(_("notes (Chinese)"), max_length=2000, blank=True)
    notes_en = models.TextField(_("notes (English)"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Everyone who wrote this version: none of them may approve it (maker-checker).
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="+", blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Lifecycle columns: the only ones that may change once a version is approved.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    # Each time the version goes to a panel (again, after a return) a new round starts; an
    # expert gives one opinion per round.
    review_round = models.PositiveSmallIntegerField(_("review round"), default=0)
    returned_reason = models.CharField(_("reason for return"), max_length=300, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    announcement = models.ForeignKey(
        "branches.Announcement",
        verbose_name=_("announcement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set once, when a later version takes over before this one's end (else empty).
    ends_on = models.DateField(_("ends early on"), null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retired by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_reason = models.CharField(_("reason for retiring"), max_length=300, blank=True)

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversion rule version")
        verbose_name_plural = _("conversion rule versions")
        ordering = ["rule_id", "-version"]
        permissions = [("review_ruleversion", "May give an expert opinion on this rule version")]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="rule_version_unique"),
            # At most one open (draft, submitted, in review) or approved-not-yet-published
            # version of a rule at a time.
            models.UniqueConstraint(
                fields=["rule"],
                condition=Q(status__in=["draft", "submitted", "in_review", "approved"]),
                name="rule_one_open_version",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="rule_validity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("valid_from")),
                name="rule_ends_on_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="rule_published_has_date",
            ),
            ExclusionConstraint(
                name="rule_published_versions_never_overlap",
                expressions=[
                    ("rule", RangeOperators.EQUAL),
                    (
                        Func(
                            F("valid_from"),
                            Least(
                                Coalesce("valid_until", "ends_on"),
                                Coalesce("ends_on", "valid_until"),
                            ),
                            models.Value("[]"),
                            function="daterange",
                            output_field=models.Field(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(status="published"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "valid_from"], name="rule_version_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.number} v{self.version}"

    @property
    def notes(self) -> str:
        return (self.notes_en or self.notes_zh) if _english() else self.notes_zh

    @property
    def valid_end(self):
        """The last day this version applies (``None``: open-ended)."""
        ends = [d for d in (self.valid_until, self.ends_on) if d is not None]
        return min(ends) if ends else None


class RuleTarget(models.Model):
    """One target course of a rule version: credits granted (学分转换) or an exemption
    without credits (免考/免修)."""

    class Outcome(models.TextChoices):
        CREDITS = "credits", _("Credits granted (学分转换)")
        EXEMPTION = "exemption", _("Exemption without credits (免考/免修)")

    version = models.ForeignKey(
        RuleVersion,
        verbose_name=_("rule version"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("target course"),
        on_delete=models.PROTECT,
        related_name="rule_targets",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    credits = models.DecimalField(
        _("credits granted"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("rule target")
        verbose_name_plural = _("rule targets")
        ordering = ["version_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "course"], name="rule_target_unique"),
            models.CheckConstraint(
                condition=(Q(outcome="credits") & Q(credits__gt=0))
                | (Q(outcome="exemption") & Q(credits__isnull=True)),
                name="rule_target_credits_match_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} → {self.course}"


class RuleAtom(models.Model):
    """One atom of a version's source, as a row the public lookup can join on. Written by the
    service from ``RuleVersion.source`` (never by hand), frozen with the version."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Unit standard")
        CATEGORY = "category", _("Achievement category")
        CERTIFICATE = "certificate", _("Certificate")
        COURSE = "course", _("Course of another institution")
        SELF_STUDY = "self_study", _("Self-study exam subject")

    version = models.ForeignKey(
        RuleVersion,
        verbose_name=_("rule version"),
        on_delete=models.CASCADE,
        related_name="atoms",
    )
    # Where the atom sits in the tree, e.g. "0.2.1" (for the page and the engine's trace).
    path = models.CharField(_("position"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Exactly one of these, by kind. A unit standard is named by code: any approved version.
    standard_code = models.CharField(_("unit standard code"), max_length=32, blank=True)
    category = models.ForeignKey(
        AchievementCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="rule_atoms"
    )
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="source_atoms"
    )
    subject = models.ForeignKey(
        SelfStudySubject,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rule_atoms",
    )

    class Meta:
        verbose_name = _("rule source atom")
        verbose_name_plural = _("rule source atoms")
        ordering = ["version_id", "path"]
        constraints = [
            models.UniqueConstraint(fields=["version", "path"], name="rule_atom_path_unique"),
            models.CheckConstraint(
                condition=(
                    Q(kind="standard", category__isnull=True, certificate__isnull=True)
                    & Q(course__isnull=True, subject__isnull=True)
                    & ~Q(standard_code="")
                )
                | Q(kind="category", category__isnull=False, standard_code="")
                | Q(kind="certificate", certificate__isnull=False, standard_code="")
                | Q(kind="course", course__isnull=False, standard_code="")
                | Q(kind="self_study", subject__isnull=False, standard_code=""),
                name="rule_atom_one_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["standard_code"], name="rule_atom_standard_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.path} {self.kind}"


class RuleOpinion(models.Model):
    """An assigned expert's opinion on a rule version in review (agree / disagree)."""

    class Verdict(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")

    version = models.ForeignKey(
        RuleVersion,
        verbose_name=_("rule version"),
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewing expert"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    round = models.PositiveSmallIntegerField(_("review round"), default=1)
    verdict = models.CharField(_("opinion"), max_length=16, choices=Verdict.choices)
    comment = models.TextField(_("comments"), max_length=2000, blank=True)
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expert opinion")
        verbose_name_plural = _("expert opinions")
        ordering = ["version_id", "given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "reviewer", "round"], name="rule_opinion_once_a_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.reviewer_id} {self.verdict}"
