"""The credit ledger (积累): append-only entries, one per credit movement."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .achievements import Achievement
from .recognition import Recognition
from .standards import QualificationLevel


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
