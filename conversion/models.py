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
from django.utils import timezone
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
    # Caps of the programme (empty: the institution's ``ConversionPolicy``, else none).
    per_year_credits = models.DecimalField(
        _("most credits converted per calendar year"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )
    per_source_credits = models.DecimalField(
        _("most credits from one source institution"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )
    certificates_max = models.PositiveSmallIntegerField(
        _("most certificates counted"), null=True, blank=True
    )
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


# --- Caps an institution declares for all its programmes ---------------------------------------


class ConversionPolicy(models.Model):
    """An institution's caps on conversion for every programme that sets none of its own
    (``Programme.per_year_credits`` … override them one by one)."""

    institution = models.OneToOneField(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="conversion_policy",
    )
    per_year_credits = models.DecimalField(
        _("most credits converted per calendar year"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )
    per_source_credits = models.DecimalField(
        _("most credits from one source institution"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )
    certificates_max = models.PositiveSmallIntegerField(
        _("most certificates counted"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("conversion caps of an institution")
        verbose_name_plural = _("conversion caps of institutions")

    def __str__(self) -> str:
        return str(self.institution)


# --- Conversion applications (转换申请) -----------------------------------------------------------


class ConversionApplication(models.Model):
    """A learner's application (转换申请) to convert holdings into courses of one programme.

    Its lifecycle is written once, in ``conversion.services.applications``::

        submitted → accepted (受理) → with_institution → approved | partly_approved | rejected
            │  └→ not_accepted                                       └─ appealed → (decided again)
            └─ withdrawn (by the learner, any time before the decision)

    It pins, at submission, the engine's whole outcome (``trace``) and, per line, the rule
    version and the line's reasons: a rule retired afterwards changes nothing here.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        WITH_INSTITUTION = "with_institution", _("With the institution")
        APPROVED = "approved", _("Approved")
        PARTLY_APPROVED = "partly_approved", _("Partly approved")
        REJECTED = "rejected", _("Rejected")
        APPEALED = "appealed", _("Appealed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    number = models.CharField(_("application number"), max_length=24, unique=True)
    account = models.ForeignKey(
        "accounts.LearnerAccount",
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="conversion_applications",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("target institution"),
        on_delete=models.PROTECT,
        related_name="conversion_applications",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    # The application date: the engine's "on" (rules in force, "obtained within").
    applied_on = models.DateField(_("applied on"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    # The learner's home branch at submission: its staff may accept the application.
    branch = models.ForeignKey(
        "branches.BranchCentre",
        verbose_name=_("accepting branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # The decision is promised within CREDITBANK_CONVERSION_DUE_WORKING_DAYS of acceptance.
    due_on = models.DateField(_("decision expected by"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("institution reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_reason = models.TextField(_("grounds of appeal"), max_length=2000, blank=True)
    # Why it was not accepted, or why the learner withdrew it.
    closing_reason = models.CharField(_("reason"), max_length=300, blank=True)
    last_reminded_on = models.DateField(_("institution last reminded on"), null=True, blank=True)
    # The engine's whole outcome at submission (conversion.engine.Outcome.trace()).
    trace = models.JSONField(_("engine trace"), default=dict)

    class Meta:
        verbose_name = _("conversion application (转换申请)")
        verbose_name_plural = _("conversion applications")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["account", "-submitted_at"], name="conv_app_account_idx"),
            models.Index(
                fields=["status", "status_changed_at"],
                name="conv_app_queue_idx",
                include=["institution", "branch"],
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ApplicationLine(models.Model):
    """One target course asked for in an application, decided on its own by a reviewer of the
    target institution: approved (credits or exemption as the pinned rule version grants) or
    refused with a reason. An approval above ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD``
    credits waits (``confirming``) for a centre administrator other than its decider."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        CONFIRMING = "confirming", _("Awaiting centre re-review")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        APPEALED = "appealed", _("Appealed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Stage(models.TextChoices):
        FIRST = "first", _("Decision")
        APPEAL = "appeal", _("Decision on appeal")

    application = models.ForeignKey(
        ConversionApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("target course"), on_delete=models.PROTECT, related_name="+"
    )
    rule_version = models.ForeignKey(
        RuleVersion,
        verbose_name=_("rule version"),
        on_delete=models.PROTECT,
        related_name="application_lines",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=RuleTarget.Outcome.choices)
    credits = models.DecimalField(
        _("credits"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )
    # The engine's line at submission (conversion.engine.Line, as in Outcome.trace()).
    trace = models.JSONField(_("engine trace"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_as = models.CharField(_("decided as"), max_length=32, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("re-reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application line")
        verbose_name_plural = _("application lines")
        ordering = ["application_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "course"], name="conv_line_course_once"),
            models.CheckConstraint(
                condition=(Q(outcome="credits") & Q(credits__gt=0))
                | (Q(outcome="exemption") & Q(credits__isnull=True)),
                name="conv_line_credits_match_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(reason=""),
                name="conv_line_refusal_has_reason",
            ),
            # Maker-checker: nobody re-reviews their own approval.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("decided_by")),
                name="conv_line_re_reviewer_is_not_decider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.course}"


class LineHolding(models.Model):
    """An achievement an application line uses. ``active`` while the line may still convert it
    (waiting, appealed) or has (approved): the database then refuses a second active use of the
    achievement at the same institution, so of two applications racing for it exactly one wins."""

    line = models.ForeignKey(
        ApplicationLine,
        verbose_name=_("application line"),
        on_delete=models.PROTECT,
        related_name="holdings",
    )
    achievement = models.ForeignKey(
        "achievements.Achievement",
        verbose_name=_("achievement"),
        on_delete=models.PROTECT,
        related_name="conversion_uses",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("target institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("achievement used by a line")
        verbose_name_plural = _("achievements used by lines")
        constraints = [
            models.UniqueConstraint(
                fields=["line", "achievement"], name="conv_holding_once_per_line"
            ),
            models.UniqueConstraint(
                fields=["achievement", "institution"],
                condition=Q(active=True),
                name="conv_achievement_once_per_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} · {self.achievement_id}"


class ApplicationEvent(models.Model):
    """One step in an application's history (处理记录), as the learner and staff read it."""

    application = models.ForeignKey(
        ConversionApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    line = models.ForeignKey(
        ApplicationLine,
        verbose_name=_("application line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=20)
    status = models.CharField(_("status after"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("as"), max_length=32, blank=True)
    actor_unit = models.CharField(_("for"), max_length=120, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("application history entry")
        verbose_name_plural = _("application history")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["application", "created_at"], name="conv_app_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.application_id}"


class ConversionEntry(models.Model):
    """One immutable conversion on the ledger (转换记录): credits converted at a target
    institution, or an exemption (no credits), on an approved application line, citing the
    line and the rule version. The database refuses UPDATE, DELETE and TRUNCATE (migration
    ``0004``); ``check_ledger`` proves it agrees with the decisions."""

    class Kind(models.TextChoices):
        CREDITS = "credits", _("Credits converted")
        EXEMPTION = "exemption", _("Exemption")

    account = models.ForeignKey(
        "accounts.LearnerAccount",
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="conversion_entries",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("target institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    line = models.OneToOneField(
        ApplicationLine,
        verbose_name=_("application line"),
        on_delete=models.PROTECT,
        related_name="entry",
    )
    rule_version = models.ForeignKey(
        RuleVersion, verbose_name=_("rule version"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    credits = models.DecimalField(
        _("credits"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("conversion ledger entry (转换记录)")
        verbose_name_plural = _("conversion ledger entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="credits") & Q(credits__gt=0))
                | (Q(kind="exemption") & Q(credits__isnull=True)),
                name="conv_entry_credits_match_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "created_at"], name="conv_entry_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.credits or ''}".strip()
