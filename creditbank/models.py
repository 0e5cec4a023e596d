"""The append-only, hash-chained audit log (审计日志), and the outbox of e-mails that a library
renders (creditbank.mail)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened: who did what to which object, when and from where.

    Rows are only ever inserted (database triggers refuse UPDATE, DELETE and TRUNCATE). Each row
    stores the hash of the row before it, so a changed, deleted or reordered row breaks the chain
    and ``manage.py verify_audit_chain`` names it. The hashes are HMACs under a key kept outside
    the database (``key_id`` names which one), so the owner of the table cannot recompute them.
    """

    created_at = models.DateTimeField(_("time (UTC)"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    key_id = models.CharField(_("audit key"), max_length=16)

    class Meta:
        verbose_name = _("audit event (审计事件)")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditCheckpoint(models.Model):
    """A daily record of the chain's head, so that rows cut off the end are noticed too.

    Append-only like the events. Each one is also written, signed, to the log and to a file of
    its own (``CREDITBANK_AUDIT_CHECKPOINT_FILE``), which the verifier can be given, because
    whoever can cut the chain's tail can edit this table too.
    """

    created_at = models.DateTimeField(_("time (UTC)"), auto_now_add=True)
    last_event_id = models.BigIntegerField(_("last event"), null=True)
    last_hash = models.CharField(_("last hash"), max_length=64, blank=True)
    events_checked = models.PositiveBigIntegerField(_("events checked"), default=0)
    intact = models.BooleanField(_("chain intact"))
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"checkpoint #{self.pk} at event {self.last_event_id}"


class OutgoingEmail(models.Model):
    """An e-mail rendered elsewhere (allauth) waiting for the task that sends it (creditbank.mail).

    Its message may hold a secret link, so it is stored encrypted (creditbank.pii) and emptied
    once sent; the task is given only the id.
    """

    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sealed = models.TextField(_("encrypted message"), blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"e-mail #{self.pk}"
