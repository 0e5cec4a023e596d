"""What every page reads of its person is cached (accounts.cache) and dropped whenever it
changes: a role granted or revoked, an institution's staff, a branch posting, a learning account
opened or its status changed, a notice sent or read. Real Redis (the test's own namespace)."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.cache import state_key, user_changed
from accounts.models import InstitutionStaff, Notice, Role
from accounts.services import role_grant, role_revoke
from accounts.services.notices import notice_send, notices_mark_read
from branches.models import StaffAssignment
from tests.accounts.factories import InstitutionFactory
from tests.accounts.learner_factories import open_account
from tests.branches.factories import BranchCentreFactory
from tests.conftest import new_people, signed_in

HOME = "/"


def nav_names(client) -> set[str]:
    return {item["name"] for item in client.get(HOME).context["nav_items"]}


def test_a_second_page_reads_the_person_from_the_cache_not_the_database(client, people):
    signed_in(client, people["centre_admin"])
    client.get(HOME)
    assert cache.get(state_key(people["centre_admin"].pk)) is not None
    with CaptureQueriesContext(connection) as captured:
        client.get(HOME)
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    for table in (
        "accounts_rolegrant",
        "accounts_institutionstaff",
        "branches_staffassignment",
        "accounts_learneraccount",
        "accounts_notice",
    ):
        assert table not in tables, table


def test_a_role_granted_shows_its_page_on_the_next_page_and_a_revoked_one_goes(client, people):
    user = new_people("newcomer")["newcomer"]  # with TOTP, as staff need it
    signed_in(client, user)
    assert "accounts:institution_list" not in nav_names(client)
    role_grant(acting_user=people["security_admin"], user=user, role=Role.CENTRE_ADMIN)
    assert "accounts:institution_list" in nav_names(client)
    role_revoke(acting_user=people["security_admin"], user=user, role=Role.CENTRE_ADMIN)
    assert "accounts:institution_list" not in nav_names(client)


def test_institution_staff_and_branch_postings_show_at_once(client, people):
    user = new_people("newcomer")["newcomer"]
    signed_in(client, user)
    assert "achievements:standard_manage" not in nav_names(client)
    staff = InstitutionStaff.objects.create(
        institution=InstitutionFactory(), user=user, role=InstitutionStaff.Role.CLERK
    )
    assert "achievements:standard_manage" in nav_names(client)
    staff.delete()
    assert "achievements:standard_manage" not in nav_names(client)
    StaffAssignment.objects.create(
        branch=BranchCentreFactory(), user=user, role=StaffAssignment.Role.STAFF
    )
    assert "branches:desk_accounts" in nav_names(client)


def test_a_learning_account_opened_shows_in_the_header_at_once(client, people):
    user = people["outsider"]
    signed_in(client, user)
    assert client.get(HOME).context["learner_account"] is None
    account = open_account(branch=BranchCentreFactory(), user=user)
    shown = client.get(HOME).context["learner_account"]
    assert shown.account_number == account.account_number
    assert account.account_number in client.get(HOME).content.decode()


def test_a_notice_sent_shows_in_the_badge_and_reading_it_clears_it(
    client, people, django_capture_on_commit_callbacks
):
    user = people["learner"]
    signed_in(client, user)
    assert client.get(HOME).context["unread_notices"] == 0
    notice_send(user=user, title="您的账户已核验", email=False)
    response = client.get(HOME)
    assert response.context["unread_notices"] == 1
    assert "1 new" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # as the request's commit would
        notices_mark_read(acting_user=user)
    assert client.get(HOME).context["unread_notices"] == 0


def test_a_write_that_bypasses_save_is_shown_after_user_changed(client, people):
    user = people["learner"]
    signed_in(client, user)
    notice_send(user=user, title="通知", email=False)
    assert client.get(HOME).context["unread_notices"] == 1
    Notice.objects.filter(user=user).update(read_at="2026-01-01T00:00:00Z")
    assert client.get(HOME).context["unread_notices"] == 1  # cached: update() sends no signal
    user_changed(user.pk)
    assert client.get(HOME).context["unread_notices"] == 0
