"""The role matrix: every page × every role × (own object, someone else's) → the expected status.

"Own" is the object inside the person's scope (their branch, their institution, their account);
"other" is the same kind of object outside it. A write that is refused (403/404) must leave every
row as it was and write an ``access.refused`` audit event.

A named URL missing from ``EXPECTED`` fails ``test_every_page_is_in_the_matrix``: a new page
cannot be added without deciding who may open it. Regenerate the table after a deliberate change
with ``MATRIX_PRINT=1 pytest tests/test_role_matrix.py -k print -s`` and review every line.
"""

import hashlib
import os
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import (
    InstitutionInvitation,
    InstitutionStaff,
    LearnerAccount,
    Notice,
    invitation_token_hash,
)
from achievements.models import (
    Achievement,
    AchievementCategory,
    Evidence,
    QualificationLevel,
    Recognition,
    RecognitionMandate,
)
from achievements.services.ledger import ledger_deposit
from api.models import ApiToken
from branches.models import StaffAssignment
from conversion.models import RuleOpinion
from creditbank.celery import app as celery_app
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, RoleGrantFactory, UserFactory
from tests.accounts.learner_factories import open_account
from tests.achievements.factories import PDF_BYTES, UnitStandardFactory
from tests.branches.factories import (
    AllianceMembershipFactory,
    AnnouncementFactory,
    BranchCentreFactory,
    HelpPageFactory,
    OtherDistrictFactory,
    ServicePointFactory,
    StaffAssignmentFactory,
)
from tests.conftest import ALL_ROLES, build_people
from tests.conversion.factories import (
    CertificateFactory,
    CourseFactory,
    ProgrammeFactory,
    SelfStudySubjectFactory,
    publish_directly,
    rule_version,
)
from tests.test_url_walk import named_urls

ROLES = [*ALL_ROLES, "outsider", "anonymous"]
# Pages outside this matrix: allauth's and the admin's own (covered by the URL walk), and pages
# without objects or roles.
# The institutions' API (api-v1:) takes tokens, not sessions: tests/api/test_auth.py.
SKIP_PREFIXES = ("admin:", "account_", "mfa_", "api-v1:")
SKIP = {"home", "healthz", "set_language"}

# The rows a refused write must leave as they were.
GUARDED_TABLES = [
    "accounts_learneraccount",
    "accounts_institution",
    "accounts_institutionstaff",
    "accounts_institutioninvitation",
    "accounts_rolegrant",
    "branches_branchcentre",
    "branches_servicepoint",
    "branches_staffassignment",
    "branches_alliancemembership",
    "branches_announcement",
    "branches_helppage",
    "achievements_qualificationlevel",
    "achievements_achievementcategory",
    "achievements_unitstandard",
    "achievements_achievement",
    "achievements_evidence",
    "achievements_recognition",
    "achievements_achievementevent",
    "achievements_creditentry",
    "conversion_programme",
    "conversion_course",
    "conversion_course_programmes",
    "conversion_conversionrule",
    "conversion_ruleversion",
    "conversion_ruletarget",
    "conversion_ruleatom",
    "conversion_ruleopinion",
    "conversion_conversionapplication",
    "conversion_applicationline",
    "conversion_lineholding",
    "conversion_applicationevent",
    "conversion_conversionentry",
    "achievements_proofdocument",
    "achievements_proofdocument_achievements",
    "achievements_documentshare",
    "achievements_documentview",
    "achievements_inquiryconsent",
    "achievements_creditinquiry",
    "achievements_importbatch",
    "achievements_importrow",
    "achievements_recognitionmandate",
    "guardian_userobjectpermission",
    "api_apitoken",
]

# What a POST carries: data that would change something for a person allowed to do it.
PAYLOADS = {
    "accounts:institution_decide": {"decision": "suspend", "reason": "matrix"},
    "accounts:institution_invite": {"email": "new.colleague@example.com", "role": "clerk"},
    "accounts:institution_invitation": {},
    "accounts:institution_invitation_cancel": {},
    "accounts:institution_staff_remove": {},
    "accounts:role_grant_revoke": {},
    "branches:desk_account_verify": {"method": "in_person"},
    "branches:desk_account_reveal": {},
    "branches:desk_account_freeze": {"reason": "matrix"},
    "branches:desk_account_unfreeze": {"reason": "matrix"},
    "branches:desk_account_close": {"reason": "matrix"},
    "branches:desk_account_return": {"return-reason": "matrix"},
    "accounts:my_account_id_image": {},
    "branches:membership_suspend": {"suspend-reason": "matrix"},
    "branches:membership_reinstate": {"reinstate-reason": "matrix"},
    "branches:membership_end": {"end-reason": "matrix"},
    "branches:announcement_publish": {},
    "branches:announcement_unpublish": {},
    "branches:help_page_publish": {},
    "branches:help_page_unpublish": {},
    "branches:network_staff_remove": {},
    "achievements:standard_submit": {},
    "achievements:standard_new_version": {},
    "achievements:standard_retire": {"retire-reason": "matrix"},
    "accounts:my_notices_read": {},
    "achievements:achievement_delete": {},
    "achievements:evidence_add": {},
    "achievements:evidence_remove": {},
    "achievements:achievement_submit": {},
    "achievements:achievement_resubmit": {"answer": "matrix"},
    "achievements:achievement_appeal": {"statement": "matrix"},
    "achievements:review_forward": {"forward-note": "matrix"},
    "achievements:review_return": {"return-message": "matrix"},
    "achievements:review_recognise": {"recognise-unit_standard": "MATRIX-1"},
    "achievements:review_reject": {"reject-reason": "matrix"},
    "achievements:review_confirm": {},
    "achievements:review_send_back": {"send_back-reason": "matrix"},
    "achievements:review_revoke": {"revoke-reason": "matrix"},
    "conversion:rule_new_version": {},
    "conversion:rule_submit": {},
    "conversion:rule_withdraw": {},
    "conversion:rule_panel_assign": {"panel-experts": ["expert"]},
    "conversion:rule_opinion": {"opinion-verdict": "agree"},
    "conversion:rule_return": {"return-reason": "matrix"},
    "conversion:rule_approve": {"approve-note": "matrix"},
    "conversion:rule_publish": {},
    "conversion:rule_retire": {"retire-reason": "matrix"},
    # Conversion applications (the appeal is a page of its own: opened with GET).
    "conversion:application_withdraw": {"withdraw-reason": "matrix"},
    "conversion:application_accept": {},
    "conversion:application_decline": {"decline-reason": "matrix"},
    "conversion:application_take": {},
    "conversion:line_decide": {"decide-decision": "refuse", "decide-reason": "matrix"},
    "conversion:line_confirm": {},
    "conversion:line_send_back": {"send_back-note": "matrix"},
    # The fixture learner's account is pending: the simulator's notice (200), nothing written.
    "conversion:application_apply": {"programme": "1", "course": "1"},
    # Proof documents (证明): the learner's steps and the centre's.
    "achievements:document_extend": {"extend-days": "30"},
    "achievements:document_withdraw": {"withdraw-reason": "matrix", "withdraw-confirm": "on"},
    "achievements:document_retry": {},
    "achievements:share_create": {
        "share-label": "matrix",
        "share-pin": "2468",
        "share-valid_days": "7",
    },
    "achievements:share_end": {},
    # The fixture learner's account is pending: refused beside the form (200), nothing written.
    "achievements:consent_create": {"scope": "totals", "label": "matrix", "hours": "24"},
    "achievements:consent_cancel": {},
    "achievements:document_revoke": {"revoke-reason": "matrix"},
    "achievements:document_suspend": {"suspend-reason": "matrix"},
    "achievements:document_reinstate": {},
    # The institutions' API tokens (their administrators').
    "api:token_create": {"name": "matrix 2", "scopes": "read_rules"},
    "api:token_revoke": {},
    # Batch recognition: a clerk's upload without a file is refused beside the field (200).
    "achievements:batch_new": {"mode": "valid"},
    # The centre's direct recognition mandates: both the fixture's are active.
    "achievements:mandate_end": {"end-reason": "matrix"},
}


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, its people and one signed-in session per role, built once per module (per
    xdist worker) inside a transaction that is rolled back at the end: building them for each
    page made the matrix slow. Each test's own transaction, and each request's inside it, is a
    savepoint within this one, so nothing a test does outlives it."""
    media = tmp_path_factory.mktemp("matrix-media")
    # The settings of tests/conftest.py's _test_settings, which is function-scoped.
    build_settings = override_settings(
        MEDIA_ROOT=media,
        CREDITBANK_AUDIT_CHECKPOINT_FILE=str(media / "audit-checkpoints.jsonl"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={
            "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        },
    )
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with build_settings:
                people = build_people()
                world = build_world(people)
                sessions = {role: _session_key(people[role]) for role in ROLES[:-1]}
            yield world, sessions, media
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _session_key(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def world(matrix, settings):
    settings.MEDIA_ROOT = matrix[2]  # where the evidence files were saved
    # The public verification pages count lookups per address and minute; the matrix asks
    # each 30 times from one address (the limit itself is tested with the verification pages).
    settings.CREDITBANK_VERIFY_PER_MINUTE = 1000
    return matrix[0]


@pytest.fixture
def sessions(matrix):
    return matrix[1]


def build_world(people):
    """Two of everything: one in the fixture people's scope, one outside it."""
    my_branch = StaffAssignment.objects.get(user=people["branch_staff"]).branch
    other_branch = BranchCentreFactory(district=OtherDistrictFactory())
    my_institution = InstitutionStaff.objects.get(user=people["institution_admin"]).institution
    other_institution = InstitutionFactory()
    other_admin = UserFactory()
    InstitutionStaff.objects.create(
        institution=other_institution, user=other_admin, role=InstitutionStaff.Role.ADMIN
    )
    invitee = UserFactory()

    def invitation(institution, email):
        token = f"token-{institution.pk}-{email}"
        return token, InstitutionInvitation.objects.create(
            institution=institution,
            email=email,
            role=InstitutionStaff.Role.CLERK,
            token_hash=invitation_token_hash(token),
            invited_by=people["institution_admin"],
        )

    my_token, my_invitation = invitation(my_institution, people["outsider"].email)
    api_tokens = tuple(
        ApiToken.objects.create(
            institution=institution,
            name="matrix",
            prefix=f"cbk_matrix{n}",
            token_hash=f"{n}" * 64,
            can_read_rules=True,
            created_by=maker,
        ).pk
        for n, (institution, maker) in enumerate(
            ((my_institution, people["institution_admin"]), (other_institution, other_admin))
        )
    )
    other_token, other_invitation = invitation(other_institution, invitee.email)
    clerk_role = InstitutionStaff.objects.get(user=people["institution_clerk"])
    other_clerk = InstitutionStaff.objects.create(
        institution=other_institution, user=UserFactory(), role=InstitutionStaff.Role.CLERK
    )
    my_account = open_account(branch=my_branch, user=people["learner"])
    other_account = open_account(branch=other_branch, user=UserFactory())
    # Notices: own = the fixture learner's, other = another learner's (both link to a page).
    notices = tuple(
        Notice.objects.create(
            user=account.user, title="matrix", link=reverse("accounts:my_account")
        )
        for account in (my_account, other_account)
    )
    my_point = ServicePointFactory(branch=my_branch)
    other_point = ServicePointFactory(branch=other_branch)
    other_posting = StaffAssignmentFactory(branch=other_branch)
    my_membership = AllianceMembershipFactory(
        institution=my_institution, branch=my_branch, joined_on=date(2024, 1, 1)
    )
    other_membership = AllianceMembershipFactory(
        institution=other_institution, branch=other_branch, joined_on=date(2024, 1, 1)
    )
    draft = AnnouncementFactory(created_by=people["centre_admin"])
    draft_help = HelpPageFactory(created_by=people["centre_admin"])
    expert_grant = RoleGrantFactory(user=UserFactory(), role="expert")
    # Unit standards: own = of the fixture institution, written by its clerk; other = of
    # another institution. One pair per status the pages act on.
    standards = {
        status: tuple(
            UnitStandardFactory(
                status=status, issuing_institution=institution, created_by=author
            ).pk
            for institution, author in (
                (my_institution, people["institution_clerk"]),
                (other_institution, other_admin),
            )
        )
        for status in ("draft", "submitted", "approved")
    }
    level = QualificationLevel.objects.get(number=1)
    category = AchievementCategory.objects.get(code="training")
    # Direct recognition mandates: own = the fixture institution's, other = another member's.
    mandates = tuple(
        RecognitionMandate.objects.create(
            institution=institution,
            category=AchievementCategory.objects.get(code="academic_course"),
            level=level,
            field="matrix",
            granted_by=people["centre_admin"],
        ).pk
        for institution in (my_institution, other_institution)
    )
    # Achievements: own = the fixture learner's, issued by the fixture institution (two evidence
    # files, so one may be removed); other = another learner's, at another branch.
    achievements = tuple(
        Achievement.objects.create(
            account=account,
            category=category,
            title="matrix",
            issuer_institution=institution,
            obtained_on=date(2024, 1, 1),
            result_kind="pass",
            result_value="pass",
            deposited_by=account.user,
        )
        for account, institution in (
            (my_account, my_institution),
            (other_account, other_institution),
        )
    )
    evidence = []
    for achievement in (achievements[0], *achievements):
        item = Evidence(
            achievement=achievement,
            kind="pdf",
            size=len(PDF_BYTES),
            sha256="0" * 64,
            uploaded_by=achievement.deposited_by,
        )
        item.file.save("upload", ContentFile(PDF_BYTES))
        evidence.append(item)

    pk = {
        "institution": (my_institution.pk, other_institution.pk),
        "account": (my_account.pk, other_account.pk),
        "branch": (my_branch.pk, other_branch.pk),
        "point": (my_point.pk, other_point.pk),
        "posting": (
            StaffAssignment.objects.get(user=people["branch_staff"]).pk,
            other_posting.pk,
        ),
        "membership": (my_membership.pk, other_membership.pk),
        "announcement": (draft.pk, draft.pk),
        "help_page": (draft_help.pk, draft_help.pk),
        "grant": (expert_grant.pk, expert_grant.pk),
        "draft_standard": standards["draft"],
        "submitted_standard": standards["submitted"],
        "approved_standard": standards["approved"],
        "level": (level.pk, level.pk),
        "category": (category.pk, category.pk),
        "achievement": (achievements[0].pk, achievements[1].pk),
        "evidence": (evidence[0].pk, evidence[2].pk),
        "notice": (notices[0].pk, notices[1].pk),
        "mandate": mandates,
    }
    # Recognition: the fixture learner's own achievements in the states the learner acts on,
    # and, for the staff's review pages, one achievement per state of another learner inside
    # the fixture people's scope (their branch, their institution) and one outside it.
    returned, rejected = (
        _achievement(my_account, my_institution, status, my_branch, people)
        for status in ("returned", "rejected")
    )
    reviewed = {}
    for account, institution, branch in (
        (_active_account(my_branch), my_institution, my_branch),
        (_active_account(other_branch), other_institution, other_branch),
    ):
        for status in ("under_review", "forwarded", "confirming", "recognised"):
            reviewed.setdefault(status, []).append(
                _achievement(account, institution, status, branch, people).pk
            )
    UnitStandardFactory(code="MATRIX-1", approved=True, issuing_institution=my_institution)
    pk.update(_conversion_world(people, my_institution, other_institution, other_admin))
    pk.update(
        _application_world(
            people,
            (my_account, my_institution, my_branch, pk["programme"][0], pk["course"][0]),
            (other_account, other_institution, other_branch, pk["programme"][1], pk["course"][1]),
            pk["published_rule"],
        )
    )
    pk.update(_proof_world(my_account, other_account))
    pk.update(_batch_world(people, my_institution, other_institution, other_clerk.user))
    pk.update(
        {
            "returned_achievement": (returned.pk, achievements[1].pk),
            "rejected_achievement": (rejected.pk, achievements[1].pk),
            **{f"{status}_achievement": tuple(pks) for status, pks in reviewed.items()},
        }
    )
    exact = {
        "accounts:my_notice_open": "notice",
        "achievements:achievement_resubmit": "returned_achievement",
        "achievements:achievement_appeal": "rejected_achievement",
        "achievements:review_detail": "forwarded_achievement",
        "achievements:review_standards": "forwarded_achievement",
        "achievements:review_forward": "under_review_achievement",
        "achievements:review_return": "under_review_achievement",
        "achievements:review_recognise": "forwarded_achievement",
        "achievements:review_reject": "forwarded_achievement",
        "achievements:review_confirm": "confirming_achievement",
        "achievements:review_send_back": "confirming_achievement",
        "achievements:review_revoke": "recognised_achievement",
        "conversion:course_public": "course",
        "conversion:programme_public": "programme",
        "conversion:rule_public": "published_rule",
        "conversion:programme_edit": "programme",
        "conversion:caps_edit": "institution",
        "conversion:course_edit": "course",
        "conversion:rule_edit": "draft_rule",
        "conversion:rule_manage_detail": "in_review_rule",
        "conversion:rule_new_version": "published_rule",
        "conversion:rule_submit": "draft_rule",
        "conversion:rule_withdraw": "submitted_rule",
        "conversion:rule_panel_assign": "submitted_rule",
        "conversion:rule_return": "submitted_rule",
        "conversion:rule_opinion": "in_review_rule",
        "conversion:rule_approve": "decided_rule",
        "conversion:rule_publish": "approved_rule",
        "conversion:rule_retire": "published_rule",
        "conversion:my_application": "with_institution_application",
        "conversion:application_withdraw": "submitted_application",
        "conversion:application_appeal": "rejected_application",
        "conversion:application_review": "with_institution_application",
        "conversion:application_accept": "submitted_application",
        "conversion:application_decline": "submitted_application",
        "conversion:application_take": "accepted_application",
        "conversion:line_decide": "with_institution_line",
        "conversion:line_confirm": "confirming_line",
        "conversion:line_send_back": "confirming_line",
        "achievements:document_retry": "failed_document",
        "achievements:document_reinstate": "suspended_document",
        "achievements:share_end": "share",
        "achievements:consent_cancel": "consent",
    }
    kinds = {
        "accounts:institution_": "institution",
        "api:token_": "institution",
        "branches:desk_account": "account",
        "branches:network_branch_": "branch",
        "branches:network_service_point_": "point",
        "branches:network_staff_remove": "posting",
        "branches:membership_": "membership",
        "branches:announcement_": "announcement",
        "branches:help_page_": "help_page",
        "accounts:role_grant_revoke": "grant",
        "achievements:standard_edit": "draft_standard",
        "achievements:standard_submit": "draft_standard",
        "achievements:standard_manage_detail": "submitted_standard",
        "achievements:standard_decide": "submitted_standard",
        "achievements:standard_detail": "approved_standard",
        "achievements:standard_new_version": "approved_standard",
        "achievements:standard_retire": "approved_standard",
        "achievements:level_": "level",
        "achievements:category_": "category",
        "achievements:achievement_": "achievement",
        "achievements:evidence_add": "achievement",
        "achievements:evidence_": "evidence",
        "achievements:document_": "ready_document",
        "achievements:share_create": "ready_document",
        "achievements:batch_": "batch",
        "achievements:mandate_": "mandate",
        "conversion:certificate_": "certificate",
        "conversion:subject_": "subject",
    }

    def kwargs(name: str, which: int) -> dict | None:
        if name == "accounts:institution_invitation":
            return {"token": (my_token, other_token)[which]}
        if name == "accounts:institution_invitation_cancel":
            return {
                "pk": pk["institution"][which],
                "invitation_pk": (my_invitation.pk, other_invitation.pk)[which],
            }
        if name == "api:token_revoke":
            return {"pk": pk["institution"][which], "token_pk": api_tokens[which]}
        if name == "accounts:institution_staff_remove":
            return {
                "pk": pk["institution"][which],
                "staff_pk": (clerk_role.pk, other_clerk.pk)[which],
            }
        if name == "branches:help_detail":
            return {"slug": draft_help.slug}
        if name == "conversion:course_import_template":
            return {"fmt": ("xlsx", "csv")[which]}
        if name in (
            "conversion:application_apply",
            "achievements:consent_create",
            "achievements:batch_new",
        ):
            return {}  # no object in its URL: what it makes is posted
        if name == "conversion:application_queue":
            return {"queue": ("accept", "decide")[which]}
        if name in ("verify:document", "verify:pdf", "verify:credential"):
            return {"code": pk["ready_code"][which]}
        if name == "verify:share":
            return {"token": pk["share_token"][which]}
        if name == "achievements:status_list":
            return {"number": 0, "purpose": ("revocation", "suspension")[which]}
        if name in exact:
            return {"pk": pk[exact[name]][which]}
        for prefix, kind in kinds.items():
            if name.startswith(prefix):
                return {"pk": pk[kind][which]}
        raise AssertionError(f"no objects for {name}")

    return kwargs


def _conversion_world(people, my_institution, other_institution, other_admin) -> dict:
    """Programmes, courses and rule versions: own = of the fixture institution, written by its
    clerk; other = of another institution. One rule version per status the pages act on; the
    fixture expert is on the panel of the own version in review (not of the other one)."""
    found = {}
    for institution, author in (
        (my_institution, people["institution_clerk"]),
        (other_institution, other_admin),
    ):
        programme = ProgrammeFactory(institution=institution, created_by=author)
        course = CourseFactory(institution=institution, programmes=[programme], created_by=author)
        found.setdefault("programme", []).append(programme.pk)
        found.setdefault("course", []).append(course.pk)
        for status in ("draft", "submitted", "in_review", "approved", "published", "retired"):
            version = rule_version(programme=programme, author=author, targets=[(course, 2)])
            if status == "published":
                publish_directly(version)
            elif status == "retired":
                publish_directly(version)
                type(version).objects.filter(pk=version.pk).update(status="retired")
            elif status != "draft":
                type(version).objects.filter(pk=version.pk).update(status=status)
            if status == "in_review" and institution == my_institution:
                assign_perm("conversion.review_ruleversion", people["expert"], version)
            found.setdefault(f"{status}_rule", []).append(version.pk)
        # In review with every opinion in (another expert's): ready for the centre's decision.
        decided = rule_version(programme=programme, author=author, targets=[(course, 2)])
        type(decided).objects.filter(pk=decided.pk).update(status="in_review", review_round=1)
        panel_expert = RoleGrantFactory(user=UserFactory(), role="expert").user
        assign_perm("conversion.review_ruleversion", panel_expert, decided)
        RuleOpinion.objects.create(version=decided, reviewer=panel_expert, round=1, verdict="agree")
        found.setdefault("decided_rule", []).append(decided.pk)
    certificate = CertificateFactory()
    subject = SelfStudySubjectFactory()
    found["certificate"] = [certificate.pk, certificate.pk]
    found["subject"] = [subject.pk, subject.pk]
    return {name: tuple(pks) for name, pks in found.items()}


# Conversion applications of the world, by the status the pages act on: (application status,
# its line's status, whether the line was decided and by whom: "reviewer" = an outside reviewer).
APPLICATION_STATES = {
    "submitted": ("submitted", "pending"),
    "accepted": ("accepted", "pending"),
    "with_institution": ("with_institution", "pending"),
    "confirming": ("with_institution", "confirming"),
    "rejected": ("rejected", "refused"),
    "appealed": ("appealed", "appealed"),
    "approved": ("approved", "approved"),
}


def _application_world(people, own, other, versions) -> dict:
    """Conversion applications, one per state the pages act on: own = the fixture learner's, to
    the fixture institution, accepted at the fixture branch; other = another learner's, to
    another institution, at another branch. Each has one line on the published rule version of
    its institution, decided (where its state says so) by an outside member of staff."""
    from django.utils import timezone

    from conversion.models import ApplicationLine, ConversionApplication

    found = {}
    now = timezone.now()
    for which, (account, institution, branch, programme_id, course_id) in enumerate((own, other)):
        decider = UserFactory()
        for state, (status, line_status) in APPLICATION_STATES.items():
            application = ConversionApplication.objects.create(
                number=f"ZS-M{which}-{state[:12]}",
                account=account,
                programme_id=programme_id,
                institution=institution,
                status=status,
                applied_on=now.date(),
                branch=branch,
                accepted_at=None if status == "submitted" else now,
                due_on=None if status == "submitted" else now.date(),
                decided_at=now if status in ("rejected", "appealed", "approved") else None,
            )
            decided = line_status in ("confirming", "refused", "appealed", "approved")
            line = ApplicationLine.objects.create(
                application=application,
                course_id=course_id,
                rule_version_id=versions[which],
                outcome="credits",
                credits=Decimal("2.00"),
                status=line_status,
                stage="first" if decided else "",
                decided_by=decider if decided else None,
                decided_at=now if decided else None,
                reason="matrix" if line_status in ("refused", "appealed") else "",
            )
            found.setdefault(f"{state}_application", []).append(application.pk)
            found.setdefault(f"{state}_line", []).append(line.pk)
    return {name: tuple(pks) for name, pks in found.items()}


# Proof documents (证明), by the status the pages act on: (status, suspended).
DOCUMENT_STATES = {
    "ready": ("ready", False),
    "failed": ("failed", False),
    "suspended": ("ready", True),
}


def _proof_world(own_account, other_account) -> dict:
    """Proof documents, one per state the pages act on, with their verification codes; a share
    link (no PIN) of each ready document, with its token; and an open consent code. Own = the
    fixture learner's, other = another learner's. A ready document has a PDF file and a
    credential, as the render task leaves it (the rendering itself: test_proof_*.py)."""
    from datetime import timedelta

    from django.utils import timezone

    from achievements.models import DocumentShare, InquiryConsent, ProofDocument
    from achievements.proof.content import document_content, recognised_achievements

    found = {}
    now = timezone.now()
    for which, account in enumerate((own_account, other_account)):
        content = document_content(
            account, kind="transcript", achievements=list(recognised_achievements(account))
        )
        for n, (state, (status, suspended)) in enumerate(DOCUMENT_STATES.items()):
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval('achievements_document_status_index')")
                index = cursor.fetchone()[0]
            document = ProofDocument(
                account=account,
                kind="transcript",
                code=f"MATR1X{which}{n}".ljust(20, "0"),
                content=content,
                valid_days=30,
                requested_by=account.user,
                status=status,
                suspended=suspended,
                status_index=index,
                failure="matrix" if status == "failed" else "",
                issued_at=now if status == "ready" else None,
                expires_at=now + timedelta(days=30) if status == "ready" else None,
                progress=100 if status == "ready" else 0,
                pages=1 if status == "ready" else None,
                credential={"type": ["VerifiableCredential", "ClrCredential"]}
                if status == "ready"
                else {},
            )
            if status == "ready":
                document.pdf.save(f"{document.code}.pdf", ContentFile(PDF_BYTES), save=False)
            document.save()
            found.setdefault(f"{state}_document", []).append(document.pk)
            found.setdefault(f"{state}_code", []).append(document.code)
        ready = ProofDocument.objects.get(pk=found["ready_document"][which])
        token = f"matrix-share-{which}"
        share = DocumentShare.objects.create(
            document=ready,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=ready.expires_at,
        )
        found.setdefault("share", []).append(share.pk)
        found.setdefault("share_token", []).append(token)
        consent = InquiryConsent.objects.create(
            account=account,
            scope="totals",
            code_hash=hashlib.sha256(f"{account.pk}:MATRIX{which}".encode()).hexdigest(),
            code_hint="TR1X",
            expires_at=now + timedelta(hours=1),
        )
        found.setdefault("consent", []).append(consent.pk)
    return {name: tuple(values) for name, values in found.items()}


def _batch_world(people, my_institution, other_institution, other_clerk) -> dict:
    """A finished result batch with a refused row: own = the fixture institution's, sent by its
    clerk; other = another institution's, sent by its clerk."""
    from achievements.models import ImportBatch, ImportRow
    from achievements.services.batch import seal_raw

    found = []
    for n, (institution, clerk) in enumerate(
        ((my_institution, people["institution_clerk"]), (other_institution, other_clerk))
    ):
        batch = ImportBatch.objects.create(
            institution=institution,
            category=AchievementCategory.objects.get(code="training"),
            source=ImportBatch.Source.UPLOAD,
            mode=ImportBatch.Mode.VALID_ROWS,
            status=ImportBatch.Status.DONE,
            file_format=ImportBatch.Format.CSV,
            file_name="matrix.csv",
            sha256=f"{n}" * 64,
            created_by=clerk,
            rows_read=1,
            rows_refused=1,
        )
        ImportRow.objects.create(
            batch=batch,
            row_number=2,
            outcome=ImportRow.Outcome.REFUSED,
            external_id="MATRIX-1",
            raw_sealed=seal_raw({"external_id": "MATRIX-1", "name": "matrix"}),
            errors=[["name", "name_mismatch", "matrix"]],
        )
        found.append(batch.pk)
    return {"batch": tuple(found)}


def _active_account(branch):
    account = open_account(branch=branch)
    LearnerAccount.objects.filter(pk=account.pk).update(status="active")
    account.refresh_from_db()
    return account


def _achievement(account, institution, status, branch, people):
    """An achievement in ``status`` with what that status implies: its history, a decision
    (pending for ``confirming``, in force for ``recognised`` and ``rejected``) and, when
    recognised, its deposit on the ledger. The decisions are an outside expert's."""
    achievement = Achievement.objects.create(
        account=account,
        category=AchievementCategory.objects.get(code="training"),
        title=f"matrix {status}",
        issuer_institution=institution,
        obtained_on=date(2024, 1, 1),
        result_kind="pass",
        result_value="pass",
        deposited_by=account.user,
        status=status,
        first_check_branch=branch,
    )
    achievement.events.create(action="deposit", status="deposited", actor=account.user)
    if status in ("confirming", "recognised", "rejected"):
        expert = RoleGrantFactory(user=UserFactory(), role="expert").user
        recognised = status != "rejected"
        decision = Recognition.objects.create(
            achievement=achievement,
            stage="first",
            outcome="recognised" if recognised else "rejected",
            status="pending" if status == "confirming" else "in_force",
            credits=Decimal("3.00") if recognised else None,
            level=QualificationLevel.objects.get(number=3) if recognised else None,
            field="信息技术" if recognised else "",
            reason="" if recognised else "matrix",
            decided_by=expert,
            decided_as="expert",
        )
        if status == "recognised":
            achievement.recognition = decision
            achievement.save(update_fields=["recognition"])
            ledger_deposit(recognition=decision, acting_user=expert)
    return achievement


def matrix_urls():
    for name, pattern in named_urls():
        if name in SKIP or name.startswith(SKIP_PREFIXES):
            continue
        yield name, "<" in pattern


# Each guarded table's rows as text (every column), in a fixed order; the SHA-256 of them all.
_TABLES_AS_TEXT = " UNION ALL ".join(
    f"SELECT {n}, (SELECT string_agg(r::text, ',' ORDER BY r::text) FROM {table} r)"  # noqa: S608
    for n, table in enumerate(GUARDED_TABLES)
)
_FINGERPRINT_SQL = (
    "SELECT encode(sha256(convert_to(string_agg(coalesce(rows, ''), '|' ORDER BY n), 'UTF8')),"  # noqa: S608
    f" 'hex') FROM ({_TABLES_AS_TEXT}) AS t(n, rows)"
)


def _fingerprint() -> str:
    """What the guarded rows are, in one query: a query per table, and the rows' trip to
    Python, made each refused write of the matrix slow."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        return cursor.fetchone()[0]


def _is_post_only(name: str) -> bool:
    return name in PAYLOADS and name != "accounts:institution_invitation"


def observe(client, sessions, world, name, takes_args):
    """{role: (status for own, status for other)} — each request in its own rolled-back
    transaction so one role's write does not change what the next one sees, and with no cookie
    but the role's session as it was stored at sign-in (the copy in the cache, which a request
    may have changed and which no rollback undoes, is dropped first). One client for all: a
    new one loads the middleware again. Every request starts from the same rows, so the rows
    and the refusals are counted once, before the first."""
    writes = _is_post_only(name)
    if writes:
        before, refused_before = _fingerprint(), _refused_count()
    result = {}
    for role in ROLES:
        statuses = []
        for which in (0, 1) if takes_args else (0,):
            url = reverse(name, kwargs=world(name, which) if takes_args else None)
            with transaction.atomic():
                client.cookies.clear()
                if role != "anonymous":
                    session = SessionStore(session_key=sessions[role])
                    caches[settings.SESSION_CACHE_ALIAS].delete(session.cache_key)
                    client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
                response = client.post(url, PAYLOADS[name]) if writes else client.get(url)
                status = response.status_code
                if status in (403, 404) and writes:
                    assert _fingerprint() == before, (name, role, which, "changed a row")
                    assert _refused_count() == refused_before + 1, (name, role, "no event")
                statuses.append(status)
                transaction.set_rollback(True)
        result[role] = tuple(statuses) if takes_args else statuses[0]
    return result


def _refused_count() -> int:
    return AuditEvent.objects.filter(action="access.refused").count()


def compress(observed: dict) -> dict:
    """Keep only the roles that differ from the most common answer (stored under "*")."""
    values = list(observed.values())
    common = max(set(values), key=values.count)
    return {"*": common, **{r: v for r, v in observed.items() if v != common}}


EXPECTED: dict[str, dict] = {}  # filled below


def test_every_page_is_in_the_matrix():
    names = {name for name, _args in matrix_urls()}
    assert names - set(EXPECTED) == set(), "add these pages to EXPECTED"
    assert set(EXPECTED) - names == set(), "these pages no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "takes_args"), list(matrix_urls()), ids=lambda v: str(v))
def test_each_role_gets_the_expected_answer(client, sessions, world, name, takes_args):
    expected = EXPECTED[name]
    observed = observe(client, sessions, world, name, takes_args)
    wanted = {role: expected.get(role, expected["*"]) for role in ROLES}
    assert observed == wanted


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("MATRIX_PRINT"), reason="prints the observed matrix")
def test_print_the_observed_matrix(client, sessions, world):
    for name, takes_args in matrix_urls():
        print(f"    {name!r}: {compress(observe(client, sessions, world, name, takes_args))!r},")


# Reviewed by hand: no role reaches a page or an object outside its scope.
EXPECTED.update(
    {
        "accounts:desk": {"*": 200, "anonymous": 302},
        "accounts:audit_log": {"*": 403, "audit_admin": 200, "anonymous": 302},
        "accounts:institution_list": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "accounts:institution_apply": {"*": 200, "anonymous": 302},
        "accounts:institution_mine": {"*": 200, "anonymous": 302},
        "accounts:institution_detail": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "accounts:institution_decide": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "accounts:institution_invite": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "accounts:institution_invitation_cancel": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "accounts:institution_staff_remove": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "accounts:institution_invitation": {"*": (200, 200), "anonymous": (302, 302)},
        "accounts:my_account": {"*": 302, "learner": 200},
        "accounts:my_account_mobile": {"*": 302, "learner": 200},
        # The new ID photo: only the learner has an account to send it for (an empty form).
        "accounts:my_account_id_image": {"*": 302, "learner": 200},
        "accounts:my_notices": {"*": 200, "anonymous": 302},
        "accounts:my_notices_read": {"*": 302},
        "accounts:my_notice_open": {
            "*": (404, 404),
            "learner": (302, 404),
            "anonymous": (302, 302),
        },
        "accounts:role_grants": {"*": 403, "security_admin": 200, "anonymous": 302},
        "accounts:role_grant_revoke": {
            "*": (403, 403),
            "security_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "branches:service_points": {"*": 200},
        "branches:announcement_list": {"*": 200},
        "search": {"*": 200},
        "branches:help_list": {"*": 200},
        "branches:contact": {"*": 200},
        # A draft help page: the centre previews it; to everyone else it does not exist.
        "branches:help_detail": {"*": (404, 404), "centre_admin": (200, 200)},
        "branches:announcement_detail": {"*": (404, 404), "centre_admin": (200, 200)},
        "branches:membership_directory": {"*": 200},
        "branches:network_index": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "branches:network_branch_list": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "branches:network_branch_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:network_branch_detail": {
            "*": (404, 404),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:network_branch_edit": {
            "*": (404, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:network_service_point_list": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "branches:network_service_point_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:network_service_point_edit": {
            "*": (404, 404),
            "branch_manager": (200, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:network_staff_list": {
            "*": 403,
            "branch_manager": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "branches:network_staff_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:network_staff_remove": {
            "*": (404, 404),
            "branch_manager": (403, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "branches:membership_list": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:membership_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:membership_detail": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (200, 404),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:membership_edit": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:membership_suspend": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "branches:membership_reinstate": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:membership_end": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "branches:announcement_manage": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:help_page_manage": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:help_page_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:help_page_edit": {
            "*": (404, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:help_page_publish": {
            "*": (404, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "branches:help_page_unpublish": {
            "*": (404, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:announcement_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "branches:announcement_edit": {
            "*": (404, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "branches:announcement_publish": {
            "*": (404, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "branches:announcement_unpublish": {
            "*": (404, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        # Opening a learning account online: anyone signed in who has none (the matrix's learner
        # has one and is sent to it). Listed since the namespace: its bare name, account_open,
        # used to fall under allauth's "account_" prefix and was skipped.
        "branches:account_open": {"*": 200, "learner": 302, "anonymous": 302},
        "branches:desk_accounts": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "anonymous": 302,
        },
        "branches:desk_account_new": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "anonymous": 302,
        },
        "branches:desk_account": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_verify": {
            "*": (403, 403),
            "branch_manager": (302, 404),
            "branch_staff": (302, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_reveal": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_id_image": {
            "*": (403, 403),
            "branch_manager": (404, 404),
            "branch_staff": (404, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_id_preview": {
            "*": (403, 403),
            "branch_manager": (404, 404),
            "branch_staff": (404, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_return": {
            "*": (403, 403),
            "branch_manager": (302, 404),
            "branch_staff": (302, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_freeze": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_unfreeze": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "branches:desk_account_close": {
            "*": (403, 403),
            "branch_manager": (302, 404),
            "branch_staff": (302, 404),
            "anonymous": (302, 302),
        },
        "achievements:standard_guide": {"*": 200},
        "achievements:level_list": {"*": 200},
        "achievements:level_detail": {"*": (200, 200)},
        "achievements:category_list": {"*": 200},
        "achievements:standard_list": {"*": 200},
        "achievements:standard_detail": {"*": (200, 200)},
        "achievements:standard_manage": {
            "*": 403,
            "institution_admin": 200,
            "institution_clerk": 200,
            "institution_reviewer": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "achievements:standard_create": {
            "*": 403,
            "institution_admin": 200,
            "institution_clerk": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "achievements:standard_manage_detail": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "achievements:standard_edit": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "achievements:standard_submit": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (302, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "achievements:standard_new_version": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (302, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "achievements:standard_decide": {
            "*": (403, 403),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "achievements:standard_retire": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "achievements:level_edit": {
            "*": (403, 403),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "achievements:category_edit": {
            "*": (403, 403),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
    }
)

# Deposits (存储): the owner reads and writes; branch staff of the home branch and the staff of
# the issuing institution read (a write is 403); everyone else, centre included, gets 404.
_READ = {
    "*": (404, 404),
    "learner": (200, 404),
    "institution_admin": (200, 404),
    "institution_clerk": (200, 404),
    "institution_reviewer": (200, 404),
    "branch_manager": (200, 404),
    "branch_staff": (200, 404),
    "anonymous": (302, 302),
}


def _write(owner: tuple) -> dict:
    readers = ("institution_admin", "institution_clerk", "institution_reviewer")
    readers += ("branch_manager", "branch_staff")
    return {**_READ, "learner": owner, **{role: (403, 404) for role in readers}}


EXPECTED.update(
    {
        "achievements:archive": {"*": 403, "learner": 200, "outsider": 200, "anonymous": 302},
        "achievements:achievement_deposit": {
            "*": 403,
            "learner": 200,
            "outsider": 200,
            "anonymous": 302,
        },
        "achievements:achievement_detail": _READ,
        "achievements:achievement_edit": _write((200, 404)),
        "achievements:achievement_delete": _write((302, 404)),
        "achievements:evidence_add": _write(
            (200, 404)
        ),  # the empty payload is refused beside the field
        "achievements:evidence_remove": _write((302, 404)),
        "achievements:evidence_download": _READ,
        "achievements:achievement_clerk_list": {
            "*": 403,
            "institution_clerk": 200,
            "anonymous": 302,
        },
        "achievements:achievement_clerk_deposit": {
            "*": 403,
            "institution_clerk": 200,
            "anonymous": 302,
        },
    }
)

# Recognition (认定). The learner's own steps: the world's learning account is still pending, so
# applying and appealing are refused beside the form (200) and nothing is written. Staff who may
# read an achievement in that state but not take the learner's step get 403; the rest 404.
_STAFF_READERS = {
    role: (403, 404)
    for role in (
        "institution_admin",
        "institution_clerk",
        "institution_reviewer",
        "branch_manager",
        "branch_staff",
    )
}
# The desks: each queue to the roles that work it. The review pages: the in-scope achievement
# (the fixture branch's learner, issued by the fixture institution) and one outside it; the
# centre and experts work across the city. A step by a reader who may not take it is 403.
_REVIEW_READ = {
    **_READ,
    "learner": (404, 404),
    "centre_admin": (200, 200),
    "expert": (200, 200),
}


def _step(*, local: tuple = (), city: tuple = (), readers: tuple = ()) -> dict:
    """A review step: ``local`` roles act in their scope only, ``city`` roles everywhere;
    ``readers`` may read the achievement in that state everywhere but not act (403)."""
    expected = {"*": (404, 404), "anonymous": (302, 302), **_STAFF_READERS}
    expected.update({role: (302, 404) for role in local})
    expected.update({role: (302, 302) for role in city})
    expected.update({role: (403, 403) for role in readers})
    return expected


_FIRST_CHECKERS = ("institution_clerk", "branch_manager", "branch_staff")
EXPECTED.update(
    {
        "achievements:achievement_submit": _write((200, 404)),
        "achievements:achievement_resubmit": {**_write((200, 404)), "centre_admin": (403, 404)},
        "achievements:achievement_appeal": {
            "*": (403, 404),
            "learner": (200, 404),
            **{
                role: (404, 404)
                for role in (
                    "quality_auditor",
                    "committee_member",
                    "system_admin",
                    "security_admin",
                    "audit_admin",
                    "outsider",
                )
            },
            "anonymous": (302, 302),
        },
        "achievements:review_check_queue": {
            "*": 403,
            **{r: 200 for r in _FIRST_CHECKERS},
            "anonymous": 302,
        },
        "achievements:review_decide_queue": {
            "*": 403,
            "institution_reviewer": 200,
            "expert": 200,
            "anonymous": 302,
        },
        "achievements:review_confirm_queue": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "achievements:review_appeals_queue": {"*": 403, "expert": 200, "anonymous": 302},
        "achievements:review_detail": _REVIEW_READ,
        "achievements:review_forward": _step(local=_FIRST_CHECKERS, readers=("centre_admin",)),
        "achievements:review_return": _step(local=_FIRST_CHECKERS, readers=("centre_admin",)),
        # The standards to recognise against (htmx): for those who may take the step.
        "achievements:review_standards": {
            **_step(local=("institution_reviewer",), city=("expert",), readers=("centre_admin",)),
            "institution_reviewer": (200, 404),
            "expert": (200, 200),
        },
        "achievements:review_recognise": _step(
            local=("institution_reviewer",), city=("expert",), readers=("centre_admin",)
        ),
        "achievements:review_reject": _step(
            local=("institution_reviewer",), city=("expert",), readers=("centre_admin",)
        ),
        "achievements:review_confirm": _step(city=("centre_admin",), readers=("expert",)),
        "achievements:review_send_back": _step(city=("centre_admin",), readers=("expert",)),
        "achievements:review_revoke": _step(city=("centre_admin",), readers=("expert",)),
    }
)

# Conversion: programmes and courses. The institution's staff list them (the centre every
# institution's); its administrators and clerks write, its reviewers and the centre read only
# (403); the staff of another institution and everyone else get 404 for an object.
_CATALOGUE_LIST = {
    "*": 403,
    "institution_admin": 200,
    "institution_clerk": 200,
    "institution_reviewer": 200,
    "centre_admin": 200,
    "anonymous": 302,
}
_CATALOGUE_WRITE = {"*": 403, "institution_admin": 200, "institution_clerk": 200, "anonymous": 302}
_CATALOGUE_EDIT = {
    "*": (404, 404),
    "institution_admin": (200, 404),
    "institution_clerk": (200, 404),
    "institution_reviewer": (403, 404),
    "centre_admin": (403, 403),
    "anonymous": (302, 302),
}
EXPECTED.update(
    {
        "conversion:programme_manage": _CATALOGUE_LIST,
        "conversion:programme_create": _CATALOGUE_WRITE,
        "conversion:programme_edit": _CATALOGUE_EDIT,
        "conversion:caps_edit": _CATALOGUE_EDIT,
        "conversion:course_manage": _CATALOGUE_LIST,
        "conversion:course_create": _CATALOGUE_WRITE,
        "conversion:course_edit": _CATALOGUE_EDIT,
        "conversion:course_import": _CATALOGUE_WRITE,
        # The template (xlsx, csv) for those who import.
        "conversion:course_import_template": {
            "*": (403, 403),
            "institution_admin": (200, 200),
            "institution_clerk": (200, 200),
            "anonymous": (302, 302),
        },
    }
)

# Conversion: the reference lists (public; the centre keeps them).
EXPECTED.update(
    {
        "conversion:certificate_list": {"*": 200},
        "conversion:certificate_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "conversion:certificate_edit": {
            "*": (403, 403),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "conversion:subject_list": {"*": 200},
        "conversion:subject_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "conversion:subject_edit": {
            "*": (403, 403),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
    }
)

# Conversion: the public lookup, the course catalogue (课程超市), a course, a programme and a
# published rule version: anyone, signed in or not, own institution's or another's. (A draft
# version through rule_public is 404 for everyone: tests/conversion/test_rule_public.py.)
EXPECTED.update(
    {
        "conversion:lookup": {"*": 200},
        "conversion:course_catalogue": {"*": 200},
        "conversion:course_public": {"*": (200, 200)},
        "conversion:programme_public": {"*": (200, 200)},
        "conversion:rule_public": {"*": (200, 200)},
    }
)

# Conversion: drafting rules. The list for the institutions' staff and the centre; the editor
# and a new version for the target institution's writers (its reviewers and the centre read,
# 403); one version's page for its institution's staff, the centre, and an expert only while
# on its panel (the own version in review).
EXPECTED.update(
    {
        "conversion:rule_manage": {
            "*": 403,
            "institution_admin": 200,
            "institution_clerk": 200,
            "institution_reviewer": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "conversion:rule_create": {
            "*": 403,
            "institution_admin": 200,
            "institution_clerk": 200,
            "anonymous": 302,
        },
        "conversion:rule_manage_detail": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (200, 404),
            "centre_admin": (200, 200),
            "expert": (200, 404),
            "anonymous": (302, 302),
        },
        "conversion:rule_edit": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "conversion:rule_new_version": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (302, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
    }
)

# Conversion: the review of rule versions. The queue: the centre, experts and the institutions'
# writers (each sees their own lists). The steps (POST): writers submit and withdraw their own
# institution's versions; the centre assigns panels, returns, approves, publishes and retires
# any; an expert gives an opinion only on a version whose panel they are on (another is 404).
# Approving: a version in review whose panel (another expert) has answered.
EXPECTED.update(
    {
        "conversion:review_queue": {
            "*": 403,
            "institution_admin": 200,
            "institution_clerk": 200,
            "centre_admin": 200,
            "expert": 200,
            "anonymous": 302,
        },
        "conversion:rule_submit": {
            "*": (403, 403),
            "institution_admin": (302, 404),
            "institution_clerk": (302, 404),
            "anonymous": (302, 302),
        },
        "conversion:rule_withdraw": {
            "*": (403, 403),
            "institution_admin": (302, 404),
            "institution_clerk": (302, 404),
            "anonymous": (302, 302),
        },
        "conversion:rule_panel_assign": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "conversion:rule_opinion": {
            "*": (403, 403),
            "expert": (302, 404),
            "anonymous": (302, 302),
        },
        "conversion:rule_return": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "conversion:rule_approve": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "conversion:rule_publish": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "conversion:rule_retire": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
    }
)

# Conversion: the what-if simulator (模拟转换). The learner's and applying from it: learners
# (the fixture learner's account is pending and the outsider has none: both get the page's
# notice, nothing written); staff without a learning account 403. The public one: anyone.
EXPECTED.update(
    {
        "conversion:my_simulate": {"*": 403, "learner": 200, "outsider": 200, "anonymous": 302},
        "conversion:application_apply": {
            "*": 403,
            "learner": 200,
            "outsider": 200,
            "anonymous": 302,
        },
        "conversion:simulate_public": {"*": 200},
    }
)

# Conversion applications (转换申请). The learner's own pages: their list (learners; staff
# without a learning account 403), one application (its staff readers are sent to the review
# page), withdrawing and appealing (the learner's own steps: staff readers 403). The readers of
# an application: its learner, the staff of its branch, the target institution's staff (its
# administrators read only) and centre administrators; everyone else 404. The queues: accepting
# for branch staff and the clerks of the member institution, deciding for its reviewers (own =
# "accept", other = "decide"). A step by a reader it is not open to: 403 (the access helper or
# the service's capacity check).
_APPLICATION_READERS = {
    role: (403, 404)
    for role in (
        "learner",
        "institution_admin",
        "institution_clerk",
        "institution_reviewer",
        "branch_manager",
        "branch_staff",
    )
}


def _application_step(*actors: str, centre: tuple = (403, 403)) -> dict:
    """A staff step on the own application: ``actors`` take it (302); the other readers 403."""
    return {
        "*": (404, 404),
        **_APPLICATION_READERS,
        **{role: (302, 404) for role in actors},
        "centre_admin": centre,
        "anonymous": (302, 302),
    }


EXPECTED.update(
    {
        "conversion:my_applications": {
            "*": 403,
            "learner": 200,
            "outsider": 200,
            "anonymous": 302,
        },
        "conversion:my_application": {
            "*": (404, 404),
            **{role: (302, 404) for role in _APPLICATION_READERS},
            "learner": (200, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "conversion:application_withdraw": {
            **_application_step(),
            "learner": (302, 404),
        },
        "conversion:application_appeal": {
            **_application_step(),
            "learner": (200, 404),
        },
        "conversion:application_queue": {
            "*": (403, 403),
            "branch_manager": (200, 403),
            "branch_staff": (200, 403),
            "institution_clerk": (200, 403),
            "institution_reviewer": (403, 200),
            "anonymous": (302, 302),
        },
        "conversion:application_review": {
            "*": (404, 404),
            **{role: (200, 404) for role in _APPLICATION_READERS},
            "learner": (302, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "conversion:application_accept": _application_step(
            "branch_manager", "branch_staff", "institution_clerk"
        ),
        "conversion:application_decline": _application_step(
            "branch_manager", "branch_staff", "institution_clerk"
        ),
        "conversion:application_take": _application_step("institution_reviewer"),
        "conversion:line_decide": _application_step("institution_reviewer"),
        "conversion:line_confirm": _application_step(centre=(302, 302)),
        "conversion:line_send_back": _application_step(centre=(302, 302)),
    }
)

# Proof (证明). The learner's own documents, share links and consent codes: their owner only —
# everyone else gets 404, the centre too (it reads documents on its own pages) — and the steps
# on them (POST) likewise. The lists and the request forms: learners (the fixture learner's
# account is pending and the outsider has none: both see the page's notice); staff without a
# learning account 403.
_LEARNER_PAGE = {"*": 403, "learner": 200, "outsider": 200, "anonymous": 302}
_OWN_DOCUMENT = {"*": (404, 404), "learner": (200, 404), "anonymous": (302, 302)}
_OWN_STEP = {"*": (404, 404), "learner": (302, 404), "anonymous": (302, 302)}
EXPECTED.update(
    {
        "achievements:document_list": _LEARNER_PAGE,
        "achievements:document_request": _LEARNER_PAGE,
        "achievements:consent_list": _LEARNER_PAGE,
        "achievements:consent_create": _LEARNER_PAGE,
        "achievements:document_detail": _OWN_DOCUMENT,
        "achievements:document_progress": _OWN_DOCUMENT,
        "achievements:document_download": _OWN_DOCUMENT,
        "achievements:document_credential": _OWN_DOCUMENT,
        "achievements:share_create": _OWN_STEP,
        "achievements:document_extend": _OWN_STEP,
        "achievements:document_withdraw": _OWN_STEP,
        "achievements:document_retry": _OWN_STEP,
        "achievements:share_end": _OWN_STEP,
        "achievements:consent_cancel": _OWN_STEP,
    }
)

# Proof: verification (验证) — anyone, signed in or not, with a valid code or share link (both
# documents are ready); and what verifiers of the credentials fetch: the DID document and the
# status lists (list 0, revocation and suspension).
EXPECTED.update(
    {
        "verify:verify_form": {"*": 200},
        "verify:document": {"*": (200, 200)},
        "verify:pdf": {"*": (200, 200)},
        "verify:credential": {"*": (200, 200)},
        "verify:share": {"*": (200, 200)},
        "verify:inquiry": {"*": 200},
        "did_document": {"*": 200},
        "achievements:status_list": {"*": (200, 200)},
    }
)

# Proof: the centre's document management. Centre administrators and quality auditors read
# every document; only centre administrators revoke, suspend and reinstate (an auditor's step
# is 403); everyone else 404.
_CENTRE_STEP = {
    "*": (404, 404),
    "centre_admin": (302, 302),
    "quality_auditor": (403, 403),
    "anonymous": (302, 302),
}
EXPECTED.update(
    {
        "achievements:document_manage_list": {
            "*": 403,
            "centre_admin": 200,
            "quality_auditor": 200,
            "anonymous": 302,
        },
        "achievements:document_manage_detail": {
            "*": (404, 404),
            "centre_admin": (200, 200),
            "quality_auditor": (200, 200),
            "anonymous": (302, 302),
        },
        "achievements:document_revoke": _CENTRE_STEP,
        "achievements:document_suspend": _CENTRE_STEP,
        "achievements:document_reinstate": _CENTRE_STEP,
    }
)

# Direct recognition mandates (直接认定授权): centre administrators only — the list and the grant
# form are 403 for everyone else, a mandate 404.
EXPECTED.update(
    {
        "achievements:mandate_list": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "achievements:mandate_grant": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "achievements:mandate_end": {
            "*": (404, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
    }
)

# Batch recognition (批量认定). The list and the template: the institutions' staff who read their
# batches (clerks, administrators) and the centre's readers; sending a file: clerks of an approved
# member institution (the fixture's). A batch: its institution's clerks and administrators and
# the centre's readers; its refused rows (their cells may hold ID numbers): its clerks only
# (its other readers 403); everyone else 404.
_BATCH_PAGE = {
    "*": 403,
    "institution_admin": 200,
    "institution_clerk": 200,
    "centre_admin": 200,
    "quality_auditor": 200,
    "anonymous": 302,
}
_BATCH_READ = {
    "*": (404, 404),
    "institution_admin": (200, 404),
    "institution_clerk": (200, 404),
    "centre_admin": (200, 200),
    "quality_auditor": (200, 200),
    "anonymous": (302, 302),
}
EXPECTED.update(
    {
        "achievements:batch_list": _BATCH_PAGE,
        "achievements:batch_template": _BATCH_PAGE,
        "achievements:batch_new": {"*": 403, "institution_clerk": 200, "anonymous": 302},
        "achievements:batch_detail": _BATCH_READ,
        "achievements:batch_progress": _BATCH_READ,
        "achievements:batch_refused": {
            **_BATCH_READ,
            "institution_admin": (403, 404),
            "institution_clerk": (200, 404),
            "centre_admin": (403, 403),
            "quality_auditor": (403, 403),
        },
    }
)

# The institutions' API tokens: their institution's administrators list, make and revoke them;
# its other staff and the centre's administrators (who read the institution) get 403; everyone
# else, and everyone for another institution's, 404.
_TOKEN_PAGE = {
    "*": (404, 404),
    "institution_admin": (200, 404),
    "institution_clerk": (403, 404),
    "institution_reviewer": (403, 404),
    "centre_admin": (403, 403),
    "anonymous": (302, 302),
}
EXPECTED.update(
    {
        "api:token_list": _TOKEN_PAGE,
        "api:token_create": {**_TOKEN_PAGE, "institution_admin": (302, 404)},
        "api:token_revoke": {**_TOKEN_PAGE, "institution_admin": (302, 404)},
    }
)
