"""The people of a review: a learner at the fixture branch, the fixture institution as an
active alliance member (its clerk and reviewer act on its outcomes), experts and centre
administrators — two of each, so that maker-checker and appeals have someone else to turn to."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from accounts.models import InstitutionStaff, Role
from achievements import services
from branches.models import StaffAssignment
from tests.achievements.factories import UnitStandardFactory, active_account, deposit
from tests.branches.factories import AllianceMembershipFactory
from tests.conftest import grant_centre_roles, new_people


@dataclass
class Review:
    people: dict
    account: object
    institution: object
    branch: object
    standard: object  # approved, 3 credits at level 3
    big_standard: object  # approved, above the re-review threshold

    def __getitem__(self, name):
        return self.people[name]

    def deposit(self, **overrides):
        overrides.setdefault("issuer_institution", self.institution)
        overrides.setdefault("issuer_name", "")
        return deposit(account=self.account, **overrides)

    def submitted(self, **overrides):
        achievement = self.deposit(**overrides)
        return services.achievement_submit(acting_user=self["learner"], achievement=achievement)

    def forwarded(self, **overrides):
        achievement = self.submitted(**overrides)
        return services.achievement_forward(
            acting_user=self["branch_staff"], achievement=achievement
        )

    def recognised(self, standard=None, **overrides):
        achievement = self.forwarded(**overrides)
        services.achievement_recognise(
            acting_user=self["institution_reviewer"],
            achievement=achievement,
            unit_standard=standard or self.standard,
        )
        achievement.refresh_from_db()
        return achievement

    def rejected(self, **overrides):
        achievement = self.forwarded(**overrides)
        services.achievement_reject(
            acting_user=self["expert"], achievement=achievement, reason="证书编号无法核验。"
        )
        achievement.refresh_from_db()
        return achievement

    def confirming(self, **overrides):
        achievement = self.forwarded(**overrides)
        services.achievement_recognise(
            acting_user=self["expert"], achievement=achievement, unit_standard=self.big_standard
        )
        achievement.refresh_from_db()
        return achievement


@pytest.fixture
def review(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("10")
    branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    institution = InstitutionStaff.objects.get(user=people["institution_reviewer"]).institution
    AllianceMembershipFactory(institution=institution, branch=branch)
    seconds = {"expert_2": Role.EXPERT, "centre_admin_2": Role.CENTRE_ADMIN}
    people.update(new_people(*seconds))
    grant_centre_roles(people, seconds)
    account = active_account(branch=branch, user=people["learner"])
    standard = UnitStandardFactory(approved=True, credit_value=Decimal("3.00"), field="信息技术")
    big = UnitStandardFactory(approved=True, credit_value=Decimal("12.00"), field="养老服务")
    return Review(people, account, institution, branch, standard, big)
