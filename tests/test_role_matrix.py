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

from accounts.models import (
    InstitutionInvitation,
    InstitutionStaff,
    LearnerAccount,
    invitation_token_hash,
)
from achievements.models import (
    Achievement,
    AchievementCategory,
    Evidence,
    QualificationLevel,
    Recognition,
)
from achievements.services.ledger import ledger_deposit
from branches.models import StaffAssignment
from creditbank.celery import app as celery_app
from creditbank.models import AuditEvent
from tests.accounts.factories import InstitutionFactory, RoleGrantFactory, UserFactory
from tests.accounts.learner_factories import open_account
from tests.achievements.factories import PDF_BYTES, UnitStandardFactory
from tests.branches.factories import (
    AllianceMembershipFactory,
    AnnouncementFactory,
    BranchCentreFactory,
    OtherDistrictFactory,
    ServicePointFactory,
    StaffAssignmentFactory,
)
from tests.conftest import ALL_ROLES, build_people
from tests.test_url_walk import named_urls

ROLES = [*ALL_ROLES, "outsider", "anonymous"]
# Pages outside this matrix: allauth's and the admin's own (covered by the URL walk), and pages
# without objects or roles.
SKIP_PREFIXES = ("admin:", "account_", "mfa_")
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
    "achievements_qualificationlevel",
    "achievements_achievementcategory",
    "achievements_unitstandard",
    "achievements_achievement",
    "achievements_evidence",
    "achievements_recognition",
    "achievements_achievementevent",
    "achievements_creditentry",
]

# What a POST carries: data that would change something for a person allowed to do it.
PAYLOADS = {
    "institution_decide": {"decision": "suspend", "reason": "matrix"},
    "institution_invite": {"email": "new.colleague@example.com", "role": "clerk"},
    "institution_invitation": {},
    "institution_invitation_cancel": {},
    "institution_staff_remove": {},
    "role_grant_revoke": {},
    "desk_account_verify": {"method": "in_person"},
    "desk_account_reveal": {},
    "desk_account_freeze": {"reason": "matrix"},
    "desk_account_unfreeze": {"reason": "matrix"},
    "desk_account_close": {"reason": "matrix"},
    "membership_suspend": {"suspend-reason": "matrix"},
    "membership_reinstate": {"reinstate-reason": "matrix"},
    "membership_end": {"end-reason": "matrix"},
    "announcement_publish": {},
    "announcement_unpublish": {},
    "network_staff_remove": {},
    "standard_submit": {},
    "standard_new_version": {},
    "standard_retire": {"retire-reason": "matrix"},
    "my_notices_read": {},
    "achievement_delete": {},
    "evidence_add": {},
    "evidence_remove": {},
    "achievement_submit": {},
    "achievement_resubmit": {"answer": "matrix"},
    "achievement_appeal": {"statement": "matrix"},
    "review_forward": {"forward-note": "matrix"},
    "review_return": {"return-message": "matrix"},
    "review_recognise": {"recognise-unit_standard": "MATRIX-1"},
    "review_reject": {"reject-reason": "matrix"},
    "review_confirm": {},
    "review_send_back": {"send_back-reason": "matrix"},
    "review_revoke": {"revoke-reason": "matrix"},
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
    other_token, other_invitation = invitation(other_institution, invitee.email)
    clerk_role = InstitutionStaff.objects.get(user=people["institution_clerk"])
    other_clerk = InstitutionStaff.objects.create(
        institution=other_institution, user=UserFactory(), role=InstitutionStaff.Role.CLERK
    )
    my_account = open_account(branch=my_branch, user=people["learner"])
    other_account = open_account(branch=other_branch, user=UserFactory())
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
        "grant": (expert_grant.pk, expert_grant.pk),
        "draft_standard": standards["draft"],
        "submitted_standard": standards["submitted"],
        "approved_standard": standards["approved"],
        "level": (level.pk, level.pk),
        "category": (category.pk, category.pk),
        "achievement": (achievements[0].pk, achievements[1].pk),
        "evidence": (evidence[0].pk, evidence[2].pk),
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
    pk.update(
        {
            "returned_achievement": (returned.pk, achievements[1].pk),
            "rejected_achievement": (rejected.pk, achievements[1].pk),
            **{f"{status}_achievement": tuple(pks) for status, pks in reviewed.items()},
        }
    )
    exact = {
        "achievement_resubmit": "returned_achievement",
        "achievement_appeal": "rejected_achievement",
        "review_detail": "forwarded_achievement",
        "review_forward": "under_review_achievement",
        "review_return": "under_review_achievement",
        "review_recognise": "forwarded_achievement",
        "review_reject": "forwarded_achievement",
        "review_confirm": "confirming_achievement",
        "review_send_back": "confirming_achievement",
        "review_revoke": "recognised_achievement",
    }
    kinds = {
        "institution_": "institution",
        "desk_account": "account",
        "network_branch_": "branch",
        "network_service_point_": "point",
        "network_staff_remove": "posting",
        "membership_": "membership",
        "announcement_": "announcement",
        "role_grant_revoke": "grant",
        "standard_edit": "draft_standard",
        "standard_submit": "draft_standard",
        "standard_manage_detail": "submitted_standard",
        "standard_decide": "submitted_standard",
        "standard_detail": "approved_standard",
        "standard_new_version": "approved_standard",
        "standard_retire": "approved_standard",
        "level_": "level",
        "category_": "category",
        "achievement_": "achievement",
        "evidence_add": "achievement",
        "evidence_": "evidence",
    }

    def kwargs(name: str, which: int) -> dict | None:
        if name == "institution_invitation":
            return {"token": (my_token, other_token)[which]}
        if name == "institution_invitation_cancel":
            return {
                "pk": pk["institution"][which],
                "invitation_pk": (my_invitation.pk, other_invitation.pk)[which],
            }
        if name == "institution_staff_remove":
            return {
                "pk": pk["institution"][which],
                "staff_pk": (clerk_role.pk, other_clerk.pk)[which],
            }
        if name in exact:
            return {"pk": pk[exact[name]][which]}
        for prefix, kind in kinds.items():
            if name.startswith(prefix):
                return {"pk": pk[kind][which]}
        raise AssertionError(f"no objects for {name}")

    return kwargs


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
        review_branch=branch,
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


def _fingerprint() -> str:
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in GUARDED_TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 - fixed names
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def _is_post_only(name: str) -> bool:
    return name in PAYLOADS and name != "institution_invitation"


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
        "desk": {"*": 200, "anonymous": 302},
        "audit_log": {"*": 403, "audit_admin": 200, "anonymous": 302},
        "institution_list": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "institution_apply": {"*": 200, "anonymous": 302},
        "institution_mine": {"*": 200, "anonymous": 302},
        "institution_detail": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "institution_decide": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "institution_invite": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "institution_invitation_cancel": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "institution_staff_remove": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "institution_invitation": {"*": (200, 200), "anonymous": (302, 302)},
        "my_account": {"*": 302, "learner": 200},
        "my_account_mobile": {"*": 302, "learner": 200},
        "my_notices": {"*": 200, "anonymous": 302},
        "my_notices_read": {"*": 302},
        "role_grants": {"*": 403, "security_admin": 200, "anonymous": 302},
        "role_grant_revoke": {
            "*": (403, 403),
            "security_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "service_points": {"*": 200},
        "announcement_list": {"*": 200},
        "announcement_detail": {"*": (404, 404), "centre_admin": (200, 200)},
        "membership_directory": {"*": 200},
        "network_index": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "network_branch_list": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "network_branch_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "network_branch_detail": {
            "*": (404, 404),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "network_branch_edit": {
            "*": (404, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "network_service_point_list": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "network_service_point_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "network_service_point_edit": {
            "*": (404, 404),
            "branch_manager": (200, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "network_staff_list": {
            "*": 403,
            "branch_manager": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "network_staff_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "network_staff_remove": {
            "*": (404, 404),
            "branch_manager": (403, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "membership_list": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "membership_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "membership_detail": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (200, 404),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "membership_edit": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "membership_suspend": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "membership_reinstate": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "membership_end": {
            "*": (404, 404),
            "institution_admin": (403, 404),
            "institution_clerk": (403, 404),
            "institution_reviewer": (403, 404),
            "branch_manager": (403, 404),
            "branch_staff": (403, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "announcement_manage": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "announcement_create": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "announcement_edit": {"*": (404, 404), "centre_admin": (200, 200), "anonymous": (302, 302)},
        "announcement_publish": {
            "*": (404, 404),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "announcement_unpublish": {
            "*": (404, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "desk_accounts": {"*": 403, "branch_manager": 200, "branch_staff": 200, "anonymous": 302},
        "desk_account_new": {
            "*": 403,
            "branch_manager": 200,
            "branch_staff": 200,
            "anonymous": 302,
        },
        "desk_account": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "desk_account_verify": {
            "*": (403, 403),
            "branch_manager": (302, 404),
            "branch_staff": (302, 404),
            "anonymous": (302, 302),
        },
        "desk_account_reveal": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "desk_account_id_image": {
            "*": (403, 403),
            "branch_manager": (404, 404),
            "branch_staff": (404, 404),
            "anonymous": (302, 302),
        },
        "desk_account_freeze": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "desk_account_unfreeze": {
            "*": (403, 403),
            "branch_manager": (200, 404),
            "branch_staff": (200, 404),
            "anonymous": (302, 302),
        },
        "desk_account_close": {
            "*": (403, 403),
            "branch_manager": (302, 404),
            "branch_staff": (302, 404),
            "anonymous": (302, 302),
        },
        "standard_guide": {"*": 200},
        "level_list": {"*": 200},
        "level_detail": {"*": (200, 200)},
        "category_list": {"*": 200},
        "standard_list": {"*": 200},
        "standard_detail": {"*": (200, 200)},
        "standard_manage": {
            "*": 403,
            "institution_admin": 200,
            "institution_clerk": 200,
            "institution_reviewer": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "standard_create": {
            "*": 403,
            "institution_admin": 200,
            "institution_clerk": 200,
            "centre_admin": 200,
            "anonymous": 302,
        },
        "standard_manage_detail": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (200, 404),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "standard_edit": {
            "*": (404, 404),
            "institution_admin": (200, 404),
            "institution_clerk": (200, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "standard_submit": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (302, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "standard_new_version": {
            "*": (404, 404),
            "institution_admin": (302, 404),
            "institution_clerk": (302, 404),
            "institution_reviewer": (403, 404),
            "centre_admin": (403, 403),
            "anonymous": (302, 302),
        },
        "standard_decide": {
            "*": (403, 403),
            "centre_admin": (200, 200),
            "anonymous": (302, 302),
        },
        "standard_retire": {
            "*": (403, 403),
            "centre_admin": (302, 302),
            "anonymous": (302, 302),
        },
        "level_edit": {"*": (403, 403), "centre_admin": (200, 200), "anonymous": (302, 302)},
        "category_edit": {"*": (403, 403), "centre_admin": (200, 200), "anonymous": (302, 302)},
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
        "archive": {"*": 403, "learner": 200, "outsider": 200, "anonymous": 302},
        "achievement_deposit": {"*": 403, "learner": 200, "outsider": 200, "anonymous": 302},
        "achievement_detail": _READ,
        "achievement_edit": _write((200, 404)),
        "achievement_delete": _write((302, 404)),
        "evidence_add": _write((200, 404)),  # the empty payload is refused beside the field
        "evidence_remove": _write((302, 404)),
        "evidence_download": _READ,
        "achievement_clerk_list": {"*": 403, "institution_clerk": 200, "anonymous": 302},
        "achievement_clerk_deposit": {"*": 403, "institution_clerk": 200, "anonymous": 302},
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


_CHECKERS = ("institution_clerk", "branch_manager", "branch_staff")
EXPECTED.update(
    {
        "achievement_submit": _write((200, 404)),
        "achievement_resubmit": {**_write((200, 404)), "centre_admin": (403, 404)},
        "achievement_appeal": {
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
        "review_check_queue": {"*": 403, **{r: 200 for r in _CHECKERS}, "anonymous": 302},
        "review_decide_queue": {
            "*": 403,
            "institution_reviewer": 200,
            "expert": 200,
            "anonymous": 302,
        },
        "review_confirm_queue": {"*": 403, "centre_admin": 200, "anonymous": 302},
        "review_appeals_queue": {"*": 403, "expert": 200, "anonymous": 302},
        "review_detail": _REVIEW_READ,
        "review_forward": _step(local=_CHECKERS, readers=("centre_admin",)),
        "review_return": _step(local=_CHECKERS, readers=("centre_admin",)),
        "review_recognise": _step(
            local=("institution_reviewer",), city=("expert",), readers=("centre_admin",)
        ),
        "review_reject": _step(
            local=("institution_reviewer",), city=("expert",), readers=("centre_admin",)
        ),
        "review_confirm": _step(city=("centre_admin",), readers=("expert",)),
        "review_send_back": _step(city=("centre_admin",), readers=("expert",)),
        "review_revoke": _step(city=("centre_admin",), readers=("expert",)),
    }
)
