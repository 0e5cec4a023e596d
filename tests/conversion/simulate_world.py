"""A programme with real published rules and a learner with recognised achievements, for the
what-if simulator's tests (模拟转换).

The programme has three courses:
- ``match``: 4 credits for any recognised training achievement (category atom);
- ``partial``: 3 credits for two unit standards, of which the learner holds one;
- ``miss``: 2 credits for a certificate the learner does not hold.
The learner's achievements: a training one (used by ``match``), one recognised against the
first unit standard (used by ``partial`` were it complete) and a work-experience one no rule
uses.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import LearnerAccount
from achievements.models import Achievement, AchievementCategory, QualificationLevel, Recognition
from achievements.services.ledger import ledger_deposit
from tests.accounts.factories import RoleGrantFactory, UserFactory
from tests.achievements.factories import UnitStandardFactory, active_account
from tests.branches.factories import BranchCentreFactory
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    certificate_source,
    publish_directly,
    rule_version,
)

IN_FORCE_FROM = datetime.date(2020, 1, 1)


def recognised_achievement(
    account: LearnerAccount,
    *,
    title: str,
    category: str = "training",
    standard=None,
    credits: Decimal = Decimal("3.00"),
    issuer=None,
) -> Achievement:
    """A recognised achievement of ``account`` with its decision in force and its deposit on
    the ledger (as ``tests/test_role_matrix.py`` ``_achievement`` makes one)."""
    achievement = Achievement.objects.create(
        account=account,
        category=AchievementCategory.objects.get(code=category),
        title=title,
        issuer_institution=issuer,
        issuer_name="" if issuer else "某培训中心",
        obtained_on=datetime.date(2024, 6, 1),
        result_kind="pass",
        result_value="pass",
        deposited_by=account.user,
        status=Achievement.Status.RECOGNISED,
    )
    achievement.events.create(action="deposit", status="deposited", actor=account.user)
    expert = RoleGrantFactory(user=UserFactory(), role="expert").user
    decision = Recognition.objects.create(
        achievement=achievement,
        stage="first",
        outcome="recognised",
        status="in_force",
        credits=credits,
        level=QualificationLevel.objects.get(number=3),
        unit_standard=standard,
        field="信息技术",
        decided_by=expert,
        decided_as="expert",
    )
    achievement.recognition = decision
    achievement.save(update_fields=["recognition"])
    ledger_deposit(recognition=decision, acting_user=expert)
    return achievement


def published(**kwargs):
    return publish_directly(rule_version(valid_from=IN_FORCE_FROM, **kwargs))


@dataclass
class SimulateWorld:
    programme: object
    courses: dict
    account: LearnerAccount
    achievements: dict
    versions: dict


def simulate_world(*, user=None, account=None, programme=None) -> SimulateWorld:
    """The programme (or ``programme``, given new courses), its rules and a learner (``user``'s
    new active account, or ``account``) holding the achievements the module docstring lists."""
    programme = programme or ProgrammeFactory()
    institution = programme.institution
    courses = {
        name: CourseFactory(
            institution=institution, programmes=[programme], code=code, credits=credits
        )
        for name, code, credits in (
            ("match", "SIM-A01", Decimal("4.00")),
            ("partial", "SIM-B02", Decimal("3.00")),
            ("miss", "SIM-C03", Decimal("2.00")),
        )
    }
    first, second = (
        UnitStandardFactory(approved=True, code=code) for code in ("SIM-US-1", "SIM-US-2")
    )
    versions = {
        "match": published(
            programme=programme,
            source={
                "type": "all",
                "items": [{"type": "atom", "kind": "category", "category": "training"}],
            },
            targets=[(courses["match"], Decimal("4"))],
        ),
        "partial": published(
            programme=programme,
            source={
                "type": "all",
                "items": [
                    {"type": "atom", "kind": "standard", "code": first.code},
                    {"type": "atom", "kind": "standard", "code": second.code},
                ],
            },
            targets=[(courses["partial"], Decimal("3"))],
        ),
        "miss": published(
            programme=programme,
            source=certificate_source(CertificateFactory()),
            targets=[(courses["miss"], Decimal("2"))],
        ),
    }
    if account is None:
        account = active_account(branch=BranchCentreFactory(), user=user)
    achievements = {
        "training": recognised_achievement(account, title="办公软件应用培训"),
        "standard": recognised_achievement(
            account, title="网页设计单元", category="online_course", standard=first
        ),
        "unused": recognised_achievement(
            account, title="仓库管理工作经历", category="work_experience"
        ),
    }
    return SimulateWorld(programme, courses, account, achievements, versions)
