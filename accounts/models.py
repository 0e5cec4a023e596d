"""People and organisations: users, administrator and centre roles, institutions and their staff."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import roles
from .identity import IdType


class User(AbstractUser):
    """A person who signs in. What they may do comes from their roles (accounts.roles)."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("user (用户)")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"


class Role(models.TextChoices):
    """Roles held at the centre, and the three separated administrator powers (三权分立)."""

    CENTRE_ADMIN = roles.CENTRE_ADMIN, _("Centre administrator")
    EXPERT = roles.EXPERT, _("Expert")
    QUALITY_AUDITOR = roles.QUALITY_AUDITOR, _("Quality auditor")
    COMMITTEE_MEMBER = roles.COMMITTEE_MEMBER, _("Committee member")
    SYSTEM_ADMIN = roles.SYSTEM_ADMIN, _("System administrator")
    SECURITY_ADMIN = roles.SECURITY_ADMIN, _("Security administrator")
    AUDIT_ADMIN = roles.AUDIT_ADMIN, _("Audit administrator")


SEPARATED_POWERS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class RoleGrant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant (角色授权)")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_grant_unique"),
            # The database itself refuses a second administrator power for one person.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=sorted(SEPARATED_POWERS)),
                name="role_grant_one_separated_power",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class Institution(models.Model):
    """An organisation known to the bank (机构账户)."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college")
        SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school")
        ADULT_COLLEGE = "adult_college", _("Adult college")
        OPEN_UNIVERSITY = "open_university", _("Open university")
        SELF_STUDY_OFFICE = "self_study_office", _("Self-study examination office")
        TRAINING_BODY = "training_body", _("Training body")
        ENTERPRISE = "enterprise", _("Enterprise")
        INDUSTRY_ASSOCIATION = "industry_association", _("Industry association")
        ONLINE_PLATFORM = "online_platform", _("Online learning platform")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.APPLIED
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("institution (机构)")
        verbose_name_plural = _("institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The allowed transitions of an institution (DESIGN §3): decision → (from status, to status).
# Beside the statuses because both the services (which take a decision) and access (which says
# which decisions are open now) read it.
INSTITUTION_TRANSITIONS: dict[str, tuple[str, str]] = {
    "approve": (Institution.Status.APPLIED, Institution.Status.APPROVED),
    "reject": (Institution.Status.APPLIED, Institution.Status.REJECTED),
    "suspend": (Institution.Status.APPROVED, Institution.Status.SUSPENDED),
    "reinstate": (Institution.Status.SUSPENDED, Institution.Status.APPROVED),
}


def institution_decisions_open(status: str) -> list[str]:
    """The decisions a centre administrator may take on an institution in ``status``."""
    return [name for name, (source, _target) in INSTITUTION_TRANSITIONS.items() if source == status]


class InstitutionStaff(models.Model):
    """A person working for an institution, with their role inside it."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Institution administrator")
        CLERK = "clerk", _("Clerk")
        REVIEWER = "reviewer", _("Reviewer")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="staff"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="institution_roles",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("institution staff (机构人员)")
        verbose_name_plural = _("institution staff")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "user", "role"], name="institution_staff_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.institution} ({self.get_role_display()})"


def invitation_token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class InstitutionInvitation(models.Model):
    """An institution administrator's invitation of a member of staff, by e-mail."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=InstitutionStaff.Role.choices)
    # Empty until the invitation is e-mailed: the worker that sends it makes the token, puts
    # it in the link and stores only its hash (accounts.services.institutions), so the token is
    # never in the database, the broker or a log. Empty also means "not sent yet".
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation (人员邀请)")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.institution}"


class LearnerAccountQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=LearnerAccount.Status.PENDING_VERIFICATION)


class LearnerAccount(models.Model):
    """A personal learning account (个人学习账户): one per real-name identity.

    The ID number is never stored in the clear: ``id_number_encrypted`` (creditbank.pii),
    ``id_number_hash`` (keyed hash of type and number, unique: one identity, one account) and
    ``id_number_masked`` for display.
    """

    class Status(models.TextChoices):
        PENDING_VERIFICATION = "pending_verification", _("Pending verification")
        # Verification asked the learner for a new photo of the ID (the reason says why).
        RETURNED = "returned", _("New ID photo needed")
        ACTIVE = "active", _("Active")
        FROZEN = "frozen", _("Frozen")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Opened online")
        IN_PERSON = "in_person", _("Opened at a service point")

    class Education(models.TextChoices):
        PRIMARY = "primary", _("Primary school or below")
        JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary school")
        SENIOR_SECONDARY = "senior_secondary", _("Senior secondary school")
        SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school")
        JUNIOR_COLLEGE = "junior_college", _("Junior college (associate degree)")
        BACHELOR = "bachelor", _("Bachelor's degree")
        MASTER = "master", _("Master's degree")
        DOCTORATE = "doctorate", _("Doctorate")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="learner_account",
    )
    account_number = models.CharField(_("account number"), max_length=16, unique=True)
    real_name = models.CharField(_("real name"), max_length=50)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices)
    id_number_encrypted = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=24)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11)
    education = models.CharField(_("highest education"), max_length=24, choices=Education.choices)
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.PENDING_VERIFICATION
    )
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    channel = models.CharField(_("opened"), max_length=16, choices=Channel.choices)
    id_image = models.FileField(
        _("ID image"), upload_to="id-images/%Y/%m/", blank=True, max_length=200
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    objects = LearnerAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("learning account (个人学习账户)")
        verbose_name_plural = _("learning accounts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mobile__regex=r"^1[3-9][0-9]{9}$"), name="learner_mobile_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_number} {self.real_name}"


class NoticeQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """An in-site message to one person (站内通知), e.g. that a review has moved on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=2000, blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice (站内通知)")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="notice_user_unread_idx",
                condition=models.Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.title


class LoginGuard(models.Model):
    """Recent failed sign-in attempts of one subject, and its lock (accounts/lockout.py).

    A subject is an account (``user:<id>``), a log-in name that matches no account
    (``name:<digest>``, so that the answer does not reveal whether an account exists) or a client
    address (``addr:<ip>``). Attempts lock the subject's row while the secret is checked, so
    concurrent attempts count one after another.
    """

    subject = models.CharField(_("subject"), max_length=80, primary_key=True)
    failures = ArrayField(models.DateTimeField(), verbose_name=_("recent failures"), default=list)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("log-in guard")
        verbose_name_plural = _("log-in guards")

    def __str__(self) -> str:
        return self.subject
