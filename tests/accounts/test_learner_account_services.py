"""Learning accounts: one identity one account, the status machine, encryption and the audit."""

import pytest
from django.db import connection

from accounts.models import LearnerAccount
from accounts.services import (
    learner_account_close,
    learner_account_freeze,
    learner_account_unfreeze,
    learner_account_verify,
    learner_id_reveal,
)
from accounts.services.learners import TRANSITIONS, account_number_is_valid
from creditbank.audit import verify_chain
from creditbank.errors import ServiceError
from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.accounts.learner_factories import open_account, resident_id
from tests.branches.factories import BranchCentreFactory

pytestmark = pytest.mark.django_db

S = LearnerAccount.Status


@pytest.fixture
def branch():
    return BranchCentreFactory()


def test_an_online_account_starts_pending_with_a_checked_account_number(branch):
    account = open_account(branch=branch)
    assert account.status == S.PENDING_VERIFICATION
    assert account_number_is_valid(account.account_number)
    assert len(account.account_number) == 13
    assert account.home.branch == branch
    event = AuditEvent.objects.get(action="learner_account.open", object_id=str(account.pk))
    assert event.summary["after"]["status"] == "pending_verification"


def test_the_id_number_is_encrypted_hashed_and_masked_never_stored_in_clear(branch):
    number = resident_id(7)
    account = open_account(branch=branch, id_number=number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_learneraccount WHERE id = %s", [account.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert number not in row
    assert account.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    events = " ".join(str(e) for e in AuditEvent.objects.values_list("summary", "object_id"))
    assert number not in events


def test_one_identity_one_account(branch):
    number = resident_id(8)
    open_account(branch=branch, id_number=number)
    with pytest.raises(ServiceError) as refused:
        open_account(branch=branch, id_number=number.lower())
    assert refused.value.code == "duplicate_identity"
    assert refused.value.field == "id_number"
    assert LearnerAccount.objects.count() == 1


def test_the_same_number_under_another_id_type_is_another_identity(branch):
    open_account(branch=branch, id_number="E12345678", id_type="passport", birth_date=None)
    open_account(branch=branch, id_number="E12345678", id_type="hk_macao_permit", birth_date=None)
    assert LearnerAccount.objects.count() == 2


def test_a_person_holds_one_account(branch):
    user = UserFactory()
    open_account(branch=branch, user=user)
    with pytest.raises(ServiceError):
        open_account(branch=branch, user=user)


@pytest.mark.parametrize(
    ("start", "action", "allowed"),
    [
        (start, action, start in TRANSITIONS[action][0])
        for start in S.values
        for action in ("verify", "freeze", "unfreeze", "close")
    ],
)
def test_every_transition_is_allowed_or_refused_as_written(branch, people, start, action, allowed):
    account = open_account(branch=branch)
    LearnerAccount.objects.filter(pk=account.pk).update(status=start)
    account.refresh_from_db()
    staff = people["branch_staff"]
    services = {
        "verify": lambda: learner_account_verify(
            acting_user=staff, account=account, method="in_person"
        ),
        "freeze": lambda: learner_account_freeze(acting_user=staff, account=account, reason="r"),
        "unfreeze": lambda: learner_account_unfreeze(
            acting_user=staff, account=account, reason="r"
        ),
        "close": lambda: learner_account_close(acting_user=staff, account=account, reason="r"),
    }
    events = AuditEvent.objects.count()
    if allowed:
        services[action]()
        account.refresh_from_db()
        assert account.status == TRANSITIONS[action][1]
        assert AuditEvent.objects.filter(action=f"learner_account.{action}").count() == 1
    else:
        with pytest.raises(ServiceError) as refused:
            services[action]()
        assert refused.value.code == "illegal_transition"
        account.refresh_from_db()
        assert account.status == start
        assert AuditEvent.objects.count() == events


def test_verification_records_who_and_how(branch, people):
    account = open_account(branch=branch)
    learner_account_verify(
        acting_user=people["branch_staff"], account=account, method="in_person", note="柜台核验"
    )
    account.refresh_from_db()
    assert account.verified_by == people["branch_staff"]
    assert account.verified_at is not None
    assert "柜台核验" in account.status_reason


def test_verifying_from_an_image_needs_an_image(branch, people):
    account = open_account(branch=branch)
    with pytest.raises(ServiceError):
        learner_account_verify(
            acting_user=people["branch_staff"], account=account, method="id_image"
        )


def test_revealing_the_id_is_audited_without_the_number(branch, people):
    number = resident_id(9)
    account = open_account(branch=branch, id_number=number)
    assert learner_id_reveal(acting_user=people["branch_staff"], account=account) == number
    event = AuditEvent.objects.get(action="learner_account.reveal_id")
    assert event.actor == people["branch_staff"]
    assert number not in str(event.summary)
    assert verify_chain().intact
