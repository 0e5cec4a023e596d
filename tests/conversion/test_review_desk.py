"""Conversion's to-dos on the desk (conversion/desk.py): the centre's panels, decisions and
publications, an expert's opinions and the writers' returned drafts, each counting what its list
of the review queue shows the same person, read with the desk's other counts in one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversion.models import RuleVersion
from conversion.services import review
from tests.conftest import signed_in
from tests.conversion.review_world import ReviewWorld

pytestmark = pytest.mark.django_db

RULE_KEYS = {
    "rules_to_panel",
    "rules_to_decide",
    "rules_to_publish",
    "rules_for_my_opinion",
    "rules_returned",
}


@pytest.fixture
def w(people):
    return ReviewWorld(people)


def fill(w, n: int) -> None:
    """``n`` versions at each point: submitted; in review with the fixture expert's opinion
    in (a panel of one: ready for a decision); in review waiting for the fixture expert;
    approved; returned to the fixture institution."""
    for _ in range(n):
        w.version("submitted")
        ready = w.version("in_review")
        review.rule_opinion_give(acting_user=w.expert, version=ready, verdict="agree")
        w.version("in_review")
        w.version("approved")
        returned = w.version("submitted")
        review.rule_return(acting_user=w.centre, version=returned, reason="请补充。")


def desk(client, user) -> dict:
    signed_in(client, user)
    response = client.get(reverse("accounts:desk"))
    assert response.status_code == 200
    return {
        row.todo.key: (row.tally.count, row.todo.url)
        for row in response.context["todos"]
        if row.todo.key in RULE_KEYS
    }


def test_each_role_sees_its_rule_to_dos_with_the_counts_of_its_lists(client, w):
    fill(w, 2)
    expected = {
        "centre_admin": {"rules_to_panel": 2, "rules_to_decide": 2, "rules_to_publish": 2},
        "expert": {"rules_for_my_opinion": 2},
        "institution_admin": {"rules_returned": 2},
        "institution_clerk": {"rules_returned": 2},
        "institution_reviewer": {},
        "learner": {},
        "branch_staff": {},
    }
    for role, counts in expected.items():
        found = desk(client, w[role])
        assert {key: count for key, (count, _url) in found.items()} == counts, role
        for _key, (count, url) in found.items():
            listed = client.get(url)
            assert listed.status_code == 200
            assert listed.context["page"].paginator.count == count, (role, url)
    # A centre administrator who wrote a version does not decide or publish it.
    found = desk(client, w.centre_2)
    assert found["rules_to_decide"][0] == 2
    mine = w.version("approved", author=w.centre_2)
    assert desk(client, w.centre_2)["rules_to_publish"][0] == 2
    assert desk(client, w.centre)["rules_to_publish"][0] == 3
    assert mine.status == "approved"


def test_a_submitted_rule_waiting_long_is_overdue(client, w):
    version = w.version("submitted")
    w.version("submitted")
    RuleVersion.objects.filter(pk=version.pk).update(
        submitted_at=timezone.now() - timedelta(days=60)
    )
    signed_in(client, w.centre)
    response = client.get(reverse("accounts:desk"))
    rows = {row.todo.key: row.tally for row in response.context["todos"]}
    assert (rows["rules_to_panel"].count, rows["rules_to_panel"].overdue) == (2, 1)
    assert (rows["rules_to_decide"].count, rows["rules_to_decide"].overdue) == (0, 0)


def test_the_rule_to_dos_add_no_query_to_the_desk(client, w):
    def queries(user) -> int:
        signed_in(client, user)
        url = reverse("accounts:desk")
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured.captured_queries)

    roles = ("centre_admin", "expert", "institution_clerk")
    fill(w, 1)
    before = {role: queries(w[role]) for role in roles}
    fill(w, 2)
    assert {role: queries(w[role]) for role in roles} == before
