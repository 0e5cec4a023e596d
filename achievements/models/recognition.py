"""Recognition (认定) and the history of an achievement.

The glossary of recognition: one English term per step, used in every name, docstring and
comment, and the Chinese the pages use for it. Who may take a step is ``achievements.access``,
the transitions are ``ACHIEVEMENT_TRANSITIONS``, the steps are ``achievements.services.review``.

================  ====  ==================  ============  ===========================
step              中文  actions             waits in      queue (its address)
================  ====  ==================  ============  ===========================
first check       初审  forward, return     under_review  first_check (review/check/)
decision          认定  recognise, reject   forwarded     decision (review/decide/)
centre re-review  复核  confirm, send_back  confirming    re_review (review/confirm/)
appeal            申诉  appeal, then a      appealed      appeals (review/appeals/)
                        decision on appeal
================  ====  ==================  ============  ===========================

- *first check*: staff of the branch that received the application (``first_check_branch``),
  or a clerk of the issuing member institution, see that the evidence is complete and
  authentic, then forward it for a decision or return it to the learner
  (``FIRST_CHECK_ACTIONS``).
- *decision*: a reviewer of the issuing member institution, or an expert, recognises it (a
  credit value, level and field, perhaps from a unit standard) or rejects it with a reason
  (``DECISION_ACTIONS``). A decision is a ``Recognition`` row (``decided_by``, ``decided_at``,
  ``decided_as``).
- *centre re-review*: a decision for more credits than
  ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD`` waits (``Recognition.Status.PENDING``) until a
  centre administrator other than its decider confirms it or sends it back
  (``RE_REVIEW_ACTIONS``); its row then records ``re_reviewed_by``, ``re_reviewed_at`` and
  ``re_review_note``. *Maker-checker* names the rule that these are two people (standards and
  institutions follow it too); it is not a step.
- *appeal*: the learner contests a first rejection (``appeal``); an expert who took no part
  decides again (``Recognition.Stage.APPEAL``).
- *review* alone is the whole process: ``REVIEW_STEPS``, the review page, the review queues.

Kept as they were because they are stored or published: the status values (``under_review``,
``confirming``), the action names in ``AchievementEvent`` and in the audit chain (``confirm``,
``send_back``, ``achievement.confirm``), the keys of audit payloads (``review_branch``: the
first-check branch), and the URL paths and names (``review/check/`` is ``review_check_queue``,
``review/confirm/`` is ``review_confirm_queue``, the confirm step ``review_confirm``). Renaming
them would break the hash chain or published links; the names in the code say what they mean.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..credits import CREDIT_DIGITS, CREDIT_PLACES
from .achievements import Achievement
from .standards import QualificationLevel, UnitStandard


class Recognition(models.Model):
    """One decision on an achievement (认定决定): recognised at a credit value and level (matched
    to a unit standard or stated), or rejected with a reason.

    A recognition above ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD`` credits waits for a centre
    re-review by someone else (maker-checker; the database refuses a decider who re-reviews
    their own decision). Rows are never deleted; a decision sent back stays as ``sent_back``.
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
        _("credits"),
        max_digits=CREDIT_DIGITS,
        decimal_places=CREDIT_PLACES,
        null=True,
        blank=True,
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
    re_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    re_reviewed_at = models.DateTimeField(_("re-reviewed at"), null=True, blank=True)
    re_review_note = models.CharField(_("re-review note"), max_length=300, blank=True)

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
                condition=Q(re_reviewed_by__isnull=True)
                | ~Q(re_reviewed_by=models.F("decided_by")),
                name="recognition_re_reviewer_is_not_decider",
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
    # Sent by the issuing institution in a batch (services.batch); the note names the batch.
    "import": _("Sent by the issuing institution in a batch; waiting for the first check"),
    "import_recognise": _("Recognised directly by the issuing institution in a batch"),
}
