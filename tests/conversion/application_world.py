"""Conversion applications built through the services, for the tests of the services, pages,
demo and browser journeys.

    world = ApplicationWorld(people)                 # the ``people`` fixture (tests.conftest)
    course = world.course()                          # 4 credits: a course of world.programme with a
                                                     # published rule, and a recognised achievement
                                                     # of the learner that meets it
    application = world.application("submitted")    # any state of STATES, by the services
    application = world.application("partly_approved", courses=[world.course(), world.course()])
    line = world.line(application)                   # its first line (by pk)

Who is who: ``learner`` (``people["learner"]``, an active account at the fixture branch);
``accepter`` (the fixture branch staff) and ``clerk`` accept; ``reviewer`` (the fixture
institution's reviewer) takes and decides; ``reviewer_2`` (another reviewer of it) decides
appeals; ``centre`` and ``centre_2`` (centre administrators) re-review. The fixture institution
is the target, an active alliance member; its programme ``programme`` needs 400 graduation
credits (so 200 may be converted). ``big`` credits are above the re-review threshold.

States (``STATES``): submitted, accepted, not_accepted, with_institution, confirming (its one
line of ``big`` credits approved, waiting for the centre), approved, partly_approved (two lines:
the first approved, the second refused), rejected, appealed (rejected, then appealed),
withdrawn. Every step is the services' own, so ``check_ledger`` holds on what the world builds.
"""

import datetime
from decimal import Decimal

from django.conf import settings

from accounts.models import InstitutionStaff, LearnerAccount
from achievements import services as achievement_services
from branches.models import AllianceMembership, StaffAssignment
from conversion.models import ApplicationLine, ConversionApplication
from conversion.services import applications as services
from tests.achievements.factories import UnitStandardFactory, active_account, deposit
from tests.branches.factories import AllianceMembershipFactory
from tests.conftest import grant_centre_roles, new_people
from tests.conversion.factories import CourseFactory, ProgrammeFactory, published_rule_version

STATES = (
    "submitted",
    "accepted",
    "not_accepted",
    "with_institution",
    "confirming",
    "approved",
    "partly_approved",
    "rejected",
    "appealed",
    "withdrawn",
)
REFUSAL = "所提交的证书与课程内容不符。"


def standard_source(code: str) -> dict:
    return {"type": "all", "items": [{"type": "atom", "kind": "standard", "code": code}]}


class ApplicationWorld:
    def __init__(self, people):
        self.people = people
        self.learner = people["learner"]
        self.accepter = people["branch_staff"]
        self.clerk = people["institution_clerk"]
        self.reviewer = people["institution_reviewer"]
        self.centre = people["centre_admin"]
        self.expert = people["expert"]
        self.branch = StaffAssignment.objects.get(user=self.accepter).branch
        self.institution = InstitutionStaff.objects.get(user=self.reviewer).institution
        if not AllianceMembership.objects.filter(institution=self.institution).exists():
            AllianceMembershipFactory(institution=self.institution, branch=self.branch)
        more = new_people("app_reviewer_2", "app_centre_2")
        InstitutionStaff.objects.create(
            institution=self.institution,
            user=more["app_reviewer_2"],
            role=InstitutionStaff.Role.REVIEWER,
        )
        grant_centre_roles(more, {"app_centre_2": "centre_admin"})
        self.reviewer_2, self.centre_2 = more["app_reviewer_2"], more["app_centre_2"]
        self.account = LearnerAccount.objects.filter(user=self.learner).first() or active_account(
            branch=self.branch, user=self.learner
        )
        self.programme = ProgrammeFactory(
            institution=self.institution,
            created_by=self.clerk,
            graduation_credits=Decimal("400.00"),
        )
        self.big = settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD + 2

    def __getitem__(self, role):
        return self.people[role]

    # --- What the learner holds and what it converts into -------------------------------------

    def achievement(self, standard=None, *, account=None, **overrides):
        """A recognised achievement of the learner (or of ``account``), matched to
        ``standard`` (a new approved unit standard by default), through the recognition
        services."""
        account = account or self.account
        standard = standard or UnitStandardFactory(approved=True, credit_value=Decimal("3.00"))
        overrides.setdefault("issuer_institution", None)
        overrides.setdefault("issuer_name", "重庆市职业技能鉴定中心")
        overrides.setdefault("title", f"职业技能培训 {standard.code}")
        achievement = deposit(account=account, **overrides)
        achievement_services.achievement_submit(acting_user=account.user, achievement=achievement)
        achievement_services.achievement_forward(acting_user=self.accepter, achievement=achievement)
        achievement_services.achievement_recognise(
            acting_user=self.expert, achievement=achievement, unit_standard=standard
        )
        achievement.refresh_from_db()
        return achievement

    def course(
        self,
        credits=Decimal("4.00"),
        *,
        exemption=False,
        holder=True,
        programme=None,
        standard=None,
    ):
        """A course of the programme (or ``programme``) with a published rule asking for a
        unit standard (``standard``, by default a new one) and granting ``credits``
        (``exemption``: an exemption), and — unless ``holder`` is False — a recognised
        achievement of the learner on that standard (``course.achievement``; the standard is
        ``course.standard``)."""
        programme = programme or self.programme
        standard = standard or UnitStandardFactory(approved=True, credit_value=Decimal("3.00"))
        course = CourseFactory(
            institution=programme.institution,
            programmes=[programme],
            created_by=self.clerk,
            credits=Decimal(credits) if not exemption else Decimal("2.00"),
        )
        course.version = published_rule_version(
            programme=programme,
            author=self.clerk,
            source=standard_source(standard.code),
            targets=[(course, None if exemption else Decimal(credits))],
            valid_from=datetime.date(2020, 1, 1),
        )
        course.standard = standard
        course.achievement = self.achievement(standard) if holder else None
        return course

    # --- Applications -----------------------------------------------------------------------

    def submit(self, courses, *, programme=None) -> ConversionApplication:
        return services.application_submit(
            acting_user=self.learner,
            programme=programme or self.programme,
            course_ids=[course.pk for course in courses],
        )

    def application(self, state: str = "submitted", *, courses=None) -> ConversionApplication:
        """An application of the learner taken to ``state`` (``STATES``) by the services;
        ``courses`` (from ``course()``) are its lines, by default new ones: one, two for
        partly_approved, one of ``big`` credits for confirming."""
        assert state in STATES, state
        if courses is None:
            if state == "partly_approved":
                courses = [self.course(), self.course()]
            elif state == "confirming":
                courses = [self.course(self.big)]
            else:
                courses = [self.course()]
        application = self.submit(courses)
        if state == "submitted":
            return self._fresh(application)
        if state == "withdrawn":
            services.application_withdraw(
                acting_user=self.learner, application=application, reason="不再需要"
            )
            return self._fresh(application)
        if state == "not_accepted":
            services.application_decline(
                acting_user=self.accepter, application=application, reason="身份证件不清晰"
            )
            return self._fresh(application)
        services.application_accept(acting_user=self.accepter, application=application)
        if state == "accepted":
            return self._fresh(application)
        services.application_take(acting_user=self.reviewer, application=application)
        if state == "with_institution":
            return self._fresh(application)
        lines = list(application.lines.order_by("pk"))
        for n, line in enumerate(lines):
            approve = state in ("confirming", "approved") or (state == "partly_approved" and n == 0)
            services.line_decide(
                acting_user=self.reviewer,
                line=line,
                approve=approve,
                reason="" if approve else REFUSAL,
            )
        if state == "appealed":
            services.application_appeal(
                acting_user=self.learner,
                application=self._fresh(application),
                reason="我的证书与课程内容一致，请重新审核。",
            )
        return self._fresh(application)

    def line(self, application, n: int = 0) -> ApplicationLine:
        return application.lines.order_by("pk")[n]

    @staticmethod
    def _fresh(application) -> ConversionApplication:
        application.refresh_from_db()
        return application
