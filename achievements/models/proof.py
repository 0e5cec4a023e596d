"""Proof (证明): the documents a learner shows others — a transcript (成绩单) of everything
recognised, or a proof of chosen achievements (学习成果证明) — with the ways others check them:
a verification code and QR code, share links with an optional PIN, and learning credit inquiries
(学习信誉查询) under a consent code the learner made.

A document freezes what it certifies when it is requested (``content``, a JSON snapshot of the
lines and totals), so that the PDF, the credentials and the verification page all show the same
thing, whatever happens to the archive later. A later revocation of a listed recognition marks the
document (``revoked``, with the reason) instead of changing what it says.

States: ``requested → rendering → ready | failed``; ``failed → requested`` (try again);
``ready → revoked`` (the centre, or a revoked recognition) and ``ready → withdrawn`` (the
learner). The transitions are written once, in ``DOCUMENT_TRANSITIONS``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import LearnerAccount

from .achievements import Achievement

# The learner chooses how long the verification code works, and may extend it once.
VALID_DAYS_MIN = 30
VALID_DAYS_MAX = 180
# Bits of the Bitstring Status List (W3C): at least 131 072 entries per list, so that one index
# tells nothing about how many documents the bank issued.
STATUS_LIST_SIZE = 131_072


class ProofDocumentQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(account=account)

    def listing(self, achievement):
        """The documents that list ``achievement``."""
        return self.filter(achievements=achievement)


class ProofDocument(models.Model):
    """A transcript or a proof of chosen achievements, rendered to a signed PDF and issued as
    verifiable credentials."""

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", _("Transcript")
        PROOF = "proof", _("Proof of learning outcomes")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Chinese")
        EN = "en", _("English")

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("document", "Requested")
        RENDERING = "rendering", pgettext_lazy("document", "Being prepared")
        READY = "ready", pgettext_lazy("document", "Ready")
        FAILED = "failed", pgettext_lazy("document", "Failed")
        REVOKED = "revoked", pgettext_lazy("document", "Revoked")
        WITHDRAWN = "withdrawn", pgettext_lazy("document", "Withdrawn")

    account = models.ForeignKey(
        LearnerAccount,
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    kind = models.CharField(_("document type"), max_length=12, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    # The verification code: 20 characters of Crockford's base32 (100 bits), stored without
    # the dashes it is shown with.
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    achievements = models.ManyToManyField(
        Achievement, verbose_name=_("achievements"), related_name="documents", blank=True
    )
    content = models.JSONField(_("content"), default=dict, editable=False)
    valid_days = models.PositiveSmallIntegerField(_("valid for (days)"))
    extended = models.BooleanField(_("extended"), default=False)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    # Rendering: progress in percent, shown while rendering; the reason of a failure.
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    failure = models.CharField(_("reason of failure"), max_length=300, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="documents/%Y/%m/", max_length=200, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    # The signed ClrCredential (it embeds one OpenBadgeCredential per achievement).
    credential = models.JSONField(_("credential"), null=True, blank=True, editable=False)
    # The document's place in the Bitstring Status Lists (revocation and suspension share it).
    status_index = models.PositiveIntegerField(_("status list index"), unique=True)
    suspended = models.BooleanField(_("suspended"), default=False)
    revoked_reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = ProofDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_days__gte=VALID_DAYS_MIN, valid_days__lte=VALID_DAYS_MAX),
                name="document_valid_days_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(issued_at__isnull=False) & ~Q(pdf="")),
                name="document_ready_has_pdf",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="document_account_idx"),
            models.Index(fields=["status", "-created_at"], name="document_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code_display}"

    @property
    def code_display(self) -> str:
        """The code in groups of four: ``ABCD-EFGH-JKMN-PQRS-TVWX``."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """What the document is worth now, in one word, for every page that shows it:
        ``valid``, ``suspended``, ``expired``, ``revoked``, ``withdrawn`` or ``not_issued``
        (requested, being prepared, or failed)."""
        if self.status == self.Status.READY:
            if self.suspended:
                return "suspended"
            return "expired" if self.is_expired else "valid"
        if self.status in (self.Status.REVOKED, self.Status.WITHDRAWN):
            return self.status
        return "not_issued"


DOCUMENT_TRANSITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    # action: (status after, statuses it may start from)
    "render": (ProofDocument.Status.RENDERING, (ProofDocument.Status.REQUESTED,)),
    "ready": (ProofDocument.Status.READY, (ProofDocument.Status.RENDERING,)),
    "fail": (
        ProofDocument.Status.FAILED,
        (ProofDocument.Status.REQUESTED, ProofDocument.Status.RENDERING),
    ),
    "retry": (ProofDocument.Status.REQUESTED, (ProofDocument.Status.FAILED,)),
    "revoke": (ProofDocument.Status.REVOKED, (ProofDocument.Status.READY,)),
    "withdraw": (ProofDocument.Status.WITHDRAWN, (ProofDocument.Status.READY,)),
}


class DocumentShare(models.Model):
    """A link the learner gives someone, optionally with a PIN, until a date or until ended."""

    document = models.ForeignKey(
        ProofDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="shares"
    )
    label = models.CharField(_("shared with"), max_length=60, blank=True)
    # The link's secret is shown once, at creation; only its SHA-256 is kept.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    pin_hash = models.CharField(max_length=128, blank=True, editable=False)
    expires_at = models.DateTimeField(_("valid until"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Wrong PINs in a row; the share locks after too many (a new one can be made).
    failed_pins = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label or f"#{self.pk}"

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    @property
    def is_open(self) -> bool:
        return self.ended_at is None and self.expires_at > timezone.now()


class DocumentView(models.Model):
    """One opening of a document by someone else: when and through what — never who (no IP
    address, no user). The learner reads these as the view log."""

    class Via(models.TextChoices):
        CODE = "code", _("Verification code")
        SHARE = "share", _("Share link")
        PDF = "pdf", _("PDF download")
        CREDENTIAL = "credential", _("Credential download")

    document = models.ForeignKey(
        ProofDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="views"
    )
    share = models.ForeignKey(
        DocumentShare,
        verbose_name=_("share link"),
        on_delete=models.SET_NULL,
        related_name="views",
        null=True,
        blank=True,
    )
    via = models.CharField(_("opened through"), max_length=12, choices=Via.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("document view")
        verbose_name_plural = _("document views")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["document", "-at"], name="document_view_idx")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.via} {self.at:%Y-%m-%d %H:%M}"


class InquiryConsent(models.Model):
    """A consent code (查询授权码) the learner made for one learning credit inquiry
    (学习信誉查询): single use, short-lived, naming what may be seen."""

    class Scope(models.TextChoices):
        TOTALS = "totals", _("Credit totals only")
        ACHIEVEMENTS = "achievements", _("Credit totals and recognised achievements")

    account = models.ForeignKey(
        LearnerAccount,
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="inquiry_consents",
    )
    scope = models.CharField(_("what may be seen"), max_length=16, choices=Scope.choices)
    label = models.CharField(_("for whom"), max_length=60, blank=True)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The last characters, so that the learner can tell their codes apart.
    code_hint = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("inquiry consent")
        verbose_name_plural = _("inquiry consents")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["account", "-created_at"], name="consent_account_idx")]

    def __str__(self) -> str:
        return f"…{self.code_hint}"


class CreditInquiry(models.Model):
    """A learning credit inquiry made with a consent code: who asked (as they named
    themselves), when, and what they were shown. The learner sees each one."""

    consent = models.OneToOneField(
        InquiryConsent,
        verbose_name=_("consent code"),
        on_delete=models.PROTECT,
        related_name="inquiry",
    )
    inquirer = models.CharField(_("inquirer"), max_length=120)
    purpose = models.CharField(_("purpose"), max_length=120, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # What was shown, frozen: the totals (and achievements) at the time of the inquiry.
    result = models.JSONField(_("result"), default=dict, editable=False)

    class Meta:
        verbose_name = _("credit inquiry")
        verbose_name_plural = _("credit inquiries")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.inquirer} {self.at:%Y-%m-%d}"
