"""Standards (标准): the qualification framework levels, the categories of learning achievement
and the unit standards (认证单元) that recognition matches achievements against."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
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
    # When it entered its current status: a review queue's age and order.
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    # The branch centre that checks it first (the account's home branch when it was submitted).
    review_branch = models.ForeignKey(
        "branches.BranchCentre",
        verbose_name=_("checking branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
            # The review queues: by status, oldest first; the first check also by branch. The
            # account is included so that a queue is counted from the index alone (nobody
            # reviews their own achievement: the queues leave out the reader's account).
            models.Index(
                fields=["status", "status_changed_at"],
                name="achievement_queue_idx",
                include=["account", "issuer_institution"],
            ),
            models.Index(
                fields=["review_branch", "status", "status_changed_at"],
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


# --- Recognition (认定) and the history of an achievement -------------------------------------


class Recognition(models.Model):
    """One decision on an achievement (认定决定): recognised at a credit value and level (matched
    to a unit standard or stated), or rejected with a reason.

    A recognition above ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD`` credits waits for a centre
    re-review by someone else (maker-checker; the database refuses a decider who confirms their
    own decision). Rows are never deleted; a decision sent back stays as ``sent_back``.
    """

    class Stage(models.TextChoices):
        FIRST = "first", _("Decision")
        APPEAL = "appeal", _("Decision on appeal")

    class Outcome(models.TextChoices):
        RECOGNISED = "recognised", _("Recognised")
        REJECTED = "rejected", _("Rejected")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting centre re-review")
        IN_FORCE = "in_force", _("In force")
        SENT_BACK = "sent_back", _("Sent back by the centre")

    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("achievement"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    unit_standard = models.ForeignKey(
        UnitStandard,
        verbose_name=_("unit standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    credits = models.DecimalField(
        _("credits"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    level = models.ForeignKey(
        QualificationLevel,
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    field = models.CharField(_("field"), max_length=60, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_as = models.CharField(_("decided as"), max_length=32)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("re-reviewed at"), null=True, blank=True)
    check_note = models.CharField(_("re-review note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("recognition decision (认定决定)")
        verbose_name_plural = _("recognition decisions")
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        outcome="recognised",
                        credits__gt=0,
                        level__isnull=False,
                    )
                    & ~Q(field="")
                )
                | Q(outcome="rejected", credits__isnull=True, unit_standard__isnull=True),
                name="recognition_outcome_facts",
            ),
            models.CheckConstraint(
                condition=Q(outcome="recognised") | ~Q(reason=""),
                name="recognition_rejection_has_reason",
            ),
            # Maker-checker: nobody re-reviews their own decision.
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=models.F("decided_by")),
                name="recognition_checker_is_not_maker",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(outcome="recognised"),
                name="recognition_only_credits_wait",
            ),
        ]
        indexes = [
            models.Index(fields=["achievement", "decided_at"], name="recognition_achievement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} #{self.pk}"


class AchievementEventQuerySet(models.QuerySet):
    def timeline(self):
        return self.select_related("actor").order_by("created_at", "pk")


class AchievementEvent(models.Model):
    """One step in an achievement's history (处理记录): who did what, when, and what they said.
    This is what the learner and the reviewers read; the audit log keeps the same steps for
    the auditors, tamper-evident."""

    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("achievement"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=16)
    status = models.CharField(_("status after"), max_length=16, choices=Achievement.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The capacity they acted in (a role name of accounts.roles) and the unit they acted for.
    actor_role = models.CharField(_("as"), max_length=32, blank=True)
    actor_unit = models.CharField(_("for"), max_length=120, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AchievementEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("achievement history entry (处理记录)")
        verbose_name_plural = _("achievement history")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["achievement", "created_at"], name="achievement_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.achievement_id}"

    @property
    def label(self) -> str:
        """What happened, in the reader's language."""
        if self.action == "recognise" and self.status == Achievement.Status.CONFIRMING:
            return str(_("Decided to recognise; sent to the centre for re-review"))
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def actor_display(self) -> str:
        """The capacity and unit they acted in, e.g. "Branch staff · 渝中区分中心"; the bank
        itself for an automatic step."""
        from accounts.roles import role_label

        if not self.actor_role:
            return str(_("The credit bank (automatic)"))
        return " · ".join(filter(None, [role_label(self.actor_role), self.actor_unit]))


EVENT_LABELS = {
    "deposit": _("Deposited"),
    "submit": _("Applied for recognition"),
    "return": _("Returned for more information"),
    "resubmit": _("Answered and sent back for checking"),
    "forward": _("Passed the first check; forwarded for a decision"),
    "recognise": _("Recognised"),
    "reject": _("Rejected"),
    "confirm": _("Re-reviewed and confirmed by the centre"),
    "send_back": _("Sent back by the centre for a new decision"),
    "appeal": _("Appealed"),
    "revoke": _("Recognition revoked"),
    "expire": _("Validity ended; credits expired"),
}


# --- The credit ledger (积累) -------------------------------------------------------------------


class CreditEntryQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(account=account)

    def statement(self):
        """Oldest first, each with the balance after it (a window over the account's entries)."""
        running = models.Window(
            models.Sum("amount"),
            partition_by=[models.F("account_id")],
            order_by=[models.F("created_at").asc(), models.F("id").asc()],
        )
        return (
            self.select_related("achievement", "level")
            .annotate(balance_after=running)
            .order_by("created_at", "id")
        )


class CreditEntry(models.Model):
    """One immutable movement of credits (学分流水) on a learner's ledger.

    Credits arrive as a ``deposit`` when an achievement is recognised and leave as a
    ``reversal`` (revocation) or an ``expiry`` that cancels that deposit; each entry cites its
    achievement and the recognition that caused it, and a cancelling entry cites the entry it
    cancels. A balance is always a sum of entries. The database refuses UPDATE and DELETE on
    the table, and the checks below; ``manage.py check_ledger`` proves the rest.
    """

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit on recognition")
        REVERSAL = "reversal", _("Reversal on revocation")
        EXPIRY = "expiry", _("Expiry")

    account = models.ForeignKey(
        "accounts.LearnerAccount",
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("achievement"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    recognition = models.ForeignKey(
        Recognition,
        verbose_name=_("recognition"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("credits"), max_digits=8, decimal_places=2)
    level = models.ForeignKey(
        QualificationLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field"), max_length=60)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("cancels"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = CreditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit ledger entry (学分流水)")
        verbose_name_plural = _("credit ledger entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="deposit", amount__gt=0, reverses__isnull=True)
                | Q(kind__in=["reversal", "expiry"], amount__lt=0, reverses__isnull=False),
                name="credit_entry_kind_sign_cause",
            ),
            models.UniqueConstraint(
                fields=["recognition"],
                condition=Q(kind="deposit"),
                name="credit_entry_one_deposit_per_recognition",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "created_at", "id"], name="credit_entry_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
