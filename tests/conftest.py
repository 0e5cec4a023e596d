"""Shared fixtures: fast settings for tests, and one person per role plus an outsider."""

import importlib
import uuid

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import encrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import translation

from accounts.models import InstitutionStaff, Role, RoleGrant
from branches.models import StaffAssignment
from creditbank.celery import app as celery_app
from tests.accounts.factories import PASSWORD, InstitutionFactory
from tests.branches.factories import BranchCentreFactory


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
    # Static files looked up when asked for, as in development (DEBUG on), instead of indexed
    # when a test client loads the middleware: with DEBUG off WhiteNoise stats and reads the
    # headers of every static file then (about 50 ms), and most tests make a client of their own.
    # `make run` serves them as production does (test_unavailable.py).
    settings.WHITENOISE_AUTOREFRESH = True


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

    return lambda role: signed_in(client, people[role])


def signed_in(client, user):
    """``client`` signed in as ``user`` without the log-in pages (``force_login``: for tests of
    what comes after), pages in English."""
    client.force_login(user)
    client.cookies["creditbank_language"] = "en"
    # The messages the test reads afterwards (form errors, lazy strings) in English too: the
    # portal's middleware keeps a request's language to that request. Undone after each test
    # (_language_restored).
    translation.activate("en")
    return client


@pytest.fixture(autouse=True)
def _language_restored():
    """Each test starts in the default language, whatever the one before activated."""
    yield
    translation.deactivate()


def build_people() -> dict:
    """The ``people`` fixture's people, for fixtures of a wider scope (the role matrix builds
    them once per module)."""
    institution = InstitutionFactory()
    branch = BranchCentreFactory()
    result = {
        **new_people("learner", "outsider", totp=False),
        **new_people(*INSTITUTION_ROLES, *BRANCH_ROLES, *CENTRE_ROLES),
    }
    InstitutionStaff.objects.bulk_create(
        InstitutionStaff(institution=institution, user=result[name], role=role)
        for name, role in INSTITUTION_ROLES.items()
    )
    StaffAssignment.objects.bulk_create(
        StaffAssignment(branch=branch, user=result[name], role=role)
        for name, role in BRANCH_ROLES.items()
    )
    grant_centre_roles(result, CENTRE_ROLES)
    return result


def new_people(*usernames: str, totp: bool = True) -> dict:
    """``{username: user}``: the users ``UserFactory`` makes (a verified primary e-mail address,
    the password ``PASSWORD``), with TOTP switched on as ``with_totp`` does when ``totp`` (staff
    pages need two-factor authentication); a table at a time, for the fixtures of most tests
    (one by one, the ``people`` took some 140 queries)."""
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=name, email=f"{name}@example.com", password=make_password(PASSWORD))
        for name in usernames
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    if totp:
        Authenticator.objects.bulk_create(
            Authenticator(
                user=user,
                type=Authenticator.Type.TOTP,
                data={"secret": encrypt(generate_totp_secret())},
            )
            for user in users
        )
    return dict(zip(usernames, users, strict=True))


def grant_centre_roles(people: dict, roles: dict) -> None:
    """Grant ``people[name]`` the centre role ``roles[name]``, for each name of ``roles``."""
    RoleGrant.objects.bulk_create(
        RoleGrant(user=people[name], role=role) for name, role in roles.items()
    )


def with_totp(user) -> str:
    """Switch TOTP on for ``user``; return the base32 secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def reference_data(django_db_setup, django_db_blocker):
    """The levels, categories and help pages the migrations load, for transactional tests: a
    transactional test run before (on the same xdist worker) flushes every table, migration
    data included. The migrations' own seeding, which leaves what is there alone."""
    from django.apps import apps

    seeding = importlib.import_module("achievements.migrations.0002_seed_levels_and_categories")
    help_pages = importlib.import_module("branches.migrations.0004_seed_help_pages")
    with django_db_blocker.unblock():
        seeding.seed(apps, None)
        help_pages.seed(apps, None)
