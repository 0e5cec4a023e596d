"""The desk (工作台): every role's to-dos with the counts their queues show, overdue marks, the
header's total, the learner's next step, and a number of queries that does not grow with the
data (accounts.desk and the registrations of accounts, branches and achievements)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.desk import Todo, todo_register
from accounts.models import (
    Institution,
    InstitutionInvitation,
    LearnerAccount,
    invitation_token_hash,
)
from accounts.roles import INSTITUTION_REVIEWER
from achievements import services
from achievements.models import Achievement
from tests.accounts.factories import InstitutionFactory
from tests.accounts.learner_factories import open_account
from tests.achievements.factories import UnitStandardFactory
from tests.conftest import ALL_ROLES, signed_in

# Who may act on each to-do (the queues' own role rules); everyone else sees none of them.
ACTORS = {
    "accounts_to_verify": {"branch_manager", "branch_staff"},
    "first_check": {"branch_manager", "branch_staff", "institution_clerk"},
    "decision": {"institution_reviewer", "expert", "expert_2"},
    "re_review": {"centre_admin", "centre_admin_2"},
    "appeals": {"expert", "expert_2"},
    "standards_to_approve": {"centre_admin", "centre_admin_2"},
    "institution_applications": {"centre_admin", "centre_admin_2"},
    "invitations": {"learner"},
    "rules_to_panel": {"centre_admin", "centre_admin_2"},
    "rules_to_decide": {"centre_admin", "centre_admin_2"},
    "rules_to_publish": {"centre_admin", "centre_admin_2"},
    "rules_for_my_opinion": {"expert", "expert_2"},
    "rules_returned": {"institution_admin", "institution_clerk"},
    "applications_to_accept": {"branch_manager", "branch_staff", "institution_clerk"},
    "applications_to_decide": {"institution_reviewer"},
    "applications_to_confirm": {"centre_admin", "centre_admin_2"},
}
ROLES = [*ALL_ROLES, "expert_2", "centre_admin_2"]


def fill(review, n: int) -> None:
    """``n`` items waiting in every queue: accounts pending verification at the branch, first
    checks, decisions, re-reviews (decided by ``expert``), appeals (rejected by ``expert``, so
    only ``expert_2`` may decide them), standards submitted, institutions applied for, and
    invitations sent to the learner's address."""
    for _ in range(n):
        open_account(branch=review.branch)
        review.submitted()
        review.forwarded()
        review.confirming()
        services.achievement_appeal(
            acting_user=review["learner"], achievement=review.rejected(), statement="请复核。"
        )
        UnitStandardFactory(submitted=True)
        InstitutionFactory(status=Institution.Status.APPLIED)
        InstitutionInvitation.objects.create(
            institution=review.institution,
            email=review["learner"].email,
            role="clerk",
            invited_by=review["institution_admin"],
            token_hash=invitation_token_hash(uuid.uuid4().hex),
        )


def desk_counts(client, user) -> dict[str, tuple[int, int | None]]:
    signed_in(client, user)
    response = client.get(reverse("accounts:desk"))
    assert response.status_code == 200
    return {row.todo.key: (row.tally.count, row.tally.overdue) for row in response.context["todos"]}


def queue_rows(client, url: str) -> int:
    """The number of rows the queue at ``url`` shows (all its pages)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def test_each_role_sees_the_to_dos_it_may_act_on_with_the_counts_its_queues_show(client, review):
    fill(review, 2)
    expected = {
        "accounts_to_verify": 2,
        "first_check": 2,
        "decision": 2,
        "re_review": 2,
        "standards_to_approve": 2,
        "institution_applications": 2,
        "invitations": 2,
        # Conversion rules are counted in tests/conversion/test_review_desk.py.
        "rules_to_panel": 0,
        "rules_to_decide": 0,
        "rules_to_publish": 0,
        "rules_for_my_opinion": 0,
        "rules_returned": 0,
        # Conversion applications are counted in tests/conversion/test_application_views.py.
        "applications_to_accept": 0,
        "applications_to_decide": 0,
        "applications_to_confirm": 0,
    }
    for role in ROLES:
        counts = desk_counts(client, review[role])
        mine = {key for key, actors in ACTORS.items() if role in actors}
        assert set(counts) == mine, role
        response = client.get(reverse("accounts:desk"))
        for row in response.context["todos"]:
            count = row.tally.count
            if row.todo.key == "invitations":
                assert count == 2
                assert len(client.get(row.todo.url).context["invitations"]) == 2
                continue
            # The count is what the queue shows the same person.
            assert count == queue_rows(client, row.todo.url), (role, row.todo.key)
            if row.todo.key == "appeals":
                # The expert who rejected took part: only the other expert may decide.
                assert count == (2 if role == "expert_2" else 0), role
            else:
                assert count == expected[row.todo.key], (role, row.todo.key)
        if mine:
            total = sum(count for count, _overdue in counts.values())
            assert client.get(reverse("accounts:desk")).context["todo_total"] == total


def test_a_to_do_with_nothing_waiting_says_so_and_nobody_else_sees_it(client, review):
    counts = desk_counts(client, review["branch_staff"])
    assert counts == {
        "accounts_to_verify": (0, 0),
        "first_check": (0, 0),
        "applications_to_accept": (0, 0),
    }
    assert "nothing waiting" in client.get(reverse("accounts:desk")).content.decode()
    # An invitation appears only while there is one.
    assert "invitations" not in desk_counts(client, review["learner"])


def test_overdue_items_are_counted_and_marked(client, review):
    fill(review, 2)
    long_ago = timezone.now() - timedelta(days=60)
    waiting = Achievement.objects.filter(status=Achievement.Status.UNDER_REVIEW)
    Achievement.objects.filter(pk=waiting.first().pk).update(status_changed_at=long_ago)
    LearnerAccount.objects.filter(pk=LearnerAccount.objects.pending().first().pk).update(
        created_at=long_ago
    )
    counts = desk_counts(client, review["branch_staff"])
    assert counts["first_check"] == (2, 1)
    assert counts["accounts_to_verify"] == (2, 1)
    page = client.get(reverse("accounts:desk")).content.decode()
    assert "1 overdue" in page
    assert desk_counts(client, review["expert"])["decision"] == (2, 0)


def test_a_new_queue_joins_every_desk_by_one_registration(client, review, monkeypatch):
    from accounts import desk
    from accounts.desk import Tally

    monkeypatch.setattr(desk, "_todos", dict(desk._todos))
    todo_register(
        Todo(
            "conversion_applications",
            "Conversion applications",
            frozenset({INSTITUTION_REVIEWER}),
            lambda user: Tally(7, 3),
            "accounts:institution_mine",
            order=5,
        )
    )
    counts = desk_counts(client, review["institution_reviewer"])
    assert counts["conversion_applications"] == (7, 3)
    assert "conversion_applications" not in desk_counts(client, review["expert"])


# --- The header's total -------------------------------------------------------------------------


def test_the_header_shows_the_total_and_the_desk_refreshes_it(client, review):
    fill(review, 1)
    signed_in(client, review["branch_staff"])
    page = reverse("accounts:my_notices")
    assert client.get(page).context["todo_total"] == 2  # an account and a first check
    assert 'class="notices-link todo-link"' in client.get(page).content.decode()
    review.submitted()
    # Cached for a minute on other pages ...
    assert client.get(page).context["todo_total"] == 2
    # ... and counted again whenever the desk is shown.
    assert client.get(reverse("accounts:desk")).context["todo_total"] == 3
    assert client.get(page).context["todo_total"] == 3


def test_nobody_with_nothing_to_do_sees_a_total(client, review):
    signed_in(client, review["quality_auditor"])
    response = client.get(reverse("accounts:my_notices"))
    assert response.context["todo_total"] == 0
    assert "todo-link" not in response.content.decode()


# --- The learner's desk --------------------------------------------------------------------------


def test_a_person_without_a_learning_account_is_shown_how_to_open_one(client, review):
    signed_in(client, review["outsider"])
    page = client.get(reverse("accounts:desk")).content.decode()
    assert "You have no learning account yet" in page
    assert reverse("branches:account_open") in page
    assert reverse("branches:service_points") in page


def test_a_pending_account_says_where_and_by_when_it_is_verified(client, review, settings):
    settings.CREDITBANK_VERIFICATION_DUE_WORKING_DAYS = 5
    from creditbank.workdays import add_working_days

    account = open_account(branch=review.branch, user=review["outsider"])
    signed_in(client, review["outsider"])
    page = client.get(reverse("accounts:desk")).content.decode()
    expected = add_working_days(timezone.localdate(account.created_at), 5)
    assert f"{review.branch.name} verifies your real name and ID" in page
    assert f"within 5 working days of opening, by {expected:%Y-%m-%d}" in page
    assert "overdue" not in page


def test_an_application_under_review_shows_its_step_and_expected_date(client, review, settings):
    settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS = 15
    from creditbank.workdays import add_working_days

    achievement = review.forwarded(title="老年照护实训")
    signed_in(client, review["learner"])
    page = client.get(reverse("accounts:desk")).content.decode()
    expected = add_working_days(timezone.localdate(achievement.status_changed_at), 15)
    assert "老年照护实训" in page
    assert str(Achievement.Status.FORWARDED.label) in page
    assert f"Expected by {expected:%Y-%m-%d}" in page


@pytest.mark.parametrize("role", ["quality_auditor", "committee_member"])
def test_the_quality_roles_are_told_what_they_can_do_today(client, review, role):
    signed_in(client, review[role])
    page = client.get(reverse("accounts:desk")).content.decode()
    assert "What you can do today" in page
    assert "come with the quality module" in page
    assert "Waiting for you" not in page


# --- A constant number of queries ----------------------------------------------------------------

# The desk's queries per role, with what accounts.cache keeps of the person warm: the user, the
# per-request reads of where they work (institutions, branches), every to-do's count in one
# query (the invitations' for everyone), and the learner's account home, applications for
# recognition and open conversion applications.
DESK_QUERIES = {
    "learner": 5,
    "institution_admin": 2,
    "institution_clerk": 5,
    "institution_reviewer": 4,
    "branch_manager": 4,
    "branch_staff": 4,
    "centre_admin": 2,
    "expert": 2,
    "expert_2": 2,
    "centre_admin_2": 2,
    "quality_auditor": 2,
    "committee_member": 2,
    "system_admin": 2,
    "security_admin": 2,
    "audit_admin": 2,
}


def desk_queries(client, user) -> int:
    signed_in(client, user)
    url = reverse("accounts:desk")
    assert client.get(url).status_code == 200  # warms the person's cached state
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_desk_takes_the_same_pinned_number_of_queries_for_1_or_3_items_per_queue(
    client, review
):
    assert set(DESK_QUERIES) == set(ROLES)
    fill(review, 1)
    assert {role: desk_queries(client, review[role]) for role in ROLES} == DESK_QUERIES
    fill(review, 2)
    assert {role: desk_queries(client, review[role]) for role in ROLES} == DESK_QUERIES


def test_all_counts_are_read_in_one_query_and_an_empty_queryset_counts_nothing(review):
    from accounts.desk import Tally, tallies_read, tally

    fill(review, 2)
    waiting = Achievement.objects.filter(status=Achievement.Status.UNDER_REVIEW)
    Achievement.objects.filter(pk=waiting.first().pk).update(
        status_changed_at=timezone.now() - timedelta(days=60)
    )
    with CaptureQueriesContext(connection) as captured:
        found = tallies_read(
            [
                tally(waiting, "status_changed_at", 5),
                Tally(7, 3),
                tally(Achievement.objects.none(), "status_changed_at", 5),
                tally(LearnerAccount.objects.pending(), "created_at", None),
            ]
        )
    assert len(captured.captured_queries) == 1
    assert found == [Tally(2, 1), Tally(7, 3), Tally(0, 0), Tally(2, None)]
