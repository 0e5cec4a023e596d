"""Shared fixtures: fast settings for tests, and one person per role plus an outsider."""

import importlib
import uuid

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import InstitutionStaff, Role
from branches.models import StaffAssignment
from creditbank.celery import app as celery_app
from tests.accounts.factories import (
    InstitutionFactory,
    InstitutionStaffFactory,
    RoleGrantFactory,
    UserFactory,
)
from tests.branches.factories import BranchCentreFactory, StaffAssignmentFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Uploaded and generated files go to a folder of the test's own, never to var/media.
    settings.MEDIA_ROOT = tmp_path / "media"
    # The audit chain's checkpoints leave the database into a file: the test's own.
    settings.CREDITBANK_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
    # Tasks run in-process unless a test starts a real worker (test_celery_worker.py).
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    # Argon2 is the real hasher (test_settings checks it); tests hash many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A cache namespace per test: tests share one Redis, also across xdist workers.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }


CENTRE_ROLES = {
    "centre_admin": Role.CENTRE_ADMIN,
    "expert": Role.EXPERT,
    "quality_auditor": Role.QUALITY_AUDITOR,
    "committee_member": Role.COMMITTEE_MEMBER,
    "system_admin": Role.SYSTEM_ADMIN,
    "security_admin": Role.SECURITY_ADMIN,
    "audit_admin": Role.AUDIT_ADMIN,
}
INSTITUTION_ROLES = {
    "institution_admin": InstitutionStaff.Role.ADMIN,
    "institution_clerk": InstitutionStaff.Role.CLERK,
    "institution_reviewer": InstitutionStaff.Role.REVIEWER,
}
BRANCH_ROLES = {
    "branch_manager": StaffAssignment.Role.MANAGER,
    "branch_staff": StaffAssignment.Role.STAFF,
}
ALL_ROLES = ["learner", *INSTITUTION_ROLES, *BRANCH_ROLES, *CENTRE_ROLES]


@pytest.fixture
def people(db):
    """One person per role name of ``accounts.roles`` plus ``outsider`` (a learner with no
    relation to anyone else's objects)."""
    return build_people()


@pytest.fixture
def client_for(client, people):
    """``client_for(role)``: the test client signed in as the fixture person of ``role``, pages
    in English (so that tests can read the messages whatever the catalogue)."""

    def sign_in(role: str):
        client.force_login(people[role])
        client.cookies["creditbank_language"] = "en"
        return client

    return sign_in


def build_people() -> dict:
    """The ``people`` fixture's people, for fixtures of a wider scope (the role matrix builds
    them once per module)."""
    institution = InstitutionFactory()
    branch = BranchCentreFactory()
    result = {
        "learner": UserFactory(username="learner"),
        "outsider": UserFactory(username="outsider"),
    }
    for name, role in INSTITUTION_ROLES.items():
        result[name] = InstitutionStaffFactory(
            institution=institution, user=UserFactory(username=name), role=role
        ).user
    for name, role in BRANCH_ROLES.items():
        result[name] = StaffAssignmentFactory(
            branch=branch, user=UserFactory(username=name), role=role
        ).user
    for name, role in CENTRE_ROLES.items():
        result[name] = RoleGrantFactory(user=UserFactory(username=name), role=role).user
    for name, user in result.items():
        if name not in {"learner", "outsider"}:
            with_totp(user)  # staff pages need two-factor authentication
    return result


def with_totp(user) -> str:
    """Switch TOTP on for ``user``; return the base32 secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def reference_data(django_db_setup, django_db_blocker):
    """The levels and categories the migrations load, for transactional tests: a transactional
    test run before (on the same xdist worker) flushes every table, migration data included.
    The migration's own seeding, which leaves what is there alone."""
    from django.apps import apps

    seeding = importlib.import_module("achievements.migrations.0002_seed_levels_and_categories")
    with django_db_blocker.unblock():
        seeding.seed(apps, None)
