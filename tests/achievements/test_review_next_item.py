"""After a step, staff go on to the next item of the same queue, or back to the queue when
nothing else waits for them, told so in a message; a revocation stays on its achievement."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from achievements.models import Achievement
from tests.accounts.factories import RoleGrantFactory
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _aged(achievement, days: int):
    Achievement.objects.filter(pk=achievement.pk).update(
        status_changed_at=timezone.now() - timedelta(days=days)
    )
    return achievement


def test_a_first_check_leads_on_to_the_longest_waiting_application(client, review):
    taken = review.submitted(title="先处理的")
    newer = _aged(review.submitted(title="较新的"), 2)
    oldest = _aged(review.submitted(title="最久的"), 9)
    signed_in(client, review["branch_staff"])
    response = client.post(
        reverse("achievements:review_forward", args=[taken.pk]), {"forward-note": ""}, follow=True
    )
    assert response.redirect_chain[0][0] == reverse("achievements:review_detail", args=[oldest.pk])
    told = _messages(response)
    assert "Forwarded for a decision. The learner has been told." in told
    assert "Next in “First check”: the longest-waiting item." in told
    # The one waiting less long comes after it.
    assert newer.pk in {a.pk for a in Achievement.objects.filter(status="under_review")}


def test_after_the_last_item_the_reviewer_is_back_at_the_queue(client, review):
    achievement = review.forwarded()
    signed_in(client, review["expert"])
    response = client.post(
        reverse("achievements:review_reject", args=[achievement.pk]),
        {"reject-reason": "证书无法核实。"},
        follow=True,
    )
    assert response.redirect_chain[0][0] == reverse("achievements:review_decide_queue")
    assert "Nothing else waits for you in “Recognition decisions”." in _messages(response)
    achievement.refresh_from_db()
    assert achievement.status == Achievement.Status.REJECTED


def test_the_next_item_is_one_the_person_may_act_on(client, review):
    """A centre administrator's re-review leads past the decisions they made themselves."""
    mine = review.confirming(title="别人的决定")
    signed_in(client, review["centre_admin"])
    # Another decision waiting for re-review, made by this administrator (as an expert).
    RoleGrantFactory(user=review["centre_admin"], role="expert")
    own = review.forwarded(title="自己的决定")
    client.post(
        reverse("achievements:review_recognise", args=[own.pk]),
        {"recognise-unit_standard": review.big_standard.code},
    )
    own.refresh_from_db()
    assert own.status == Achievement.Status.CONFIRMING
    response = client.post(
        reverse("achievements:review_confirm", args=[mine.pk]), {"confirm-note": ""}
    )
    assert response.url == reverse("achievements:review_confirm_queue")


def test_a_revocation_stays_on_the_achievement(client, review):
    achievement = review.recognised()
    review.confirming()  # waiting in the centre administrator's queue, but not next here
    signed_in(client, review["centre_admin"])
    response = client.post(
        reverse("achievements:review_revoke", args=[achievement.pk]),
        {"revoke-reason": "证书系伪造。"},
    )
    assert response.url == reverse("achievements:review_detail", args=[achievement.pk])
