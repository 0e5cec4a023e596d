"""Writes on the network itself: branch centres (分中心), service points (服务网点) and staff
postings (人员派驻). Who may call them is decided by ``branches.access``; these functions check
the state they start from and the rules of the network."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Institution
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput

from ..models import BranchCentre, Centre, District, ServicePoint, StaffAssignment
from ._summary import changes, snapshot

User = get_user_model()

BRANCH_FIELDS = ("name", "district", "address", "phone")
SERVICE_POINT_FIELDS = (
    "branch",
    "name",
    "host_institution",
    "district",
    "address",
    "opening_hours",
    "phone",
    "is_open",
)
STAFF_FIELDS = ("user", "branch", "service_point", "role")


def _duplicate_branch_name() -> InvalidInput:
    return InvalidInput(
        _("A branch centre with this name already exists."), field="name", code="duplicate"
    )


def _duplicate_point_name() -> InvalidInput:
    return InvalidInput(
        _("This branch centre already has a service point with this name."),
        field="name",
        code="duplicate",
    )


def _check_host(host: Institution | None) -> None:
    if host is not None and host.status != Institution.Status.APPROVED:
        raise InvalidInput(
            _(
                "%(name)s is not an approved institution (its status is “%(status)s”); only "
                "approved institutions can host a service point."
            )
            % {"name": host.name, "status": host.get_status_display()},
            field="host_institution",
            code="host_not_approved",
        )


@transaction.atomic
def branch_create(
    *, acting_user, name: str, district: District, address: str = "", phone: str = ""
) -> BranchCentre:
    """Open a branch centre of the centre for ``district``.

    Branch names are unique across the network; a taken name is refused on the ``name`` field.
    Creations are serialised on the centre's row so that two people cannot take one name.
    """
    centre = Centre.objects.select_for_update().order_by("pk").first()
    if centre is None:
        raise IllegalTransition(
            _("The municipal centre has not been set up yet."), code="no_centre"
        )
    if BranchCentre.objects.filter(name=name).exists():
        raise _duplicate_branch_name()
    try:
        with transaction.atomic():
            branch = BranchCentre.objects.create(
                centre=centre, name=name, district=district, address=address, phone=phone
            )
    except IntegrityError as exc:
        raise _duplicate_branch_name() from exc
    audit_record(
        actor=acting_user,
        action="branch.create",
        target=branch,
        after=snapshot(branch, BRANCH_FIELDS),
    )
    return branch


@transaction.atomic
def branch_update(
    *, acting_user, branch: BranchCentre, name: str, district: District, address: str, phone: str
) -> BranchCentre:
    """Change a branch centre's name, district, address or phone; a taken name is refused.
    Saving what is already there changes nothing and writes no event."""
    branch = BranchCentre.objects.select_for_update().get(pk=branch.pk)
    if BranchCentre.objects.filter(name=name).exclude(pk=branch.pk).exists():
        raise _duplicate_branch_name()
    before = snapshot(branch, BRANCH_FIELDS)
    branch.name, branch.district, branch.address, branch.phone = name, district, address, phone
    old, new = changes(before, snapshot(branch, BRANCH_FIELDS))
    if new:
        try:
            with transaction.atomic():
                branch.save(update_fields=[f for f in BRANCH_FIELDS if f in new])
        except IntegrityError as exc:
            raise _duplicate_branch_name() from exc
        audit_record(
            actor=acting_user, action="branch.update", target=branch, before=old, after=new
        )
    return branch


@transaction.atomic
def service_point_create(
    *,
    acting_user,
    branch: BranchCentre,
    name: str,
    district: District,
    address: str,
    host_institution: Institution | None = None,
    opening_hours: str = "",
    phone: str = "",
    is_open: bool = True,
) -> ServicePoint:
    """Open a service point under ``branch``.

    A host institution must be approved; a name already used in the same branch is refused.
    Creations in one branch are serialised on the branch's row.
    """
    branch = BranchCentre.objects.select_for_update().get(pk=branch.pk)
    _check_host(host_institution)
    if branch.service_points.filter(name=name).exists():
        raise _duplicate_point_name()
    try:
        with transaction.atomic():
            point = ServicePoint.objects.create(
                branch=branch,
                name=name,
                host_institution=host_institution,
                district=district,
                address=address,
                opening_hours=opening_hours,
                phone=phone,
                is_open=is_open,
            )
    except IntegrityError as exc:
        raise _duplicate_point_name() from exc
    audit_record(
        actor=acting_user,
        action="service_point.create",
        target=point,
        after=snapshot(point, SERVICE_POINT_FIELDS),
    )
    return point


@transaction.atomic
def service_point_update(
    *,
    acting_user,
    service_point: ServicePoint,
    name: str,
    district: District,
    address: str,
    host_institution: Institution | None,
    opening_hours: str,
    phone: str,
    is_open: bool,
    branch: BranchCentre | None = None,
) -> ServicePoint:
    """Change a service point, including opening or closing it (``is_open``).

    ``branch=None`` keeps the point where it is (a branch manager's edit); moving it is the
    centre's. A newly chosen host must be approved; a host chosen earlier may stay even if it
    has since been suspended, so that the point's other details can still be corrected.
    Staff posted to the point keep their posting only if it stays in their branch: a move to
    another branch with staff still posted to the point is refused.
    """
    point = ServicePoint.objects.select_for_update().get(pk=service_point.pk)
    target = branch or point.branch
    if host_institution is not None and host_institution.pk != point.host_institution_id:
        _check_host(host_institution)
    if ServicePoint.objects.filter(branch=target, name=name).exclude(pk=point.pk).exists():
        raise _duplicate_point_name()
    if target.pk != point.branch_id and point.staff.exists():
        raise IllegalTransition(
            _(
                "Staff are posted to this service point; remove or change their postings "
                "before moving it to another branch centre."
            ),
            field="branch",
            code="has_staff",
        )
    before = snapshot(point, SERVICE_POINT_FIELDS)
    point.branch, point.name, point.district, point.address = target, name, district, address
    point.host_institution, point.opening_hours = host_institution, opening_hours
    point.phone, point.is_open = phone, is_open
    old, new = changes(before, snapshot(point, SERVICE_POINT_FIELDS))
    if new:
        try:
            with transaction.atomic():
                point.save(update_fields=[f for f in SERVICE_POINT_FIELDS if f in new])
        except IntegrityError as exc:
            raise _duplicate_point_name() from exc
        audit_record(
            actor=acting_user, action="service_point.update", target=point, before=old, after=new
        )
    return point


@transaction.atomic
def staff_assignment_create(
    *,
    acting_user,
    user,
    branch: BranchCentre,
    role: str,
    service_point: ServicePoint | None = None,
) -> StaffAssignment:
    """Post ``user`` to ``branch`` (and optionally one of its service points) as branch manager
    or branch staff.

    The person must have an active account; the service point must belong to the branch; one
    person holds a role at a branch once. Postings of one person are serialised on their row.
    The posting makes the person staff, so the portal will ask them to set up two-factor
    authentication at their next page.
    """
    if role not in StaffAssignment.Role.values:
        raise InvalidInput(_("Unknown role."), field="role", code="unknown_role")
    person = User.objects.select_for_update().get(pk=user.pk)
    if not person.is_active:
        raise InvalidInput(
            _("This person's account is deactivated."), field="user", code="inactive"
        )
    if service_point is not None and service_point.branch_id != branch.pk:
        raise InvalidInput(
            _("This service point belongs to another branch centre."),
            field="service_point",
            code="wrong_branch",
        )
    duplicate = InvalidInput(
        _("This person already holds this role at this branch centre."),
        field="user",
        code="duplicate",
    )
    if StaffAssignment.objects.filter(user=person, branch=branch, role=role).exists():
        raise duplicate
    try:
        with transaction.atomic():
            assignment = StaffAssignment.objects.create(
                user=person, branch=branch, service_point=service_point, role=role
            )
    except IntegrityError as exc:
        raise duplicate from exc
    audit_record(
        actor=acting_user,
        action="staff_assignment.create",
        target=assignment,
        after=snapshot(assignment, STAFF_FIELDS),
    )
    _forget_roles(user)
    return assignment


@transaction.atomic
def staff_assignment_remove(*, acting_user, assignment: StaffAssignment) -> None:
    """End a posting. Removing one that is already gone is refused (two clicks, two tabs)."""
    locked = StaffAssignment.objects.select_for_update().filter(pk=assignment.pk).first()
    if locked is None:
        raise IllegalTransition(_("This posting has already been removed."), code="already_removed")
    before = snapshot(locked, STAFF_FIELDS)
    pk = locked.pk
    locked.delete()
    audit_record(
        actor=acting_user,
        action="staff_assignment.remove",
        object_type=StaffAssignment._meta.label_lower,
        object_id=pk,
        before=before,
    )
    _forget_roles(assignment.user)


def _forget_roles(user) -> None:
    """Drop the per-request role caches (accounts.roles, branches.access) on ``user``."""
    for attr in ("_cb_roles", "_cb_branch_ids", "_cb_managed_branch_ids"):
        if hasattr(user, attr):
            setattr(user, attr, None)
