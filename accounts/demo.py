"""Demo institutions and the people who hold centre and administrator roles."""

import base64
import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model

from .models import Institution, InstitutionStaff, Role
from .roles import CENTRE_ADMIN, EXPERT, LEARNER
from .services import role_grant

DEMO_PASSWORD = "CreditBank-2026"

INSTITUTIONS = [
    (
        "重庆开放大学",
        "12500000450400286J",
        Institution.Kind.OPEN_UNIVERSITY,
        "重庆市九龙坡区华岩新城",
    ),
    ("重庆城市职业学院", "12500000MB1583012D", Institution.Kind.HIGHER_VOCATIONAL, "重庆市永川区"),
    (
        "重庆市教育考试院自学考试办公室",
        "11500000009285107P",
        Institution.Kind.SELF_STUDY_OFFICE,
        "重庆市渝北区",
    ),
    (
        "重庆市职业技能培训协会",
        "52500000MJP5062136",
        Institution.Kind.INDUSTRY_ASSOCIATION,
        "重庆市渝中区",
    ),
]

# (role as the README shows it, username); the learner, the centre administrator and the expert
# are called by their role names.
DEMO_PEOPLE = [
    (LEARNER, LEARNER),
    ("institution administrator", "inst_admin"),
    ("institution clerk", "inst_clerk"),
    ("institution reviewer", "inst_reviewer"),
    ("centre administrator", CENTRE_ADMIN),
    (EXPERT, EXPERT),
    ("quality auditor", "auditor"),
    ("committee member", "committee"),
    ("system administrator", "sysadmin"),
    ("security administrator", "secadmin"),
    ("audit administrator", "auditadmin"),
]

CENTRE_ROLES = {
    CENTRE_ADMIN: Role.CENTRE_ADMIN,
    EXPERT: Role.EXPERT,
    "auditor": Role.QUALITY_AUDITOR,
    "committee": Role.COMMITTEE_MEMBER,
    "sysadmin": Role.SYSTEM_ADMIN,
    "secadmin": Role.SECURITY_ADMIN,
    "auditadmin": Role.AUDIT_ADMIN,
}
INSTITUTION_ROLES = {
    "inst_admin": InstitutionStaff.Role.ADMIN,
    "inst_clerk": InstitutionStaff.Role.CLERK,
    "inst_reviewer": InstitutionStaff.Role.REVIEWER,
}


LEARNERS = {LEARNER}


def demo_totp_secret(username: str) -> str:
    """The fixed TOTP secret of a demo member of staff (base32, printed in the README), so that
    anyone trying the demo can add it to an authenticator app and sign in as staff."""
    return base64.b32encode(
        hashlib.sha1(f"creditbank-demo-{username}".encode(), usedforsecurity=False).digest()
    ).decode()


def demo_user(username: str, *, first_name: str = "", is_staff: bool = False):
    """A demo person with a verified e-mail address and the demo password; staff (everyone but
    the demo learners) also get TOTP with their fixed secret."""
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@demo.creditbank.example", "first_name": first_name},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = is_staff
        user.save(update_fields=["password", "is_staff"])
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if (
        username not in LEARNERS
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, demo_totp_secret(username))
    return user


def seed(out) -> None:
    institutions = []
    for name, code, kind, address in INSTITUTIONS:
        institution, _created = Institution.objects.get_or_create(
            credit_code=code,
            defaults={
                "name": name,
                "kind": kind,
                "address": address,
                "status": Institution.Status.APPROVED,
            },
        )
        institutions.append(institution)
    demo_user(LEARNER, first_name="张三")
    for username, role in INSTITUTION_ROLES.items():
        user = demo_user(username)
        InstitutionStaff.objects.get_or_create(institution=institutions[0], user=user, role=role)
    sysadmin = demo_user("sysadmin", is_staff=True)
    for username, role in CENTRE_ROLES.items():
        user = demo_user(username, is_staff=username == "sysadmin")
        if not user.role_grants.filter(role=role).exists():
            role_grant(acting_user=None, user=user, role=role)  # set-up, not a person
    if not sysadmin.is_superuser:
        sysadmin.is_superuser = True
        sysadmin.save(update_fields=["is_superuser"])
    out.write(f"accounts: {len(institutions)} institutions, {len(DEMO_PEOPLE)} people")
