"""The service network (服务网络): the centre, branch centres by district, service points."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from creditbank.indexes import trigram_index


class District(models.Model):
    """A county-level division of the configured city (GB/T 2260), loaded from reference data."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    city = models.CharField(_("city"), max_length=32, db_index=True)
    name_zh = models.CharField(_("Chinese name"), max_length=32)
    name_en = models.CharField(_("English name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=32)

    class Meta:
        verbose_name = _("district (区县)")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Centre(models.Model):
    """The municipal centre (市中心) that runs the network; one per deployment."""

    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("centre (市中心)")
        verbose_name_plural = _("centres")

    def __str__(self) -> str:
        return self.name


class BranchCentre(models.Model):
    """A branch centre (分中心) serving one district."""

    centre = models.ForeignKey(
        Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="branches"
    )
    name = models.CharField(_("name"), max_length=120)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="branches"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("branch centre (分中心)")
        verbose_name_plural = _("branch centres")
        ordering = ["district_id", "name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="branch_centre_name_unique")]

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    """A service point (受理点/服务网点) under a branch, hosted by an institution."""

    branch = models.ForeignKey(
        BranchCentre,
        verbose_name=_("branch centre"),
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    name = models.CharField(_("name"), max_length=120)
    host_institution = models.ForeignKey(
        "accounts.Institution",
        verbose_name=_("host institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200)
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_open = models.BooleanField(_("open to the public"), default=True)

    class Meta:
        verbose_name = _("service point (服务网点)")
        verbose_name_plural = _("service points")
        ordering = ["district_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="service_point_name_unique")
        ]
        indexes = [
            *(trigram_index("service_point", field) for field in ("name", "address")),
        ]

    def __str__(self) -> str:
        return self.name


class StaffAssignment(models.Model):
    """A member of staff posted to a branch centre or one of its service points."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Branch manager")
        STAFF = "staff", _("Branch staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="branch_assignments",
    )
    branch = models.ForeignKey(
        BranchCentre,
        verbose_name=_("branch centre"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("staff assignment (人员派驻)")
        verbose_name_plural = _("staff assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "branch", "role"], name="staff_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.branch} ({self.get_role_display()})"


class AccountHome(models.Model):
    """Which branch serves a learning account, and where and by whom it was opened."""

    account = models.OneToOneField(
        "accounts.LearnerAccount",
        verbose_name=_("learning account"),
        on_delete=models.PROTECT,
        related_name="home",
    )
    branch = models.ForeignKey(
        BranchCentre,
        verbose_name=_("branch centre"),
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("account home (账户归属)")
        verbose_name_plural = _("account homes")

    def __str__(self) -> str:
        return f"{self.account} @ {self.branch}"


class AllianceMembership(models.Model):
    """An institution's membership of the alliance (联盟成员单位) under a branch centre."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    institution = models.OneToOneField(
        "accounts.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="membership",
    )
    branch = models.ForeignKey(
        BranchCentre,
        verbose_name=_("branch centre"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    joined_on = models.DateField(_("joined on"))
    pilot_batch = models.CharField(_("pilot batch"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("alliance membership (联盟成员)")
        verbose_name_plural = _("alliance memberships")
        ordering = ["-joined_on"]

    def __str__(self) -> str:
        return f"{self.institution} ({self.get_status_display()})"


class AnnouncementQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Announcement.Status.PUBLISHED).order_by("-published_at", "-id")


class Announcement(models.Model):
    """A notice or policy document the centre publishes (信息公告 / 政策文件)."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Announcement")
        POLICY = "policy", _("Policy document")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTICE)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=20000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement (信息公告)")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="announcement_pub_idx"),
            *(trigram_index("announcement", field) for field in ("title", "body")),
        ]

    def __str__(self) -> str:
        return self.title


class HelpPageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=HelpPage.Status.PUBLISHED).order_by("order", "pk")


class HelpPage(models.Model):
    """A help page for learners (办事指南) the centre writes and publishes, as announcements:
    how to open an account, what to deposit with which evidence, how long each step takes, how
    to appeal, how to reach us. Public at ``/help/<slug>/`` once published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    slug = models.SlugField(
        _("address"),
        max_length=60,
        unique=True,
        help_text=_("The last part of the page's address: lower-case letters, digits and -."),
    )
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=20000)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Empty for the pages the portal ships with (seeded by a migration).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HelpPageQuerySet.as_manager()

    class Meta:
        verbose_name = _("help page (办事指南)")
        verbose_name_plural = _("help pages")
        ordering = ["order", "pk"]
        indexes = [
            models.Index(fields=["status", "order"], name="help_page_status_order_idx"),
            # The text is searched as shown, placeholders filled in (branches.search): an
            # expression no index holds; there are few help pages.
            *(trigram_index("help_page", field) for field in ("title", "summary")),
        ]

    def __str__(self) -> str:
        return self.title
