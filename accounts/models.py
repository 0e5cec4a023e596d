"""People and organisations: users, administrator and centre roles, institutions and their staff."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. What they may do comes from their roles (accounts.roles)."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("user (用户)")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"


class Role(models.TextChoices):
    """Roles held at the centre, and the three separated administrator powers (三权分立)."""

    CENTRE_ADMIN = "centre_admin", _("Centre administrator")
    EXPERT = "expert", _("Expert")
    QUALITY_AUDITOR = "quality_auditor", _("Quality auditor")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("institution (机构)")
        verbose_name_plural = _("institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
