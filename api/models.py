"""The institutions' API: the tokens an institution's systems call it with, and the answers
kept for their idempotency keys.

A token (``ApiToken``) belongs to an institution and is made by one of its administrators; the
secret is shown once and only its SHA-256 is stored (the secret is 32 random bytes, so a fast
hash is enough: there is nothing to guess from it). A token is never deleted, only revoked. It
acts as its maker, so it stops working while its maker no longer administers the institution.

An idempotency record (``IdempotencyRecord``) holds, per token and ``Idempotency-Key``, the
fingerprint of the first request and, once it is answered, its status and body, so that a
retry gets the same answer (``api.idempotency``). Records older than a day are deleted.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution, InstitutionStaff

TOKEN_PREFIX = "cbk_"  # noqa: S105  (not a secret: what every token starts with)
# What lists show of a token: the prefix and the first characters of its secret.
SHOWN_LENGTH = len(TOKEN_PREFIX) + 8
IDEMPOTENCY_KEY_MAX = 255


def token_hash(secret: str) -> str:
    """What is stored of a token's secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def with_maker_standing(self):
        """Each token with ``maker_may_act``: whether the administrator who made it still
        administers its institution with an account in use. A token acts as its maker (the
        audit log names them), so it stops working when they leave or lose the role."""
        administers = InstitutionStaff.objects.filter(
            institution=OuterRef("institution"),
            user=OuterRef("created_by"),
            role=InstitutionStaff.Role.ADMIN,
        )
        return self.annotate(
            maker_may_act=ExpressionWrapper(
                Q(Exists(administers), created_by__is_active=True), output_field=BooleanField()
            )
        )


class ApiToken(models.Model):
    """An institution's API token (接口令牌): what its systems may do through the API
    (``can_push_results``, ``can_read_rules``), who made it and when it was last used."""

    class Scope(models.TextChoices):
        PUSH_RESULTS = "push_results", _("Push results")
        READ_RULES = "read_rules", _("Read rules, courses and standards")

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=60)
    # The first characters of the secret ("cbk_" and 8 more): enough to tell tokens apart.
    prefix = models.CharField(_("begins with"), max_length=SHOWN_LENGTH)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_push_results = models.BooleanField(_("may push results"), default=False)
    can_read_rules = models.BooleanField(_("may read rules"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token (接口令牌)")
        verbose_name_plural = _("API tokens")
        ordering = ["institution", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(can_push_results=True) | Q(can_read_rules=True),
                name="api_token_has_a_scope",
            ),
            models.CheckConstraint(
                condition=(Q(revoked_at__isnull=True) & Q(revoked_by__isnull=True))
                | (Q(revoked_at__isnull=False) & Q(revoked_by__isnull=False)),
                name="api_token_revoked_by_someone",
            ),
            # Two tokens in use with one name could not be told apart on the list.
            models.UniqueConstraint(
                fields=["institution", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_name_unique_in_use",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scopes(self) -> list[str]:
        """The scope codes this token holds, in the order of ``Scope``."""
        held = {
            self.Scope.PUSH_RESULTS: self.can_push_results,
            self.Scope.READ_RULES: self.can_read_rules,
        }
        return [scope for scope, has in held.items() if has]

    def get_scopes_display(self) -> list[str]:
        return [str(self.Scope(scope).label) for scope in self.scopes]


class IdempotencyRecord(models.Model):
    """The first request made with an ``Idempotency-Key`` of a token, and, once answered, the
    answer a retry gets again. ``in_flight`` while the first request is being worked on (a
    request with the same key then gets 409)."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In progress")
        DONE = "done", _("Answered")

    token = models.ForeignKey(
        ApiToken, verbose_name=_("token"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=IDEMPOTENCY_KEY_MAX)
    # SHA-256 of the method, the path and the body of the first request.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.IN_FLIGHT
    )
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_once"),
            models.CheckConstraint(
                condition=Q(state="in_flight") | Q(status_code__isnull=False),
                name="idempotency_done_has_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"
