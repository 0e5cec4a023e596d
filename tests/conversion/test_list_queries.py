"""The staff lists of conversion rules and the review queue read a constant number of queries,
however many rule versions they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import signed_in
from tests.conversion.review_world import ReviewWorld

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    client.get(url)  # the person's cached state is read once, on the first request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("institution_clerk", reverse("conversion:rule_manage")),
        ("centre_admin", reverse("conversion:rule_manage")),
        ("centre_admin", reverse("conversion:review_queue") + "?show=review"),
        ("centre_admin", reverse("conversion:review_queue") + "?show=panel"),
        ("expert", reverse("conversion:review_queue") + "?show=waiting"),
    ],
)
def test_the_lists_do_not_read_more_for_more_versions(client, people, role, url):
    w = ReviewWorld(people)
    client = signed_in(client, people[role])
    w.draft()
    w.version("submitted")
    w.version("in_review")
    few = _queries(client, url)
    for _ in range(3):
        w.draft()
        w.version("submitted")
        w.version("in_review")
    assert _queries(client, url) == few
