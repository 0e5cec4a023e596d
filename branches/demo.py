"""The demo service network: the centre, three branch centres and their service points."""

from datetime import date

from accounts.demo import DEMO_PASSWORD, demo_totp_secret, demo_user
from accounts.models import Institution, LearnerAccount
from accounts.roles import BRANCH_MANAGER, BRANCH_STAFF, LEARNER
from accounts.services import Identity, learner_account_verify

from . import demo_alliance
from .models import BranchCentre, Centre, District, ServicePoint, StaffAssignment
from .services import districts_load
from .services.accounts import account_open_online

__all__ = ["DEMO_PASSWORD", "DEMO_PEOPLE", "demo_totp_secret", "seed"]

# (role as the README shows it, username): branch staff are called by their role names.
DEMO_PEOPLE = [
    ("branch manager", BRANCH_MANAGER),
    ("branch staff", BRANCH_STAFF),
]

BRANCHES = [
    ("渝中区分中心", "500103", "重庆市渝中区解放碑民族路 1 号", "023-63000001"),
    ("沙坪坝区分中心", "500106", "重庆市沙坪坝区天星桥正街 2 号", "023-65000002"),
    ("九龙坡区分中心", "500107", "重庆市九龙坡区杨家坪正街 3 号", "023-68000003"),
]

SERVICE_POINTS = [
    ("渝中区分中心", "渝中区学分银行服务大厅", None, "重庆市渝中区解放碑民族路 1 号 1 楼"),
    (
        "九龙坡区分中心",
        "重庆开放大学受理点",
        "12500000450400286J",
        "重庆市九龙坡区华岩新城开放大学 2 号楼",
    ),
    ("沙坪坝区分中心", "沙坪坝区社区学院受理点", None, "重庆市沙坪坝区小龙坎正街 8 号"),
    (
        "渝中区分中心",
        "重庆市职业技能培训协会受理点",
        "52500000MJP5062136",
        "重庆市渝中区中山三路 66 号",
    ),
]

HOURS = "周一至周五 9:00–12:00，14:00–17:30"


def seed(out) -> None:
    if not District.objects.exists():
        districts_load(acting_user=None)
    centre, _created = Centre.objects.get_or_create(
        name="重庆市终身学习学分银行管理中心",
        defaults={"address": "重庆市渝中区", "phone": "023-63000000"},
    )
    branches = {}
    for name, district, address, phone in BRANCHES:
        branches[name], _created = BranchCentre.objects.get_or_create(
            name=name,
            defaults={
                "centre": centre,
                "district_id": district,
                "address": address,
                "phone": phone,
            },
        )
    for branch_name, name, host_code, address in SERVICE_POINTS:
        branch = branches[branch_name]
        ServicePoint.objects.get_or_create(
            branch=branch,
            name=name,
            defaults={
                "host_institution": Institution.objects.filter(credit_code=host_code).first(),
                "district_id": branch.district_id,
                "address": address,
                "opening_hours": HOURS,
                "phone": branch.phone,
            },
        )
    first = branches[BRANCHES[0][0]]
    point = first.service_points.first()
    for username, role in ((BRANCH_MANAGER, "manager"), (BRANCH_STAFF, "staff")):
        StaffAssignment.objects.get_or_create(
            user=demo_user(username),
            branch=first,
            role=role,
            defaults={"service_point": point if role == "staff" else None},
        )
    out.write(f"branches: {len(branches)} branch centres, {len(SERVICE_POINTS)} service points")
    demo_alliance.seed(out)
    _seed_learner_account(first)


def _seed_learner_account(branch: BranchCentre) -> None:
    """The demo learner's account: opened online at ``branch`` and verified by its staff."""
    learner = demo_user(LEARNER, first_name="张三")
    if LearnerAccount.objects.filter(user=learner).exists():
        return
    identity = Identity(
        real_name="张三",
        id_type="resident_id",
        id_number="500103199003071239",  # a made-up number with a valid check digit
        birth_date=date(1990, 3, 7),
        mobile="13800138000",
        education=LearnerAccount.Education.JUNIOR_COLLEGE,
        work_unit="重庆市渝中区某科技有限公司",
    )
    account = account_open_online(acting_user=learner, branch=branch, identity=identity)
    learner_account_verify(acting_user=demo_user(BRANCH_STAFF), account=account, method="in_person")
